"""A reader's path through the demo: home, theme, question, resource, back; the directory; the keyboard."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

QUESTION = "/questions/qu-est-ce-qu-une-strategie-numerique/"


def test_home_theme_question_resource_and_back(open_page):
    page = open_page()
    base = page.served
    page.goto(base + "/")
    page.get_by_role("main").get_by_role("link", name="Stratégie numérique", exact=True).click()
    assert page.url == base + "/themes/strategie-numerique/"
    assert page.get_by_role("heading", level=1).inner_text() == "Stratégie numérique"
    page.locator(".children").get_by_role("link", name="Qu'est-ce qu'une stratégie numérique?").click()
    assert page.url == base + QUESTION
    cards = page.locator(".cards > li")
    assert cards.count() == 4
    assert cards.nth(1).locator(".rank").inner_text() == "2"
    first = cards.first.locator(".card-title a")
    title = first.inner_text()
    first.click()
    assert page.url == base + "/ressources/strategie-numerique-une-approche-globale-pour-les-musees/"
    assert page.get_by_role("link", name=re.compile("Consulter la ressource")).get_attribute("href").startswith("https://www.museums.ch/")
    notes = page.locator(".callout-foldable details")
    assert notes.get_attribute("open") is None and not page.get_by_text("Lu pour préparer l'atelier").is_visible()
    page.get_by_text("Notes de lecture").click()   # a folded callout opens on a click
    assert page.get_by_text("Lu pour préparer l'atelier").is_visible()
    appears = page.get_by_role("complementary", name="Apparaît dans")
    assert "rang 1 sur 4" in appears.inner_text()
    appears.get_by_role("link", name="Qu'est-ce qu'une stratégie numérique?").click()
    assert page.url == base + QUESTION
    assert title == "Guide AMS sur la stratégie numérique"
    assert all(url.startswith(base) for url in page.requests)   # nothing from another host


def visible_names(page) -> list[str]:
    return page.locator("#directory-table tbody tr:not([hidden]) th").all_inner_texts()


def test_directory_filters_by_typing_and_by_facet(open_page):
    page = open_page()
    page.goto(page.served + "/annuaire/")
    assert page.locator("#directory-tools").is_visible()
    total = page.locator("#directory-table tbody tr").count()
    assert page.locator("#directory-count").inner_text() == f"{total} entrées sur {total}"
    page.get_by_label("Filtrer par mot").press_sequentially("geneve")       # no accent, lower case
    names = visible_names(page)
    assert names and all("Genève" in row for row in page.locator("#directory-table tbody tr:not([hidden])").all_inner_texts())
    assert page.locator("#directory-count").inner_text() == f"{len(names)} entrées sur {total}"
    assert page.evaluate("location.search") == "?q=geneve"
    page.get_by_label("Filtrer par mot").fill("")
    page.get_by_label("Nature").select_option("Musée")
    museums = visible_names(page)
    assert len(museums) >= 3 and all(n.startswith("Musée") for n in museums)
    page.get_by_label("Expertise numérique").select_option("Réseaux sociaux")   # any of the three numbered columns
    both = visible_names(page)
    assert 0 < len(both) < len(museums)
    page.get_by_label("Filtrer par mot").fill("zzzz")
    assert page.locator("#directory-none").is_visible() and page.locator("#directory-count").inner_text().startswith("0 ")
    page.get_by_role("button", name="Tout afficher").click()
    assert len(visible_names(page)) == total


def test_directory_sorts_by_column_and_reads_the_address(open_page):
    page = open_page()
    page.goto(page.served + "/annuaire/?q=Atelier%20Pixel")
    assert visible_names(page) == ["Atelier Pixel"]
    page.goto(page.served + "/annuaire/")
    header = page.get_by_role("columnheader", name="Localisation")
    header.get_by_role("button").click()
    assert header.get_attribute("aria-sort") == "ascending"
    places = page.locator("#directory-table tbody tr td:nth-child(2)").all_inner_texts()
    assert places == sorted(places, key=lambda p: p.casefold().replace("é", "e").replace("è", "e"))
    header.get_by_role("button").click()
    assert header.get_attribute("aria-sort") == "descending"
    assert page.locator("#directory-table tbody tr td:nth-child(2)").first.inner_text() == places[-1]


def test_directory_works_without_javascript(open_page):
    page = open_page(java_script_enabled=False)
    page.goto(page.served + "/annuaire/")
    assert page.locator("#directory-tools").is_hidden()
    rows = page.locator("#directory-table tbody tr")
    assert rows.count() >= 20 and rows.first.is_visible()
    assert page.locator("#directory-table tbody th a").first.get_attribute("href").startswith("https://")


def test_keyboard_reaches_everything_with_a_visible_focus(open_page):
    page = open_page()
    page.goto(page.served + QUESTION)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#contenu"
    page.goto(page.served + QUESTION)
    reached = []
    for _ in range(60):
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => {
            const e = document.activeElement, s = getComputedStyle(e), r = e.getBoundingClientRect();
            return {text: (e.innerText || e.value || e.getAttribute('aria-label') || e.id || '').trim(), tag: e.tagName,
                    outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2, visible: r.width > 0 && r.height > 0};
        }""")
        if focused["tag"] == "BODY":
            break
        assert focused["outline"] and focused["visible"], focused
        reached.append(focused["text"])
    for name in ("Aller au contenu", "Questions", "Annuaire", "Graphe", "Guide AMS sur la stratégie numérique",
                 "Comment élaborer une stratégie numérique?", "Flux Atom"):
        assert name in reached, name
    assert reached.index("Questions") < reached.index("Guide AMS sur la stratégie numérique") < reached.index("Flux Atom")


@pytest.mark.parametrize("url", ["/", "/themes/strategie-numerique/", QUESTION, "/annuaire/", "/graphe/", "/tags/rapport/",
                                 "/ressources/strategie-numerique-une-approche-globale-pour-les-musees/"])
def test_readable_at_320_px_without_sideways_scrolling(open_page, url):
    page = open_page(width=320, height=640, is_mobile=True, has_touch=True)
    page.goto(page.served + url)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('main .note-body p, main .intro, main td, main li')).fontSize)")
    assert size >= 16
