"""One fixture per rule: a variation of the clean base vault that triggers it, and one that does not.

Each case names the file and line the diagnostic must point at, so a rule
that fires in the wrong place fails as surely as one that does not fire.
"""

from __future__ import annotations

import pytest

from cartel.check import REGISTRY
from tests.check.helpers import CSV, QUESTION, RESOURCE, check, reported

Q = "Questions/Comment publier une collection.md"
R = "Ressources/Guide de publication.md"
CSV_PATH = "_data/acteurs.csv"


def question(body_after_title: str) -> str:
    return "---\ntags: question\n---\n# Comment publier une collection en ligne?\n\n" + body_after_title


def resource(heading: str = "# [Guide de publication](https://example.org/guide)", body: str | None = None,
             front: str = "tags: ressource rapport\ndate: 2024-03-01") -> str:
    body = body if body is not None else RESOURCE.split("\n", 5)[5]
    return f"---\n{front}\n---\n{heading}\n{body}"


RANKED = "1. [[Guide de publication]]\n   Un guide pratique pour publier les images des collections en ligne, étape par étape.\n"

# rule: (changes that trigger it, changes that do not, (path, line) of the first report)
CASES = {
    "link-ignored": (
        {"Modèles/Fiche.md": "# Fiche\n", Q: QUESTION + "\nVoir la [[Fiche]].\n"},
        {"Modèles/Fiche.md": "# Fiche\n", Q: QUESTION + "\nVoir le [[Guide de publication]].\n"},
        (Q, 11)),
    "attachment-missing": (
        {R: RESOURCE + "\n![[plan.pdf]]\n"},
        {R: RESOURCE + "\n![[plan.pdf]]\n", "documents/plan.pdf": b"%PDF-1.4\n"},
        (R, 13)),
    "url-malformed": (
        {R: RESOURCE + "\nVoir [le site](http:/example.org) et [l'autre](www.example.org).\n"},
        {R: RESOURCE + "\nVoir [le site](https://example.org) et [l'autre](https://www.example.org).\n"},
        (R, 13)),
    "link-http": (
        {R: RESOURCE + "\nVoir [le site](http://example.org/page).\n"},
        {R: RESOURCE + "\nVoir [le site](https://example.org/page) ou [en local](http://localhost:8000/).\n"},
        (R, 13)),
    "tag-undeclared": (
        {R: resource(front="tags: ressource rapprot\ndate: 2024-03-01")},
        {R: resource(front="tags: [ressource, rapport, vaud]\ndate: 2024-03-01")},
        (R, 2)),
    "tag-case": (
        {R: resource(front="tags:\n  - Ressource\n  - rapport\ndate: 2024-03-01")},
        {R: resource(front="tags:\n  - ressource\n  - rapport\ndate: 2024-03-01")},
        (R, 3)),
    "title-missing": (
        {"Divers.md": "Une page sans titre.\n"},
        {"Divers.md": "# Divers\n\nUne page avec un titre.\n"},
        ("Divers.md", 1)),
    "title-duplicate": (
        {"A propos.md": "# Guide de publication\n\nUne autre page.\n"},
        {"A propos.md": "# A propos\n\nUne autre page.\n"},
        ("A propos.md", 1)),
    "question-no-resource": (
        {Q: question("Il faut d'abord choisir les images.\n")},
        {Q: question("Il faut d'abord choisir les images.\n\n" + RANKED)},
        (Q, 4)),
    "ranked-not-resource": (
        {"Questions/Autre question.md": question(RANKED + "2. [[Comment publier une collection]]\n   Une autre question.\n")},
        {"Questions/Autre question.md": question(RANKED + "2. [Le site de l'ICOM](https://icom.museum/fr/)\n   Le site.\n")},
        ("Questions/Autre question.md", 8)),
    "resource-no-source": (
        {R: resource(heading="# Guide de publication")},
        {R: resource(heading="# Guide de publication", front="tags: ressource\nsource: https://example.org/guide")},
        (R, 5)),
    "resource-no-key-points": (
        {R: resource(body="\nCe guide pratique explique comment publier les images des collections en ligne.\n")},
        {R: resource(body="\nCe guide pratique explique comment publier les images.\n\n## À retenir\n- Une licence.\n")},
        (R, 5)),
    "resource-orphan": (
        {Q: question("Il faut d'abord choisir les images.\n\n1. [Un site](https://example.org/)\n   Un site.\n")},
        {},
        (R, 5)),
    "summary-drift": (
        {Q: question("1. [[Guide de publication]]\n   Une recette de tarte aux pommes avec beaucoup de cannelle et de sucre roux.\n")},
        {Q: question("1. [[Guide de publication]]\n   Comment publier en ligne les images d'une collection, avec une licence ouverte.\n")},
        (Q, 6)),
    "list-numbering": (
        {R: RESOURCE + "\n## Étapes\n1. Choisir.\n1. Décrire.\n2. Publier.\n"},
        {R: RESOURCE + "\n## Étapes\n1. Choisir.\n2. Décrire.\n3. Publier.\n\n4) Une autre liste qui commence à 4.\n5) Suite.\n"},
        (R, 15)),
    "style-punctuation-space": (
        {R: RESOURCE + "\nPourquoi publier ? Parce que : c'est utile !\n"},
        {R: RESOURCE + "\nPourquoi publier? Parce que: c'est utile!\n"},
        (R, 13)),
    "style-inclusive-dot": (
        {R: RESOURCE + "\nLes utilisateur.rice.s et les étudiant-e-s en parlent.\n"},
        {R: RESOURCE + "\nLes utilisateur·rice·s et les étudiant·e·s en parlent; prends-le.\n"},
        (R, 13)),
    "style-abbreviation": (
        {R: RESOURCE + "\nDes images, des sons, etc (cf la fiche).\n"},
        {R: RESOURCE + "\nDes images, des sons, etc. (cf. la fiche).\n"},
        (R, 13)),
    "style-double-space": (
        {R: RESOURCE + "\nDeux  espaces ici.\n"},
        {R: RESOURCE + "\nUn espace ici.\n"},
        (R, 13)),
    "style-apostrophes": (
        {R: RESOURCE + "\nL'image et l’œuvre, l'auteur et l'ayant droit.\n"},
        {R: RESOURCE + "\nL'image et l'œuvre, l'auteur et l'ayant droit.\n"},
        (R, 13)),
    "style-trailing-space": (
        {R: RESOURCE + "\nUne ligne. \nLa suite.\n"},
        {R: RESOURCE + "\nUne ligne avec un saut  \nLa suite.\n"},
        (R, 13)),
    "csv-header": (
        {CSV_PATH: "Nom;URL;Nom\nAtelier Pixel;https://pixel.example.ch;Pixel\n"},
        {CSV_PATH: CSV},
        (CSV_PATH, 1)),
    "csv-duplicate-name": (
        {CSV_PATH: CSV + "atelier pixel;https://autre.example.ch;Pully\n"},
        {CSV_PATH: CSV + "Atelier Pixel 2;https://autre.example.ch;Pully\n"},
        (CSV_PATH, 4)),
    "csv-stray-space": (
        {CSV_PATH: "Nom;URL;Localisation\nAtelier Pixel ;https://pixel.example.ch;Lausanne\n"},
        {CSV_PATH: CSV},
        (CSV_PATH, 2)),
    "resource-stale": (
        {R: resource(front="tags: ressource rapport\ndate: 2012-05-01")},
        {R: resource(front="tags: ressource rapport\ndate: 2021-05-01")},
        (R, 3)),
}

