"""In a real browser, pages built from a hostile vault run no injected code and call no other host."""

from __future__ import annotations

import pytest

from cartel.build import build_site
from tests.browser_support import launch_browser, serve_directory
from tests.security.hostile import make_hostile_vault


@pytest.mark.browser
def test_injected_code_never_runs(tmp_path):
    make_hostile_vault(tmp_path / "vault", tmp_path / "outside")
    out = tmp_path / "out"
    build_site(tmp_path / "vault", out)
    suspicious = sorted(
        p for p in out.rglob("*.html")
        if any(word in p.read_text(encoding="utf-8") for word in ("pwned", "evil.example", "HYPERLINK"))
    )
    assert len(suspicious) >= 3  # the scripts page, the title page and the directory at least
    foreign: list[str] = []
    dialogs: list[str] = []
    with serve_directory(out) as base, launch_browser() as browser:
        page = browser.new_page()
        page.on("request", lambda request: foreign.append(request.url) if not request.url.startswith(base) else None)
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        for path in suspicious:
            url = base + "/" + path.relative_to(out).as_posix().removesuffix("index.html")
            page.goto(url)
            page.wait_for_load_state("load")
            for element in page.query_selector_all("main a, main div, main img, main details"):
                element.hover(timeout=500, force=True) if element.is_visible() else None
            assert page.evaluate("window.__pwned === undefined && !parent.__pwned"), url
    assert dialogs == []
    assert [u for u in foreign if not u.startswith("data:")] == []
