"""The preview server as a web server: paths that try to leave the site, content types, ETag and 304, load."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import time

import pytest

from cartel.serve.app import content_type, request_key
from tests.serve.conftest import QUESTION_URL

ESCAPES = [
    "/../", "/../cartel.toml", "/..", "/%2e%2e/cartel.toml", "/%2E%2E/%2E%2E/etc/passwd", "/.%2e/cartel.toml",
    "/ressources/..%2f..%2fcartel.toml", "/ressources/%2e%2e%2fcartel.toml", "/..%5ccartel.toml",
    "/ressources\\..\\cartel.toml", "/\\..\\cartel.toml", "/index.html%00.png", "/%00", "/./index.html",
    "//cartel.toml", "/ressources//", "/%252e%252e/cartel.toml", "/Ressources/Guide%20de%20num%C3%A9risation.md",
    "/cartel.toml", "/_data/acteurs.csv", "/.cartel-cache/", "/.cartel-output",
    # Paths that a lookup which normalised them would find (the home page): refused, never resolved.
    "/questions/%2e%2e/index.html", "/questions/../index.html", "/questions/%2e%2e/", "/%2e/index.html",
    "/questions/./../", "/ressources/..%2f",
]


def raw_request(port: int, target: bytes, method: bytes = b"GET", headers: bytes = b"") -> tuple[int, bytes]:
    """Send a request line exactly as given (no client-side normalisation); return status and raw response."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(method + b" " + target + b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n" + headers + b"\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
    return status, data


@pytest.mark.parametrize("target", ESCAPES)
def test_paths_that_leave_the_site_get_404(live, target):
    site = live()
    status, data = raw_request(site.port, target.encode("utf-8"))
    assert status in (400, 404), (target, status)
    assert b"[site]" not in data and b"root:" not in data and b"Atelier Lumi" not in data


def test_request_key_refuses_escapes_and_maps_folders():
    assert request_key("/") == "index.html"
    assert request_key("/a/b/") == "a/b/index.html"
    assert request_key("/_cartel/style.css") == "_cartel/style.css"
    for bad in ("/../x", "/a/../../x", "/a/./b", "/a\\b", "/a\x00", "//x", "x", "/a%2e"):
        assert request_key(bad) is None, bad
    assert request_key("/a/b/", b"/a/%2E%2E/b/") is None


def test_content_types(live):
    site = live()
    expected = {"/": "text/html; charset=utf-8", "/_cartel/style.css": "text/css; charset=utf-8",
                "/sitemap.xml": "application/xml; charset=utf-8", "/robots.txt": "text/plain; charset=utf-8"}
    for path, kind in expected.items():
        status, headers, _ = site.request(path)
        assert (status, headers["content-type"]) == (200, kind), path
        assert headers["x-content-type-options"] == "nosniff"
    assert content_type("pagefind/wasm.fr.pagefind") == "application/octet-stream"
    assert content_type("a/photo.JPG") == "image/jpeg"
    assert content_type("pagefind/pagefind.js") == "text/javascript; charset=utf-8"


def test_etag_304_head_and_methods(live):
    site = live()
    status, headers, body = site.request(QUESTION_URL)
    etag = headers["etag"]
    assert status == 200 and re.fullmatch(r'"[0-9a-f]{32}"', etag) and headers["cache-control"] == "no-cache"
    status, again, empty = site.request(QUESTION_URL, headers={"If-None-Match": etag})
    assert (status, empty, again["etag"]) == (304, b"", etag)
    assert site.request(QUESTION_URL, headers={"If-None-Match": '"autre", W/' + etag})[0] == 304
    assert site.request(QUESTION_URL, headers={"If-None-Match": '"autre"'})[0] == 200
    status, head, nothing = site.request(QUESTION_URL, method="HEAD")
    assert (status, nothing, int(head["content-length"])) == (200, b"", len(body))
    assert site.request(QUESTION_URL, method="POST")[0] == 405
    assert site.request(QUESTION_URL, method="DELETE")[0] == 405


