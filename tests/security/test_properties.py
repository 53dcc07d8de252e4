"""Properties that hold for any input: safe slugs, deterministic resolution, no exception."""

from __future__ import annotations

import random
import re
import unicodedata

from hypothesis import HealthCheck, given, settings, strategies as st

from cartel.config import Config
from cartel.link import asset_url, choose, link_site
from cartel.urls import note_url
from cartel.parse import parse_note
from cartel.scan import Source
from cartel.slug import _LIGATURES, slugify

NAME = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)


@settings(max_examples=500, deadline=None)
@given(NAME)
def test_slugs_are_always_safe_path_parts(text):
    slug = slugify(text)
    assert slug and slug not in (".", "..")
    assert all(c.isascii() and (c.isalnum() or c == "-") for c in slug)
    assert not slug.startswith("-") and not slug.endswith("-")


def _slug_by_definition(text: str, fallback: str = "note") -> str:
    """slugify as its docstring defines it, every text taken the long way."""
    text = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return slug[:120].rstrip("-") or fallback


@settings(max_examples=500, deadline=None)
@given(st.one_of(NAME, st.text(alphabet="aZ9 -_.#éÉœİﬁ\u0301\u00a0", max_size=130)))
def test_slugs_take_a_short_way_for_ascii_only(text):
    assert slugify(text) == _slug_by_definition(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(NAME, min_size=1, max_size=4))
def test_urls_stay_inside_the_site(parts):
    path = "/".join(parts).replace("\x00", "") + ".md"
    for url in (note_url(path), asset_url(path.replace(".md", ".png"))):
        assert url.startswith("/")
        assert ".." not in url.split("/") and "\\" not in url and "//" not in url


def _source(path: str, text: str) -> Source:
    return Source(path, "note", False, text.encode(), 0.0, str(hash(text)), text)


FILES = st.lists(st.tuples(st.sampled_from(["", "A", "B", "A/C", "Été"]), st.sampled_from(["x", "X", "y", "été", "Ete", "index"])),
                 min_size=1, max_size=8, unique=True)
LINKS = st.lists(st.sampled_from(["x", "X", "y", "A/x", "B/x", "C/x", "été", "ETE", "x#h", "x#^b", "zz", "A/C/x", "/x", "../x"]),
                 min_size=1, max_size=6)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(FILES, LINKS, st.randoms(use_true_random=False))
def test_resolution_is_deterministic_whatever_the_order(files, links, rnd):
    config = Config(root=__import__("pathlib").Path("."))
    body = " ".join(f"[[{link}]]" for link in links) + "\n\n## h\n\npara ^b\n"
    sources = [_source(f"{folder}/{name}.md" if folder else f"{name}.md", body) for folder, name in files]
    notes = [parse_note(s, config) for s in sources]
    first = link_site(notes, tuple(sources), config)
    shuffled = notes[:]
    rnd.shuffle(shuffled)
    second = link_site(shuffled, tuple(sources), config)
    assert first.targets == second.targets and first.urls == second.urls
    assert sorted(first.diagnostics) == sorted(second.diagnostics)
    assert len(set(first.urls.values())) == len(first.urls)


@given(st.lists(st.sampled_from(["a/x.md", "b/x.md", "x.md", "a/b/x.md", "c/x.md"]), min_size=2, max_size=5, unique=True),
       st.sampled_from(["", "a", "b", "c", "a/b"]))
def test_choose_is_order_independent(candidates, folder):
    shuffled = candidates[:]
    random.Random(0).shuffle(shuffled)
    assert choose(candidates, folder) == choose(shuffled, folder)
