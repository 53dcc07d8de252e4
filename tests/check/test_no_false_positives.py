"""Nothing the style rules report on a good note may be false: code, URLs, link targets, front matter,
times, ratios, Markdown syntax and emoticons are not prose."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cartel.check.context import read_prose
from tests.check.helpers import check

TRICKY = """---
title: "Note : avec un titre ; bizarre ?"
aliases: ["Qu'est-ce que ça ?"]
date: 2024-01-01
source: https://example.org/a?b=c
---
# Une page pleine de pièges

Du code `a : b ; c ! d ?  etc` et un bloc:

```python
x = {"a" : 1}  # etc  deux espaces ; utilisateur.rice
```

    code indenté : oui ; cf

Une adresse https://example.org/page?x=1&y=2 et une autre www.musee.ch/a.rice puis contact@musee.ch.
Rendez-vous à 10:30, au ratio 1:2 ou à l'échelle 1 : 50 000.
Des smileys :) et ;-) et :D sont permis.
Voir [[Pourquoi ?]] et [[L’œuvre]] et [[Pourquoi ?#Une section : la bonne]].

> [!note] Attention
> Un encadré.

- [ ] une tâche
- [x] une autre

**Gras** et *italique*.

<div class="encadre">html : brut ; ici ! utilisateur.rice  deux espaces</div>

Autolien <https://example.org/x?y=1> et courriel <contact@example.org>.

Le site museum.ch, le fichier rapport.pdf, les fichiers C:/Temp/a.e et /etc/hosts.
Prends-le, dis-les, est-ce, peut-être, c'est-à-dire, lui-même, celle-ci, arc-en-ciel, Saint-Gall.
Par exemple e.g. ou i.e. et M. Dupont, J.-J. Rousseau, le tunnel.Les amis.
Une ligne avec un saut  
la suite, et une note[^1].

| Colonne | Valeur |
|:--------|-------:|
| a       | b      |

1. Un
2. Deux
   1. Sous-liste
   2. Suite

[^1]: Une note de bas de page.
"""


def test_a_note_full_of_traps_checks_clean(tmp_path):
    files = {
        "Pages/Pièges.md": TRICKY,
        "Pages/Pourquoi ?.md": "# Pourquoi\n\n## Une section: la bonne\n\nTexte.\n",
        "Pages/L’œuvre.md": "# L'œuvre\n\nTexte.\n",
    }
    result = check(tmp_path, files, fixing=True)
    assert [d.format() for d in result.diagnostics if d.path.startswith("Pages/")] == []
    assert [e for e in result.edits if e.path.startswith("Pages/")] == []


def test_prose_runs_leave_out_code_html_urls_and_link_targets():
    prose = read_prose("Voir `code : x` et [[Cible : nom]] et [[Cible|le libellé]] <b>html</b> <https://x.org>.\n\n"
                       "<div>\nbloc : html\n</div>\n\n```\nbloc : code\n```\n")
    text = " ".join(run.text for run in prose.runs)
    assert "le libellé" in text and "Voir" in text
    for hidden in ("code : x", "Cible : nom", "bloc : html", "bloc : code", "x.org", "<b>"):
        assert hidden not in text


WORDS = st.sampled_from(["musée", "l'image", "l’œuvre", "utilisateur.rice", "étudiant-e-s", "etc", "cf", "1:2",
                         "10:30", "https://ex.org/a?b", ":)", "Pourquoi", "?", "!", ":", ";", "**gras**", "`code : x`",
                         "[[Note : x]]", "prends-le", "1.", "-", ">", "#tag", "  ", "\t", "\n", "\n\n"])


@settings(max_examples=150, deadline=None)
@given(st.lists(WORDS, max_size=40))
def test_prose_runs_hold_only_prose(words):
    """The style rules read runs: no inline code, wiki-link or emphasis markup ever reaches them."""
    prose = read_prose(" ".join(words))
    for run in prose.runs:
        assert not any(mark in run.text for mark in ("`", "[[", "]]", "**", "code : x", "Note : x")), run.text


INCLUSIVE = {
    "utilisateur.rice": "utilisateur·rice", "utilisateur.rice.s": "utilisateur·rice·s", "étudiant-e-s": "étudiant·e·s",
    "étudiant.es": "étudiant·es", "professionnel.le.s": "professionnel·le·s", "citoyen-ne-s": "citoyen·ne·s",
    "directeur.trice": "directeur·trice", "chercheur.euse.s": "chercheur·euse·s", "sportif.ve": "sportif·ve",
    "heureux.se": "heureux·se", "conseiller.ère.s": "conseiller·ère·s", "élu.e.s": "élu·e·s", "Ami-e-s": "Ami·e·s",
    "étudiant·e.s": None, "étudiant·e·s": None,
}
NOT_INCLUSIVE = ("prends-le", "dis-les", "fais-le", "appelle-le", "e.g.", "i.e.", "museum.ch", "rapport.pdf",
                 "www.museo.es", "tunnel.Les", "peut-être", "Jean-Le", "celle-ci", "grand-mère", "sous-sol",
                 "lui-même", "dit-elle", "a-t-il", "va-t-en", "rendez-vous", "c'est-à-dire", "Saint-Gall",
                 "mi-temps", "museo.es", "https://ex.org/utilisateur.rice", "a@b.ne", "J.-J.", "N.-B.")


def test_inclusive_forms_are_found_and_only_they():
    from cartel.check.style import inclusive_forms

    for word, fixed in INCLUSIVE.items():
        found = inclusive_forms(f"Les {word} arrivent.")
        assert [(f[1], f[2]) for f in found] == ([(word, fixed)] if fixed else []), word
    for word in NOT_INCLUSIVE:
        assert inclusive_forms(f"Voir {word} ici.") == [], word


def test_quotations_are_kept_as_written_but_callouts_are_checked():
    text = ("> Sources : texte cité , etc\n\n> [!quote]- Texte original\n> Publication : 13/11/2013\n\n"
            "> [!note] Conseil\n> Une remarque : la nôtre.\n")
    runs = " ".join(run.text for run in read_prose(text).runs)
    assert "Sources" not in runs and "Publication" not in runs
    assert "Une remarque : la nôtre." in runs
