"""Time-based one-time passwords (TOTP, RFC 6238) without I/O: secrets, codes, the QR code.

An authenticator app and the server share a random secret; both derive a six-digit code
from it and the current 30-second time step. :func:`match_step` says which step a code is
for, within one step of clock drift either way (RFC 6238 §5.2), comparing every candidate
in constant time; :func:`provisioning_uri` is the ``otpauth://`` address an app scans, and
:func:`qr_svg` draws it. Storing the secret and using each step once is ``Totp``'s work.
"""

from __future__ import annotations

import hmac
from xml.etree import ElementTree

from schooner.exceptions import MissingDependency

try:
    import pyotp
except ImportError as exc:  # pragma: no cover - exercised without the extra
    raise MissingDependency(exc.name or "pyotp", "auth") from None

__all__ = [
    "DIGITS",
    "STEP",
    "WINDOW",
    "is_totp_code",
    "match_step",
    "new_secret",
    "provisioning_uri",
    "qr_svg",
]

STEP = 30
"""Seconds a code lasts (RFC 6238's default, which every authenticator app uses)."""
DIGITS = 6
WINDOW = 1
"""Time steps of clock drift accepted either way."""


def new_secret() -> str:
    """A new shared secret: 160 random bits in base32, as apps expect it."""
    return pyotp.random_base32()


def is_totp_code(code: str) -> bool:
    """Whether ``code`` looks like an app's code (six digits, spaces ignored) rather than a
    recovery code."""
    cleaned = "".join(code.split())
    return len(cleaned) == DIGITS and cleaned.isascii() and cleaned.isdigit()


def match_step(secret: str, code: str, now: float) -> int | None:
    """The time step (within the drift window of ``now``) whose code is ``code``."""
    cleaned = "".join(code.split())
    if not is_totp_code(cleaned):
        return None
    generator = pyotp.TOTP(secret, digits=DIGITS, interval=STEP)
    current = int(now // STEP)
    found = None
    for step in range(current - WINDOW, current + WINDOW + 1):
        # Every candidate is compared, in constant time, whatever matched before.
        if hmac.compare_digest(generator.generate_otp(step), cleaned):
            found = step
    return found


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    """The ``otpauth://totp/...`` address that adds ``account`` to an authenticator app."""
    generator = pyotp.TOTP(secret, digits=DIGITS, interval=STEP)
    uri: str = generator.provisioning_uri(name=account, issuer_name=issuer)
    return uri


def qr_svg(data: str) -> str:
    """``data`` as a QR code: an ``<svg>`` element on a white background, 200 px wide."""
    import qrcode
    from qrcode.image.svg import SvgPathFillImage

    maker = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=4)
    maker.add_data(data)
    image = maker.make_image(image_factory=SvgPathFillImage)
    element: ElementTree.Element = image.get_image()
    element.set("width", "200")
    element.set("height", "200")
    element.set("role", "img")
    element.set("aria-label", "QR code for your authenticator app")
    svg: str = ElementTree.tostring(element, encoding="unicode")
    return svg
