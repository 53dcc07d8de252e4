"""What every rule works from: the linked site, the options, and a per-note prose map.

A rule is a small function `rule(ctx) -> iterable of Diagnostic | Edit`.
`Context.prose(note)` walks a note's Markdown events once (memoised for the run)
and keeps only the ranges an editor wrote as prose: code, HTML, autolinks and
wiki-link targets are left out, so the style rules never look at them.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from cartel.config import Config
from cartel.diagnostics import Severity, diag
from cartel.link import Site
from cartel.parse import Note
from cartel.parse.markdown import MARKDOWN


class Edit(NamedTuple):
    """A safe fix: replace `old` by `new` at a file position (1-based line, 1-based character column)."""

    path: str
    line: int
    column: int
    old: str
    new: str
    rule: str


class Run(NamedTuple):
    """A stretch of prose as written in the body: its byte offset and its text."""

    start: int
    text: str


class OrderedList(NamedTuple):
    """An ordered list: for each item, the byte offset of its number, the number as written, and whether it is one line."""

    items: tuple[tuple[int, str, bool], ...]   # (offset of the digits, digits, item spans one line)


@dataclass(frozen=True)
class Prose:
    """The prose runs, ordered lists and code ranges of one note body."""

    data: bytes
    line_starts: tuple[int, ...]
    runs: tuple[Run, ...]
    lists: tuple[OrderedList, ...]
    code: tuple[tuple[int, int], ...]
    hard_breaks: frozenset[int] = frozenset()   # byte offsets where a hard line break (two spaces, `\\`) begins


@dataclass(frozen=True)
class Context:
    """One check run: the site, the config, the source texts, and today's date."""

    site: Site
    config: Config
    texts: dict = field(default_factory=dict, compare=False)      # path -> decoded file text (front matter included)
    today: _dt.date = field(default_factory=_dt.date.today)
    fixing: bool = True                                           # False: rules need not propose edits
    memo: dict = field(default_factory=dict, compare=False)       # per-run cache of Prose by note path

    def option(self, name: str, default):
        """A `[check]` option of the default's type (a string, or a number); the default when the value is not one."""
        value = self.config.option(name, default)
        if isinstance(default, str):
            return value if isinstance(value, str) else default
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return default
        if isinstance(default, int) and not float(value).is_integer():
            return default
        return type(default)(value)

    def prose(self, note: Note) -> Prose:
        """The note's prose map, computed once per run."""
        found = self.memo.get(note.path)
        if found is None:
            found = self.memo[note.path] = read_prose(note.body.text)
        return found

    def position(self, note: Note, offset: int) -> tuple[int, int]:
        """File line and character column of a byte offset in the note's body."""
        prose = self.prose(note)
        index = bisect.bisect_right(prose.line_starts, offset) - 1
        start = prose.line_starts[index]
        column = len(prose.data[start:offset].decode("utf-8", "replace")) + 1
        return note.body_line + index, column