def test_missing_page_is_the_site_404_and_folder_without_slash_redirects(live):
    site = live()
    status, headers, body = site.request("/nulle-part/")
    assert status == 404 and headers["content-type"].startswith("text/html") and b"<html" in body
    status, headers, _ = site.request("/questions")
    assert (status, headers["location"]) == (301, "/questions/")
    status, headers, _ = site.request("/questions?tri=date")
    assert headers["location"] == "/questions/?tri=date"


def test_load_5000_requests_from_50_clients(live):
    """Bounded: 5,000 GETs over 50 concurrent keep-alive connections on loopback, no error, a minute at most."""
    site = live()
    paths = ["/", QUESTION_URL, "/questions/", "/_cartel/style.css", "/tags/", "/nulle-part/", "/annuaire/"]
    expected = {p: site.request(p)[0] for p in paths}
    results = asyncio.run(asyncio.wait_for(_load(site.port, paths, clients=50, total=5000), timeout=120))
    errors = [r for r in results if isinstance(r, str)]
    statuses = [r for r in results if not isinstance(r, str)]
    assert errors == []
    assert len(statuses) == 5000
    assert all(status == expected[path] for path, status in statuses)
    assert site.request("/")[0] == 200


async def _load(port: int, paths: list[str], clients: int, total: int) -> list:
    counter = iter(range(total))
    results: list = []

    async def client() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for number in counter:
                path = paths[number % len(paths)]
                writer.write(f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
                await writer.drain()
                head = await reader.readuntil(b"\r\n\r\n")
                status = int(head.split(b" ", 2)[1])
                length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))
                await reader.readexactly(length)
                results.append((path, status))
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, AttributeError, ValueError) as error:
            results.append(f"{type(error).__name__}: {error}")
        finally:
            writer.close()

    await asyncio.gather(*(client() for _ in range(clients)))
    return results


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve(vault, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "cartel", "serve", str(vault), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "NO_COLOR": "1"})


def test_command_binds_loopback_by_default_and_warns_for_other_hosts(tmp_path):
    from tests.conftest import write_vault
    from tests.serve.conftest import VAULT

    vault = write_vault(tmp_path / "v", VAULT)
    port = _free_port()
    process = _serve(vault, "--port", str(port))
    try:
        assert _wait_listening(port), process.stderr.read1().decode() if process.poll() is not None else "not listening"
        status, data = raw_request(port, b"/")
        assert status == 200 and b"/_cartel/live.js" in data
    finally:
        process.terminate()
        _, err = process.communicate(timeout=20)
    assert b"warning: serving on" not in err
    assert process.returncode in (0, -15)

    port = _free_port()
    process = _serve(vault, "--host", "0.0.0.0", "--port", str(port))
    try:
        assert _wait_listening(port)
    finally:
        process.terminate()
        _, err = process.communicate(timeout=20)
    assert b"warning: serving on 0.0.0.0" in err


def _wait_listening(port: int, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def test_command_says_at_once_when_the_port_is_taken_and_builds_nothing(tmp_path):
    from tests.conftest import write_vault
    from tests.serve.conftest import VAULT

    vault = write_vault(tmp_path / "v", VAULT)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = _serve(vault, "--port", str(port))
        _, err = process.communicate(timeout=60)
    assert process.returncode == 2, err
    assert f"error: cannot serve on 127.0.0.1:{port}: port {port} is already in use".encode() in err, err
    assert f"--port {port + 1}".encode() in err
    assert b"Building" not in err and not (vault / ".cartel-cache").exists()


def test_preview_server_takes_its_address_before_it_builds(tmp_path):
    from cartel.serve.server import PreviewServer
    from tests.conftest import write_vault
    from tests.serve.conftest import VAULT

    vault = write_vault(tmp_path / "v", VAULT)
    first = PreviewServer(vault, port=0, use_cache=False, index_search=False)
    first.bind()
    port = first.port
    try:
        with pytest.raises(OSError):
            PreviewServer(vault, port=port, use_cache=False, index_search=False).bind()
        first.build()
        first.start()
        assert first.port == port
        status, _ = raw_request(port, b"/")
        assert status == 200
    finally:
        first.stop()
    with socket.socket() as again:  # the address is given back when the preview stops
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", port))
