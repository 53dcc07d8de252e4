"""A Markdown note (or a note saved as `.txt`) keeps its body byte for byte; its header becomes YAML.

Headers come in every shape editors wrote them: YAML, a pseudo-header with
no `---` (`date : 2022mai12`, `tags : #question`, a line of dashes), or
nothing. The reader turns each into the same normalised front matter: a
`type`, the title of the first heading, an ISO date, tags as a list.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from cartel.dates import parse_date
from cartel.importer.document import LANGUAGE_TAGS, detect_language
from cartel.parse import clean_tags, declared_tag_words, scalar_text, strip_markup
from cartel.parse.frontmatter import read_front_matter
from cartel.parse.markdown import analyse

_DASH_LINE = re.compile(r"^\s*-{3,}\s*$", re.M)
_TYPE_WORDS = {"ressource": "resource", "ressources": "resource", "resource": "resource", "question": "question",
               "questions": "question", "page": "page"}
# Keys whose values the normalised header writes itself (other keys are kept as they were).
_OWN_KEYS = {"type", "title", "titre", "date", "source", "author", "auteur", "tags", "tag", "imported_from",
             "import_hash"}


@dataclass(frozen=True)
class MarkdownNote:
    """A note to import as it is, with its header normalised."""

    fields: tuple[tuple[str, object], ...]    # front matter, in order, without imported_from/import_hash
    body: str                                 # exactly as in the file
    title: str
    date: dt.date | None
    type: str
    warnings: tuple[str, ...]


def looks_like_note(text: str) -> bool:
    """A `.txt` that is really a note: YAML front matter, a pseudo-header closed by dashes, or a `# ` title and wiki-links."""
    front = read_front_matter(text, "")
    if front.kind == "yaml":
        return True
    if front.kind == "pseudo":
        header = "\n".join(text.split("\n")[: front.body_line - 1])
        return _DASH_LINE.search(header) is not None
    first = next((line for line in text.split("\n") if line.strip()), "")
    return first.startswith("# ") and "[[" in text


def read_markdown_document(text: str, file_name: str, wanted_type: str | None = None) -> MarkdownNote:
    """Normalise the header of a note; the body is not touched."""
    front = read_front_matter(text, file_name)
    # Header keys are read whatever their case (`Title:`, `Date:`); the first of two spellings wins.
    meta: dict = {}
    for key, value in front.meta.items():
        meta.setdefault(str(key).lower(), value)
    warnings = [f"line {d.line}: {d.message}" for d in front.diagnostics]
    if front.kind == "pseudo":
        warnings.append("pseudo-header (no ---) written as YAML front matter")
    tags = _tags(meta)
    if _hash_tags_in_header(text, front.body_line):
        warnings.append("`#` tags in the header read as tags: " + ", ".join(tags))
    note_type = _note_type(meta, tags, wanted_type, warnings)
    type_tag = {"question": "question", "resource": "ressource"}.get(note_type)
    if type_tag and type_tag not in tags:
        tags.append(type_tag)
    language = detect_language(front.body)
    if language in LANGUAGE_TAGS and LANGUAGE_TAGS[language] not in tags:
        tags.append(LANGUAGE_TAGS[language])
    title = _title(meta, front.body, file_name, warnings)
    date, date_value = _date(meta, warnings)
    fields: list[tuple[str, object]] = [
        ("type", note_type), ("title", title), ("date", date_value),
        ("source", _kept(meta.get("source"))), ("author", _kept(meta.get("author", meta.get("auteur")))),
        ("tags", tags),
    ]
    fields += [(key, value) for key, value in front.meta.items()
               if str(key).lower() not in _OWN_KEYS and value is not None]
    return MarkdownNote(tuple(fields), front.body, title, date, note_type, tuple(warnings))


def _tags(meta: dict) -> list[str]:
    return list(clean_tags(declared_tag_words(meta)))


def _hash_tags_in_header(text: str, body_line: int) -> bool:
    header = "\n".join(text.split("\n")[: max(body_line - 1, 0)])
    return re.search(r"^\s*(?:tags?\s*:|-)\s*#\w", header, re.M | re.I) is not None


def _note_type(meta: dict, tags: list[str], wanted: str | None, warnings: list[str]) -> str:
    declared = _TYPE_WORDS.get(scalar_text(meta.get("type")).lower(), "")
    from_tags = "question" if "question" in tags else "resource" if {"ressource", "resource"} & set(tags) else ""
    found = declared or from_tags
    if wanted:
        if found and found != wanted:
            warnings.append(f"the note says it is a {found}; --type made it a {wanted}")
        return wanted
    return found or "resource"


def _title(meta: dict, body: str, file_name: str, warnings: list[str]) -> str:
    """The first `# ` heading, else `title`, else the file name; a different `title` is reported."""
    declared = scalar_text(meta.get("title", meta.get("titre")))
    first_heading = next((strip_markup(h.text) for h in analyse(body).headings
                          if h.level == 1 and h.text.strip()), "")
    if first_heading:
        if declared and declared != first_heading:
            warnings.append(f"title '{declared}' replaced by the first heading")
        return first_heading
    return declared or file_name


def _date(meta: dict, warnings: list[str]) -> tuple[dt.date | None, object]:
    raw = scalar_text(meta.get("date"))
    if not raw:
        warnings.append("no date found: add `date:`")
        return None, None
    parsed = parse_date(raw)
    if parsed is None:
        warnings.append(f"date '{raw}' not understood: kept as written")
        return None, raw
    return parsed, parsed


def _kept(value):
    """A header value the normalised header rewrites: a scalar as text, a list (several sources) as it is."""
    return value if isinstance(value, list) else scalar_text(value)
