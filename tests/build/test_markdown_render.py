"""Obsidian-flavoured Markdown as rendered HTML, and the sanitiser."""

from __future__ import annotations


def body(built, url):
    return built.html(url).split('<div class="note-body">', 1)[1].split("</article>", 1)[0]


def test_obsidian_syntax(build_vault):
    built = build_vault({"A.md": (
        "# Titre\n\nDu ==surligné== et %%caché%% et #etiquette.\n\n"
        "> [!warning] Attention\n> Contenu.\n\n> [!tip]\n> Sans titre.\n\n"
        "Une note[^1].\n\n[^1]: La note.\n\n| a | b |\n|---|--:|\n| 1 | 2 |\n\n- [x] fait\n- [ ] à faire\n\n~~barré~~\n\n"
        "Paragraphe cité. ^cite\n")})
    html = body(built, "/a/")
    assert "<mark>surligné</mark>" in html and "caché" not in html
    assert '<a class="tag" href="/tags/etiquette/">#etiquette</a>' in html
    assert '<blockquote class="callout callout-warning"><p class="callout-title">Attention</p>' in html
    assert '<p class="callout-title">Astuce</p>' in html
    assert 'class="footnote-reference"' in html and "La note." in html
    assert '<td style="text-align:right">2</td>' in html
    assert '<input disabled="" type="checkbox" checked="">' in html or '<input type="checkbox" disabled="" checked="">' in html
    assert "<del>barré</del>" in html
    assert '<p id="^cite">Paragraphe cité.' in html


def test_foldable_callouts_are_details_closed_at_their_own_end(build_vault):
    built = build_vault({"A.md": (
        "> [!note]- Texte original\n> Premier paragraphe.\n>\n> > [!tip]+ Ouvert\n> > Dedans.\n>\n> > Citation simple.\n>\n"
        "> Fin du repli.\n\nAprès le repli.\n")})
    html = body(built, "/a/")
    assert ('<blockquote class="callout callout-note callout-foldable"><details><summary class="callout-title">'
            "Texte original</summary>") in html
    assert '<details open=""><summary class="callout-title">Ouvert</summary>' in html
    folded = html.split("<details>", 1)[1].rsplit("</details></blockquote>", 1)[0]
    assert "Dedans." in folded and "Citation simple." in folded and "Fin du repli." in folded
    assert "Après le repli." not in folded and html.count("</details>") == 2
    inner = folded.split("<details open=", 1)[1].split("</details>", 1)[0]
    assert "Dedans." in inner and "Citation simple." not in inner
    assert "\ue002" not in html


def test_raw_html_allow_list(build_vault):
    built = build_vault({"A.md": (
        "Ligne<br>suivante&nbsp;!\n\n<picture><source srcset=\"/i.png\"><img src=\"/i.png\" alt=\"Image\"></picture>\n\n"
        "<script>alert(1)</script>\n\n<img src=x onerror=\"alert(2)\" alt=\"x\">\n\n[clic](javascript:alert(3))\n\n"
        "<a href=\"javascript:alert(4)\">lien</a> <iframe src=\"https://evil.example\"></iframe> <style>body{}</style>\n"
        "<div onclick=\"alert(5)\" style=\"position:fixed\">div</div>\n")})
    html = body(built, "/a/")
    assert "<br>" in html and ("&nbsp;" in html or "\xa0" in html)
    assert '<picture><source srcset="/i.png"><img src="/i.png" alt="Image"></picture>' in html
    for bad in ("<script", "alert", "onerror", "onclick", "javascript:", "<iframe", "<style", "position:fixed"):
        assert bad not in html, bad


def test_note_embeds_with_cycle_and_depth(build_vault):
    built = build_vault({
        "A.md": "# A\n\n![[B]]\n",
        "B.md": "# B\n\nContenu de B.\n\n![[A]]\n",
        "Sec.md": "# S\n\n## Une partie\n\nTexte partie.\n\n## Autre\n\nAutre texte.\n",
        "C.md": "![[Sec#Une partie]]\n",
    })
    html = body(built, "/a/")
    assert '<section class="embed" aria-label="B">' in html and "Contenu de B." in html
    assert '<a class="internal" href="/a/">A</a>' in html  # the cycle stops with a link
    assert sorted(d.path for d in built.diagnostics("embed-cycle")) == ["A.md", "B.md"]
    section = body(built, "/c/")
    assert "Texte partie." in section and "Autre texte." not in section


def test_embed_depth_limit(build_vault):
    files = {f"N{i}.md": f"# N{i}\n\n![[N{i + 1}]]\n" for i in range(8)}
    files["N8.md"] = "# N8\n\nFond.\n"
    built = build_vault(files)
    assert built.diagnostics("embed-too-deep")
    html = body(built, "/n0/")
    assert html.count('<section class="embed"') == 5     # the default depth limit
    assert "Fond." not in html and 'href="/n6/"' in html   # the next level is a link


def test_images_and_pdfs(build_vault):
    built = build_vault({"A.md": "![[plan.png]] ![[plan.png|Plan du musée]] ![[plan.png|300]] ![[doc.pdf]]\n",
                         "media/plan.png": b"png", "media/doc.pdf": b"%PDF"})
    html = body(built, "/a/")
    assert '<img src="/media/plan.png" alt="plan" loading="lazy">' in html
    assert '<img src="/media/plan.png" alt="Plan du musée" loading="lazy">' in html
    assert 'width="300"' in html
    assert '<object data="/media/doc.pdf" type="application/pdf"' in html and 'href="/media/doc.pdf"' in html
