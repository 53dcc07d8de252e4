"""Metadata rules: declared tags and their case, titles present and unique.

Invalid YAML, unknown note types and navigation problems are reported by the
parse and link stages; the registry documents those ids.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Iterator

from cartel.check.context import Context, Edit
from cartel.diagnostics import Severity, diag
from cartel.parse import Note
from cartel.slug import normalize_name

_TAGS_KEY = re.compile(r"^(tags?)(\s*:)(.*)$", re.IGNORECASE)
_LIST_ITEM = re.compile(r"^(\s*-\s+)(.*)$")
_TAG_WORD = re.compile(r"#?([^\s,\[\]#\"'{}]+)")
_ALIAS_KEY = re.compile(r"^(alias|aliases)\s*:", re.IGNORECASE)


def written_tags(ctx: Context, note: Note) -> list[tuple[int, int, str]]:
    """Every tag as written, with its file line and character column: front matter first, then inline `#tags`."""
    found = []
    text = ctx.texts.get(note.path)
    if text is not None and note.header != "none":
        in_tags = False
        for index, line in enumerate(text.split("\n", note.body_line - 1)[: note.body_line - 1]):
            key = _TAGS_KEY.match(line)
            item = _LIST_ITEM.match(line)
            if key:
                in_tags = True
                found.extend(_words(line, key.start(3), index + 1))
            elif in_tags and item:
                found.extend(_words(line, item.start(2), index + 1))
            elif line[:1].strip():
                in_tags = False
    for splice in note.body.splices:
        if splice.kind == "tag":
            line, column = ctx.position(note, splice.start + 1)
            found.append((line, column, splice.value))
    return found


def _words(line: str, start: int, number: int) -> list[tuple[int, int, str]]:
    value = line[start:]
    if "#" in value and not value.lstrip().startswith("#") and " #" in value:
        value = value[: value.index(" #")]      # a YAML comment after real values
    return [(number, start + m.start(1) + 1, m.group(1)) for m in _TAG_WORD.finditer(value)]


def undeclared_tags(ctx: Context) -> Iterator:
    """Tags come from the vault's declared list (`[check] tags` in cartel.toml)."""
    declared = {t.lower() for t in ctx.config.declared_tags}
    if not declared:
        return
    for note in ctx.site.notes:
        unknown = [t for t in note.tags if t not in declared]
        if not unknown:
            continue
        where = {}
        for line, column, word in written_tags(ctx, note):
            where.setdefault(word.lower().rstrip("/-"), (line, column))
        for tag in unknown:
            line, column = where.get(tag, (1, 1))
            close = difflib.get_close_matches(tag, sorted(declared), n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            yield diag(note.path, line, "tag-undeclared", Severity.WARNING,
                       f"tag '{tag}' is not in the vault's tag list",
                       hint + f"the list is {', '.join(sorted(declared))}; add the tag to [check] tags in cartel.toml if it is new",
                       column)


def tag_case(ctx: Context) -> Iterator:
    """Tags are written in lower case, as they are shown."""
    for note in ctx.site.notes:
        for line, column, word in written_tags(ctx, note):
            if word != word.lower():
                yield diag(note.path, line, "tag-case", Severity.INFO, f"tag '{word}' is written with capitals",
                           f"write '{word.lower()}': tags are compared and shown in lower case", column)
                yield Edit(note.path, line, column, word, word.lower(), "tag-case")


def missing_title(ctx: Context) -> Iterator:
    """Every note has a title: a `# Heading`, an alias, a navigation title or a `title:` of its own."""
    for note in ctx.site.notes:
        if note.title_source == "file":
            yield diag(note.path, note.body_line, "title-missing", Severity.WARNING,
                       f"the note has no title; its file name '{note.stem}' is shown instead",
                       "start the note with a '# Title' line")


def duplicate_titles(ctx: Context) -> Iterator:
    """No two notes share a title or an alias: readers and search could not tell them apart."""
    owners: dict[str, dict[str, str]] = defaultdict(dict)
    for note in ctx.site.notes:
        names = [(note.title, "title")] + [(alias, "alias") for alias in note.aliases]
        for name, kind in names:
            owners[normalize_name(name)].setdefault(note.path, kind)
    for key, paths in owners.items():
        if len(paths) < 2:
            continue
        for path, kind in paths.items():
            note = ctx.site.by_path[path]
            others = ", ".join(f"{p} ({k})" for p, k in paths.items() if p != path)
            name = note.title if kind == "title" else next(a for a in note.aliases if normalize_name(a) == key)
            yield diag(path, _title_line(ctx, note, kind), "title-duplicate", Severity.WARNING,
                       f"{kind} '{name}' is also the title or alias of {others}",
                       "give each note its own title, or merge the notes")


def _title_line(ctx: Context, note: Note, kind: str) -> int:
    if kind == "title" and note.title_source == "heading":
        return next((note.body_line + h.line - 1 for h in note.body.headings if h.level == 1), note.body_line)
    if kind == "alias" or note.title_source == "alias":
        text = ctx.texts.get(note.path, "")
        for index, line in enumerate(text.split("\n")[: note.body_line - 1]):
            if _ALIAS_KEY.match(line):
                return index + 1
    return 1
