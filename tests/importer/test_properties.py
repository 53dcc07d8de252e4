"""Property tests of the importer's small parts: inert text, YAML values, file names, readers on any input."""

from __future__ import annotations

import datetime as dt
import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from cartel.importer import make_draft
from cartel.importer.note import front_matter, inert, note_stem
from cartel.importer.text import read_text_document
from cartel.parse.frontmatter import read_front_matter
from cartel.parse.markdown import analyse

# Text rich in what Markdown and Obsidian give a meaning to.
markup = st.lists(st.sampled_from(list("ab é#[]!%=^<>/-*_ \\|()`&;:0+.")
                                  + ["[[", "%%", "==", "#tag", " ^id", "<b>", "1.", "&#35;"]), max_size=40).map("".join)


@given(markup)
@settings(max_examples=300)
def test_inert_text_makes_no_tag_no_link_and_no_heading(line):
    body = analyse(f"> [!quote]- Texte original\n> {inert(line)}\n")
    assert body.tags == ()
    assert [link for link in body.links if not link.external] == []
    assert body.headings == ()


@given(st.text(max_size=80), st.text(max_size=80), st.dates(min_value=dt.date(1000, 1, 1)))
def test_front_matter_values_read_back_as_written(title, path, date):
    text = front_matter([("type", "resource"), ("title", title), ("date", date), ("tags", ["ressource", "english"]),
                         ("imported_from", path)])
    meta = read_front_matter(text + "# Corps\n", "x.md").meta
    assert meta.get("title", "") == title
    assert meta.get("imported_from", "") == path
    assert meta["date"] == date.isoformat() and meta["tags"] == ["ressource", "english"]


@given(st.text(max_size=300))
def test_note_names_are_always_usable(title):
    stem = note_stem(title)
    assert stem and stem == stem.strip(" .") and len(stem.encode("utf-8")) <= 200
    assert not set(stem) & set('\\/:*?"<>|#^[]') and all(ord(c) >= 32 for c in stem)


@given(st.text(max_size=2000))
@settings(max_examples=200)
def test_the_text_reader_reads_anything(text):
    document = read_text_document(text, "fichier")
    assert document.title and document.original == text


@given(st.binary(max_size=600), st.sampled_from(["a.txt", "a.md", "a.html"]))
@settings(max_examples=150, deadline=None)
def test_any_bytes_make_a_draft_whose_front_matter_reads_back(data, name):
    from pathlib import Path

    digest = hashlib.sha256(data).hexdigest()
    draft = make_draft(data, Path(name), name, digest)
    front = read_front_matter(draft.text, name)
    assert front.kind == "yaml" and not front.diagnostics
    assert front.meta["import_hash"] == digest and front.meta["type"] in ("resource", "question")
