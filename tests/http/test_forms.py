"""Form bodies: urlencoded and multipart parsing, limits and errors."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from schooner import App, Request
from schooner.datastructures import FormData, UploadFile
from schooner.exceptions import BadRequest, PayloadTooLarge, UnsupportedMediaType
from schooner.http._forms import parse_form
from schooner.testing import TestClient

BOUNDARY = "----b0undary"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


async def chunked(body: bytes, size: int | None = None) -> AsyncIterator[bytes]:
    """Yield ``body`` in pieces of ``size`` bytes (all at once by default)."""
    step = size or max(len(body), 1)
    for start in range(0, len(body), step):
        yield body[start : start + step]


def part(name: str, value: bytes, *, filename: str | None = None, headers: str = "") -> bytes:
    """One multipart part."""
    disposition = f'form-data; name="{name}"'
    if filename is not None:
        disposition += f'; filename="{filename}"'
    head = f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n{headers}\r\n"
    return head.encode() + value + b"\r\n"


def multipart(*parts: bytes) -> bytes:
    """A complete multipart body."""
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


async def test_urlencoded_keeps_order_and_repeats() -> None:
    """Repeated keys keep every value; '+' and percent-escapes are decoded."""
    form = await parse_form(
        "application/x-www-form-urlencoded", chunked(b"a=1&b=x+y%21&a=2&empty=")
    )
    assert form.getlist("a") == ["1", "2"]
    assert form["b"] == "x y!"
    assert form["empty"] == ""


@pytest.mark.parametrize("body", [b"a=%zz", b"a=%C3%28"])
async def test_urlencoded_bad_encoding_is_400(body: bytes) -> None:
    """Invalid percent-encoding or UTF-8 in a form is a 400, not a guess."""
    with pytest.raises(BadRequest, match="Malformed form body"):
        await parse_form("application/x-www-form-urlencoded", chunked(body))


async def test_urlencoded_field_count_limit() -> None:
    """A flood of tiny fields is refused before parsing them all."""
    with pytest.raises(PayloadTooLarge, match="more than 3 fields"):
        await parse_form("application/x-www-form-urlencoded", chunked(b"a&b&c&d"), max_fields=3)


async def test_not_a_form_is_415() -> None:
    """A body that is not a form gets 415 Unsupported Media Type."""
    with pytest.raises(UnsupportedMediaType) as info:
        await parse_form("application/json", chunked(b"{}"))
    assert info.value.status_code == 415


async def test_multipart_fields_and_files() -> None:
    """Text parts become str, file parts UploadFile rewound to the start."""
    body = multipart(
        part("title", "Café".encode()),
        part(
            "doc", b"hello\r\nworld", filename="notes.txt", headers="Content-Type: text/plain\r\n"
        ),
        part("raw", b"\x00\x01", filename="blob"),
    )
    form = await parse_form(MULTIPART, chunked(body))
    assert form["title"] == "Café"
    doc = form["doc"]
    assert isinstance(doc, UploadFile)
    assert (doc.filename, doc.content_type, doc.size) == ("notes.txt", "text/plain", 12)
    assert doc.headers["content-type"] == "text/plain"
    assert await doc.read() == b"hello\r\nworld"
    raw = form["raw"]
    assert isinstance(raw, UploadFile)
    assert raw.content_type == "application/octet-stream"
    assert "UploadFile(filename='blob'" in repr(raw)
    await form.close()
    assert doc.file.closed
    assert raw.file.closed


async def test_multipart_byte_by_byte_matches_whole() -> None:
    """Chunk boundaries anywhere give the same form."""
    body = multipart(part("a", b"1"), part("f", b"x" * 50, filename="f.bin"))
    whole = await parse_form(MULTIPART, chunked(body))
    split = await parse_form(MULTIPART, chunked(body, 1))
    assert split["a"] == whole["a"] == "1"
    files = [whole["f"], split["f"]]
    assert all(isinstance(f, UploadFile) for f in files)
    assert [await f.read() for f in files if isinstance(f, UploadFile)] == [b"x" * 50] * 2
    await whole.close()
    await split.close()


async def test_large_upload_spools_to_disk() -> None:
    """Past the spool size an upload moves to disk and is read through the thread pool."""
    data = bytes(range(256)) * 100
    form = await parse_form(
        MULTIPART, chunked(multipart(part("f", data, filename="big")), 1000), spool_max_size=1024
    )
    upload = form["f"]
    assert isinstance(upload, UploadFile)
    assert not upload.in_memory
    assert await upload.read(10) == data[:10]
    await upload.seek(0)
    assert await upload.read() == data
    await upload.close()


async def test_empty_file_input_is_not_a_file() -> None:
    """A file input left empty (filename="" and no data) is left out, as browsers mean."""
    form = await parse_form(
        MULTIPART, chunked(multipart(part("f", b"", filename=""), part("a", b"1")))
    )
    assert "f" not in form
    assert form["a"] == "1"


async def test_text_part_charset() -> None:
    """A text part's own charset parameter is honoured."""
    body = multipart(
        part("a", "été".encode("latin-1"), headers="Content-Type: text/plain; charset=latin-1\r\n")
    )
    form = await parse_form(MULTIPART, chunked(body))
    assert form["a"] == "été"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (multipart(part("a", b"\xff\xfe")), "not valid utf-8"),
        (
            multipart(part("a", b"x", headers="Content-Type: text/plain; charset=nope\r\n")),
            "not valid nope",
        ),
        (
            f"--{BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nx\r\n--{BOUNDARY}--\r\n".encode(),
            "no 'Content-Disposition",
        ),
        (part("a", b"1"), "ended before its closing boundary"),
        (b"garbage without any boundary", "Malformed multipart body"),
    ],
)
async def test_malformed_multipart_is_400(body: bytes, message: str) -> None:
    """Bad encodings, missing headers, truncation and garbage are all 400s."""
    with pytest.raises(BadRequest, match=message):
        await parse_form(MULTIPART, chunked(body))


