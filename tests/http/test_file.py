"""Tests for FileResponse, driven as a bare ASGI app with a fake receive and send."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from _sent import Sent

from schooner.http import FileResponse
from schooner.http._sansio.ranges import format_http_date, make_etag
from schooner.types import Message

Receive = Callable[[], Awaitable[Message]]
CONTENT = b"0123456789"


async def never_disconnect() -> Message:
    """Block like a server whose client stays connected."""
    await asyncio.Event().wait()
    raise AssertionError("unreachable")


async def call(
    response: FileResponse,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    receive: Receive = never_disconnect,
    sent: Sent | None = None,
) -> Sent:
    """Run ``response`` as an ASGI app for a request with ``headers`` and return what it sent."""
    sent = sent or Sent()
    raw = [(k.lower().encode(), v.encode("latin-1")) for k, v in (headers or {}).items()]
    scope: dict[str, Any] = {"type": "http", "method": method, "headers": raw}
    await asyncio.wait_for(response(scope, receive, sent.send), timeout=5)
    assert sent.messages[-1]["more_body"] is False
    names = [name for name, _ in sent.messages[0]["headers"] if name != b"set-cookie"]
    assert len(names) == len(set(names)), f"duplicate headers in {names}"
    return sent


@pytest.fixture
def text_file(tmp_path: Path) -> Path:
    """A ten-byte text file."""
    path = tmp_path / "digits.txt"
    path.write_bytes(CONTENT)
    return path


def validators(path: Path) -> tuple[str, str]:
    """The ETag and Last-Modified a FileResponse computes for ``path``."""
    st = path.stat()
    return make_etag(st.st_size, st.st_mtime_ns), format_http_date(st.st_mtime)


async def test_full_response_headers_and_body(text_file: Path) -> None:
    """A GET sends the whole file with length, type, validators and Accept-Ranges."""
    sent = await call(FileResponse(text_file))
    etag, last_modified = validators(text_file)
    assert sent.status == 200
    assert sent.body == CONTENT
    assert sent.headers["content-length"] == "10"
    assert sent.headers["content-type"] == "text/plain; charset=utf-8"
    assert sent.headers["etag"] == etag
    assert sent.headers["last-modified"] == last_modified
    assert sent.headers["accept-ranges"] == "bytes"
    assert "content-disposition" not in sent.headers


async def test_file_is_streamed_in_chunks(text_file: Path) -> None:
    """The body is sent chunk_size bytes at a time with more_body set until the end."""
    sent = await call(FileResponse(text_file, chunk_size=4))
    assert sent.chunks == [b"0123", b"4567", b"89", b""]
    assert [m["more_body"] for m in sent.messages[1:]] == [True, True, True, False]


async def test_empty_file(tmp_path: Path) -> None:
    """An empty file is a 200 with Content-Length 0 and an empty body."""
    path = tmp_path / "empty.bin"
    path.write_bytes(b"")
    sent = await call(FileResponse(path))
    assert sent.status == 200
    assert sent.headers["content-length"] == "0"
    assert sent.body == b""


async def test_status_headers_and_cookies_are_kept(text_file: Path) -> None:
    """A custom status, extra headers and cookies reach the start message."""
    response = FileResponse(text_file, status_code=203, headers={"Cache-Control": "max-age=60"})
    response.set_cookie("seen", "1")
    sent = await call(response)
    assert sent.status == 203
    assert sent.headers["cache-control"] == "max-age=60"
    assert sent.headers["set-cookie"].startswith("seen=1")
    assert sent.body == CONTENT


def test_headers_before_sending(text_file: Path) -> None:
    """Before sending, headers hold the type but no length, which is only known when sent."""
    response = FileResponse(text_file, filename="d.txt")
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert "content-length" not in response.headers
    assert response.headers["content-disposition"] == 'attachment; filename="d.txt"'


@pytest.mark.parametrize(
    ("name", "filename", "media_type", "expected"),
    [
        ("a.txt", None, None, "text/plain; charset=utf-8"),
        ("a.png", None, None, "image/png"),
        ("a.json", None, None, "application/json"),
        ("a.unknown-extension", None, None, "application/octet-stream"),
        ("noextension", None, None, "application/octet-stream"),
        ("a.tar.gz", None, None, "application/gzip"),
        ("a.svg.bz2", None, None, "application/x-bzip2"),
        ("blob", "report.png", None, "image/png"),
        ("a.txt", None, "application/x-custom", "application/x-custom"),
        ("a.txt", None, "text/csv", "text/csv; charset=utf-8"),
    ],
)
async def test_media_type_is_guessed(
    tmp_path: Path, name: str, filename: str | None, media_type: str | None, expected: str
) -> None:
    """Content-Type comes from media_type, else a guess from filename or path."""
    path = tmp_path / name
    path.write_bytes(CONTENT)
    sent = await call(FileResponse(path, filename=filename, media_type=media_type))
    assert sent.headers["content-type"] == expected


@pytest.mark.parametrize(
    ("filename", "disposition", "expected"),
    [
        ("report.pdf", "attachment", 'attachment; filename="report.pdf"'),
        ("report.pdf", "inline", 'inline; filename="report.pdf"'),
        ("my report.pdf", "attachment", 'attachment; filename="my report.pdf"'),
        ('say "hi"\\.txt', "attachment", 'attachment; filename="say \\"hi\\"\\\\.txt"'),
        (
            "résumé.pdf",
            "attachment",
            "attachment; filename=\"resume.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf",
        ),
        (
            "文件.txt",
            "inline",
            "inline; filename=\"__.txt\"; filename*=UTF-8''%E6%96%87%E4%BB%B6.txt",
        ),
        (
            "a\r\nb.txt",
            "attachment",
            "attachment; filename=\"a__b.txt\"; filename*=UTF-8''a%0D%0Ab.txt",
        ),
        ("a&b+c~.txt", "attachment", 'attachment; filename="a&b+c~.txt"'),
        (
            "\ufb01le €.txt",
            "attachment",
            "attachment; filename=\"file _.txt\"; filename*=UTF-8''%EF%AC%81le%20%E2%82%AC.txt",
        ),
    ],
)
async def test_content_disposition(
    text_file: Path, filename: str, disposition: Any, expected: str
) -> None:
    """Content-Disposition has a safe ASCII filename and an RFC 6266 filename* when needed."""
    sent = await call(FileResponse(text_file, filename=filename, content_disposition=disposition))
    assert sent.headers["content-disposition"] == expected


async def test_head_sends_headers_only(text_file: Path) -> None:
    """HEAD sends the same headers as GET, including the length, but no body."""
    sent = await call(FileResponse(text_file), method="HEAD")
    assert sent.status == 200
    assert sent.headers["content-length"] == "10"
    assert "etag" in sent.headers
    assert sent.chunks == [b""]


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize(
    "conditions",
    [
        {"if-none-match": "{etag}"},
        {"if-none-match": '"other", {etag}'},
        {"if-none-match": "W/{etag}"},
        {"if-none-match": "*"},
        {"if-modified-since": "{last_modified}"},
        {"if-modified-since": "Fri, 01 Jan 2100 00:00:00 GMT"},
        {"if-none-match": "{etag}", "if-modified-since": "Thu, 01 Jan 1970 00:00:00 GMT"},
    ],
)
async def test_not_modified(text_file: Path, method: str, conditions: dict[str, str]) -> None:
    """Matching If-None-Match or If-Modified-Since gives 304 with validators and no body."""
    etag, last_modified = validators(text_file)
    headers = {k: v.format(etag=etag, last_modified=last_modified) for k, v in conditions.items()}
    response = FileResponse(text_file, filename="d.txt", headers={"Cache-Control": "no-cache"})
    response.set_cookie("seen", "1")
    sent = await call(response, method=method, headers=headers)
    assert sent.status == 304
    assert sent.body == b""
    assert sent.headers["etag"] == etag
    assert sent.headers["last-modified"] == last_modified
    assert sent.headers["cache-control"] == "no-cache"
    assert "set-cookie" in sent.headers
    for name in ("content-length", "content-type", "content-disposition"):
        assert name not in sent.headers


@pytest.mark.parametrize(
    "conditions",
    [
        {"if-none-match": '"other"'},
        {"if-modified-since": "Thu, 01 Jan 1970 00:00:00 GMT"},
        {"if-modified-since": "not a date"},
        # If-None-Match takes precedence: it fails, so If-Modified-Since is not consulted.
        {"if-none-match": '"other"', "if-modified-since": "Fri, 01 Jan 2100 00:00:00 GMT"},
    ],
)
async def test_modified_sends_the_file(text_file: Path, conditions: dict[str, str]) -> None:
    """A precondition that does not match gives the full 200 response."""
    sent = await call(FileResponse(text_file), headers=conditions)
    assert sent.status == 200
    assert sent.body == CONTENT


@pytest.mark.parametrize(
    ("method", "conditions"),
    [
        ("GET", {"if-match": '"other"'}),
        ("PUT", {"if-match": 'W/"other"'}),
        ("GET", {"if-unmodified-since": "Thu, 01 Jan 1970 00:00:00 GMT"}),
        ("POST", {"if-none-match": "*"}),
    ],
)
async def test_precondition_failed(
    text_file: Path, method: str, conditions: dict[str, str]
) -> None:
    """A failing If-Match or If-Unmodified-Since, or If-None-Match on POST, gives 412."""
    sent = await call(FileResponse(text_file), method=method, headers=conditions)
    assert sent.status == 412
    assert sent.problem()["status"] == 412


async def test_if_match_success_sends_the_file(text_file: Path) -> None:
    """A matching If-Match lets the request through."""
    etag, _ = validators(text_file)
    sent = await call(FileResponse(text_file), headers={"if-match": etag})
    assert sent.status == 200
    assert sent.body == CONTENT


async def test_caller_validators_replace_computed_ones(text_file: Path) -> None:
    """An ETag or Last-Modified passed in headers is sent and used for conditions."""
    headers = {"ETag": '"v1"', "Last-Modified": "Sun, 06 Nov 1994 08:49:37 GMT"}
    sent = await call(FileResponse(text_file, headers=headers))
    assert sent.headers.getlist("etag") == ['"v1"']
    assert sent.headers.getlist("last-modified") == ["Sun, 06 Nov 1994 08:49:37 GMT"]
    by_tag = await call(FileResponse(text_file, headers=headers), headers={"if-none-match": '"v1"'})
    assert by_tag.status == 304
    by_date = await call(
        FileResponse(text_file, headers=headers),
        headers={"if-modified-since": "Sun, 06 Nov 1994 08:49:37 GMT"},
    )
    assert by_date.status == 304


async def test_preconditions_are_ignored_for_error_statuses(text_file: Path) -> None:
    """A file sent as an error page (non-2xx) ignores conditions and ranges."""
    etag, _ = validators(text_file)
    response = FileResponse(text_file, status_code=404)
    sent = await call(response, headers={"if-none-match": etag, "range": "bytes=0-1"})
    assert sent.status == 404
    assert sent.body == CONTENT


@pytest.mark.parametrize(
    ("header", "content_range", "body"),
    [
        ("bytes=0-3", "bytes 0-3/10", b"0123"),
        ("bytes=8-", "bytes 8-9/10", b"89"),
        ("bytes=-3", "bytes 7-9/10", b"789"),
        ("bytes=5-100", "bytes 5-9/10", b"56789"),
        ("bytes=0-4,3-6", "bytes 0-6/10", b"0123456"),
    ],
)
async def test_single_range(text_file: Path, header: str, content_range: str, body: bytes) -> None:
    """One satisfiable range gives 206 with Content-Range and just those bytes."""
    sent = await call(FileResponse(text_file, chunk_size=2), headers={"range": header})
    assert sent.status == 206
    assert sent.headers["content-range"] == content_range
    assert sent.headers["content-length"] == str(len(body))
    assert sent.headers["content-type"] == "text/plain; charset=utf-8"
    assert sent.body == body


async def test_multiple_ranges_are_multipart_byteranges(text_file: Path) -> None:
    """Several ranges give a multipart/byteranges body with a part per range."""
    sent = await call(FileResponse(text_file, chunk_size=3), headers={"range": "bytes=0-1,-2"})
    assert sent.status == 206
    assert "content-range" not in sent.headers
    match = re.fullmatch(r"multipart/byteranges; boundary=(\w+)", sent.headers["content-type"])
    assert match is not None
    boundary = match.group(1)
    expected = (
        f"--{boundary}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Range: bytes 0-1/10\r\n"
        "\r\n"
        "01\r\n"
        f"--{boundary}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "Content-Range: bytes 8-9/10\r\n"
        "\r\n"
        "89\r\n"
        f"--{boundary}--\r\n"
    ).encode()
    assert sent.body == expected
    assert sent.headers["content-length"] == str(len(expected))


async def test_multipart_boundaries_are_random(text_file: Path) -> None:
    """Each multipart response gets a fresh boundary."""
    first = await call(FileResponse(text_file), headers={"range": "bytes=0-1,5-6"})
    second = await call(FileResponse(text_file), headers={"range": "bytes=0-1,5-6"})
    assert first.headers["content-type"] != second.headers["content-type"]


async def test_multipart_parts_without_content_type(text_file: Path) -> None:
    """Parts omit Content-Type when the response has none."""
    response = FileResponse(text_file)
    del response.headers["content-type"]
    sent = await call(response, headers={"range": "bytes=0-0,9-9"})
    assert b"Content-Type" not in sent.body
    assert b"Content-Range: bytes 9-9/10\r\n\r\n9\r\n" in sent.body


@pytest.mark.parametrize(("header", "size"), [("bytes=10-", 10), ("bytes=20-30,-0", 10)])
async def test_unsatisfiable_range(text_file: Path, header: str, size: int) -> None:
    """No satisfiable range gives 416 with Content-Range: bytes */size."""
    sent = await call(FileResponse(text_file), headers={"range": header})
    assert sent.status == 416
    assert sent.headers["content-range"] == f"bytes */{size}"
    assert sent.problem()["status"] == 416


async def test_unsatisfiable_range_on_empty_file(tmp_path: Path) -> None:
    """An empty file cannot satisfy bytes=0-, but a suffix range just sends it whole."""
    path = tmp_path / "empty.bin"
    path.write_bytes(b"")
    sent = await call(FileResponse(path), headers={"range": "bytes=0-"})
    assert sent.status == 416
    assert sent.headers["content-range"] == "bytes */0"
    whole = await call(FileResponse(path), headers={"range": "bytes=-5"})
    assert whole.status == 200


@pytest.mark.parametrize("header", ["bytes=5-1", "items=0-1", "bytes=x-y", "bytes="])
async def test_invalid_range_is_ignored(text_file: Path, header: str) -> None:
    """A malformed or non-bytes Range is ignored and the full file sent."""
    sent = await call(FileResponse(text_file), headers={"range": header})
    assert sent.status == 200
    assert sent.body == CONTENT


@pytest.mark.parametrize("method", ["HEAD", "POST"])
async def test_range_only_applies_to_get(text_file: Path, method: str) -> None:
    """Range handling is only defined for GET, so other methods get a 200."""
    sent = await call(FileResponse(text_file), method=method, headers={"range": "bytes=0-1"})
    assert sent.status == 200
    assert sent.headers["content-length"] == "10"


async def test_accept_ranges_none_disables_ranges(text_file: Path) -> None:
    """A caller's Accept-Ranges: none turns range support off."""
    response = FileResponse(text_file, headers={"Accept-Ranges": "none"})
    sent = await call(response, headers={"range": "bytes=0-1"})
    assert sent.status == 200
    assert sent.headers.getlist("accept-ranges") == ["none"]


