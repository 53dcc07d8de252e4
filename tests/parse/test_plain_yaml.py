"""Plain front matter is read here as PyYAML's safe loader reads it, value for value and type for type; the rest
is left to PyYAML (cartel.parse.plain_yaml)."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings, strategies as st

from cartel.parse.frontmatter import parse_yaml_block
from cartel.parse.plain_yaml import read_plain_yaml

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

KEYS = st.sampled_from(["title", "tags", "date", "alias", "Titre", "é_clé", "a-b", "_x", "yes", "On", "null", "Y",
                        "1a", "a b", "<<", "k"])
WORDS = st.one_of(
    st.sampled_from(["MuseumXTD", "l'œuvre", "Rapport [2022], suite", "x:y", "a: b", "fin:", "C#", "a #b", "Yes",
                     "no", "NULL", "~", "Null", "on", "2022-05-12", "2022-13-01", "2022-5-1", "2022-05-12T10:00",
                     "12", "1.5", ".inf", "0x1F", "1:20", "-x", "*ref", "&a x", "!tag x", "|", ">", "%x", "@x",
                     "`x`", "?x", "=", "prix\xa0: 3", "«\xa0x\xa0»", "a\tb", "a\u2028b", "a\x85b", "\ufeffx",
                     "é" * 3, "a  b", "a ", "Été 2022"]),
    st.text(alphabet="aZé '\"#:,[]{}-!&*%@`|>?~=\\\t\xa0.0129", min_size=1, max_size=12),
)


@st.composite
def value(draw) -> str:
    """A value as an editor may write it after `key: `."""
    word = draw(WORDS)
    form = draw(st.sampled_from(["plain", "double", "single", "flow", "flow-mixed"]))
    if form == "double":
        return '"' + word + '"'
    if form == "single":
        return "'" + word.replace("'", draw(st.sampled_from(["''", "'"]))) + "'"
    if form == "flow":
        return "[" + draw(st.sampled_from([", ", ",", " , "])).join(draw(st.lists(WORDS, max_size=3))) + "]"
    if form == "flow-mixed":
        return f"[\"{word}\", '{draw(WORDS)}', {draw(WORDS)}]"
    return word


@st.composite
def line(draw) -> str:
    """One line of front matter, well formed or not."""
    key, text = draw(KEYS), draw(value())
    return draw(st.sampled_from([
        f"{key}: {text}", f"{key}:", f"{key}:{text}", f"{key} : {text}", f"{key}:   {text}  ", f"- {text}",
        f"  - {text}", f"    - {text}", f"  {key}: {text}", f"   {key}: {text}", f"# {text}", "", "   ",
        f"{key}: {text} # commentaire", f"  {text}", f"{key}: |", f"-{text}",
    ]))


@settings(max_examples=3000, deadline=None)
@given(st.lists(line(), min_size=1, max_size=7))
def test_what_is_read_here_is_what_pyyaml_reads(lines):
    raw = "\n".join(lines)
    mine = read_plain_yaml(raw)
    if mine is None:
        return
    assert repr(mine) == repr(yaml.load(raw, Loader=LOADER))  # repr: a date is not a string, nor 1 True


# Values that start as plain text does: most of them are read here, so the comparison is mostly of real readings.
FRIENDLY = st.one_of(
    st.text(alphabet="aZéœ' ,:[]{}-./?!&*\xa0\"", max_size=10).map(lambda text: "V" + text),
    st.sampled_from(["2022-05-12", "1999-12-31", "2024-02-30"]),
)


@st.composite
def friendly_value(draw) -> str:
    word = draw(FRIENDLY)
    return draw(st.sampled_from([word, '"' + word.replace('"', "") + '"', "'" + word.replace("'", "''") + "'",
                                 f"[{word.replace(',', '').replace(']', '')}, 'x']", draw(value())]))


@st.composite
def entry(draw) -> str:
    """One well-formed entry: `key: value`, or a key over `- ` items or over a mapping one level deep."""
    key = draw(KEYS.filter(lambda key: key[0].isalpha() and " " not in key))
    form = draw(st.sampled_from(["value", "value", "items", "mapping", "empty"]))
    if form == "items":
        indent = draw(st.sampled_from(["", "  ", "    "]))
        return f"{key}:\n" + "\n".join(f"{indent}- {draw(friendly_value())}" for _ in range(draw(st.integers(1, 3))))
    if form == "mapping":
        return f"{key}:\n" + "\n".join(f"  {draw(st.sampled_from(['key', 'title', 'parent']))}: {draw(friendly_value())}"
                                        for _ in range(draw(st.integers(1, 3))))
    return f"{key}:" if form == "empty" else f"{key}: {draw(friendly_value())}"


@settings(max_examples=3000, deadline=None)
@given(st.lists(entry(), min_size=1, max_size=6))
def test_well_formed_front_matter_is_read_as_pyyaml_reads_it(entries):
    raw = "\n".join(entries)
    mine = read_plain_yaml(raw)
    if mine is not None:
        assert repr(mine) == repr(yaml.load(raw, Loader=LOADER))


@pytest.mark.parametrize("text", ["a\u2028b", "a\u2029b", "a\x85b", "a\x85", "a\x01b", "a\ufffeb", "a\tb", "\ufeffx",
                                  "a\rb", "a\x7fb", "a\x9fb"])
def test_characters_yaml_rejects_or_breaks_lines_at_are_left_to_it(text):
    for raw in (f"k: {text}", f"k: '{text}'", f'k: "{text}"', f"k: [{text}]", f"k:\n  - {text}"):
        mine = read_plain_yaml(raw)
        if mine is not None:
            assert repr(mine) == repr(yaml.load(raw, Loader=LOADER))


def test_the_front_matter_of_real_notes_is_read_here():
    shapes = [
        "title: Qu'est-ce qu'une stratégie numérique ?\ntags: [question, stratégie]\ndate: 2022-05-12",
        'title: "Rapport : musées et numérique"\nsource: https://musees.example/rapport\nauteur: Office fédéral',
        "tags:\n  - ressource\n  - outil\nalias: ['Guide, version 2']",
        "title: MuseumXTD\nlayout: layouts/post.njk\neleventyNavigation:\n  key: k1\n  title: \"Un titre\"\n  parent: k0",
    ]
    for raw in shapes:
        assert read_plain_yaml(raw) is not None, raw
        assert repr(read_plain_yaml(raw)) == repr(yaml.load(raw, Loader=LOADER))


def test_a_note_reads_the_same_metadata_and_problems_either_way(monkeypatch):
    raw = "title: Fiche\ntags: [ressource]\ntags: [outil]\ndate: 2022-05-12\nsource: https://a.ch/x"
    fast = parse_yaml_block(raw, "Fiche.md")
    monkeypatch.setattr("cartel.parse.frontmatter.read_plain_yaml", lambda raw: None)
    assert parse_yaml_block(raw, "Fiche.md") == fast
    assert fast[0]["date"] == "2022-05-12" and [d.rule for d in fast[1]] == ["yaml-duplicate-key"]


def test_every_character_pyyaml_rejects_is_left_to_it():
    from yaml.reader import Reader

    from cartel.parse.plain_yaml import _UNUSUAL

    rejected = [chr(code) for code in range(0x110000) if Reader.NON_PRINTABLE.match(chr(code))]
    assert len(rejected) > 2000  # the C0 and C1 controls, the surrogates, U+FFFE and U+FFFF
    assert [c for c in rejected if not _UNUSUAL.match(c)] == []
    assert all(_UNUSUAL.match(c) for c in "\t\r\x85\u2028\u2029\ufeff")  # read, but not as plain text
    assert not any(_UNUSUAL.match(c) for c in "\n aé\xa0\u202f€\U0001F600")