# Rules reported by earlier stages (link, parse, hierarchy, directory), checked end to end through `cartel check`.
PAGE = "Pages/Plan.md"
CASES.update({
    "link-unresolved": ({PAGE: "# Plan\n\nVoir [[Guide absent]].\n"}, {PAGE: "# Plan\n\nVoir [[Guide de publication]].\n"}, (PAGE, 3)),
    "link-ambiguous": ({PAGE: "# Plan\n\nVoir [[Fiche]].\n", "A/Fiche.md": "# Fiche A\n", "B/Fiche.md": "# Fiche B\n"},
                       {PAGE: "# Plan\n\nVoir [[A/Fiche]].\n", "A/Fiche.md": "# Fiche A\n", "B/Fiche.md": "# Fiche B\n"},
                       (PAGE, 3)),
    "link-draft": ({PAGE: "# Plan\n\nVoir [[Idée]].\n", "Brouillon/Idée.md": "# Idée\n"},
                   {PAGE: "# Plan\n\nVoir [[Guide de publication]].\n", "Brouillon/Idée.md": "# Idée\n"}, (PAGE, 3)),
    "link-anchor-missing": ({PAGE: "# Plan\n\nVoir [[Guide de publication#Contexte]].\n"},
                            {PAGE: "# Plan\n\nVoir [[Guide de publication#A retenir]].\n"}, (PAGE, 3)),
    "embed-cycle": ({PAGE: "# Plan\n\n![[Annexe]]\n", "Pages/Annexe.md": "# Annexe\n\n![[Plan]]\n"},
                    {PAGE: "# Plan\n\n![[Annexe]]\n", "Pages/Annexe.md": "# Annexe\n\nVoir [[Plan]].\n"}, (PAGE, 3)),
    "yaml-invalid": ({PAGE: "---\ntitle: \"pas fermé\ntags: projet\n---\n# Plan\n"}, {PAGE: "---\ntitle: \"fermé\"\ntags: projet\n---\n# Plan\n"},
                     (PAGE, 2)),
    "type-unknown": ({PAGE: "---\ntype: article\n---\n# Plan\n"}, {PAGE: "---\ntype: page\n---\n# Plan\n"}, (PAGE, 1)),
    "nav-parent-missing": ({PAGE: "---\neleventyNavigation:\n  key: plan\n  parent: themes\n---\n# Plan\n"},
                           {PAGE: "---\neleventyNavigation:\n  key: plan\n  parent: annexe\n---\n# Plan\n",
                            "Pages/Annexe.md": "---\neleventyNavigation:\n  key: annexe\n---\n# Annexe\n"}, (PAGE, 1)),
    "nav-cycle": ({PAGE: "---\neleventyNavigation:\n  key: plan\n  parent: annexe\n---\n# Plan\n",
                   "Pages/Annexe.md": "---\neleventyNavigation:\n  key: annexe\n  parent: plan\n---\n# Annexe\n"},
                  {PAGE: "---\neleventyNavigation:\n  key: plan\n  parent: annexe\n---\n# Plan\n",
                   "Pages/Annexe.md": "---\neleventyNavigation:\n  key: annexe\n---\n# Annexe\n"}, ("Pages/Annexe.md", 1)),
    "directory-column-missing": ({CSV_PATH: "Name;URL;Localisation\nAtelier Pixel;https://pixel.example.ch;Lausanne\n"},
                                 {CSV_PATH: CSV}, (CSV_PATH, 1)),
    "directory-row-required": ({CSV_PATH: CSV + "Studio Rhône;https://rhone.example.ch;\n",
                                "cartel.toml": '[[directory]]\nsource = "_data/acteurs.csv"\nrequired = ["Localisation"]\n'},
                               {CSV_PATH: CSV, "cartel.toml": '[[directory]]\nsource = "_data/acteurs.csv"\nrequired = ["Localisation"]\n'},
                               (CSV_PATH, 4)),
    "directory-row-url": ({CSV_PATH: CSV + "Studio Rhône;pas une adresse;Sion\n"}, {CSV_PATH: CSV + "Studio Rhône;https://rhone.example.ch;Sion\n"},
                          (CSV_PATH, 4)),
})
# Reported where the vault cannot be read as it is (config, scan) and tested by their stages: no fixture here.
NO_FIXTURE = {"config-invalid", "config-unknown-key", "config-unknown-rule", "symlink-skipped", "file-too-large",
              "file-unreadable", "encoding", "duplicate-name", "yaml-too-large", "yaml-duplicate-key", "url-collision",
              "embed-too-deep", "nav-key-duplicate", "directory-missing", "directory-csv-invalid",
              "directory-row-columns", "directory-row-name",
              "search-index-failed"}  # tests/search/test_index.py: a missing Pagefind


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_fires_on_its_fixture(tmp_path, rule):
    triggering, _, (path, line) = CASES[rule]
    found = reported(check(tmp_path, triggering), rule)
    assert found, f"{rule} did not fire"
    assert (path, line) in {(d.path, d.line) for d in found}, [d.format() for d in found]
    assert all(d.message and d.hint for d in found)


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_is_silent_on_its_clean_fixture(tmp_path, rule):
    _, clean, _ = CASES[rule]
    result = check(tmp_path, clean)
    assert not reported(result, rule), [d.format() for d in reported(result, rule)]


