"""The resource-platform model: what a question note and a resource note say.

A question answers in a few lines (its *lead*), then ranks resources in an
ordered list whose items begin with a link (the text after the link is the
question's summary of it), then points to related questions ("Voir
également", "Ressources similaires"). A resource note names its source (the
first link in a heading, or a `source:` key), summarises it (first
paragraph), lists key points under "A retenir" and gives its context.
Pure functions of one note's body: numbering as written is ignored, rank is
position. Parse reads them once (`note_shape`, kept as `Note.shape`), so link,
render and search never read a body for them: a large vault keeps its bodies
packed, and unpacking each one again cost link a third of its time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from cartel.parse.markdown import Block, Body

if TYPE_CHECKING:  # parse imports this module to fill `Note.shape`
    from cartel.parse import Note

_RELATED = re.compile(r"^\W*(voir (é|e)galement|voir aussi|ressources? similaires?|questions? similaires?|see also)\b", re.I)
_KEY_POINTS = re.compile(r"^\W*(a|à|À) retenir\b|^\W*key points?\b|^\W*en bref\b", re.I)
_CONTEXT = re.compile(r"^\W*contexte\b|^\W*context\b", re.I)
_ITEM_MARKER = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])\s+")


# Slots: a vault of 100,000 notes holds about 200,000 of these from parse on.
@dataclass(frozen=True, slots=True)
class RankedItem:
    """One ranked entry of a question."""

    rank: int
    link: int              # index into the note's links
    summary: str           # the question's own Markdown summary of the resource
    line: int              # 1-based line in the body
    number: int | None     # the number as written
    start: int = -1        # byte range of the summary in the body (after the link, to the item's end)
    end: int = -1


@dataclass(frozen=True, slots=True)
class Question:
    """The parts of a question note."""

    lead: str                        # plain text of the answer before the ranked list
    ranked: tuple[RankedItem, ...]
    related: tuple[int, ...]         # link indices of related questions
    list_start: int = -1             # byte range of the ranked list in the body
    list_end: int = -1
    related_ranges: tuple[tuple[int, int], ...] = ()   # byte ranges of the "Voir également" parts


@dataclass(frozen=True, slots=True)
class Resource:
    """The parts of a resource note that its pages and the links to it show (`resource_context` reads its
    "Contexte" section, which only its own page shows, as part of its body)."""

    source_url: str
    source_link: int                 # index of the source link, -1 when it comes from `source:`
    summary: str
    key_points: tuple[str, ...]      # Markdown of each point
    has_key_points: bool


def note_shape(note_type: str, body: Body, meta: dict) -> Question | Resource | None:
    """The parts a note of `note_type` has: a question's or a resource's, read from its body (None for a page)."""
    if note_type == "question":
        return read_question(body)
    if note_type == "resource":
        return read_resource(body, meta)
    return None


def parse_question(note: Note) -> Question:
    """Lead, ranked resources and related questions of a question note: as parse read them (`Note.shape`)."""
    shape = note.shape
    return shape if isinstance(shape, Question) else read_question(note.body)


def parse_resource(note: Note) -> Resource:
    """Source, summary, key points and context of a resource note: as parse read them (`Note.shape`)."""
    shape = note.shape
    return shape if isinstance(shape, Resource) else read_resource(note.body, note.meta)


def read_question(body: Body) -> Question:
    """Lead, ranked resources and related questions of a question note's body."""
    data = body.text.encode("utf-8")
    related_ranges = _related_ranges(body)
    ranked_list = _ranked_list(body, related_ranges)
    ranked: list[RankedItem] = []
    if ranked_list is not None:
        for item in body.items:
            if item.depth == 1 and ranked_list.start <= item.start < ranked_list.end and item.first_link >= 0:
                link = body.links[item.first_link]
                summary = _summary_after(data, link.end, item.end)
                ranked.append(RankedItem(len(ranked) + 1, item.first_link, summary, item.line, item.number, link.end, item.end))
    lead_blocks = [b for b in body.blocks if b.kind == "paragraph" and (ranked_list is None or b.end <= ranked_list.start)
                   and not _media_only(b, body, data)]
    lead = " ".join(b.text for b in lead_blocks if not _RELATED.match(b.text))
    return Question(lead, tuple(ranked), _related_links(body, related_ranges),
                    ranked_list.start if ranked_list else -1, ranked_list.end if ranked_list else -1,
                    tuple(related_ranges))


def _media_only(block: Block, body: Body, data: bytes) -> bool:
    """Whether a paragraph holds nothing but embeds (an image and its alt text are not the answer)."""
    embeds = [link for link in body.links if link.embed and block.start <= link.start < block.end]
    if not embeds:
        return False
    rest, position = [], block.start
    for link in embeds:
        rest.append(data[position:link.start])
        position = link.end
    rest.append(data[position:block.end])
    return not b"".join(rest).strip()


