"""The sessions battery's exceptions.

::

    SchoonerError
    └── SessionTooLarge     the session does not fit in a cookie (about 4 KB)

A handler that asks for the session in an app without the ``Sessions`` component gets the
core's ``ImproperlyConfigured``, which says to add it.
"""

from __future__ import annotations

from schooner.exceptions import SchoonerError

__all__ = ["SessionTooLarge"]


class SessionTooLarge(SchoonerError):
    """The session does not fit in a cookie; keep less in it or use a server-side backend.

    Raised when the response starts, so the failing request is a 500 and nothing is lost
    silently; the message gives the cookie's size.
    """
