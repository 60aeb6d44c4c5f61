"""``EmailMessage`` and ``Attachment``: a message checked when it is built, MIME when it is sent.

The message is a frozen value; every address and header value is validated in the
constructor, so a message that exists can be sent. :meth:`EmailMessage.to_mime` builds it
with the standard library's ``email.message.EmailMessage`` (``multipart/alternative`` for
text and HTML, ``multipart/related`` for inline images, ``multipart/mixed`` for
attachments).
"""

from __future__ import annotations

import mimetypes
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage as MIMEMessage
from email.utils import format_datetime

from schooner.contrib.mail._address import check_header_value, has_line_break, parse_address
from schooner.contrib.mail.exceptions import InvalidMessage

__all__ = ["MANAGED_HEADERS", "POLICY", "Attachment", "EmailMessage"]

POLICY = policy.SMTP.clone(cte_type="7bit")
"""How messages are written: CRLF line ends, lines folded at 78, bodies in 7-bit encodings
(quoted-printable or base64 for non-ASCII), so that any SMTP server takes them."""

MANAGED_HEADERS = frozenset(
    {
        "bcc",
        "cc",
        "content-transfer-encoding",
        "content-type",
        "date",
        "from",
        "message-id",
        "mime-version",
        "reply-to",
        "subject",
        "to",
    }
)
"""Headers a message sets from its fields; they cannot be given as extra headers."""