def test_every_rule_has_a_fixture():
    assert {r.id for r in REGISTRY if r.function is not None} <= set(CASES)
    assert {r.id for r in REGISTRY} - NO_FIXTURE == set(CASES)


def test_the_clean_fixtures_report_nothing_at_all(tmp_path):
    """The base vault is clean: no rule, of any stage, reports on it."""
    assert check(tmp_path).diagnostics == ()


def test_refined_link_replaces_the_generic_unresolved_report(tmp_path):
    result = check(tmp_path, CASES["attachment-missing"][0])
    assert [d.rule for d in result.diagnostics] == ["attachment-missing"]


def test_url_malformed_names_each_problem(tmp_path):
    found = reported(check(tmp_path, CASES["url-malformed"][0]), "url-malformed")
    assert len(found) == 2
    assert "'//'" in found[0].message and "https://" in found[1].message


def test_a_ranked_external_page_is_a_resource(tmp_path):
    """MuseumXTD questions sometimes rank a page directly; only notes of another kind and files are reported."""
    files = {"documents/plan.pdf": b"%PDF-1.4\n",
             Q: question(RANKED + "2. [[plan.pdf]]\n   Le plan.\n3. [Un site](https://example.org/)\n   Un site.\n")}
    found = reported(check(tmp_path, files), "ranked-not-resource")
    assert [(d.line, "plan.pdf" in d.message) for d in found] == [(8, True)]


