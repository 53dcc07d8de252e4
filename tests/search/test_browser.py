"""The search UI in a real browser (headless chromium) on a small vault served over HTTP."""

from __future__ import annotations

from urllib.parse import quote

import pytest

pytestmark = pytest.mark.browser

NOTE = "/ressources/guide-pratique-de-la-strategie-numerique/"


def result_titles(page) -> list[str]:
    return page.locator(".search-result-title").all_inner_texts()


def open_search(page, base: str, query: str):
    page.goto(f"{base}/recherche/?q={quote(query)}")
    page.wait_for_selector(".search-result, .search-empty")
    return page


def test_pagefind_loads_only_when_the_box_gets_focus(page, served):
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(served + NOTE)
    page.wait_for_load_state("networkidle")
    assert not [url for url in requests if "/pagefind/" in url or "search-ui" in url or "search.css" in url]
    page.focus("#q")
    page.wait_for_function("document.querySelector('.search-panel') !== null")
    assert any(url.endswith("/pagefind/pagefind.js") for url in requests)
    assert not any("pagefind-worker" in url or "pagefind-ui" in url for url in requests)


def test_header_box_shows_results_as_you_type_and_arrows_open_one(page, served):
    page.goto(served + NOTE)
    page.click("#q")
    page.keyboard.type("herbiers")
    panel = page.locator(".search-panel")
    panel.locator("[role=option]").first.wait_for()
    first = panel.locator("[role=option]").first
    assert "Carnet des herbiers numérisés" in first.inner_text()
    assert first.locator(".search-result-type").text_content() == "Ressource"
    assert page.get_attribute("#q", "aria-expanded") == "true"
    assert "<mark>herbiers</mark>" in first.inner_html()
    page.keyboard.press("ArrowDown")
    assert page.get_attribute("#q", "aria-activedescendant") == "q-option-0"
    assert first.get_attribute("aria-selected") == "true"
    page.keyboard.press("Enter")
    page.wait_for_url("**/ressources/fichier-obscur/")


def test_clicking_a_result_in_the_panel_opens_it(page, served):
    page.goto(served + "/")
    page.click("#q")
    page.keyboard.type("boussolage")
    option = page.locator(".search-panel [role=option]").first
    option.wait_for()
    option.click()
    page.wait_for_url("**" + NOTE)


def test_escape_closes_the_panel_and_see_all_goes_to_the_page(page, served):
    page.goto(served + "/")
    page.click("#q")
    page.keyboard.type("réseau")
    page.locator(".search-panel [role=option]").first.wait_for()
    see_all = page.locator(".search-see-all")
    assert see_all.get_attribute("href") == "/recherche/?q=r%C3%A9seau"
    page.keyboard.press("Escape")
    assert page.locator(".search-panel").is_hidden()
    page.keyboard.press("Enter")  # no option chosen: the form goes to the search page
    page.wait_for_url("**/recherche/?q=*")
    page.wait_for_selector(".search-result")
    assert page.input_value("#search-input") == "réseau"


def test_search_page_reads_the_query_and_highlights_the_summary(page, served):
    open_search(page, served, "boussolage")
    assert result_titles(page) == ["Guide pratique de la stratégie numérique"]
    excerpt = page.locator(".search-result-excerpt").first.inner_html()
    assert excerpt.startswith("Ce guide propose une méthode de <mark>boussolage</mark>")
    assert page.locator("#search-status").inner_text() == "1 résultat"


def test_accents_plurals_and_words_of_the_directory(page, served):
    open_search(page, served, "strategie")
    assert "Comment bâtir une stratégie numérique?" in result_titles(page)
    open_search(page, served, "musées")
    assert "Réseaux sociaux au musée" in result_titles(page)
    open_search(page, served, "cartographie")
    link = page.locator(".search-result-title a").first
    assert link.inner_text() == "Atelier Girouette" and link.get_attribute("href") == "/annuaire/?q=Atelier%20Girouette"
    assert page.locator(".search-result-type").first.text_content() == "Annuaire"


def test_filters_by_type_and_tag(page, served):
    open_search(page, served, "réseau")
    assert len(result_titles(page)) >= 3
    page.check("#search-filter-type input[value=question]")
    page.wait_for_function("location.search.includes('type=question')")
    page.wait_for_function("[...document.querySelectorAll('.search-result-type')].every(e => e.textContent === 'Question')")
    assert set(page.locator(".search-result-type").all_text_contents()) == {"Question"}
    assert page.locator("#search-filter-tag input[value=question]").count() == 0  # a type tag is not offered twice
    page.uncheck("#search-filter-type input[value=question]")
    page.check("#search-filter-tag input[value=projet]")
    page.wait_for_function("document.querySelectorAll('.search-result').length === 1")
    assert result_titles(page) == ["Réseaux sociaux au musée"]


