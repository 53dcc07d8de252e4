"""Breadcrumbs and themes: eleventyNavigation key/parent, a `parent:` key, the folder; missing parents and loops."""

from __future__ import annotations

import re

from tests.platform.helpers import site

THEME = "---\neleventyNavigation:\n  key: conservation\n  title: Conservation préventive\n---\n# Conservation préventive\n\nLe climat des réserves.\n"


def question(key: str, parent: str, title: str) -> str:
    return (f"---\ntags: question\neleventyNavigation:\n  key: {key}\n  parent: {parent}\n---\n# {title}\n\n"
            "Une réponse courte et précise à la question posée.\n")


def crumbs(html: str) -> list[str]:
    trail = html.split('class="breadcrumbs')[1].split("</nav>")[0]
    return [re.sub(r"<[^>]+>", "", li).strip() for li in re.findall(r"<li>(.*?)</li>", trail)]


def test_navigation_parents_children_and_themes():
    built = site({
        "Thèmes/Conservation.md": THEME,
        "Questions/Humidité.md": question("q-humidite", "conservation", "Quelle humidité dans une réserve?"),
        "Questions/Lumière.md": question("q-lumiere", "conservation", "Combien de lux pour un textile?"),
        "Questions/Sous-question.md": question("q-sous", "q-lumiere", "Et pour un papier?"),
    })
    tree = built.hierarchy
    assert tree.parents["Questions/Humidité.md"] == "Thèmes/Conservation.md"
    assert tree.children["Thèmes/Conservation.md"] == ("Questions/Lumière.md", "Questions/Humidité.md")  # by title
    assert tree.ancestors("Questions/Sous-question.md") == ("Thèmes/Conservation.md", "Questions/Lumière.md")
    assert tree.themes == ("Thèmes/Conservation.md",)
    assert tree.diagnostics == ()


def test_parent_key_by_name_by_wiki_link_and_folder_note():
    built = site({
        "Guides/index.md": "# Les guides\n",
        "Guides/Éclairage.md": "# Éclairage\n",
        "Guides/Vitrines.md": "---\nparent: \"[[Éclairage]]\"\n---\n# Vitrines\n",
        "Guides/Socles.md": "---\nparent: ÉCLAIRAGE\n---\n# Socles\n",
        "Notes/Libre.md": "# Libre\n",
    })
    tree = built.hierarchy
    assert tree.parents["Guides/Vitrines.md"] == "Guides/Éclairage.md"
    assert tree.parents["Guides/Socles.md"] == "Guides/Éclairage.md"    # case does not matter, as in links
    assert tree.parents["Guides/Éclairage.md"] == "Guides/index.md"     # the folder's own note
    assert "Notes/Libre.md" not in tree.parents
    assert tree.ancestors("Guides/Vitrines.md") == ("Guides/index.md", "Guides/Éclairage.md")


def test_missing_parent_is_reported_and_the_trail_stops(build_vault):
    built = build_vault({
        "Questions/Orpheline.md": question("q-orpheline", "theme-disparu", "Où est passé le thème?"),
        "Questions/Libre.md": "---\nparent: Note qui n'existe pas\n---\n# Libre\n",
    })
    missing = built.diagnostics("nav-parent-missing")
    assert sorted(d.path for d in missing) == ["Questions/Libre.md", "Questions/Orpheline.md"]
    assert "theme-disparu" in next(d.message for d in missing if d.path == "Questions/Orpheline.md")
    assert crumbs(built.html("/questions/orpheline/")) == ["Accueil", "Où est passé le thème?"]  # no folder either


def test_a_loop_of_parents_is_reported_once_and_breadcrumbs_stop(build_vault):
    built = build_vault({
        "A.md": "---\neleventyNavigation: {key: a, parent: c}\n---\n# Note A\n",
        "B.md": "---\neleventyNavigation: {key: b, parent: a}\n---\n# Note B\n",
        "C.md": "---\neleventyNavigation: {key: c, parent: b}\n---\n# Note C\n",
        "D.md": "---\neleventyNavigation: {key: d, parent: c}\n---\n# Note D\n",
    })
    loops = built.diagnostics("nav-cycle")
    assert len(loops) == 1 and loops[0].path == "A.md"
    assert "A.md → C.md → B.md → A.md" in loops[0].message
    assert crumbs(built.html("/a/")) == ["Accueil", "Note B", "Note C", "Note A"]
    assert crumbs(built.html("/d/")) == ["Accueil", "Note A", "Note B", "Note C", "Note D"]


def test_folder_breadcrumbs_link_a_typed_folder_to_its_list(build_vault):
    built = build_vault({
        "cartel.toml": '[types]\n"Ressources" = "resource"\n',
        "Ressources/Un guide.md": "# Un guide\n\nTexte du guide.\n",
        "Archives/2020/Vieux.md": "# Vieux\n",
    })
    html = built.html("/ressources/un-guide/")
    assert '<a href="/ressources/">Ressources</a>' in html
    assert crumbs(built.html("/archives/2020/vieux/")) == ["Accueil", "Archives", "2020", "Vieux"]


def test_duplicate_navigation_key_is_reported():
    built = site({"A.md": "---\neleventyNavigation: {key: x}\n---\n", "B.md": "---\neleventyNavigation: {key: x}\n---\n"})
    assert [d.path for d in built.hierarchy.diagnostics if d.rule == "nav-key-duplicate"] == ["B.md"]
