"""Fixtures for the browser tests: the demo vault built once, served over HTTP, and one headless chromium."""

from __future__ import annotations

from pathlib import Path

import pytest

from cartel.build import build_site
from tests.browser_support import serve_directory
from tests.conftest import DEMO


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory) -> Path:
    """The demo vault built once for the session; the output folder."""
    out = tmp_path_factory.mktemp("demo-browser") / "out"
    build_site(DEMO, out, use_cache=False)
    return out


@pytest.fixture(scope="session")
def served(demo_site):
    """The demo site on 127.0.0.1; the base URL."""
    with serve_directory(demo_site) as base_url:
        yield base_url


@pytest.fixture
def open_page(browser, served):
    """Factory: a fresh tab (desktop size by default) that records requests and fails the test on a JavaScript error."""
    contexts, errors, requests = [], [], []

    def factory(width: int = 1280, height: int = 900, **options):
        context = browser.new_context(viewport={"width": width, "height": height}, **options)
        contexts.append(context)
        tab = context.new_page()
        tab.on("pageerror", lambda error: errors.append(str(error)))
        tab.on("request", lambda request: requests.append(request.url))
        tab.served = served
        tab.requests = requests
        return tab

    yield factory
    for context in contexts:
        context.close()
    assert errors == []
