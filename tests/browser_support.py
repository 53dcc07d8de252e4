"""Helpers for browser tests: serve a built site over HTTP, drive Debian's chromium with Playwright.

    with serve_directory(built.output) as base_url, launch_browser() as browser:
        page = browser.new_page()
        page.goto(base_url + "/recherche/?q=musée")

Both are plain context managers, so any test module (search, accessibility,
platform) can reuse them; tests using them carry `@pytest.mark.browser`.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """A static file handler that does not log every request to stderr and never caches."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".js": "text/javascript", ".json": "application/json", ".wasm": "application/wasm"}

    def log_message(self, format, *args) -> None:
        return None

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


@contextmanager
def serve_directory(path: Path) -> Iterator[str]:
    """Serve `path` on 127.0.0.1 on a free port from a thread; yields the base URL (no trailing slash)."""
    handler = functools.partial(_QuietHandler, directory=str(path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def browser_available() -> bool:
    """Whether Playwright and the chromium binary are both installed."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return Path(CHROMIUM).exists() or shutil.which("chromium") is not None


@contextmanager
def launch_browser():
    """A headless chromium through Playwright; skips the test when either is missing."""
    if not browser_available():
        if os.environ.get("CI"):  # CI installs chromium (.ci/run): missing there is a failure, not a skip
            pytest.fail("Playwright or /usr/bin/chromium is not installed")
        pytest.skip("Playwright or /usr/bin/chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
