"""Obsidian-flavoured Markdown, read once with pyromark's event stream.

The records inside a `Body` are named tuples rather than dataclasses: they
are immutable all the same, lighter, and cheaper to pickle, which the build
cache does for every note.

The walk records what later stages need (headings, links, embeds, tags,
block ids, list items, sections) and the *splices*: byte ranges of the body
that render replaces (wiki-links, highlights, comments, callout markers,
heading anchors). Render then hands the spliced text to pyromark's HTML
writer, so Markdown is parsed in Rust twice and never rendered in Python.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import NamedTuple

import pyromark

from cartel.slug import slugify

OPTIONS = (
    pyromark.Options.ENABLE_TABLES
    | pyromark.Options.ENABLE_FOOTNOTES
    | pyromark.Options.ENABLE_STRIKETHROUGH
    | pyromark.Options.ENABLE_TASKLISTS
    | pyromark.Options.ENABLE_WIKILINKS
    | pyromark.Options.ENABLE_HEADING_ATTRIBUTES
)
MARKDOWN = pyromark.Markdown(options=OPTIONS)

_TAG = re.compile(rb"(?<![\w/&#\]\)])#([^\W\d_][\w/\-]*|[\d_][\w/\-]*[^\W\d][\w/\-]*)")
_BLOCK_ID = re.compile(rb"(?:^|\s)\^([A-Za-z0-9-]+)\s*$")
_CALLOUT = re.compile(rb"^\[!([A-Za-z][\w-]*)\]([+-]?)[ \t]*([^\n]*)")
_COMMENT = re.compile(r"%%.*?%%", re.DOTALL)
_HIGHLIGHT = re.compile(rb"==")
_CLOSING_HASHES = re.compile(rb"[ \t]+#+[ \t]*|[ \t]*")
PRIVATE_USE = re.compile("[\ue000-\uf8ff]")


class Link(NamedTuple):
    """A link or embed as written: wiki (`[[...]]`) or Markdown to a local file."""

    target: str            # the text before `#` or `|`, spaces kept as written
    fragment: str          # heading text or `^block`, without the `#`
    label: str             # pothole text for wiki-links, link text for Markdown links
    embed: bool
    wiki: bool
    start: int             # byte range in the body
    end: int
    line: int              # 1-based line in the body
    column: int
    item: int = -1         # index of the list item it opens, -1 otherwise
    in_heading: bool = False
    external: bool = False
    raw: str = ""          # the destination as written, before splitting at `#`


class Heading(NamedTuple):
    """A heading with the anchor links use."""

    level: int
    text: str
    anchor: str
    line: int
    start: int
    end: int


class ListItem(NamedTuple):
    """An item of a list: the raw source, for the question and resource parsers."""

    ordered: bool
    depth: int
    number: int | None     # the number written (for ordered lists)
    start: int
    end: int
    line: int
    first_link: int        # index into links of a link that opens the item, or -1
    parent_heading: int    # index of the heading above, or -1


class Block(NamedTuple):
    """A top-level block: its kind, range and plain text."""

    kind: str              # paragraph, heading, list, blockquote, code, html, table, rule, footnote
    start: int
    end: int
    line: int
    text: str


class Splice(NamedTuple):
    """A byte range of the body render replaces; `kind` says with what."""

    start: int
    end: int
    kind: str              # link, highlight-open, highlight-close, tag, callout, anchor, block-id
    value: str = ""
    ref: int = -1          # index into links for kind "link"


@dataclass(frozen=True)
class Body:
    """Everything parse learns from a note's Markdown."""

    text: str
    headings: tuple[Heading, ...]
    links: tuple[Link, ...]
    tags: tuple[str, ...]
    block_ids: tuple[str, ...]
    items: tuple[ListItem, ...]
    blocks: tuple[Block, ...]
    splices: tuple[Splice, ...]


def strip_comments(text: str) -> str:
    """Remove `%%comments%%`, keeping line breaks so line numbers stay right."""
    if "%%" not in text:
        return text
    return _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)


def analyse(text: str) -> Body:
    """Walk the Markdown events once and collect the note's structure."""
    text = strip_comments(text)
    data = text.encode("utf-8")
    if b"\xee" in data or b"\xef" in data:  # the lead bytes of U+E000-U+F8FF: only then may render's marks be there
        text = PRIVATE_USE.sub("", text)
        data = text.encode("utf-8")
    lines = _LineIndex(data)
    walker = _Walker(data, lines)
    feed = walker.feed
    for event, span in MARKDOWN.events_with_range(text):
        feed(event, span["start"], span["end"])
    return walker.result(text)