def test_filters_come_from_the_link(page, served):
    page.goto(f"{served}/recherche/?q=strat%C3%A9gie&type=resource")
    page.wait_for_selector(".search-result")
    assert page.is_checked("#search-filter-type input[value=resource]")
    assert set(page.locator(".search-result-type").all_text_contents()) == {"Ressource"}


def test_no_result_suggests_a_close_word(page, served):
    open_search(page, served, "boussolaeg")
    assert "Aucun résultat pour « boussolaeg »" in page.locator(".search-empty").inner_text()
    suggestion = page.locator(".search-suggestion")
    suggestion.wait_for()
    assert suggestion.inner_text() == "boussolage"
    suggestion.click()
    page.wait_for_selector(".search-result")
    assert result_titles(page) == ["Guide pratique de la stratégie numérique"]


def test_no_result_under_filters_offers_to_clear_them(page, served):
    page.goto(f"{served}/recherche/?q=boussolage&type=question")
    page.wait_for_selector(".search-clear")
    assert "1 résultat" in page.locator(".search-empty").inner_text() or "résultats sans les filtres" in page.locator(".search-empty").inner_text()
    page.click(".search-clear")
    page.wait_for_selector(".search-result")
    assert result_titles(page) == ["Guide pratique de la stratégie numérique"]
    assert "type=" not in page.evaluate("location.search")


def test_keyboard_moves_through_results_on_the_page(page, served):
    open_search(page, served, "réseau")
    page.focus("#search-input")
    page.keyboard.press("ArrowDown")
    first = page.locator(".search-result-title a").first
    assert page.evaluate("document.activeElement.closest('.search-result-title') !== null")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement") != first.element_handle()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.id") == "search-input"


def test_results_are_text_not_markup(page, served):
    open_search(page, served, "signes")
    excerpt = page.locator(".search-result-excerpt").first
    assert "< et &" in excerpt.inner_text()
    assert excerpt.locator("*:not(mark)").count() == 0


def test_typing_on_the_page_updates_results_and_the_address(page, served):
    page.goto(served + "/recherche/")
    page.wait_for_function("document.documentElement.classList.contains('search-ready')")
    page.fill("#search-input", "herbiers")
    page.wait_for_selector(".search-result")
    assert result_titles(page) == ["Carnet des herbiers numérisés"]
    assert page.evaluate("location.search") == "?q=herbiers"


def test_works_on_a_phone(browser, served):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    phone = context.new_page()
    try:
        phone.goto(f"{served}/recherche/?q=r%C3%A9seau")
        phone.wait_for_selector(".search-result")
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert phone.locator("#search-filters").get_attribute("open") is None  # folded on a small screen
        phone.goto(served + NOTE)
        phone.tap("#q")
        phone.keyboard.type("herbiers")
        phone.locator(".search-panel [role=option]").first.wait_for()
        box = phone.locator(".search-panel").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    finally:
        context.close()


def test_no_accessibility_violation_in_the_search_ui(page, served):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    open_search(page, served, "réseau")
    assert axe.run(page).response["violations"] == []
    open_search(page, served, "zzzz")
    assert axe.run(page).response["violations"] == []
    page.goto(served + NOTE)
    page.click("#q")
    page.keyboard.type("réseau")
    page.locator(".search-panel [role=option]").first.wait_for()
    page.keyboard.press("ArrowDown")
    assert axe.run(page).response["violations"] == []


def test_the_ui_searches_every_shard_of_a_sharded_index(page, tmp_path):
    from tests.browser_support import serve_directory
    from tests.search.conftest import SMALL_VAULT, build_small

    files = dict(SMALL_VAULT, **{"cartel.toml": SMALL_VAULT["cartel.toml"] + "\n[build]\nsearch_shard_size = 3\n"})
    output = build_small(tmp_path, files)
    shards = sorted(p.name for p in (output / "pagefind").glob("shard-*"))
    assert len(shards) >= 3 and not list((output / "pagefind").glob("shard-*/pagefind.js"))
    with serve_directory(output) as base:
        open_search(page, base, "réseau")
        assert {"Réseaux sociaux au musée", "Faut-il ouvrir un compte sur chaque réseau?"} <= set(result_titles(page))
        page.check("#search-filter-tag input[value=projet]")
        page.wait_for_function("document.querySelectorAll('.search-result').length === 1")
        assert result_titles(page) == ["Réseaux sociaux au musée"]
        page.goto(base + NOTE)
        page.click("#q")
        page.keyboard.type("girouette")
        option = page.locator(".search-panel [role=option]").first
        option.wait_for()
        assert "Atelier Girouette" in option.inner_text()
