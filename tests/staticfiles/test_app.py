"""End-to-end tests for StaticFiles: caching headers, ranges, encodings and path safety."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from schooner import App
from schooner.exceptions import ImproperlyConfigured
from schooner.http._sansio.ranges import format_http_date
from schooner.staticfiles import StaticFiles
from schooner.testing import AsyncTestClient, TestClient

from ._support import CSS, PNG, Folders, call, digest

IMMUTABLE = "public, max-age=31536000, immutable"
FINGERPRINTED = f"/static/css/site.{digest(CSS)}.css"


def site(folders: Folders) -> App:
    """An app serving the project folder over the theme folder at /static."""
    app = App()
    app.add_static_dir(folders.project)
    app.add_static_dir(folders.theme)
    return app


@pytest.fixture
def client(folders: Folders) -> Iterator[TestClient]:
    """A client for :func:`site` that asks for uncompressed responses unless told otherwise.

    httpx asks for gzip by default; responses that are really encoded are read raw through
    ``async_client`` instead.
    """
    with TestClient(site(folders), headers={"accept-encoding": "identity"}) as test_client:
        yield test_client


@pytest.fixture
async def async_client(folders: Folders) -> AsyncIterator[AsyncTestClient]:
    """An async client for :func:`site`, whose streamed responses can be read undecoded."""
    async with AsyncTestClient(site(folders)) as test_client:
        yield test_client


# -- serving and caching headers --------------------------------------------------------------


def test_plain_name_is_revalidated(client: TestClient, folders: Folders) -> None:
    """The plain name is sent with no-cache, ETag, Last-Modified and the text content type."""
    response = client.get("/static/css/site.css")
    assert response.status_code == 200
    assert response.content == CSS
    assert response.headers["content-type"] == "text/css; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["etag"].startswith('"')
    mtime = (folders.project / "css" / "site.css").stat().st_mtime
    assert response.headers["last-modified"] == format_http_date(mtime)
    assert response.headers["content-length"] == str(len(CSS))
    assert response.headers["accept-ranges"] == "bytes"
    assert "content-encoding" not in response.headers


def test_fingerprinted_name_is_immutable(client: TestClient) -> None:
    """The fingerprinted name serves the same bytes, cacheable for a year."""
    response = client.get(FINGERPRINTED)
    assert response.status_code == 200
    assert response.content == CSS
    assert response.headers["cache-control"] == IMMUTABLE
    assert response.headers["content-type"] == "text/css; charset=utf-8"


@pytest.mark.parametrize(
    "path",
    ["/static/css/site.000000000000.css", f"/static/css/site.{digest(b'theme css')}.css"],
)
def test_wrong_fingerprint_is_404(client: TestClient, path: str) -> None:
    """A digest that is not the served file's (even the hidden theme file's) is a 404."""
    assert client.get(path).status_code == 404


def test_etag_gives_304(client: TestClient) -> None:
    """If-None-Match with the current ETag answers 304 without a body, keeping the policy."""
    etag = client.get("/static/css/site.css").headers["etag"]
    response = client.get("/static/css/site.css", headers={"if-none-match": etag})
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == etag
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["vary"] == "Accept-Encoding"
    changed = client.get("/static/css/site.css", headers={"if-none-match": '"other"'})
    assert changed.status_code == 200


def test_if_modified_since_gives_304(client: TestClient, folders: Folders) -> None:
    """If-Modified-Since at or after Last-Modified is 304; an older date gets the file."""
    mtime = (folders.project / "css" / "site.css").stat().st_mtime
    fresh = client.get(FINGERPRINTED, headers={"if-modified-since": format_http_date(mtime)})
    assert fresh.status_code == 304
    assert fresh.headers["cache-control"] == IMMUTABLE
    old = client.get(FINGERPRINTED, headers={"if-modified-since": format_http_date(mtime - 60)})
    assert old.status_code == 200
    assert old.content == CSS


def test_range_206_and_416(client: TestClient) -> None:
    """A byte range gets 206 with Content-Range; a range past the end gets 416."""
    partial = client.get("/static/css/site.css", headers={"range": "bytes=0-3"})
    assert partial.status_code == 206
    assert partial.content == CSS[:4]
    assert partial.headers["content-range"] == f"bytes 0-3/{len(CSS)}"
    beyond = client.get("/static/css/site.css", headers={"range": f"bytes={len(CSS)}-"})
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{len(CSS)}"


def test_head_sends_headers_only(client: TestClient) -> None:
    """HEAD gets the GET headers and an empty body."""
    response = client.head("/static/css/site.css")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-length"] == str(len(CSS))


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_other_methods_are_405(client: TestClient, method: str) -> None:
    """Only GET and HEAD are allowed, and the Allow header says so."""
    response = client.request(method, "/static/css/site.css")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("/static/js/app.js", "text/javascript; charset=utf-8"),
        ("/static/robots.txt", "text/plain; charset=utf-8"),
        ("/static/data.json", "application/json; charset=utf-8"),
        ("/static/logo.svg", "image/svg+xml; charset=utf-8"),
        ("/static/img/logo.png", "image/png"),
        ("/static/blob.unknownext", "application/octet-stream"),
        ("/static/dist/bundle.tar.gz", "application/x-tar"),
    ],
)
def test_content_types(client: TestClient, path: str, media_type: str) -> None:
    """Each file is sent with its type; a .tar.gz is a download, not a gzip encoding."""
    response = client.get(path)
    assert response.headers["content-type"] == media_type
    assert "content-encoding" not in response.headers


def test_a_project_file_overrides_the_themes(client: TestClient) -> None:
    """The first folder with a file serves it; the theme still serves its other files."""
    assert client.get("/static/css/site.css").content == CSS
    assert client.get("/static/img/logo.png").content == PNG


# -- precompressed siblings ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "encoding", "body"),
    [
        ("gzip, deflate, br", "br", b"brotli bytes"),
        ("gzip", "gzip", b"gzip bytes"),
        ("br;q=0, gzip", "gzip", b"gzip bytes"),
        ("br;q=0.2, gzip;q=0.9", "gzip", b"gzip bytes"),
        ("*", "br", b"brotli bytes"),
        ("br;q=0, gzip;q=0", None, CSS),
        ("*;q=0", None, CSS),
        ("identity", None, CSS),
    ],
)
async def test_precompressed_sibling(
    async_client: AsyncTestClient, accept: str, encoding: str | None, body: bytes
) -> None:
    """The best acceptable sibling is sent with Content-Encoding and the original's type."""
    for path in ("/static/css/site.css", FINGERPRINTED):
        headers = {"accept-encoding": accept}
        async with async_client.stream("GET", path, headers=headers) as response:
            assert response.status_code == 200
            assert response.headers.get("content-encoding") == encoding
            assert response.headers["content-type"] == "text/css; charset=utf-8"
            assert response.headers["vary"] == "Accept-Encoding"
            assert response.headers["content-length"] == str(len(body))
            assert b"".join([chunk async for chunk in response.aiter_raw()]) == body
        if encoding is not None:
            cache = IMMUTABLE if path == FINGERPRINTED else "no-cache"
            assert response.headers["cache-control"] == cache


