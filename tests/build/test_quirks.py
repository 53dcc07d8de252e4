"""One test per input quirk of DESIGN.md "Input", and the title rules."""

from __future__ import annotations


from cartel.build import load_site


def note(built, path):
    _, _, site = load_site(built.vault)
    return site.by_path[path]


def test_hash_tag_in_yaml_makes_a_question(build_vault):
    built = build_vault({"Q.md": "---\ntitle: MuseumXTD\ntags: #question\n---\n# Qu'est-ce que ?\n"})
    n = note(built, "Q.md")
    assert n.tags == ("question",) and n.type == "question"
    assert 'href="/tags/question/"' in built.html("/q/")


def test_pseudo_header_is_read_and_not_rendered(build_vault):
    built = build_vault({"P.md": "date : 2022mai12\ntags : #question\n\n---------\n# Pourquoi ?\nTexte.\n"})
    n = note(built, "P.md")
    assert n.date == "2022-05-12" and n.type == "question"
    html = built.html("/p/")
    assert "2022mai12" not in html.split('<div class="note-body">')[1] and "<hr" not in html


def test_tags_as_string_or_list(build_vault):
    built = build_vault({"A.md": "---\ntags: ressource rapport\n---\n", "B.md": "---\ntags: [ressource, English]\n---\n"})
    assert note(built, "A.md").tags == ("ressource", "rapport")
    assert note(built, "B.md").tags == ("ressource", "english")
    assert note(built, "B.md").type == "resource"


def test_no_front_matter_is_a_note(build_vault):
    built = build_vault({"Simple.md": "Juste du texte.\n"})
    assert "Juste du texte." in built.html("/simple/")
    assert built.result.diagnostics == ()


def test_bom_is_dropped(build_vault):
    built = build_vault({"B.md": "\ufeff---\ntags: question\n---\n# Avec BOM\n".encode("utf-8")})
    assert note(built, "B.md").type == "question"
    assert "\ufeff" not in built.html("/b/")


def test_cp1252_is_read_with_a_diagnostic(build_vault):
    built = build_vault({"Vieux.md": "# Café à l'été\n".encode("cp1252")})
    assert "Café à l'été" in built.html("/vieux/")
    [d] = built.diagnostics("encoding")
    assert d.path == "Vieux.md" and "cp1252" in d.message and d.hint


def test_utf16_is_read(build_vault):
    built = build_vault({"U.md": "# Musée\n".encode("utf-16")})
    assert "Musée" in built.html("/u/")


def test_broken_yaml_is_reported_and_the_note_published(build_vault):
    built = build_vault({"Cassé.md": '---\ntitle: "pas fermé\ntags: question\n---\n# Toujours là\n'})
    [d] = built.diagnostics("yaml-invalid")
    assert d.path == "Cassé.md" and d.line == 2
    assert "Toujours là" in built.html("/casse/")


def test_title_order(build_vault):
    built = build_vault({
        "cartel.toml": '[site]\ntitle = "MuseumXTD"\n',
        "Nav.md": "---\ntitle: MuseumXTD\nalias: Alias\neleventyNavigation: {key: k, title: Titre de navigation}\n---\n# H1\n",
        "Alias.md": "---\ntitle: MuseumXTD\naliases: [Premier alias, Second]\n---\n# H1\n",
        "Heading.md": "---\ntitle: MuseumXTD\n---\n# **Titre** en [gras](https://x.org)\n",
        "Own.md": "---\ntitle: Un vrai titre\n---\nTexte.\n",
        "Fichier.md": "---\ntitle: MuseumXTD\n---\nTexte sans titre.\n",
    })
    assert note(built, "Nav.md").title == "Titre de navigation"
    assert note(built, "Alias.md").title == "Premier alias"
    assert note(built, "Heading.md").title == "Titre en gras"
    assert note(built, "Own.md").title == "Un vrai titre"
    assert note(built, "Fichier.md").title == "Fichier"
    assert "<title>Fichier · MuseumXTD</title>" in built.html("/fichier/")


def test_eleventy_layout_and_navigation_keys_are_accepted(build_vault):
    built = build_vault({"T.md": "---\nlayout: layouts/post.njk\neleventyNavigation:\n  key: theme\n---\n# Thème\n",
                         "Q.md": "---\neleventyNavigation:\n  key: q\n  parent: theme\n---\n# Question\n"})
    n = note(built, "Q.md")
    assert n.nav_key == "q" and n.nav_parent == "theme"
    assert built.result.diagnostics == ()


def test_drafts_and_ignored_folders_are_not_published(build_vault):
    built = build_vault({"A.md": "[[Projet]]\n", "Brouillon/Projet.md": "# Projet\n", ".obsidian/app.json": "{}",
                         "Modèles/Modèle.md": "# {{title}}\n"})
    assert not (built.output / "brouillon").exists()
    assert not (built.output / "modeles").exists() and not (built.output / ".obsidian").exists()
    assert '<span class="draft-link">Projet</span>' in built.html("/a/")
    assert built.rules() == ["link-draft"]
