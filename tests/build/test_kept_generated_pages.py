"""Generated pages kept by the build cache: a build renders again only the tag pages, lists and graph that show a
changed note as it changed."""

from __future__ import annotations

import cartel.render.pages
from cartel.build import build_site
from cartel.cache import GENERATED, open_cache
from cartel.config import load_config
from tests.conftest import clean_copy, tree_bytes, write_vault

NOTES = {
    **{f"Ressources/Fiche {i}.md": f"---\ntags: [ressource, {'musée' if i % 2 else 'patrimoine'}]\n---\n"
                                   f"# Fiche {i}\n\n## Résumé\n\nUne fiche sur le sujet {i}.\n" for i in range(12)},
    **{f"Questions/Question {i}.md": f"---\ntags: [question, musée]\n---\n# Question {i}\n\nPourquoi {i} ?\n\n"
                                     f"1. [[Fiche {i}]]\n   Elle répond.\n" for i in range(4)},
}


def rendered_listings(monkeypatch) -> list[str]:
    """The kept generated pages a build renders (recorded as it runs): `tag:NAME`, `list:TYPE` or `graph`."""
    rendered: list[str] = []
    pages = cartel.render.pages
    tag_page, type_list, graph_page = pages.tag_page, pages.type_list, pages.graph_page
    monkeypatch.setattr(pages, "tag_page",
                        lambda renderer, tag, paths: rendered.append(f"tag:{tag}") or tag_page(renderer, tag, paths))
    monkeypatch.setattr(pages, "type_list",
                        lambda renderer, kind, *rest: rendered.append(f"list:{kind}") or type_list(renderer, kind, *rest))
    monkeypatch.setattr(pages, "graph_page", lambda renderer: rendered.append("graph") or graph_page(renderer))
    return rendered


def test_a_first_build_renders_every_listing_and_a_build_with_a_setting_changed_renders_them_again(tmp_path, monkeypatch):
    vault = write_vault(tmp_path / "v", NOTES)
    rendered = rendered_listings(monkeypatch)
    build_site(vault, tmp_path / "out")
    every = ["tag:ressource", "tag:patrimoine", "tag:musée", "tag:question", "list:question", "list:resource", "graph"]
    assert sorted(rendered) == sorted(every)
    rendered.clear()
    (vault / "cartel.toml").write_text('[site]\ntitle = "Un autre nom"\n', encoding="utf-8")
    build_site(vault, tmp_path / "out")
    assert sorted(rendered) == sorted(every)  # each shows the site's name
    assert "Un autre nom" in (tmp_path / "out" / "tags" / "musee" / "index.html").read_text(encoding="utf-8")
    assert tree_bytes(tmp_path / "out") == clean_copy(vault, tmp_path)


def test_a_build_renders_again_only_the_listings_that_hold_the_changed_note(tmp_path, monkeypatch):
    vault = write_vault(tmp_path / "v", NOTES)
    out = tmp_path / "out"
    build_site(vault, out)
    rendered = rendered_listings(monkeypatch)
    note = vault / "Ressources" / "Fiche 2.md"  # a resource tagged patrimoine
    note.write_text(NOTES["Ressources/Fiche 2.md"].replace("Fiche 2", "Fiche deux"), encoding="utf-8")
    build_site(vault, out)
    assert sorted(rendered) == ["graph", "list:resource", "tag:patrimoine", "tag:ressource"]  # its title changed
    assert "Fiche deux" in (out / "tags" / "patrimoine" / "index.html").read_text(encoding="utf-8")
    assert tree_bytes(out) == clean_copy(vault, tmp_path)

    rendered.clear()  # of the clean build's listings
    note.write_text(note.read_text(encoding="utf-8").replace("tags: [ressource, patrimoine]", "tags: [ressource, musée]"),
                    encoding="utf-8")  # from one tag to another: both pages change, its entry stays as it was
    build_site(vault, out)
    assert sorted(rendered) == ["tag:musée", "tag:patrimoine"]
    assert tree_bytes(out) == clean_copy(vault, tmp_path, "clean2")


def test_an_edit_that_leaves_a_note_s_entry_as_it_was_renders_no_listing_again(tmp_path, monkeypatch):
    vault = write_vault(tmp_path / "v", NOTES)
    out = tmp_path / "out"
    build_site(vault, out)
    rendered = rendered_listings(monkeypatch)
    for path in ("Ressources/Fiche 5.md", "Questions/Question 2.md"):  # a paragraph added after the summary, the lead
        (vault / path).write_text(NOTES[path] + "\nUn paragraphe de plus, plus bas.\n", encoding="utf-8")
    build_site(vault, out)
    assert rendered == []
    assert "Un paragraphe de plus" in (out / "questions" / "question-2" / "index.html").read_text(encoding="utf-8")
    assert tree_bytes(out) == clean_copy(vault, tmp_path)

    rendered.clear()  # of the clean build's listings
    (vault / "Questions" / "Question 2.md").write_text(NOTES["Questions/Question 2.md"].replace("Pourquoi 2", "Comment 2"),
                                                      encoding="utf-8")  # its lead is its entry's summary
    build_site(vault, out)
    assert sorted(rendered) == ["list:question", "tag:musée", "tag:question"]
    assert tree_bytes(out) == clean_copy(vault, tmp_path, "clean2")


def test_a_kept_listing_let_go_since_its_head_was_kept_is_rendered_again(tmp_path, monkeypatch):
    vault = write_vault(tmp_path / "v", NOTES)
    out = tmp_path / "out"
    build_site(vault, out)
    question = NOTES["Questions/Question 1.md"].replace("# Question 1", "# Question une")
    (vault / "Questions" / "Question 1.md").write_text(question, encoding="utf-8")
    build_site(vault, out)  # the spare copy is now the first build's site, whose question list differs
    with open_cache(vault, load_config(vault)) as cache:
        cache.store.keep_only(GENERATED, set())  # the generated pages' HTML goes, their heads stay
    rendered = rendered_listings(monkeypatch)
    (vault / "Ressources" / "Fiche 3.md").write_text(NOTES["Ressources/Fiche 3.md"] + "\nEncore.\n", encoding="utf-8")
    build_site(vault, out)
    assert "list:question" in rendered  # its HTML was wanted for the spare copy, and had gone
    assert tree_bytes(out) == clean_copy(vault, tmp_path)


def test_the_graph_page_is_rendered_again_when_a_ranking_changes_and_only_then(tmp_path, monkeypatch):
    vault = write_vault(tmp_path / "v", NOTES)
    out = tmp_path / "out"
    build_site(vault, out)
    rendered = rendered_listings(monkeypatch)
    question = vault / "Questions" / "Question 1.md"
    question.write_text(NOTES["Questions/Question 1.md"].replace("[[Fiche 1]]", "[[Fiche 5]]"), encoding="utf-8")
    build_site(vault, out)
    assert rendered == ["graph"]  # its entry in the lists (title, lead, one resource ranked) is as it was
    assert 'href="/ressources/fiche-5/"' in (out / "graphe" / "index.html").read_text(encoding="utf-8")
    assert tree_bytes(out) == clean_copy(vault, tmp_path)