def test_precompressed_sibling_raw(folders: Folders) -> None:
    """The exact bytes of the sibling are sent (checked without any client decoding)."""
    static = StaticFiles([folders.project])
    sent = call(static, b"/css/site.css", root_path="", accept_encoding="br")
    assert (sent.status, sent.body, sent.headers["content-encoding"]) == (
        200,
        b"brotli bytes",
        "br",
    )
    plain = call(static, b"/css/site.css")
    assert plain.body == CSS
    assert plain.headers["vary"] == "Accept-Encoding"
    assert "content-encoding" not in plain.headers


def test_no_vary_without_a_sibling(client: TestClient) -> None:
    """A file without precompressed siblings does not vary by Accept-Encoding."""
    response = client.get("/static/robots.txt", headers={"accept-encoding": "br, gzip"})
    assert "vary" not in response.headers
    assert "content-encoding" not in response.headers


def test_encoded_representations_have_their_own_etag(client: TestClient) -> None:
    """The br and identity responses carry different ETags and revalidate separately."""
    br = client.get("/static/css/site.css", headers={"accept-encoding": "br"})
    plain = client.get("/static/css/site.css")
    assert br.headers["etag"] != plain.headers["etag"]
    again = client.get(
        "/static/css/site.css",
        headers={"accept-encoding": "br", "if-none-match": br.headers["etag"]},
    )
    assert again.status_code == 304
    assert "content-encoding" not in again.headers


def test_range_applies_to_the_encoded_file(folders: Folders) -> None:
    """A Range on a br response slices the br bytes (the selected representation)."""
    static = StaticFiles([folders.project])
    sent = call(static, b"/css/site.css", accept_encoding="br", range="bytes=0-5")
    assert sent.status == 206
    assert sent.body == b"brotli"
    assert sent.headers["content-encoding"] == "br"


# -- path safety ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw_path",
    [
        b"/static/../secret.txt",
        b"/static/css/../../secret.txt",
        b"/static/%2e%2e/secret.txt",
        b"/static/%2E%2E/secret.txt",
        b"/static/%2e%2e%2fsecret.txt",
        b"/static/..%2fsecret.txt",
        b"/static/..%2Fsecret.txt",
        b"/static/..\\secret.txt",
        b"/static/..%5csecret.txt",
        b"/static/css/..%5c..%5csecret.txt",
        b"/static/%252e%252e/secret.txt",
        b"/static/%252e%252e%252fsecret.txt",
        b"/static//etc/passwd",
        b"/static/%2fetc%2fpasswd",
        b"/static/escape.txt",
        b"/static/up/secret.txt",
        b"/static/robots.txt%00.png",
        b"/static/%00",
        b"/static/css",
        b"/static/css/",
        b"/static/",
        b"/static",
        b"/static/.env",
        b"/static/.git/config",
        b"/static/%2eenv",
    ],
)
def test_nothing_outside_the_folder_is_served(folders: Folders, raw_path: bytes) -> None:
    """Traversal in every spelling, absolute paths, symlinks out, NUL, folders, dotfiles: 404."""
    app = App()
    app.add_static_dir(folders.project)
    sent = call(app, raw_path)
    assert sent.status == 404, sent.body
    assert b"top secret" not in sent.body
    assert b"SECRET" not in sent.body


