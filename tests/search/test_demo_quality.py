"""Search quality on the demo vault, in a real browser: accents, plurals, summaries, type filter, directory."""

from __future__ import annotations

import json
import re
import shutil
import unicodedata
from pathlib import Path
from urllib.parse import quote

import pytest

from cartel.build import build_site, load_site
from tests.browser_support import serve_directory
from tests.conftest import DEMO

pytestmark = pytest.mark.browser

# Every result of a query straight from pagefind.js, with the shards merged as the UI does: [{url, title, type}].
ALL_RESULTS = """async ([query, filters]) => {
  const pagefind = await import('/pagefind/pagefind.js');
  await pagefind.options({noWorker: true});
  const settings = await (await fetch('/_cartel/search-strings.json')).json();
  for (const path of settings.merge_indexes) await pagefind.mergeIndex(path);
  const search = await pagefind.search(query, {filters: filters || {}});
  const data = await Promise.all(search.results.map(r => r.data()));
  return data.map(d => ({url: d.url, title: d.meta.title, type: d.meta.type}));
}"""


@pytest.fixture(scope="module", params=["one index", "in shards"])
def demo(request, tmp_path_factory):
    """The demo vault's site (linked notes) and its build, served over HTTP: as it is, and with its index cut into shards."""
    if not DEMO.is_dir():
        pytest.skip("examples/demo is not there yet")
    root = tmp_path_factory.mktemp("demo")
    vault = DEMO
    if request.param == "in shards":
        vault = Path(shutil.copytree(DEMO, root / "vault", ignore=shutil.ignore_patterns("_site", ".cartel-cache")))
        with (vault / "cartel.toml").open("a", encoding="utf-8") as config:
            config.write("\n[build]\nsearch_shard_size = 20\n")
    build_site(vault, root / "out", use_cache=False)
    shards = json.loads((root / "out" / "_cartel" / "search-strings.json").read_text())["merge_indexes"]
    assert (len(shards) > 2) == (request.param == "in shards")
    _, _, site = load_site(vault)
    with serve_directory(root / "out") as base_url:
        yield site, base_url


@pytest.fixture
def search(page, demo):
    """search(query, filters=None) -> every result, run in the demo site's page."""
    _, base_url = demo
    page.goto(base_url + "/")

    def run(query: str, filters: dict | None = None) -> list[dict]:
        return page.evaluate(ALL_RESULTS, [query, filters])

    return run


def titled(site, pattern: str) -> set[str]:
    """URLs of the notes whose title matches a regular expression (case-insensitive)."""
    return {site.urls[n.path] for n in site.notes if re.search(pattern, n.title, re.I)}


def test_strategie_without_accents_finds_strategie_numerique(demo, search):
    site, _ = demo
    expected = titled(site, r"stratégie numérique")
    assert len(expected) >= 2
    assert expected <= {r["url"] for r in search("strategie")}


def test_reseaux_sociaux_without_accents(demo, search):
    site, _ = demo
    expected = titled(site, r"réseaux sociaux")
    assert expected
    assert expected <= {r["url"] for r in search("reseaux sociaux")}


def test_a_plural_finds_the_singular(demo, search):
    site, _ = demo
    singular = titled(site, r"\bmusée\b") - titled(site, r"\bmusées\b")
    assert singular
    assert singular <= {r["url"] for r in search("musées")}


def test_a_word_of_each_resource_summary_finds_it(demo, search):
    site, _ = demo
    checked = 0
    for path, resource in site.resources.items():
        words = [w for w in re.findall(r"[^\W\d_]{8,}", resource.summary) if w.lower() not in site.by_path[path].title.lower()]
        if not words:
            continue
        word = max(words, key=len)
        assert site.urls[path] in {r["url"] for r in search(word)}, (path, word)
        # and without its accents, as a reader types on a phone
        plain = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()
        assert site.urls[path] in {r["url"] for r in search(plain)}, (path, plain)
        checked += 1
    assert checked >= 5


def test_type_filter_leaves_only_questions(demo, search, page):
    site, base_url = demo
    results = search("musée", {"type": "question"})
    assert results and {r["type"] for r in results} == {"question"}
    questions = {site.urls[p] for p in site.questions}
    assert {r["url"] for r in results} <= questions
    page.goto(f"{base_url}/recherche/?q={quote('musée')}&type=question")
    page.wait_for_selector(".search-result")
    assert set(page.locator(".search-result-type").all_text_contents()) == {"Question"}


def test_titles_are_the_notes_real_titles(demo, search):
    site, _ = demo
    by_url = {site.urls[n.path]: n.title for n in site.notes}
    for result in search("numérique"):
        if result["type"] != "directory":
            assert result["title"] == by_url[result["url"]]


def test_directory_rows_are_found(demo, search):
    results = search("Atelier Pixel")
    assert results[0]["url"] == "/annuaire/?q=Atelier%20Pixel" and results[0]["type"] == "directory"


def test_a_word_only_in_menu_and_footer_is_no_result_on_the_page(demo, page):
    """"Ariane" (breadcrumb) is on every page but not in any main content; Pagefind's typo tolerance
    still answers it with "à", which the page must not present as results."""
    _, base_url = demo
    page.goto(f"{base_url}/recherche/?q=Ariane")
    page.wait_for_selector(".search-empty")
    assert "Aucun résultat pour « Ariane »" in page.locator(".search-empty").inner_text()
    assert page.locator(".search-result").count() == 0


def test_a_typo_still_finds_the_word(demo, page):
    _, base_url = demo
    page.goto(f"{base_url}/recherche/?q=strat%C3%A9gei")
    page.wait_for_selector(".search-result")
    title = page.locator(".search-result-title").first.inner_text()
    assert "strategie" in unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
