"""Packed bodies (cartel.parse.packed): what a large vault keeps of each parsed note between parse and render."""

from __future__ import annotations

import pickle
from pathlib import Path

from hypothesis import given, settings, strategies as st

from cartel.config import load_config
from cartel.link import link_site
from cartel.parse import parse_note
from cartel.parse.markdown import Body, analyse
from cartel.parse.packed import BodyShelf, PackedBody, pack_note, plain_note
from cartel.scan import Source, scan_vault
from tests.conftest import DEMO
from tests.parse.test_markdown import MARKDOWNISH

FIELDS = ("text", "headings", "links", "tags", "block_ids", "items", "blocks", "splices")


def _fields(body) -> tuple:
    return tuple(getattr(body, name) for name in FIELDS)


@settings(max_examples=300, deadline=None)
@given(st.one_of(MARKDOWNISH, st.text(max_size=300)))
def test_a_packed_body_reads_as_the_body_it_packs(text):
    body = analyse(text)
    packed = PackedBody.of(body, BodyShelf(size=1))
    assert _fields(packed) == _fields(body)
    assert [type(x) for x in packed.links + packed.items + packed.blocks + packed.splices] == \
        [type(x) for x in body.links + body.items + body.blocks + body.splices]  # named tuples, not plain ones
    kept = pickle.loads(pickle.dumps(packed))  # the parse cache keeps it packed, on no shelf
    assert isinstance(kept, PackedBody) and kept.data == packed.data and kept.shelf is None
    assert _fields(kept) == _fields(body) and kept.unpacked is None and kept.plain() == body


def test_a_note_from_the_cache_is_put_on_the_builds_shelf_or_unpacked():
    data = "---\ntags: [musée]\n---\n# Musée\n\nVoir [[Autre]].\n".encode()
    note = parse_note(Source("Notes/Musée.md", "note", False, data, 0.0, "d"), load_config(Path("/nonexistent")))
    shelf = BodyShelf(size=4)
    stored = pickle.loads(pickle.dumps(pack_note(note, shelf)))
    again = pack_note(stored, shelf)
    assert again.body.shelf is shelf and again.body.data == stored.body.data  # not packed a second time
    assert again.body.links == note.body.links and again.body.unpacked is None  # the links alone are unpacked
    assert again.body.text == note.body.text and again.body.unpacked is not None
    assert plain_note(stored) == note and plain_note(note) is note


def test_the_cache_stores_a_note_in_the_build_s_form_packing_or_unpacking_it_once_at_most():
    from cartel.cache import stored_note

    data = "# Musée\n\nVoir [[Autre]].\n".encode()
    plain = parse_note(Source("Notes/Musée.md", "note", False, data, 0.0, "d"), load_config(Path("/nonexistent")))
    packed = pack_note(plain, BodyShelf())
    assert stored_note(plain, packed, packed=True) is packed  # a build packed it: stored as the build keeps it
    assert stored_note(packed, plain, packed=True) is packed  # the helper packed it, check unpacked it
    assert stored_note(packed, plain, packed=False) is plain  # a small vault: stored as parsed
    made = stored_note(plain, plain, packed=True)  # parsed here and kept as parsed by check: packed for builds
    assert isinstance(made.body, PackedBody) and made.body.shelf is None and plain_note(made) == plain
    assert stored_note(packed, packed, packed=False) == plain


def test_the_shelf_keeps_only_the_last_bodies_unpacked():
    shelf = BodyShelf(size=2)
    bodies = [PackedBody.of(analyse(f"# Titre {i}\n\nUn paragraphe [[Lien {i}]] et #tag{i}.\n"), shelf) for i in range(4)]
    assert all(b.unpacked is None for b in bodies)
    assert bodies[0].headings[0].text == "Titre 0" and bodies[0].tags == ("tag0",)  # these stay as they are
    assert bodies[0].unpacked is None
    texts = [b.text for b in bodies]  # reading the text unpacks
    assert texts[3].startswith("# Titre 3")
    assert [b.unpacked is not None for b in bodies] == [False, False, True, True]
    assert bodies[0].links[0].target == "Lien 0" and bodies[0].unpacked is None  # links alone: nothing kept
    assert isinstance(bodies[3].unpacked, Body) and bodies[0].blocks[0].text == "Titre 0"
    assert [b.unpacked is not None for b in bodies] == [True, False, False, True]


def test_link_reads_no_packed_body_and_links_as_from_plain_notes():
    config = load_config(DEMO)
    sources = scan_vault(config).sources
    notes = [parse_note(source, config) for source in sources if source.kind == "note"]
    shelf = BodyShelf(size=len(notes))
    packed = [pack_note(note, shelf) for note in notes]
    site = link_site(packed, sources, config)
    assert not shelf.held  # links alone were unpacked; a question's or resource's parts came from parse
    plain = link_site(notes, sources, config)
    assert site.questions and site.resources and any(site.embeds.values())
    assert (site.targets, site.backlinks, site.questions, site.resources, site.appears_in, site.diagnostics) == \
        (plain.targets, plain.backlinks, plain.questions, plain.resources, plain.appears_in, plain.diagnostics)
