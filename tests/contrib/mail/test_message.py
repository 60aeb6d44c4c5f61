"""EmailMessage: validated when built, written as standard MIME when sent."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage as MIMEMessage

import pytest

from schooner.contrib.mail import Attachment, EmailMessage, InvalidMessage

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


def parse(data: bytes) -> MIMEMessage:
    """Parse bytes as a mail client would."""
    return message_from_bytes(data, policy=policy.default)  # type: ignore[return-value]


def message(**fields: object) -> EmailMessage:
    """A valid message with ``fields`` changed."""
    values: dict[str, object] = {"to": ["ada@example.com"], "subject": "Hello", "text": "Hi"}
    values.update(fields)
    return EmailMessage(**values)  # type: ignore[arg-type]


def test_addresses_are_normalised_and_a_single_string_is_one_recipient() -> None:
    """to/cc/bcc/reply_to become tuples of normal-form addresses."""
    sent = message(
        to="Ada <ada@example.com>",
        cc=["bob@bücher.example"],
        bcc=("c@example.com",),
        reply_to="help@example.com",
        from_="Site <site@example.com>",
    )
    assert sent.to == ("Ada <ada@example.com>",)
    assert sent.cc == ("bob@xn--bcher-kva.example",)
    assert sent.bcc == ("c@example.com",)
    assert sent.reply_to == ("help@example.com",)
    assert sent.from_ == "Site <site@example.com>"
    assert sent.sender == "site@example.com"


def test_recipients_are_the_bare_addresses_of_to_cc_and_bcc_once_each() -> None:
    """The SMTP envelope holds every recipient once, Bcc included."""
    sent = message(
        to=["Ada <ada@example.com>", "bob@example.com"],
        cc=["ada@example.com"],
        bcc=["eve@example.com"],
    )
    assert sent.recipients == ["ada@example.com", "bob@example.com", "eve@example.com"]


@pytest.mark.parametrize(
    ("fields", "reason", "field"),
    [
        ({"to": []}, "at least one recipient", ""),
        ({"to": ["not an address"]}, "not an e-mail address", "to"),
        ({"cc": ["a@example.com\nBcc: x@example.com"]}, "control character", "cc"),
        ({"subject": "Hi\r\nBcc: victim@example.com"}, "control character", "subject"),
        ({"subject": "Hi\x00"}, "control character", "subject"),
        ({"subject": "Hi\u2029there"}, "control character", "subject"),
        # Python's email package decodes these and, before 3.11.10, writes the line break.
        ({"subject": "=?utf-8?b?DQpCY2M6IHZAZXhhbXBsZS5jb20=?="}, "encoded word", "subject"),
        ({"subject": "=??B??="}, "encoded word", "subject"),
        ({"to": ["=?utf-8?b?DQpCY2M6IHY=?= <a@example.com>"]}, "encoded word", "to"),
        ({"headers": {"X-Tag": "=?utf-8?q?=0D=0AB:_c?="}}, "encoded word", "header X-Tag"),
        ({"from_": "site"}, "not an e-mail address", "from_"),
        ({"text": None}, "needs a text or an HTML body", ""),
        ({"text": b"bytes"}, "text must be text", "text"),
        ({"headers": {"X-Tag": "a\nB: c"}}, "control character", "header X-Tag"),
        ({"headers": {"X Tag": "a"}}, "Header name", "headers"),
        ({"headers": {"X-Tag:": "a"}}, "Header name", "headers"),
        ({"headers": {"Bcc": "x@example.com"}}, "pass bcc=", "headers"),
        ({"headers": {"reply-to": "x@example.com"}}, "pass reply_to=", "headers"),
        ({"headers": {"Content-Type": "text/html"}}, "bodies and attachments", "headers"),
        ({"message_id": "no-brackets@example.com"}, "<unique@domain>", "message_id"),
        ({"message_id": "<a@b>\r\nX: y"}, "control character", "message_id"),
        ({"date": datetime(2024, 1, 1)}, "timezone-aware", "date"),
        ({"attachments": [b"raw"]}, "use Attachment", "attachments"),
        (
            {"attachments": [Attachment("logo.png", PNG, inline=True)]},
            "needs an HTML body",
            "attachments",
        ),
    ],
)
def test_invalid_messages_are_refused_when_built(
    fields: dict[str, object], reason: str, field: str
) -> None:
    """Each mistake raises InvalidMessage naming the field, before anything is sent."""
    with pytest.raises(InvalidMessage, match=reason) as caught:
        message(**fields)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"filename": "../etc/passwd"}, "plain file name"),
        ({"filename": "a\r\nb.txt"}, "control character"),
        ({"filename": " "}, "plain file name"),
        ({"content": "text"}, "content must be bytes"),
        ({"content_type": "pdf"}, "type/subtype"),
        ({"content_type": "text/plain; charset=utf-8"}, "type/subtype"),
        ({"content_id": "<logo>"}, "content_id"),
    ],
)
def test_invalid_attachments_are_refused(fields: dict[str, object], reason: str) -> None:
    """A path as a file name, text content or a malformed type is refused."""
    values: dict[str, object] = {"filename": "a.txt", "content": b"x"}
    values.update(fields)
    with pytest.raises(InvalidMessage, match=reason):
        Attachment(**values)  # type: ignore[arg-type]


def test_attachment_types_are_guessed_from_the_file_name() -> None:
    """A known extension gives its type; an unknown one is application/octet-stream."""
    assert Attachment("report.pdf", b"%PDF").content_type == "application/pdf"
    assert Attachment("data.unknownext", b"x").content_type == "application/octet-stream"
    assert Attachment("logo.png", PNG).cid == "logo.png"


def test_text_that_only_looks_like_an_encoded_word_is_kept() -> None:
    """'=?' alone is ordinary text and reaches the reader unchanged."""
    sent = message(subject="Is 2+2=? Yes =?")
    assert parse(sent.to_bytes())["Subject"] == "Is 2+2=? Yes =?"


def test_the_subject_and_header_values_are_trimmed() -> None:
    """Surrounding blanks go (a folded header may not end in a blank line)."""
    sent = message(subject="  Hello  ", headers={"X-Tag": " a "})
    assert sent.subject == "Hello"
    assert sent.headers == {"X-Tag": "a"}


def test_text_only_is_a_single_plain_part_without_bcc() -> None:
    """A text message is text/plain; Bcc never reaches the wire form."""
    sent = message(bcc=["secret@example.com"], from_="site@example.com")
    data = sent.to_bytes()
    assert b"secret@example.com" not in data
    assert b"\r\n" in data
    assert b"\n" not in data.replace(b"\r\n", b"")
    parsed = parse(data)
    assert parsed.get_content_type() == "text/plain"
    assert parsed["To"] == "ada@example.com"
    assert parsed["MIME-Version"] == "1.0"
    assert parse(sent.to_bytes(include_bcc=True))["Bcc"] == "secret@example.com"


def test_text_and_html_are_alternatives() -> None:
    """Both bodies make multipart/alternative, the HTML last (the preferred one)."""
    parsed = parse(message(text="Hi Zoë", html="<p>Hi Zoë</p>").to_bytes())
    assert parsed.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in parsed.iter_parts()] == ["text/plain", "text/html"]
    assert parsed.get_body(("plain",)).get_content() == "Hi Zoë\r\n"  # type: ignore[union-attr]
    assert parsed.get_body(("html",)).get_content() == "<p>Hi Zoë</p>\r\n"  # type: ignore[union-attr]


def test_html_only_is_a_single_html_part() -> None:
    """An HTML-only message is text/html."""
    parsed = parse(message(text=None, html="<b>Hi</b>").to_bytes())
    assert parsed.get_content_type() == "text/html"


def test_attachments_and_inline_images_are_in_their_parts() -> None:
    """Files are attachments of multipart/mixed; inline images are related to the HTML."""
    sent = message(
        html='<img src="cid:logo">',
        attachments=[
            Attachment("report.pdf", b"%PDF-1.7"),
            Attachment("logo.png", PNG, inline=True, content_id="logo"),
        ],
    )
    parsed = parse(sent.to_bytes())
    assert parsed.get_content_type() == "multipart/mixed"
    files = list(parsed.iter_attachments())
    assert [(f.get_filename(), f.get_content()) for f in files] == [("report.pdf", b"%PDF-1.7")]
    html = parsed.get_body(("html",))
    assert html is not None
    related = next(p for p in parsed.walk() if p.get_content_type() == "multipart/related")
    image = next(p for p in related.iter_parts() if p.get_content_type() == "image/png")
    assert image["Content-ID"] == "<logo>"
    assert image.get_content() == PNG


def test_a_message_of_attachments_only_is_valid_mime() -> None:
    """No body but a file: multipart/mixed with a MIME-Version."""
    parsed = parse(message(text=None, attachments=[Attachment("a.txt", b"hello")]).to_bytes())
    assert parsed["MIME-Version"] == "1.0"
    assert [a.get_content() for a in parsed.iter_attachments()] == ["hello"]


def test_non_ascii_headers_are_encoded_and_read_back() -> None:
    """Unicode subjects and names survive the 7-bit wire form."""
    sent = message(
        to=["Zoë Ünal <zoe@example.com>"],
        subject="Grüße, " + "très long " * 12,
        date=datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
        message_id="<1@example.com>",
        headers={"List-Unsubscribe": "<https://example.com/unsubscribe>"},
    )
    data = sent.to_bytes()
    assert data.isascii()
    parsed = parse(data)
    assert parsed["Subject"] == sent.subject
    assert parsed["To"].addresses[0].display_name == "Zoë Ünal"
    assert parsed["Date"].datetime == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert parsed["Message-ID"] == "<1@example.com>"
    assert parsed["List-Unsubscribe"] == "<https://example.com/unsubscribe>"


def test_the_last_guard_refuses_a_header_that_decodes_to_a_line_break() -> None:
    """Should a value slip past the checks, writing the message refuses it (no Bcc line)."""
    sent = message()
    # Simulates a gap in the field checks; the frozen field is forced on purpose.
    object.__setattr__(sent, "subject", "=?utf-8?b?DQpCY2M6IHZAZXhhbXBsZS5jb20=?=")
    with pytest.raises(InvalidMessage, match="Subject header would hold a line break"):
        sent.to_bytes()