def read_prose(text: str) -> Prose:
    """Walk the Markdown events of a body once; keep prose runs, ordered lists and code ranges."""
    data = text.encode("utf-8")
    line_starts = (0,) + tuple(m.end() for m in re.finditer(rb"\n", data))
    # Only backslash escapes and entities make a text's source differ from its value: without them, no need to compare.
    plain = b"\\" not in data and b"&" not in data
    runs: list[Run] = []
    lists: list[list | None] = []
    done_lists: list[OrderedList] = []
    code: list[tuple[int, int]] = []
    hard_breaks: list[int] = []
    skip = 0                     # depth of containers whose text is not prose
    links: list[bool] = []       # open links and images: True when their text is not prose
    quotes: list[bool] = []      # open block quotes: True for quotations (someone else's words, kept as written)
    run_start = run_end = -1     # the run being gathered: contiguous Text events
    for event, span in MARKDOWN.events_with_range(text):
        if type(event) is not str:
            value = event.get("Text")
            if value is not None:
                start, end = span["start"], span["end"]
                if skip or not (plain or data[start:end] == value.encode("utf-8")):
                    if run_end > run_start:
                        runs.append(Run(run_start, data[run_start:run_end].decode("utf-8")))
                    run_start = run_end = -1
                elif start == run_end:
                    run_end = end
                else:
                    if run_end > run_start:
                        runs.append(Run(run_start, data[run_start:run_end].decode("utf-8")))
                    run_start, run_end = start, end
                continue
        if run_end > run_start:
            runs.append(Run(run_start, data[run_start:run_end].decode("utf-8")))
        run_start = run_end = -1
        if type(event) is str:   # SoftBreak, HardBreak, Rule
            if event == "HardBreak":
                hard_breaks.append(span["start"])
            continue
        tag = event.get("Start")
        if tag is not None:
            if type(tag) is str:
                if tag == "Item" and lists and lists[-1] is not None:
                    _ordered_item(data, span["start"], span["end"], lists[-1])
                elif tag in _NOT_PROSE:
                    skip += 1
            else:
                name = next(iter(tag))
                if name == "Link" or name == "Image":
                    links.append(_not_prose_link(tag[name]))
                    skip += links[-1]
                elif name == "List":
                    lists.append([] if tag["List"] is not None else None)
                elif name == "CodeBlock":
                    skip += 1
                    code.append((span["start"], span["end"]))
                elif name == "BlockQuote":
                    quotes.append(_is_quotation(data, span["start"]))
                    skip += quotes[-1]
            continue
        tag = event.get("End")
        if tag is None:
            continue
        name = tag if type(tag) is str else next(iter(tag))
        if name == "Link" or name == "Image":
            if links:
                skip -= links.pop()
        elif name == "List":
            items = lists.pop() if lists else None
            if items:
                done_lists.append(OrderedList(tuple(items)))
        elif name == "CodeBlock" or name in _NOT_PROSE:
            skip = max(skip - 1, 0)
        elif name == "BlockQuote" and quotes:
            skip = max(skip - quotes.pop(), 0)
    if run_end > run_start:
        runs.append(Run(run_start, data[run_start:run_end].decode("utf-8")))
    return Prose(data, line_starts, tuple(runs), tuple(sorted(done_lists)), tuple(code), frozenset(hard_breaks))


_NOT_PROSE = ("HtmlBlock", "MetadataBlock")


_CALLOUT = re.compile(rb"[ \t>]*\[!([A-Za-z][\w-]*)\]")


def _is_quotation(data: bytes, start: int) -> bool:
    """A plain `> quote` or a `[!quote]`/`[!cite]` callout is a quotation; other callouts are the editor's prose."""
    callout = _CALLOUT.match(data, start)
    return callout is None or callout.group(1).lower() in (b"quote", b"cite")


def _ordered_item(data: bytes, start: int, end: int, items: list) -> None:
    """Record where an ordered item's number is written, and whether the item spans one line."""
    item = re.match(rb"[ \t]*(\d{1,9})[.)]", data[start:start + 16])
    if item:
        single = b"\n" not in data[start:end].rstrip(b"\n")
        items.append((start + item.start(1), item.group(1).decode(), single))


def _not_prose_link(link: dict) -> bool:
    """Autolinks show their URL; a wiki-link without `|` shows its target, a file name."""
    kind = link["link_type"]
    if isinstance(kind, dict):
        return not kind.get("WikiLink", {}).get("has_pothole", False)
    return kind in ("Autolink", "Email")


def note_diag(ctx: Context, note: Note, offset: int, rule: str, severity: Severity, message: str, hint: str = ""):
    """A diagnostic at a byte offset of a note's body."""
    line, column = ctx.position(note, offset)
    return diag(note.path, line, rule, severity, message, hint, column)


def body_edit(ctx: Context, note: Note, offset: int, old: str, new: str, rule: str) -> Edit:
    """An edit at a byte offset of a note's body."""
    line, column = ctx.position(note, offset)
    return Edit(note.path, line, column, old, new, rule)


def fixable(ctx: Context, note: Note, offset: int, rule: str, severity: Severity, message: str, hint: str,
            old: str, new: str) -> tuple:
    """A diagnostic and the edit that fixes it (when fixing), at a byte offset of a note's body."""
    line, column = ctx.position(note, offset)
    found = diag(note.path, line, rule, severity, message, hint, column)
    return (found, Edit(note.path, line, column, old, new, rule)) if ctx.fixing else (found,)


def link_line(note: Note, link) -> int:
    """The file line of a link, as the link stage reports it."""
    return note.body_line + link.line - 1