@pytest.mark.parametrize(
    ("if_range", "status"),
    [
        ("{etag}", 206),
        ("{last_modified}", 206),
        ('"stale"', 200),
        ("W/{etag}", 200),
        ("Thu, 01 Jan 1970 00:00:00 GMT", 200),
        ("garbage", 200),
    ],
)
async def test_if_range(text_file: Path, if_range: str, status: int) -> None:
    """If-Range applies the Range only while the ETag or date still matches."""
    etag, last_modified = validators(text_file)
    headers = {
        "range": "bytes=0-1",
        "if-range": if_range.format(etag=etag, last_modified=last_modified),
    }
    sent = await call(FileResponse(text_file), headers=headers)
    assert sent.status == status
    assert sent.body == (b"01" if status == 206 else CONTENT)


async def test_missing_file_is_a_404(tmp_path: Path) -> None:
    """A file that does not exist when the response is sent gives a 404 problem."""
    response = FileResponse(tmp_path / "gone.txt")
    sent = await call(response)
    assert sent.status == 404
    assert sent.problem() == {"type": "about:blank", "title": "Not Found", "status": 404}


async def test_file_removed_after_creating_the_response(text_file: Path) -> None:
    """Files may vanish between creating and sending the response: 404, not a crash."""
    response = FileResponse(text_file)
    text_file.unlink()
    sent = await call(response)
    assert sent.status == 404


