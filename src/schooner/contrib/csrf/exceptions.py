"""The CSRF battery's exceptions.

::

    SchoonerError
    └── HTTPException
        └── CSRFCheckFailed     403: a cross-site request, or a missing or wrong token

Register a handler for :class:`CSRFCheckFailed` to answer refusals your own way (a page
that asks to reload the form); without one it is a 403 problem response, or an HTML error
page for browsers with the templates battery.
"""

from __future__ import annotations

from schooner.exceptions import HTTPException

__all__ = ["CSRFCheckFailed"]


class CSRFCheckFailed(HTTPException):
    """403: the request failed the CSRF check; ``detail`` says why and what to send.

    Args:
        detail: what was wrong: another site's origin, a missing token (and where to put
            it), or a wrong or expired one.
    """

    status_code = 403

    def __init__(self, detail: str) -> None:
        super().__init__(detail=detail, title="CSRF check failed")
