"""Where each table and key of cartel.toml is written: what config diagnostics point at."""

from __future__ import annotations

import json
import tomllib

from hypothesis import given, strategies as st

from cartel.config import line_of, toml_key_lines

BARE = st.text("abcdefghijklmnopqrstuvwxyz_-0123456789", min_size=1, max_size=8)
QUOTED = st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters='"\\'), min_size=1, max_size=10)
NAME = st.one_of(BARE.map(lambda n: (n, n)), QUOTED.map(lambda n: (n, json.dumps(n, ensure_ascii=False))))
# Values that look like headers, keys or comments inside strings and arrays.
VALUE = st.sampled_from(['1', '"a = b"', '"[site]"', "'# pas un commentaire'", '["x", "y = z"]', 'true', '2024-01-02',
                         '"""\nligne = 1\n[faux]\n"""', '[\n  "a",\n  "b = c",\n]', '"un \\" [faux]"',
                         '{ a = 1, b = "]" }', '[\n  [1, 2],\n  [3],  # ] [x]\n]', "'''\n[faux]\nx = 1\n'''",
                         '"""a \\""" b = """', "'c:\\chemin\\'"])
BLANK = st.sampled_from(["", "# commentaire", "   ", "# [site]"])


@st.composite
def documents(draw):
    """A valid TOML text of tables ([name], or [[name]] once or more) and keys, with the line where each was written."""
    lines: list[str] = []
    expected: dict[tuple, int] = {}
    for name, written in draw(st.lists(NAME, min_size=1, max_size=4, unique_by=lambda n: n[0])):
        repeats = draw(st.integers(0, 3))  # 0: a plain table; else an array of that many tables
        for index in range(max(repeats, 1)):
            lines += draw(st.lists(BLANK, max_size=2))
            lines.append(f"[[{written}]]" if repeats else f"[{written}]  # ouvre la table")
            table = (name, index) if repeats else (name,)
            expected[table] = len(lines)
            for key, written_key in draw(st.lists(NAME, max_size=3, unique_by=lambda n: n[0])):
                lines += draw(st.lists(BLANK, max_size=1))
                expected[table + (key,)] = len(lines) + 1
                lines += f"{written_key} = {draw(VALUE)}".split("\n")
    return "\n".join(lines) + "\n", expected


@given(documents())
def test_each_table_and_key_is_found_on_its_line(document):
    text, expected = document
    tomllib.loads(text)  # the strategy writes valid TOML
    found = toml_key_lines(text)
    assert {path: found.get(path) for path in expected} == expected


@given(documents(), st.lists(BARE, min_size=1, max_size=3))
def test_a_path_not_written_falls_back_to_its_table_then_to_line_1(document, tail):
    text, expected = document
    found = toml_key_lines(text)
    table = next(iter(expected))
    assert line_of(found, table + ("\0absent",) + tuple(tail)) == expected[table]
    assert line_of(found, ("\0absent",)) == 1
