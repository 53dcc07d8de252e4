"""Stage `parse`: a `Source` note becomes a `Note`.

Pure: the result depends only on the source and the config, so it can be
cached by content hash and computed in worker processes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import cartel.model as model  # a module, not names: the model reads bodies, and importing it imports this package
from cartel.config import Config
from cartel.diagnostics import Diagnostic, Severity, diag
from cartel.parse.frontmatter import read_front_matter
from cartel.parse.markdown import Body, analyse
from cartel.scan import Source, source_text
from cartel.urls import declared_url

if TYPE_CHECKING:
    from cartel.model import Question, Resource

_TAG_SPLIT = re.compile(r"[\s,]+")
_MARKUP = re.compile(r"[*_`~=]+|\[\[|\]\]|!\[|\]\([^)]*\)|[\[\]]")


@dataclass(frozen=True, slots=True)  # slots: a vault of 100,000 notes holds them all until its pages are written
class Note:
    """One parsed note: metadata, structure and the title/type/tags it declares."""

    path: str
    stem: str
    folder: str
    draft: bool
    digest: str
    meta: dict = field(hash=False, compare=False)
    body: Body = field(hash=False, compare=False)
    declared_url: str  # the URL the note asks for (cartel.urls), made once here: link and search read it
    body_line: int = 1
    title: str = ""
    title_source: str = "file"      # navigation, title, alias, heading, file
    aliases: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    type: str = "page"
    date: str = ""
    nav_key: str = ""
    nav_parent: str = ""
    header: str = "none"            # yaml, pseudo, none
    diagnostics: tuple[Diagnostic, ...] = ()
    shape: Question | Resource | None = field(default=None, hash=False, compare=False)  # cartel.model.note_shape


def parse_note(source: Source, config: Config) -> Note:
    """Read front matter and Markdown of one note; bad input becomes diagnostics."""
    front = read_front_matter(source_text(source), source.path)
    meta = front.meta
    body = analyse(front.body)
    problems = list(front.diagnostics)
    aliases = _strings(meta.get("aliases", meta.get("alias")))
    nav = meta.get("eleventyNavigation") if isinstance(meta.get("eleventyNavigation"), dict) else {}
    tags = note_tags(meta, body)
    title, title_source = note_title(meta, nav, aliases, body, source.stem, config.title)
    note_type, type_problem = note_type_of(meta, tags, source.path, config)
    if type_problem:
        problems.append(type_problem)
    return Note(
        path=source.path, stem=source.stem, folder=source.folder, draft=source.draft, digest=source.digest,
        meta=meta, body=body, declared_url=declared_url(source.path, meta), body_line=front.body_line,
        title=title, title_source=title_source, aliases=aliases, tags=tags, type=note_type, date=_date(meta.get("date")),
        nav_key=scalar_text(nav.get("key")), nav_parent=scalar_text(nav.get("parent") or meta.get("parent")),
        header=front.kind, diagnostics=tuple(problems), shape=model.note_shape(note_type, body, meta),
    )


def note_title(meta: dict, nav: dict, aliases: tuple[str, ...], body: Body, stem: str, site_title: str) -> tuple[str, str]:
    """The page title: navigation title, first alias, first H1, `title` (unless it is the site's name), file name."""
    nav_title = scalar_text(nav.get("title"))
    if nav_title:
        return nav_title, "navigation"
    if aliases:
        return aliases[0], "alias"
    for heading in body.headings:
        if heading.level == 1 and heading.text:
            return strip_markup(heading.text), "heading"
    # MuseumXTD vaults put the site's name in `title:` on every note: it only counts when nothing better exists.
    title = scalar_text(meta.get("title"))
    if title and title.casefold() != site_title.casefold():
        return title, "title"
    return stem, "file"


def strip_markup(text: str) -> str:
    """Plain text of a heading written with Markdown emphasis or links."""
    return " ".join(_MARKUP.sub("", text).split())


def note_tags(meta: dict, body: Body) -> tuple[str, ...]:
    """Tags from `tags`/`tag` (a string or a list, `#` optional) and inline `#tags`, lower-cased."""
    return clean_tags(declared_tag_words(meta) + list(body.tags))


def declared_tag_words(meta: dict) -> list[str]:
    """The words of a header's `tags`/`tag`: a string split on spaces and commas, or a list of them."""
    raw = meta.get("tags", meta.get("tag"))
    words: list[str] = []
    for value in raw if isinstance(raw, list) else [raw]:
        if isinstance(value, str):
            words.extend(_TAG_SPLIT.split(value))
        elif value is not None and not isinstance(value, (dict, list)):
            words.append(str(value))
    return words


def clean_tags(words: list[str]) -> tuple[str, ...]:
    """Tags as cartel keeps them: `#` dropped, lower-cased, each once, in order."""
    cleaned = (w.strip().lstrip("#").strip().lower() for w in words)
    return tuple(dict.fromkeys(w for w in cleaned if w))


def note_type_of(meta: dict, tags: tuple[str, ...], path: str, config: Config) -> tuple[str, Diagnostic | None]:
    """`type:` key, else the tags, else the folder mapping of the config, else `page`."""
    declared = scalar_text(meta.get("type")).lower()
    if declared:
        declared = {"ressource": "resource", "ressources": "resource", "questions": "question"}.get(declared, declared)
        if declared in ("question", "resource", "page"):
            return declared, None
        problem = diag(path, 1, "type-unknown", Severity.WARNING, f"unknown note type '{declared}'",
                       "use type: question, resource or page")
    else:
        problem = None
    if "question" in tags:
        return "question", problem
    if "ressource" in tags or "resource" in tags:
        return "resource", problem
    for folder, kind in config.folder_types:
        if path == folder or path.startswith(folder + "/"):
            return kind, problem
    return "page", problem


def _strings(value) -> tuple[str, ...]:
    if value is None:
        return ()
    values = value if isinstance(value, list) else [value]
    return tuple(str(v).strip() for v in values if isinstance(v, (str, int, float)) and str(v).strip())


def scalar_text(value) -> str:
    """A header value that is one string or number, as text; "" for anything else (lists, maps, booleans, nothing)."""
    return str(value).strip() if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""


def _date(value) -> str:
    """An ISO date when the value reads as one, else the text as written."""
    from cartel.dates import parse_date

    text = scalar_text(value)
    parsed = parse_date(text) if text else None
    return parsed.isoformat() if parsed else ""
