"""No false positives: the demo vault checks clean, except for the quirks it keeps on purpose.

Each kept report is one of the demo's deliberate quirks (examples/demo/QUIRKS.md)
or a deliberately old resource, and the README lists them. The date is fixed
because freshness depends on it.
"""

from __future__ import annotations

from cartel.check import check_vault
from tests.check.helpers import TODAY
from tests.conftest import DEMO

KEPT_ON_PURPOSE = {
    # QUIRKS 5: links to notes that do not exist
    ("Questions/Qu'est-ce qu'une stratégie numérique.md", 13, "link-unresolved"),
    ("Questions/Qu'est-ce que la communication numérique.md", 24, "link-unresolved"),
    ("Ressources/Mesurer l'audience d'un site culturel sans pisteurs.md", 16, "link-unresolved"),
    # QUIRKS 6: a link to a draft
    ("Questions/Comment choisir ses réseaux sociaux.md", 34, "link-draft"),
    # QUIRKS 12: a cp1252 file, broken YAML
    ("Ressources/Lettres d'information et jeunes publics.md", 8, "encoding"),
    ("Ressources/Textes alternatifs pour les images d'œuvres.md", 2, "yaml-invalid"),
    # QUIRKS 13: irregular numbering (1, 1, 2, 1)
    ("Questions/Qu'est-ce qu'une stratégie numérique.md", 18, "list-numbering"),
    # QUIRKS, other elements: two resources without "A retenir"
    ("Ressources/Lettres d'information et jeunes publics.md", 6, "resource-no-key-points"),
    ("Ressources/Der digitale Besuch. Vermittlung im Netz.md", 6, "resource-no-key-points"),
    # two resources dated 2015 and 2016: the freshness rule's examples (info)
    ("Ressources/Licences Creative Commons. Mode d'emploi pour les institutions culturelles.md", 4, "resource-stale"),
    ("Ressources/Musées & réseaux sociaux. Aide à la décision.md", 4, "resource-stale"),
}


def test_the_demo_reports_only_what_it_keeps_on_purpose():
    result = check_vault(DEMO, today=TODAY, use_cache=False)
    assert {(d.path, d.line, d.rule) for d in result.diagnostics} == KEPT_ON_PURPOSE
    assert result.errors == 0


def test_fixing_the_demo_would_only_renumber_its_irregular_list():
    result = check_vault(DEMO, today=TODAY, fixing=True, use_cache=False)
    assert {(e.path, e.rule) for e in result.edits} == {("Questions/Qu'est-ce qu'une stratégie numérique.md", "list-numbering")}