def test_tag_undeclared_suggests_the_closest_tag(tmp_path):
    found = reported(check(tmp_path, CASES["tag-undeclared"][0]), "tag-undeclared")
    assert "'rapprot'" in found[0].message and "rapport" in found[0].hint


def test_inline_tags_are_located_in_the_body(tmp_path):
    result = check(tmp_path, {R: RESOURCE + "\nUn projet #Vaud et #lausanne.\n"})
    assert sorted((d.line, d.column, d.rule) for d in result.diagnostics if d.rule.startswith("tag-")) == [
        (13, 12, "tag-case"), (13, 21, "tag-undeclared")]


def test_freshness_years_is_configurable(tmp_path):
    files = {**CASES["resource-stale"][1], "cartel.toml": "[check]\nfreshness_years = 3\n"}
    found = reported(check(tmp_path, files), "resource-stale")
    assert len(found) == 1 and "2021-05-01" in found[0].message


def test_summary_similarity_threshold_is_configurable(tmp_path):
    half = question("1. [[Guide de publication]]\n   Un guide pratique pour publier les images, "
                    "avec des conseils de cadrage, de lumière et de retouche.\n")
    assert not reported(check(tmp_path, {Q: half}, "default"), "summary-drift")
    strict = check(tmp_path, {Q: half, "cartel.toml": "[check]\nsummary_similarity = 0.6\n"}, "strict")
    assert [d.line for d in reported(strict, "summary-drift")] == [6]


def test_link_ignored_finds_a_template_folder_named_in_decomposed_accents(tmp_path):
    import unicodedata

    folder = unicodedata.normalize("NFD", "Modèles")
    result = check(tmp_path, {f"{folder}/Fiche.md": "# Fiche\n", "Pages/Plan.md": "# Plan\n\nVoir [[Fiche]].\n"})
    assert [(d.path, d.line) for d in reported(result, "link-ignored")] == [("Pages/Plan.md", 3)]
