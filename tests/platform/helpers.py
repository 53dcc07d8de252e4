"""Small helpers for the platform tests: parse one note, or link a few, without writing files."""

from __future__ import annotations

import hashlib
from pathlib import Path

from cartel.config import Config
from cartel.link import Site, link_site
from cartel.parse import Note, parse_note
from cartel.scan import Source

CONFIG = Config(root=Path("."), folder_types=(("Questions", "question"), ("Ressources", "resource")))


def source(path: str, text: str, kind: str = "note") -> Source:
    """A vault file held in memory."""
    data = text.encode("utf-8")
    return Source(path, kind, False, data, 0.0, hashlib.sha256(data).hexdigest(), text)


def note(text: str, path: str = "Questions/Q.md") -> Note:
    """One parsed note."""
    return parse_note(source(path, text), CONFIG)


def site(files: dict[str, str], config: Config = CONFIG) -> Site:
    """A linked site from {path: text}; `.csv` files are data."""
    sources = tuple(source(p, t, "data" if p.endswith(".csv") else "note") for p, t in files.items())
    notes = [parse_note(s, config) for s in sources if s.kind == "note"]
    return link_site(notes, sources, config)