class _LineIndex:
    def __init__(self, data: bytes):
        self.data = data
        self.starts = [0] + [m.end() for m in re.finditer(rb"\n", data)]

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and column (in characters, as editors count them) of a byte offset."""
        index = bisect.bisect_right(self.starts, offset) - 1
        start = self.starts[index]
        prefix = self.data[start:offset]
        column = len(prefix.decode("utf-8", "replace")) if not prefix.isascii() else offset - start
        return index + 1, column + 1


class _Walker:
    """A small state machine over pyromark events."""

    def __init__(self, data: bytes, lines: _LineIndex):
        self.data = data
        self.lines = lines
        self.headings: list[Heading] = []
        self.links: list[Link] = []
        self.tags: list[str] = []
        self.block_ids: list[str] = []
        self.items: list[ListItem] = []
        self.blocks: list[Block] = []
        self.splices: list[Splice] = []
        self.stack: list[str] = []            # open containers
        self.list_stack: list[list] = []      # [ordered, next_number]
        self.item_stack: list[dict] = []
        self.heading: dict | None = None
        self.link: dict | None = None
        self.block_start: tuple[str, int, int] | None = None
        self.block_text: list[str] = []
        self.highlights: list[int] = []
        self.last_text: tuple[int, int] | None = None
        self.anchors: dict[str, int] = {}
        self.code_depth = 0
        self.may_highlight = b"==" in data  # else no text of the note is searched for `==`

    # -- dispatch ---------------------------------------------------------
    def feed(self, event, start: int, end: int) -> None:
        if type(event) is str:
            if event in ("SoftBreak", "HardBreak"):
                self._text(" ", None, None)
            elif event == "Rule" and not self.stack:
                self.blocks.append(Block("rule", start, end, self.lines.position(start)[0], ""))
            return
        key, = event  # one key: the event's kind
        value = event[key]
        if self.heading is not None and key != "Start" and end <= self.heading["end"]:
            # Anchors go after the last inline of the heading, a link's closing `)` included.
            if not (key == "End" and isinstance(value, dict) and "Heading" in value):
                self.heading["content_end"] = max(self.heading["content_end"], end)
        # Text and plain inline spans are most of a note's events: they take the short ways.
        if key == "Text":
            self._text(value, start, end)
        elif key == "Start":
            if type(value) is str and value in _PLAIN_INLINE and self.stack:
                self.stack.append(value)
            else:
                self._start(value, start, end)
        elif key == "End":
            if type(value) is str and value in _PLAIN_INLINE and self.stack:
                self.stack.pop()
                if not self.stack:
                    self._close_block(end)
            else:
                self._end(value, start, end)
        elif key == "Code":
            self._text(value, None, None)
        elif key in ("Html", "InlineHtml") and not self.stack:
            self._open_block("html", start)

    def _start(self, tag, start: int, end: int) -> None:
        name = tag if isinstance(tag, str) else next(iter(tag))
        if not self.stack:
            self._open_block(_BLOCK_KIND.get(name, name.lower()), start)
        if name == "Paragraph":
            self._maybe_callout(start, end)
        elif name == "Heading":
            self.heading = {"level": int(tag["Heading"]["level"][1]), "id": tag["Heading"]["id"],
                            "start": start, "end": end, "text": [], "content_end": start}
        elif name in ("Link", "Image"):
            self._start_link(tag[name], name == "Image", start, end)
        elif name == "List":
            self.list_stack.append([tag["List"] is not None, tag["List"]])
        elif name == "Item":
            self._start_item(start, end)
        elif name == "CodeBlock":
            self.code_depth += 1
        self.stack.append(name)

    def _end(self, tag, start: int, end: int) -> None:
        name = tag if isinstance(tag, str) else next(iter(tag))
        if self.stack:
            self.stack.pop()
        if name == "Heading" and self.heading is not None:
            self._finish_heading()
        elif name in ("Link", "Image") and self.link is not None:
            self._finish_link()
        elif name == "List" and self.list_stack:
            self.list_stack.pop()
        elif name == "Item" and self.item_stack:
            state = self.item_stack.pop()
            item = self.items[state["index"]]
            self.items[state["index"]] = ListItem(item.ordered, item.depth, item.number, item.start, item.end,
                                                  item.line, state["first_link"], item.parent_heading)
        elif name == "CodeBlock":
            self.code_depth -= 1
        if name in ("Paragraph", "Item", "TableCell", "Heading"):
            self._block_end_checks(name)
            self.block_text.append(" ")
        if not self.stack:
            self._close_block(end)

    # -- text -------------------------------------------------------------
    def _text(self, value: str, start: int | None, end: int | None) -> None:
        self.block_text.append(value)
        if self.heading is not None:
            self.heading["text"].append(value)
            if end is not None:
                self.heading["content_end"] = max(self.heading["content_end"], end)
        if self.link is not None:
            self.link["text"].append(value)
            return
        if self.item_stack and value.strip():
            self.item_stack[-1]["seen_text"] = True
        if start is None or self.code_depth:
            self.last_text = None
            return
        self.last_text = (start, end)
        data = self.data
        if data.find(b"#", start, end) >= 0:
            source = data[start:end]
            for match in _TAG.finditer(source):
                if start + match.start() > 0 and self.data[start + match.start() - 1] == 0x5C:
                    continue  # `\#word` is an escaped hash, not a tag (Obsidian's rule)
                tag = match.group(1).decode("utf-8", "replace").rstrip("/-")
                self.tags.append(tag)
                self.splices.append(Splice(start + match.start(), start + match.end(), "tag", tag))
        if self.may_highlight and data.find(b"==", start, end) >= 0:
            self.highlights.extend(start + m.start() for m in _HIGHLIGHT.finditer(data[start:end]))

    # -- headings ---------------------------------------------------------
    def _finish_heading(self) -> None:
        h = self.heading
        self.heading = None
        text = "".join(h["text"]).strip()
        anchor = h["id"] or self._unique_anchor(slugify(text, "section"))
        line = self.lines.position(h["start"])[0]
        self.headings.append(Heading(h["level"], text, anchor, line, h["start"], h["end"]))
        if not h["id"] and h["content_end"] > h["start"]:
            end = h["content_end"]
            rest = self.data[end:h["end"]].split(b"\n", 1)[0]
            if _CLOSING_HASHES.fullmatch(rest):
                end += len(rest)
            self.splices.append(Splice(h["content_end"], end, "anchor", anchor))

    def _unique_anchor(self, anchor: str) -> str:
        count = self.anchors.get(anchor, 0)
        self.anchors[anchor] = count + 1
        return anchor if count == 0 else f"{anchor}-{count}"

    # -- links ------------------------------------------------------------
    def _start_link(self, data: dict, image: bool, start: int, end: int) -> None:
        link_type = data["link_type"]
        wiki = isinstance(link_type, dict)
        dest = data["dest_url"]
        if not wiki and (link_type in ("Email",) or _is_external(dest)):
            self.link = {"skip": True, "text": [], "external": True, "dest": dest, "start": start, "end": end, "image": image}
            return
        self.link = {"skip": False, "wiki": wiki, "dest": dest, "image": image, "start": start, "end": end,
                     "pothole": wiki and link_type["WikiLink"]["has_pothole"], "text": [],
                     "in_heading": self.heading is not None}

    def _finish_link(self) -> None:
        link, self.link = self.link, None
        label = "".join(link["text"])
        if link["skip"]:
            if link["external"] and not link["image"]:
                self._record_external(link, label)
            return
        target, fragment = split_target(link["dest"]) if link["wiki"] else split_url(link["dest"])
        if not link["wiki"] and not target and not fragment:
            return
        line, column = self.lines.position(link["start"])
        if link["wiki"]:
            raw = self.data[link["start"]:link["end"]].decode("utf-8", "replace")
            label = _pothole(raw) if link["pothole"] else ""
        item = self.item_stack[-1] if self.item_stack else None
        index = len(self.links)
        opens_item = item is not None and item["first_link"] == -1 and not item["seen_text"] and not link["image"]
        if opens_item:
            item["first_link"] = index
        self.links.append(Link(target, fragment, label, link["image"], link["wiki"], link["start"], link["end"],
                               line, column, item["index"] if opens_item else -1, link["in_heading"],
                               raw=link["dest"].split("|", 1)[0].strip()))
        self.splices.append(Splice(link["start"], link["end"], "link", ref=index))

    def _record_external(self, link: dict, label: str) -> None:
        line, column = self.lines.position(link["start"])
        item = self.item_stack[-1] if self.item_stack else None
        index = len(self.links)
        opens_item = item is not None and item["first_link"] == -1 and not item["seen_text"]
        if opens_item:
            item["first_link"] = index
        self.links.append(Link(link["dest"], "", label, False, False, link["start"], link["end"], line, column,
                               item["index"] if opens_item else -1, self.heading is not None, external=True))

    # -- lists ------------------------------------------------------------
    def _start_item(self, start: int, end: int) -> None:
        ordered, number = self.list_stack[-1] if self.list_stack else (False, None)
        written = _item_number(self.data[start:end]) if ordered else None
        index = len(self.items)
        self.items.append(ListItem(ordered, len(self.list_stack), written, start, end,
                                   self.lines.position(start)[0], -1, len(self.headings) - 1))
        self.item_stack.append({"index": index, "first_link": -1, "seen_text": False})

    # -- blocks -----------------------------------------------------------
    def _open_block(self, kind: str, start: int) -> None:
        self.block_start = (kind, start, self.lines.position(start)[0])
        self.block_text = []

    def _close_block(self, end: int) -> None:
        if self.block_start is None:
            return
        kind, start, line = self.block_start
        self.blocks.append(Block(kind, start, end, line, " ".join("".join(self.block_text).split())))
        self.block_start = None
        if self.highlights:
            self._pair_highlights()

    def _block_end_checks(self, name: str) -> None:
        if self.last_text is not None and name in ("Paragraph", "Item"):
            start, end = self.last_text
            match = _BLOCK_ID.search(self.data[start:end]) if self.data.find(b"^", start, end) >= 0 else None
            if match:
                block = match.group(1).decode()
                self.block_ids.append(block)
                self.splices.append(Splice(start + match.start(1) - 1, start + match.end(), "block-id", block))
        self.last_text = None
        if self.item_stack and name == "Paragraph":
            self.item_stack[-1]["seen_text"] = True

    def _maybe_callout(self, start: int, end: int) -> None:
        if not self.stack or self.stack[-1] != "BlockQuote":
            return
        match = _CALLOUT.match(self.data[start:end])
        if match:
            kind = match.group(1).decode().lower()
            title = match.group(3).decode("utf-8", "replace").strip()
            self.splices.append(Splice(start, start + match.end(), "callout", f"{kind}|{match.group(2).decode()}|{title}"))

    def _pair_highlights(self) -> None:
        marks = self.highlights
        self.highlights = []
        for opening, closing in zip(marks[0::2], marks[1::2]):
            self.splices.append(Splice(opening, opening + 2, "highlight-open"))
            self.splices.append(Splice(closing, closing + 2, "highlight-close"))

    def result(self, text: str) -> Body:
        splices = _drop_overlaps(sorted(self.splices, key=lambda s: (s.start, s.end)))
        return Body(text, tuple(self.headings), tuple(self.links), tuple(dict.fromkeys(self.tags)),
                    tuple(self.block_ids), tuple(self.items), tuple(self.blocks), tuple(splices))


# Inline spans the walk only nests: inside a block, their start and end change nothing else.
_PLAIN_INLINE = frozenset({"Emphasis", "Strong", "Strikethrough"})
_BLOCK_KIND = {"Paragraph": "paragraph", "Heading": "heading", "List": "list", "BlockQuote": "blockquote",
               "CodeBlock": "code", "HtmlBlock": "html", "Table": "table", "FootnoteDefinition": "footnote"}


def _drop_overlaps(splices: list[Splice]) -> list[Splice]:
    kept: list[Splice] = []
    last_end = -1
    for splice in splices:
        if splice.start >= last_end or splice.start == splice.end:
            kept.append(splice)
            last_end = max(last_end, splice.end)
    return kept


def _item_number(source: bytes) -> int | None:
    match = re.match(rb"\s*(\d{1,9})[.)]", source)
    return int(match.group(1)) if match else None


def _pothole(raw: str) -> str:
    inner = raw.lstrip("!")[2:-2]
    return inner.split("|", 1)[1] if "|" in inner else ""


def split_target(dest: str) -> tuple[str, str]:
    """`Note#Heading|x` → (`Note`, `Heading`); a trailing `.md` is dropped."""
    dest = dest.split("|", 1)[0]
    target, _, fragment = dest.partition("#")
    target = target.strip()
    if target.lower().endswith(".md"):
        target = target[:-3]
    return target, fragment.strip()


def split_url(dest: str) -> tuple[str, str]:
    """A Markdown link's local destination: percent-decoded path and fragment."""
    from urllib.parse import unquote

    path, _, fragment = dest.partition("#")
    path = unquote(path.split("?", 1)[0]).strip()
    if path.lower().endswith(".md"):
        path = path[:-3]
    return path, unquote(fragment)


def _is_external(dest: str) -> bool:
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", dest)) or dest.startswith("//")
