"""Eco-design budget, measured on the demo vault's pages: what a reader downloads to open a note."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from cartel.build import build_site
from tests.conftest import DEMO

BUDGET = 40 * 1024            # HTML + CSS + JavaScript of a note page, uncompressed, images aside
FRAMEWORKS = re.compile(r"jQuery|React|Vue\.|angular|Alpine|htmx|Svelte|d3\.|cytoscape|sigma\.js", re.I)


class Requests(HTMLParser):
    """What a page makes the browser fetch when it loads (not the links a reader may follow)."""

    def __init__(self):
        super().__init__()
        self.styles: list[str] = []
        self.scripts: list[str] = []
        self.other: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("href") and set((attrs.get("rel") or "").split()) & {"stylesheet", "icon", "preload", "modulepreload"}:
            (self.styles if "stylesheet" in attrs["rel"] else self.other).append(attrs["href"])
        elif tag == "script" and attrs.get("src"):
            self.scripts.append(attrs["src"])
        elif tag in ("img", "source", "iframe", "object", "video", "audio", "embed", "input"):
            for key in ("src", "data", "poster"):
                if attrs.get(key):
                    self.other.append(attrs[key])
            for part in (attrs.get("srcset") or "").split(","):
                if part.strip():
                    self.other.append(part.split()[0])


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("budget") / "out"
    build_site(DEMO, out, use_cache=False)
    return out


def local_file(out: Path, url: str) -> Path:
    return out / urlsplit(url).path.lstrip("/")


def note_pages(out: Path) -> list[Path]:
    """The pages that render a note (they wrap it in `<article class="note ...">`)."""
    return [p for p in sorted(out.rglob("index.html")) if '<article class="note ' in p.read_text(encoding="utf-8")]


def test_every_note_page_fits_the_budget(demo):
    pages = note_pages(demo)
    assert len(pages) >= 40
    weights = {}
    for path in pages:
        html = path.read_text(encoding="utf-8")
        requests = Requests()
        requests.feed(html)
        assert len(requests.styles) == 1 and re.fullmatch(r"/_cartel/style\.css\?v=[0-9a-f]{10}", requests.styles[0]), path
        assert requests.scripts == ["/_cartel/search.js"], path
        total = len(html.encode("utf-8"))
        total += sum(local_file(demo, url).stat().st_size for url in requests.styles + requests.scripts)
        weights[path.relative_to(demo).as_posix()] = total
    heaviest = max(weights, key=weights.get)
    assert weights[heaviest] <= BUDGET, (heaviest, weights[heaviest])


def test_no_request_to_another_host_and_no_web_font(demo):
    for path in sorted(demo.rglob("*.html")):
        requests = Requests()
        requests.feed(path.read_text(encoding="utf-8"))
        for url in requests.styles + requests.scripts + requests.other:
            parts = urlsplit(url)
            assert not parts.scheme and not parts.netloc, (path, url)
            assert local_file(demo, url).is_file(), (path, url)
    for css in (demo / "_cartel").glob("*.css"):
        text = css.read_text(encoding="utf-8")
        assert "@font-face" not in text and "@import" not in text, css
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", text), css


def test_no_javascript_framework(demo):
    scripts = sorted((demo / "_cartel").glob("*.js"))
    assert [s.name for s in scripts] == ["directory.js", "search-ui.js", "search.js"]
    for script in scripts:
        assert not FRAMEWORKS.search(script.read_text(encoding="utf-8")), script
    assert (demo / "_cartel" / "directory.js").stat().st_size < 6 * 1024
    directory = (demo / "annuaire" / "index.html").read_text(encoding="utf-8")
    assert directory.count("<script") == 2                      # the search loader and the directory's filters
