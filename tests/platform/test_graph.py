"""Local and global graphs: SVG computed at build time, deterministic, no script."""

from __future__ import annotations

import re

from cartel.graph import LOCAL_LIMIT, global_graph, local_graph, neighbours
from tests.platform.helpers import site

FILES = {
    "Questions/Éclairer.md": ("---\ntags: question\n---\n# Comment éclairer une vitrine?\n\nSans chaleur.\n\n"
                              "1. [[Guide de l'éclairage]]\n   Le guide.\n2. [[Lampes froides]]\n   Un test.\n\n"
                              "Voir également: [[Climatiser]]\n"),
    "Questions/Climatiser.md": ("---\ntags: question\n---\n# Comment climatiser?\n\nPar zones.\n\n"
                                "1. [[Lampes froides]]\n   Aussi utile ici.\n"),
    "Ressources/Guide de l'éclairage.md": "---\ntags: ressource\n---\n# [Guide](https://g.example.org)\n\nRésumé.\n",
    "Ressources/Lampes froides.md": "---\ntags: ressource\n---\n# [Lampes](https://l.example.org)\n\nRésumé.\n",
    "Ressources/Orpheline.md": "---\ntags: ressource\n---\n# Orpheline\n\nPersonne ne la cite.\n",
    "Notes.md": "# Notes\n\nVoir [[Lampes froides]].\n",
}


def test_neighbours_both_ways_then_outgoing_then_incoming():
    built = site({**FILES, "Ressources/Lampes froides.md": FILES["Ressources/Lampes froides.md"] + "\nVoir [[Éclairer]].\n"})
    found = [(n.title, n.outgoing, n.incoming) for n in neighbours(built, "Ressources/Lampes froides.md")]
    assert found == [("Comment éclairer une vitrine?", True, True), ("Comment climatiser?", False, True), ("Notes", False, True)]


def test_local_graph_draws_each_neighbour_once_with_its_link():
    built = site(FILES)
    svg = local_graph(built, "Questions/Éclairer.md")
    assert svg.startswith("<svg") and "<script" not in svg and 'aria-hidden="true"' in svg
    links = re.findall(r'<a href="([^"]+)" tabindex="-1">', svg)
    assert links == ["/questions/climatiser/", "/ressources/guide-de-l-eclairage/", "/ressources/lampes-froides/"]
    assert svg.count('marker-end="url(#arrow)"') == 3            # all three are outgoing links
    assert svg.count("graph-question") == 1 and svg.count("graph-resource") == 2
    assert local_graph(built, "Questions/Éclairer.md") == svg      # deterministic
    assert local_graph(built, "Ressources/Orpheline.md") == ""


def test_local_graph_is_capped_and_labels_are_cut():
    hub = "# Carrefour\n\n" + "\n".join(f"- [[Note numéro {i} avec un titre vraiment très long pour tester]]" for i in range(30)) + "\n"
    files = {"Carrefour.md": hub, **{f"Note numéro {i} avec un titre vraiment très long pour tester.md": "Texte.\n" for i in range(30)}}
    built = site(files)
    svg = local_graph(built, "Carrefour.md")
    assert svg.count("<a ") == LOCAL_LIMIT
    assert "…</text>" in svg and "<title>Note numéro 0 avec un titre vraiment très long pour tester</title>" in svg


def test_global_graph_has_one_curve_per_ranking_and_a_text_version():
    built = site(FILES)
    graph = global_graph(built)
    assert graph.edges == 3 and graph.svg.count('class="graph-edge"') == 3
    assert graph.svg.count("graph-question") == 2 and graph.svg.count("graph-resource") == 3   # the orphan too
    titles = {title: [r for r, _ in resources] for title, _, resources in graph.questions}
    assert titles == {"Comment éclairer une vitrine?": ["Guide", "Lampes"], "Comment climatiser?": ["Lampes"]}
    assert global_graph(built).svg == graph.svg


def test_graph_page_and_local_graphs_in_the_built_site(build_vault):
    built = build_vault(FILES)
    page = built.html("/graphe/")
    assert "<svg" in page and "<script src=\"/_cartel/directory.js\"" not in page
    assert 'href="/questions/eclairer/"' in page.split("<svg")[1]
    assert "Les mêmes liens, en texte" in page
    question = built.html("/questions/eclairer/")
    assert 'class="graph graph-local"' in question and "Voir le graphe complet" in question
    assert 'href="/graphe/"' in question
