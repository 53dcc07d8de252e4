"""axe-core on the demo's main page types, light and dark: no WCAG 2.2 A or AA violation."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

PAGES = ["/", "/themes/strategie-numerique/", "/questions/comment-elaborer-une-strategie-numerique/",
         "/ressources/strategie-numerique-une-approche-globale-pour-les-musees/", "/tags/rapport/", "/annuaire/", "/graphe/",
         "/questions/", "/tags/"]
WCAG_22_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
              "resultTypes": ["violations"]}


def summary(violations: list[dict]) -> list[tuple[str, list[str]]]:
    return [(v["id"], [n["target"][0] for n in v["nodes"]][:5]) for v in violations]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("url", PAGES)
def test_no_wcag_violation(open_page, url, scheme):
    from axe_playwright_python.sync_playwright import Axe

    page = open_page(color_scheme=scheme)
    page.goto(page.served + url)
    result = Axe().run(page, options=WCAG_22_AA)
    assert summary(result.response["violations"]) == []


def test_no_violation_on_a_phone_with_filters_in_use(open_page):
    from axe_playwright_python.sync_playwright import Axe

    page = open_page(width=360, height=740, is_mobile=True, has_touch=True)
    page.goto(page.served + "/annuaire/?q=lausanne")
    page.get_by_label("Nature").select_option("Agence")
    result = Axe().run(page, options=WCAG_22_AA)
    assert summary(result.response["violations"]) == []