def test_traversal_through_the_client_is_404(client: TestClient) -> None:
    """The same tricks sent through the test client (which keeps encoded dots) are 404."""
    for path in (
        "/static/%2e%2e/secret.txt",
        "/static/..%2fsecret.txt",
        "/static/%252e%252e/secret.txt",
        "/static/..\\secret.txt",
        "/static/a%00b",
    ):
        assert client.get(path).status_code == 404, path


def test_symlink_inside_the_folder_is_served(client: TestClient) -> None:
    """A symlink to a file in the same folder works like the file."""
    assert client.get("/static/robots-alias.txt").content == b"User-agent: *\n"


def test_malformed_percent_encoding_is_400(client: TestClient) -> None:
    """A path that is not valid percent-encoded UTF-8 is a bad request, not a guess."""
    assert client.get("/static/%zz").status_code == 400
    assert client.get("/static/%ff").status_code == 400


def test_standalone_malformed_path_is_400(folders: Folders) -> None:
    """Without an App in front, StaticFiles itself refuses a malformed path."""
    assert call(StaticFiles([folders.project]), b"/%ff").status == 400


# -- files that change after startup --------------------------------------------------------------


def test_a_file_added_after_startup_is_served_by_plain_name(
    client: TestClient, folders: Folders
) -> None:
    """New files are found on disk (safely) but have no fingerprinted name until a restart."""
    new = folders.project / "new.css"
    new.write_bytes(b"new")
    response = client.get("/static/new.css")
    assert response.status_code == 200
    assert response.content == b"new"
    assert response.headers["cache-control"] == "no-cache"
    assert client.get(f"/static/new.{digest(b'new')}.css").status_code == 404


def test_a_changed_file_is_revalidated(client: TestClient, folders: Folders) -> None:
    """Editing a file changes its ETag, so a revalidating client gets the new bytes."""
    path = folders.project / "robots.txt"
    etag = client.get("/static/robots.txt").headers["etag"]
    path.write_bytes(b"User-agent: nobody\n")
    later = time.time() + 5
    os.utime(path, (later, later))
    response = client.get("/static/robots.txt", headers={"if-none-match": etag})
    assert response.status_code == 200
    assert response.content == b"User-agent: nobody\n"


# -- standalone use -------------------------------------------------------------------------------


def test_mounted_by_hand(folders: Folders) -> None:
    """StaticFiles mounted with app.mount serves its folder and builds its URLs."""
    assets = StaticFiles([folders.theme], prefix="/assets")
    app = App()
    app.mount("/assets", assets)
    with TestClient(app) as client:
        url = assets.url("img/logo.png")
        assert url == f"/assets/img/logo.{digest(PNG)}.png"
        response = client.get(url)
        assert response.content == PNG
        assert response.headers["cache-control"] == IMMUTABLE
        assert client.get("/assets/css/site.css").content == b"theme css"


def test_standalone_app_with_lifespan(folders: Folders) -> None:
    """As the whole ASGI app, it hashes its files at lifespan startup and serves them."""
    static = StaticFiles([folders.project], cache_control="public, max-age=60")
    with TestClient(static, headers={"accept-encoding": "identity"}) as client:
        assert client.get("/robots.txt").headers["cache-control"] == "public, max-age=60"
        assert client.get(f"/css/site.{digest(CSS)}.css").status_code == 200
    assert repr(static) == f"StaticFiles([{folders.project}], prefix='/static')"


def test_url_quotes_names(tmp_path: Path) -> None:
    """Names with spaces or non-ASCII characters are percent-encoded in URLs and served."""
    (tmp_path / "a b ü.txt").write_bytes(b"x")
    static = StaticFiles([tmp_path], prefix="/files")
    url = static.url("a b ü.txt")
    assert url == f"/files/a%20b%20%C3%BC.{digest(b'x')}.txt"
    app = App()
    app.mount("/files", static)
    with TestClient(app) as client:
        assert client.get(url).content == b"x"


@pytest.mark.parametrize("prefix", ["static", "/static/", ""])
def test_malformed_prefix(tmp_path: Path, prefix: str) -> None:
    """The prefix must look like a mount path."""
    with pytest.raises(ImproperlyConfigured, match="must start with '/'"):
        StaticFiles([tmp_path], prefix=prefix)


def test_missing_folder(tmp_path: Path) -> None:
    """A folder that does not exist, or no folder at all, is a configuration error."""
    with pytest.raises(ImproperlyConfigured, match="does not exist"):
        StaticFiles([tmp_path / "nope"])
    with pytest.raises(ImproperlyConfigured, match="at least one folder"):
        StaticFiles([])
