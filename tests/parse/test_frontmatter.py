"""Front matter in all the shapes real vaults have."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from cartel.parse.frontmatter import read_front_matter


def test_yaml_front_matter_and_body_line():
    front = read_front_matter("---\ntitle: MuseumXTD\ndate: 2022-05-13\n---\n# Titre\n", "n.md")
    assert front.meta == {"title": "MuseumXTD", "date": "2022-05-13"}
    assert front.body == "# Titre\n" and front.body_line == 5 and front.kind == "yaml"


def test_hash_tag_hidden_by_yaml_comment_is_still_a_tag():
    front = read_front_matter("---\ntitle: X\ntags: #question\n---\nCorps\n", "n.md")
    assert front.meta["tags"] == ["question"]
    assert front.diagnostics == ()


def test_hash_tags_in_a_block_list():
    front = read_front_matter("---\ntags:\n  - #question\n  - rapport\n---\n", "n.md")
    assert sorted(front.meta["tags"]) == ["question", "rapport"]


def test_pseudo_header_without_fences():
    text = "date : 2022mai12\ntags : #question\n\n---------\n# Pourquoi ?\nTexte.\n"
    front = read_front_matter(text, "n.md")
    assert front.kind == "pseudo"
    assert front.meta == {"date": "2022mai12", "tags": ["question"]}
    assert front.body.startswith("# Pourquoi ?") and front.body_line == 5


def test_prose_with_a_colon_is_not_a_pseudo_header():
    text = "Responsable Doors: présentation du projet\n\nSuite.\n"
    front = read_front_matter(text, "n.md")
    assert front.kind == "none" and front.body == text


def test_broken_yaml_is_reported_with_its_line_and_keys_recovered():
    text = '---\ntitle: MuseumXTD\nalias: "Texte non fermé\ntags: ressource\n---\n# Corps\n'
    front = read_front_matter(text, "n.md")
    assert [d.rule for d in front.diagnostics] == ["yaml-invalid"]
    assert front.diagnostics[0].line == 3
    assert front.meta["tags"] == "ressource"
    assert front.body == "# Corps\n"


def test_eleventy_navigation_mapping_is_kept():
    text = "---\neleventyNavigation:\n  key: strat\n  parent: accueil\n  title: Stratégie\n---\n"
    assert read_front_matter(text, "n.md").meta["eleventyNavigation"] == {"key": "strat", "parent": "accueil", "title": "Stratégie"}


def test_alias_bomb_is_refused():
    anchors = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(12))
    front = read_front_matter("---\n" + anchors + "---\nCorps\n", "n.md")
    assert front.meta == {} and front.diagnostics[0].rule == "yaml-invalid"


def test_huge_front_matter_is_refused():
    front = read_front_matter("---\n" + "k: v\n" * 30000 + "---\nCorps\n", "n.md")
    assert front.diagnostics[0].rule == "yaml-too-large" and front.body == "Corps\n"


def test_no_closing_fence_means_no_front_matter():
    front = read_front_matter("---\nPas de fin\n", "n.md")
    assert front.kind == "none"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=400))
def test_never_raises_on_arbitrary_text(text):
    front = read_front_matter("---\n" + text + "\n---\nbody", "n.md")
    assert isinstance(front.meta, dict)
    read_front_matter(text, "n.md")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["key: value", "tags: #q", "- item", "  nested: 1", "a: [1, 2", "b: 'x", ": :", "\t", "&x y", "*x", "? k"]), max_size=12))
def test_never_raises_on_yaml_like_lines(lines):
    front = read_front_matter("---\n" + "\n".join(lines) + "\n---\nbody", "n.md")
    assert front.body == "body"


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["---", "--- ", "...", "a: b", "", "x", "\r", "tags: #q", "  - #t", "é: ü"]), max_size=8),
       st.text(max_size=30))
def test_the_body_is_every_line_after_the_fence_unchanged(lines, tail):
    text = "\n".join(lines) + tail
    front = read_front_matter(text, "x.md")
    if front.kind == "yaml":
        assert front.body == "\n".join(text.split("\n")[front.body_line - 1:])
