"""The navigation tree: which note is the parent of which, for breadcrumbs and theme pages.

A note's parent is, in order: the note whose `eleventyNavigation.key` is its
`eleventyNavigation.parent` (MuseumXTD's Eleventy navigation); else the note a
`parent:` key names (a navigation key, a note name or a `[[wiki-link]]`);
else its folder's own note (`Folder/index.md` or `Folder/Folder.md`). A parent
that names nothing, and a chain of parents that loops, are diagnostics: the
trail stops there. Themes are the roots of this tree: notes without a parent
that have a navigation key or children.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from cartel.diagnostics import Diagnostic, Severity, diag
from cartel.parse import Note
from cartel.slug import normalize_name

_WIKI = re.compile(r"^\s*\[\[([^\]|#]*)(?:[#|][^\]]*)?\]\]\s*$")


@dataclass(frozen=True)
class Hierarchy:
    """Parents, children and themes of the published notes."""

    parents: dict = field(default_factory=dict, hash=False, compare=False)    # path -> parent path
    children: dict = field(default_factory=dict, hash=False, compare=False)   # path -> tuple of child paths, in order
    themes: tuple[str, ...] = ()                                              # navigation roots, in order
    diagnostics: tuple[Diagnostic, ...] = ()

    def ancestors(self, path: str) -> tuple[str, ...]:
        """The note's ancestors, the root first; a loop stops the walk before it repeats."""
        trail: list[str] = []
        seen = {path}
        parent = self.parents.get(path)
        while parent is not None and parent not in seen:
            trail.append(parent)
            seen.add(parent)
            parent = self.parents.get(parent)
        return tuple(reversed(trail))


def build_hierarchy(notes: tuple[Note, ...]) -> Hierarchy:
    """Parents from navigation keys, `parent:` keys and folder notes; missing parents and loops reported."""
    problems: list[Diagnostic] = []
    keys = navigation_keys(notes, problems)
    names = _names(notes)
    by_path = {n.path: n for n in notes}
    folder_notes = _folder_notes(notes)
    parents: dict[str, str] = {}
    for note in notes:
        parent = _parent_of(note, keys, names, folder_notes, problems)
        if parent is not None and parent != note.path:
            parents[note.path] = parent
    problems.extend(_cycles(parents))
    children: dict[str, list[str]] = defaultdict(list)
    for child, parent in parents.items():
        children[parent].append(child)
    order = lambda path: _order_key(by_path[path])
    ordered = {parent: tuple(sorted(kids, key=order)) for parent, kids in children.items()}
    themes = tuple(sorted((n.path for n in notes if n.path not in parents and n.path != "index.md"
                           and (n.nav_key or n.path in ordered)), key=order))
    return Hierarchy(parents, ordered, themes, tuple(problems))


def navigation_keys(notes: tuple[Note, ...], problems: list[Diagnostic]) -> dict[str, str]:
    """`eleventyNavigation.key` → note path; a key used twice is reported and the first note (by path) keeps it."""
    keys: dict[str, str] = {}
    for note in notes:
        if not note.nav_key:
            continue
        if note.nav_key in keys:
            problems.append(diag(note.path, 1, "nav-key-duplicate", Severity.WARNING,
                                 f"navigation key '{note.nav_key}' is already used by {keys[note.nav_key]}",
                                 "give each note its own eleventyNavigation key"))
            continue
        keys[note.nav_key] = note.path
    return keys


def _names(notes: tuple[Note, ...]) -> dict[str, str]:
    """Normalised file name, path without extension and title → path (first by path wins)."""
    names: dict[str, str] = {}
    for note in notes:
        for name in (note.path.rsplit(".", 1)[0], note.stem, note.title):
            names.setdefault(normalize_name(name), note.path)
    return names


def _folder_notes(notes: tuple[Note, ...]) -> dict[str, str]:
    """Folder → its own note: `Folder/index.md`, else `Folder/Folder.md`."""
    found: dict[str, str] = {}
    for note in notes:
        if not note.folder:
            continue
        name = note.folder.rsplit("/", 1)[-1]
        if note.stem.lower() == "index" or (normalize_name(note.stem) == normalize_name(name)
                                            and note.folder not in found):
            found[note.folder] = note.path
    return found


def _parent_of(note: Note, keys: dict, names: dict, folder_notes: dict, problems: list) -> str | None:
    nav = note.meta.get("eleventyNavigation")
    nav_parent = _text(nav.get("parent")) if isinstance(nav, dict) else ""
    if nav_parent:
        if nav_parent in keys:
            return keys[nav_parent]
        problems.append(_missing(note, nav_parent, "eleventyNavigation.parent"))
        return None
    declared = _text(note.meta.get("parent"))
    if declared:
        wiki = _WIKI.match(declared)
        name = (wiki.group(1) if wiki else declared).strip()
        if name.lower().endswith(".md"):
            name = name[:-3]
        found = keys.get(name) or names.get(normalize_name(name))
        if found:
            return found
        problems.append(_missing(note, declared, "parent"))
        return None
    own = folder_notes.get(note.folder)
    if own and own != note.path:
        return own
    outer = note.folder.rsplit("/", 1)[0] if "/" in note.folder else ""
    if own == note.path and outer in folder_notes:
        return folder_notes[outer]
    return None


def _missing(note: Note, value: str, key: str) -> Diagnostic:
    return diag(note.path, 1, "nav-parent-missing", Severity.WARNING,
                f"{key} '{value}' names no published note; the breadcrumb trail stops here",
                "use the eleventyNavigation key or the name of an existing note")


def _cycles(parents: dict[str, str]) -> list[Diagnostic]:
    """One diagnostic per loop of parents, on its first note by path."""
    problems = []
    reported: set[str] = set()
    for start in sorted(parents):
        path, seen = start, []
        while path in parents and path not in seen:
            seen.append(path)
            path = parents[path]
        if path in seen:
            loop = seen[seen.index(path):]
            first = min(loop)
            if first not in reported:
                reported.update(loop)
                chain = " → ".join(loop[loop.index(first):] + loop[:loop.index(first)] + [first])
                problems.append(diag(first, 1, "nav-cycle", Severity.WARNING,
                                     f"the parents of this note loop: {chain}",
                                     "make one of these notes a root: remove its parent"))
    return problems


def _order_key(note: Note) -> tuple:
    nav = note.meta.get("eleventyNavigation")
    order = nav.get("order") if isinstance(nav, dict) else None
    number = order if isinstance(order, (int, float)) and not isinstance(order, bool) else float("inf")
    return (number, note.title.casefold(), note.path)


def _text(value) -> str:
    return str(value).strip() if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""