# RFC 5322 §2.2: a field name is printable ASCII except the colon.
_FIELD_NAME = re.compile(r"[!-9;-~]+")
# RFC 2045 §5.1: type "/" subtype, both tokens.
_CONTENT_TYPE = re.compile(r"[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+")
_CONTENT_ID = re.compile(r"[A-Za-z0-9!#$%&'*+/^_`{|}~.@-]+")


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file attached to a message, or an image shown inside its HTML (``inline=True``).

    ::

        Attachment("report.pdf", pdf_bytes)                       # type guessed: application/pdf
        Attachment("logo.png", png, inline=True, content_id="logo")   # <img src="cid:logo">

    Args:
        filename: the name the recipient sees; no path separators or control characters.
        content: the file's bytes.
        content_type: ``type/subtype``; guessed from the file name when omitted
            (``application/octet-stream`` when it cannot be).
        inline: shown inside the HTML body (referenced as ``cid:<content_id>``) rather than
            listed as an attachment; needs an HTML body.
        content_id: the id an inline part is referred to by (``logo`` for ``cid:logo``);
            the file name by default.
    """

    filename: str
    content: bytes
    content_type: str | None = None
    inline: bool = False
    content_id: str | None = None

    def __post_init__(self) -> None:
        check_header_value(self.filename, field="attachment filename", allow_tab=False)
        if not self.filename.strip() or any(c in self.filename for c in "/\\"):
            raise InvalidMessage(
                f"Attachment filename {self.filename!r} must be a plain file name (no folders).",
                field="attachments",
            )
        if not isinstance(self.content, (bytes, bytearray, memoryview)):
            raise InvalidMessage(
                f"Attachment {self.filename!r}: content must be bytes, not "
                f"{type(self.content).__name__} (encode text first).",
                field="attachments",
            )
        object.__setattr__(self, "content", bytes(self.content))
        kind = self.content_type
        if kind is None:
            kind = mimetypes.guess_type(self.filename, strict=False)[0] or (
                "application/octet-stream"
            )
            object.__setattr__(self, "content_type", kind)
        if not _CONTENT_TYPE.fullmatch(kind):
            raise InvalidMessage(
                f"Attachment {self.filename!r}: content_type {kind!r} is not type/subtype "
                "(e.g. 'application/pdf').",
                field="attachments",
            )
        if self.content_id is not None and not _CONTENT_ID.fullmatch(self.content_id):
            raise InvalidMessage(
                f"Attachment {self.filename!r}: content_id {self.content_id!r} may hold only "
                "letters, digits and !#$%&'*+-/^_`{|}~.@ (no spaces or angle brackets).",
                field="attachments",
            )

    @property
    def cid(self) -> str:
        """The id an inline part is referred to by: ``<img src="cid:{{ cid }}">``."""
        return self.content_id or re.sub(r"[^A-Za-z0-9.-]", "_", self.filename)


def _addresses(value: str | Sequence[str], name: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else list(value)
    return tuple(str(parse_address(item, field=name)) for item in items)


@dataclass(frozen=True, kw_only=True, slots=True)
class EmailMessage:
    """An e-mail, validated as it is built: ``EmailMessage(to=[...], subject=..., text=...)``.

    Addresses are ``ada@example.com`` or ``Ada Lovelace <ada@example.com>``, one per item (a
    single string is one address); they are checked and kept in their normal form. No
    header value may hold a line break, another control character or an RFC 2047 encoded
    word (which decodes to anything), so nothing a user types can add a header.
    ``from_``, ``message_id`` and ``date`` are filled in by the mailer when left out (from
    its ``default_from``, a new id, now).

    Args:
        to, cc, bcc: recipients; at least one in all. ``bcc`` never appears in what the
            SMTP server receives.
        subject: the subject line.
        text: the plain-text body.
        html: the HTML body; with ``text``, the two are alternatives
            (``multipart/alternative``) and mail clients show the one they prefer.
        from_: the sender; the mailer's ``default_from`` when ``None``.
        reply_to: where replies go, when not to the sender.
        attachments: :class:`Attachment` files and inline images.
        headers: extra headers (``List-Unsubscribe`` …); not the ones set from fields.
        message_id: the ``Message-ID`` (``<unique@domain>``); made by the mailer when
            ``None``.
        date: the ``Date``, a timezone-aware datetime; the time of sending when ``None``.

    Raises:
        InvalidMessage: an address is malformed, a header value holds a control
            character or an encoded word, an extra header is one the message sets itself,
            there is no recipient, or no content.
    """

    to: Sequence[str] = ()
    subject: str = ""
    text: str | None = None
    html: str | None = None
    from_: str | None = None
    cc: Sequence[str] = ()
    bcc: Sequence[str] = ()
    reply_to: Sequence[str] = ()
    attachments: Sequence[Attachment] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    message_id: str | None = None
    date: datetime | None = None

    def __post_init__(self) -> None:
        for name in ("to", "cc", "bcc", "reply_to"):
            object.__setattr__(self, name, _addresses(getattr(self, name), name))
        if not (self.to or self.cc or self.bcc):
            raise InvalidMessage("A message needs at least one recipient (to, cc or bcc).")
        if self.from_ is not None:
            object.__setattr__(self, "from_", str(parse_address(self.from_, field="from_")))
        # Ends are trimmed: a folded header may not end in a line of blanks (RFC 5322 §3.2.2).
        object.__setattr__(
            self, "subject", check_header_value(self.subject, field="subject").strip()
        )
        for name in ("text", "html"):
            body = getattr(self, name)
            if body is not None and not isinstance(body, str):
                raise InvalidMessage(f"{name} must be text, not {type(body).__name__}.", field=name)
        self._check_attachments()
        if self.text is None and self.html is None and not self.attachments:
            raise InvalidMessage("A message needs a text or an HTML body, or an attachment.")
        object.__setattr__(self, "headers", self._checked_headers())
        if self.message_id is not None:
            check_header_value(self.message_id, field="message_id", allow_tab=False)
            if not re.fullmatch(r"<[^<>\s]+@[^<>\s]+>", self.message_id):
                raise InvalidMessage(
                    f"message_id {self.message_id!r} is not of the form <unique@domain>.",
                    field="message_id",
                )
        if self.date is not None and (
            not isinstance(self.date, datetime) or self.date.utcoffset() is None
        ):
            raise InvalidMessage(
                "date must be a timezone-aware datetime, e.g. datetime.now(UTC).", field="date"
            )

    def _check_attachments(self) -> None:
        attachments = tuple(self.attachments)
        for item in attachments:
            if not isinstance(item, Attachment):
                raise InvalidMessage(
                    f"attachments holds {type(item).__name__}; use Attachment(filename, content).",
                    field="attachments",
                )
            if item.inline and self.html is None:
                raise InvalidMessage(
                    f"The inline part {item.filename!r} needs an HTML body to be shown in.",
                    field="attachments",
                )
        object.__setattr__(self, "attachments", attachments)

    def _checked_headers(self) -> dict[str, str]:
        headers: dict[str, str] = {}
        for name, value in dict(self.headers).items():
            if not isinstance(name, str) or not _FIELD_NAME.fullmatch(name):
                raise InvalidMessage(
                    f"Header name {name!r} is not valid: use printable ASCII without spaces "
                    "or ':' (e.g. 'List-Unsubscribe').",
                    field="headers",
                )
            if name.lower() in MANAGED_HEADERS:
                raise InvalidMessage(
                    f"{name} is set by the message itself: {_hint(name.lower())}",
                    field="headers",
                )
            headers[name] = check_header_value(value, field=f"header {name}").strip()
        return headers

    # -- reading ------------------------------------------------------------------------------

    @property
    def recipients(self) -> list[str]:
        """Every recipient's bare address (to, cc and bcc, each once): the SMTP envelope."""
        seen: dict[str, None] = {}
        for item in (*self.to, *self.cc, *self.bcc):
            seen.setdefault(parse_address(item).addr_spec, None)
        return list(seen)

    @property
    def sender(self) -> str | None:
        """The sender's bare address (the SMTP envelope's ``MAIL FROM``), if known."""
        return None if self.from_ is None else parse_address(self.from_).addr_spec

    # -- MIME ---------------------------------------------------------------------------------

    def to_mime(self, *, include_bcc: bool = False) -> MIMEMessage:
        """The message as a standard-library ``email.message.EmailMessage``.

        Args:
            include_bcc: write a ``Bcc`` header (for a copy kept locally, such as a ``.eml``
                file); never for what goes to a server.
        """
        mime = MIMEMessage(policy=POLICY)
        self._write_headers(mime, include_bcc=include_bcc)
        if self.text is not None:
            mime.set_content(self.text)
        if self.html is not None:
            if self.text is not None:
                mime.add_alternative(self.html, subtype="html")
            else:
                mime.set_content(self.html, subtype="html")
        inline = [a for a in self.attachments if a.inline]
        if inline:
            html_part = mime.get_body(("html",))
            if html_part is None:  # pragma: no cover - set just above
                raise RuntimeError("The HTML part is missing.")
            for item in inline:
                maintype, subtype = _split(item)
                html_part.add_related(
                    item.content,
                    maintype=maintype,
                    subtype=subtype,
                    cid=f"<{item.cid}>",
                    filename=item.filename,
                    disposition="inline",
                )
        for item in self.attachments:
            if not item.inline:
                maintype, subtype = _split(item)
                mime.add_attachment(
                    item.content, maintype=maintype, subtype=subtype, filename=item.filename
                )
        if "MIME-Version" not in mime:  # set_content adds it; a message of attachments only
            mime["MIME-Version"] = "1.0"
        _refuse_decoded_line_breaks(mime)
        return mime

    def to_bytes(self, *, include_bcc: bool = False) -> bytes:
        """The message as it goes on the wire (CRLF line ends, 7-bit)."""
        return self.to_mime(include_bcc=include_bcc).as_bytes(policy=POLICY)

    def _write_headers(self, mime: MIMEMessage, *, include_bcc: bool) -> None:
        def addresses(items: Sequence[str]) -> tuple[Address, ...]:
            return tuple(parse_address(item) for item in items)

        if self.from_ is not None:
            mime["From"] = parse_address(self.from_)
        for name, items in (("To", self.to), ("Cc", self.cc), ("Reply-To", self.reply_to)):
            if items:
                mime[name] = addresses(items)
        if include_bcc and self.bcc:
            mime["Bcc"] = addresses(self.bcc)
        mime["Subject"] = self.subject
        if self.date is not None:
            mime["Date"] = format_datetime(self.date)
        if self.message_id is not None:
            mime["Message-ID"] = self.message_id
        for name, value in self.headers.items():
            mime[name] = value


def _refuse_decoded_line_breaks(mime: MIMEMessage) -> None:
    """The last guard: no header, as the email package understood it, holds a line break.

    The package writes a header from its decoded value; one that held a line break would be
    written as two (Python before 3.11.10 and 3.12.5 does so). The fields' checks make this
    impossible; this makes sure of it.
    """
    for part in mime.walk():
        for name, value in part.items():
            if has_line_break(str(value)):
                raise InvalidMessage(f"The {name} header would hold a line break.", field=name)


def _split(item: Attachment) -> tuple[str, str]:
    maintype, _, subtype = (item.content_type or "application/octet-stream").partition("/")
    return maintype, subtype


def _hint(header: str) -> str:
    if header in ("content-type", "content-transfer-encoding", "mime-version"):
        return "it follows from the bodies and attachments."
    names = {"from": "from_", "reply-to": "reply_to", "message-id": "message_id"}
    return f"pass {names.get(header, header)}=... instead of a header."
