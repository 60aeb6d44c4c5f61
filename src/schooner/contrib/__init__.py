"""Batteries: optional parts of Schooner that plug into an app as components.

Each battery lives in its own package (``schooner.contrib.orm`` …), is imported only when
you use it, and reaches the app through the public :class:`~schooner.Component` protocol
alone. Core never imports anything from here.
"""
