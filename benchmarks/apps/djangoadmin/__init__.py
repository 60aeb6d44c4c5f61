"""Django's admin on the polls tables: a minimal production project in one package.

``settings`` holds production settings (``DEBUG = False``) with what the admin needs (auth,
contenttypes, sessions, messages, staticfiles and the default middleware of
``startproject``); ``models`` maps the two polls tables (made by the benchmark, so not
managed by Django) under the app label ``polls``; ``admin`` registers the choices; ``wsgi``
is what gunicorn serves (``gunicorn djangoadmin.wsgi``). Django's own tables live in the
``django`` schema (see ``_admin_common``).
"""
