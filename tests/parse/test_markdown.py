"""Obsidian-flavoured Markdown: what parse records and what render makes of it."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from cartel.parse.markdown import analyse, strip_comments


def test_wiki_links_of_every_form():
    body = analyse("[[A]] [[B|texte]] [[C#Titre]] [[#Local]] [[D#^bloc]] ![[img.png]] ![[E]]\n")
    got = [(l.target, l.fragment, l.label, l.embed) for l in body.links]
    assert got == [("A", "", "", False), ("B", "", "texte", False), ("C", "Titre", "", False), ("", "Local", "", False),
                   ("D", "^bloc", "", False), ("img.png", "", "", True), ("E", "", "", True)]


def test_links_in_code_are_not_links():
    body = analyse("`[[A]]`\n\n```\n[[B]] #tag ==x==\n```\n")
    assert body.links == () and body.tags == () and body.splices == ()


def test_inline_tags_but_not_headings_numbers_or_anchors():
    body = analyse("# Titre\n\nUn #tag, #vaud/lausanne et #2022 et [lien](#ancre) et C#.\n")
    assert body.tags == ("tag", "vaud/lausanne")


def test_comments_are_removed_keeping_lines():
    text = "a %%secret\nsur deux lignes%% b\nc [[X]]\n"
    assert "secret" not in strip_comments(text)
    body = analyse(text)
    assert body.links[0].line == 3


def test_headings_get_unique_anchors():
    body = analyse("# Intro\n## Étape\n## Étape\n### **Gras** et [lien](https://x.org)\n")
    assert [h.anchor for h in body.headings] == ["intro", "etape", "etape-1", "gras-et-lien"]


def test_block_ids_and_callouts_and_highlights_become_splices():
    body = analyse("Un paragraphe. ^b1\n\n> [!tip] Conseil\n> Texte ==clé==.\n")
    kinds = [s.kind for s in body.splices]
    assert body.block_ids == ("b1",)
    assert "callout" in kinds and kinds.count("highlight-open") == 1 and kinds.count("highlight-close") == 1


def test_ordered_items_record_written_numbers_and_opening_links():
    body = analyse("1. [[A]]\n   résumé\n1. [[B]]\n2. texte [[C]]\n")
    assert [i.number for i in body.items] == [1, 1, 2]
    assert [i.first_link for i in body.items] == [0, 1, -1]


MARKDOWNISH = st.lists(st.sampled_from([
    "[[", "]]", "|", "#", "^", "==", "%%", "![[", "> [!note]", "\n", "\n\n", "- ", "1. ", "`", "```", "**", "_",
    "<b>", "</b>", "<script>", "[x](", ")", "a", "é", " ", "\t", "#tag", "[^1]", "[^1]: n", "| a | b |", "|---|---|", "{#x}",
]), max_size=60).map("".join)


@settings(max_examples=400, deadline=None)
@given(MARKDOWNISH)
def test_analyse_never_raises_and_splices_are_ordered(text):
    body = analyse(text)
    ends = [(s.start, s.end) for s in body.splices]
    assert all(a[1] <= b[0] or a[0] == a[1] or b[0] == b[1] for a, b in zip(ends, ends[1:]))
    assert all(0 <= s.start <= s.end <= len(body.text.encode()) for s in body.splices)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_analyse_never_raises_on_any_text(text):
    analyse(text)