def _ranked_list(body: Body, related_ranges: list[tuple[int, int]]) -> Block | None:
    """The first top-level list whose items begin with links, preferring ordered lists; none under "Voir également"."""
    candidates = []
    for block in body.blocks:
        if block.kind != "list" or any(s <= block.start < e for s, e in related_ranges):
            continue
        items = [i for i in body.items if i.depth == 1 and block.start <= i.start < block.end]
        if items and sum(1 for i in items if i.first_link >= 0) * 2 >= len(items):
            candidates.append((not items[0].ordered, block))
    if not candidates:
        return None
    ordered = [b for unordered, b in candidates if not unordered]
    return ordered[0] if ordered else candidates[0][1]


def _summary_after(data: bytes, start: int, end: int) -> str:
    """The item's text after its link, as Markdown: sub-bullet markers and indentation dropped."""
    return clean_summary(data[start:end].decode("utf-8", "replace"))


def clean_summary(text: str) -> str:
    """A list item's text as one line of Markdown: item and sub-bullet markers, indentation and a leading dash or colon dropped."""
    lines = []
    for line in text.split("\n"):
        line = _ITEM_MARKER.sub("", line, count=1) if not lines and line.strip().startswith(("-", "*", "+")) else line
        line = line.strip()
        if line.startswith(("- ", "* ", "+ ")):
            line = line[2:].strip()
        if line:
            lines.append(line)
    summary = " ".join(lines)
    return re.sub(r"^[\s\-–—:]+", "", summary).strip()


def _related_ranges(body: Body) -> list[tuple[int, int]]:
    """Byte ranges of each "Voir également" paragraph, and of each such heading with its section."""
    ranges = []
    headings = list(body.headings)
    for index, heading in enumerate(headings):
        if _RELATED.match(heading.text):
            end = next((h.start for h in headings[index + 1:] if h.level <= heading.level), len(body.text.encode("utf-8")))
            ranges.append((heading.start, end))
    for block in body.blocks:
        if block.kind == "paragraph" and _RELATED.match(block.text) \
                and not any(s <= block.start < e for s, e in ranges):
            ranges.append((block.start, block.end))
    return sorted(ranges)


def _related_links(body: Body, ranges: list[tuple[int, int]]) -> tuple[int, ...]:
    """Links in the related ranges: the questions a question points to."""
    return tuple(i for i, link in enumerate(body.links)
                 if not link.embed and any(s <= link.start < e for s, e in ranges))


def read_resource(body: Body, meta: dict) -> Resource:
    """Source (a link in a heading, else the `source` key of `meta`), summary and key points of a resource note's body."""
    data = body.text.encode("utf-8")
    source_link = next((i for i, link in enumerate(body.links) if link.in_heading and link.external), -1)
    source_url = body.links[source_link].target if source_link >= 0 else _meta_url(meta.get("source"))
    sections = _sections(body)
    summary = next((b.text for b in body.blocks if b.kind == "paragraph" and _section_of(b, sections) in ("", "intro")
                    and not _media_only(b, body, data)), "")
    key_heading = next((i for i, h in enumerate(body.headings) if _KEY_POINTS.match(h.text)), None)
    key_points = tuple(
        _summary_after(data, item.start, item.end)
        for item in body.items
        if key_heading is not None and item.parent_heading == key_heading and item.depth == 1
    )
    return Resource(source_url, source_link, summary, key_points, key_heading is not None)


def resource_context(note: Note) -> str:
    """The plain text of a resource note's "Contexte" section (not kept in `Resource`: a site of 100,000
    notes would hold 140 MB of it for nothing)."""
    sections = _sections(note.body)
    return " ".join(b.text for b in note.body.blocks if b.kind == "paragraph" and _section_of(b, sections) == "context")


def _sections(body: Body) -> list[tuple[int, str]]:
    """(byte offset, section name) for each heading: intro, key, context or other."""
    marks = []
    for heading in body.headings:
        if heading.level == 1:
            name = "intro"
        elif _KEY_POINTS.match(heading.text):
            name = "key"
        elif _CONTEXT.match(heading.text):
            name = "context"
        else:
            name = "other"
        marks.append((heading.end, name))
    return marks


def _section_of(block: Block, sections: list[tuple[int, str]]) -> str:
    current = ""
    for offset, name in sections:
        if offset <= block.start:
            current = name
    return current


def _meta_url(value) -> str:
    return value.strip() if isinstance(value, str) and value.strip().startswith(("http://", "https://")) else ""


def domain_of(url: str) -> str:
    """`https://www.example.org/a` → `example.org`."""
    try:
        host = urlparse(url).hostname or ""
    except ValueError:
        return ""
    return host[4:] if host.startswith("www.") else host