async def test_missing_boundary_is_400() -> None:
    """A multipart Content-Type without its boundary cannot be parsed."""
    with pytest.raises(BadRequest, match="no boundary"):
        await parse_form("multipart/form-data", chunked(b""))


@pytest.mark.parametrize(
    ("options", "body", "message"),
    [
        ({"max_fields": 1}, multipart(part("a", b"1"), part("b", b"2")), "more than 1 fields"),
        (
            {"max_files": 1},
            multipart(part("a", b"1", filename="a"), part("b", b"2", filename="b")),
            "more than 1 files",
        ),
        ({"max_part_size": 4}, multipart(part("a", b"12345")), "larger than 4 bytes"),
    ],
)
async def test_multipart_limits_are_413(options: dict[str, int], body: bytes, message: str) -> None:
    """Too many fields or files, or an oversized text field, are refused."""
    with pytest.raises(PayloadTooLarge, match=message):
        await parse_form(MULTIPART, chunked(body), **options)


async def test_upload_in_memory_file_api() -> None:
    """UploadFile writes, seeks and reads in memory below the spool size."""
    upload = UploadFile("a.txt")
    await upload.write(b"abc")
    assert upload.in_memory
    assert upload.size == 3
    await upload.seek(1)
    assert await upload.read() == b"bc"
    await upload.close()
    assert upload.file.closed


async def test_form_data_close_and_repr() -> None:
    """FormData closes its uploads and shows its items."""
    upload = UploadFile("a")
    form = FormData([("x", "1"), ("f", upload)])
    assert repr(form).startswith("FormData([('x', '1'), ('f', UploadFile(")
    await form.close()
    assert upload.file.closed


def make_app() -> App:
    """An app that echoes the form it receives."""
    app = App()

    @app.post("/form", max_body_size=64, max_upload_size=2048)
    async def echo(request: Request) -> dict[str, object]:
        form = await request.form()
        again = await request.form()  # cached
        assert again is form
        result: dict[str, object] = {}
        for key, value in form.multi_items():
            result[key] = value if isinstance(value, str) else (await value.read()).decode()
        return result

    @app.post("/body-then-form")
    async def body_then_form(request: Request) -> dict[str, str]:
        await request.body()
        form = await request.form()
        return {k: str(v) for k, v in form.items()}

    return app


def test_request_form_end_to_end() -> None:
    """request.form() parses urlencoded and multipart bodies through the ASGI stack."""
    with TestClient(make_app()) as client:
        assert client.post("/form", data={"a": "1"}).json() == {"a": "1"}
        response = client.post("/form", data={"a": "1"}, files={"f": ("f.txt", b"file body")})
        assert response.json() == {"a": "1", "f": "file body"}
        assert client.post("/body-then-form", data={"b": "2"}).json() == {"b": "2"}


def test_request_form_limits_and_errors() -> None:
    """Urlencoded bodies use max_body_size, multipart max_upload_size; errors are problems."""
    with TestClient(make_app()) as client:
        too_big = client.post("/form", data={"a": "x" * 100})
        assert too_big.status_code == 413
        assert too_big.headers["content-type"] == "application/problem+json"
        fits = client.post("/form", files={"f": ("f.txt", b"y" * 1000)})
        assert fits.status_code == 200
        upload_too_big = client.post("/form", files={"f": ("f.txt", b"y" * 3000)})
        assert upload_too_big.status_code == 413
        not_form = client.post("/form", json={"a": 1})
        assert not_form.status_code == 415
        bad = client.post(
            "/form", content=b"a=%zz", headers={"content-type": "application/x-www-form-urlencoded"}
        )
        assert bad.status_code == 400
        assert "Malformed form body" in bad.json()["detail"]


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        (b"../../etc/passwd", "passwd"),
        (b"evil.php\x00.jpg", "evil.php.jpg"),
        (b"..", "upload"),
        (b".htaccess", "htaccess"),
        (b"photo\xe2\x80\xaegpj.exe", "photogpj.exe"),  # U+202E in UTF-8, as browsers send it
        (b"r\xc3\xa9sum\xc3\xa9.pdf", "résumé.pdf"),
    ],
)
def test_upload_filename_is_safe_end_to_end(sent: bytes, kept: str) -> None:
    """UploadFile.filename, read through the ASGI stack, holds only the safe name."""
    app = App()

    @app.post("/upload")
    async def upload(request: Request) -> dict[str, str | None]:
        form = await request.form()
        file = form["f"]
        assert isinstance(file, UploadFile)
        return {"filename": file.filename}

    head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="f"; filename="'.encode()
    body = head + sent + b'"\r\n\r\ndata\r\n' + f"--{BOUNDARY}--\r\n".encode()
    with TestClient(app) as client:
        response = client.post("/upload", content=body, headers={"content-type": MULTIPART})
    assert response.json() == {"filename": kept}