@pytest.mark.parametrize("relative", [".", "digits.txt/inside"])
async def test_directories_and_bad_paths_are_404(text_file: Path, relative: str) -> None:
    """A directory, or a path through a regular file, is not a file to send."""
    sent = await call(FileResponse(text_file.parent / relative))
    assert sent.status == 404


async def test_head_for_missing_file_has_no_body(tmp_path: Path) -> None:
    """HEAD for a missing file gets the 404 headers only."""
    sent = await call(FileResponse(tmp_path / "gone.txt"), method="HEAD")
    assert sent.status == 404
    assert sent.body == b""


async def test_stat_result_is_used_without_statting(text_file: Path, tmp_path: Path) -> None:
    """A given stat_result supplies the validators, and vanishing files still give 404."""
    st = text_file.stat()
    sent = await call(FileResponse(text_file, stat_result=st))
    assert sent.headers["etag"] == make_etag(st.st_size, st.st_mtime_ns)
    assert sent.body == CONTENT
    gone = await call(FileResponse(tmp_path / "gone.txt", stat_result=st))
    assert gone.status == 404


async def test_file_shrinking_while_sent_raises(text_file: Path, tmp_path: Path) -> None:
    """If the file is shorter than announced, sending fails instead of sending too little."""
    bigger = tmp_path / "bigger.bin"
    bigger.write_bytes(b"x" * 100)
    response = FileResponse(text_file, stat_result=bigger.stat())
    with pytest.raises(RuntimeError, match="shorter"):
        await call(response)


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc/self/fd")
async def test_disconnect_stops_sending_and_closes_the_file(text_file: Path) -> None:
    """When the client leaves mid-download, sending stops and the file is closed."""
    stuck = asyncio.Event()

    class SlowClient(Sent):
        async def send(self, message: Message) -> None:
            await super().send(message)
            if len(self.messages) == 2:
                stuck.set()
                await asyncio.Event().wait()

    async def receive() -> Message:
        await stuck.wait()
        return {"type": "http.disconnect"}

    before = len(os.listdir("/proc/self/fd"))
    sent = SlowClient()
    scope: dict[str, Any] = {"type": "http", "method": "GET", "headers": []}
    response = FileResponse(text_file, chunk_size=1)
    await asyncio.wait_for(response(scope, receive, sent.send), timeout=5)
    assert sent.chunks == [b"0"]
    assert len(os.listdir("/proc/self/fd")) == before


def test_chunk_size_must_be_positive(text_file: Path) -> None:
    """A chunk size below one byte is rejected when the response is created."""
    with pytest.raises(ValueError, match="chunk_size"):
        FileResponse(text_file, chunk_size=0)
