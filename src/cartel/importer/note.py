"""Writing the draft note: YAML front matter, the resource (or question) template, the original text.

Everything an editor must finish says "à compléter"; the original text is
kept whole in a collapsed callout, made inert so that its `#words` and
`[[brackets]]` do not become tags and links of the note.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata

import yaml

from cartel.importer.document import LANGUAGE_TAGS, Document, SourceEntry, summary_of
from cartel.model import domain_of

TO_COMPLETE = "À compléter"
FRENCH_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
                 "octobre", "novembre", "décembre")
_FORBIDDEN_IN_NAME = re.compile(r"[\\/:*?\"<>|#^\[\]\x00-\x1f\x7f]")
_PLAIN_SCALAR = re.compile(r"^[\w][\w ./@+-]*$|^https?://[\w.~:/?&=%+@!$'*,;-]+$")
MAX_NAME_CHARS = 120


# -- front matter ------------------------------------------------------------

def front_matter(fields: list[tuple[str, object]]) -> str:
    """`---`-fenced YAML, one line per key; titles and paths quoted, lists in flow style."""
    lines = ["---"]
    for key, value in fields:
        if value is None or value == "" or value == []:
            continue
        if isinstance(value, dict) or (isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value)):
            dumped = yaml.safe_dump(value, allow_unicode=True, default_flow_style=False, sort_keys=False, width=10**6)
            lines.append(f"{key}:")
            lines.extend("  " + line for line in dumped.rstrip("\n").split("\n"))
        else:
            lines.append(f"{key}: {yaml_value(value, quote=key in QUOTED_KEYS)}")
    lines.append("---")
    return "\n".join(lines) + "\n"


QUOTED_KEYS = frozenset({"title", "imported_from", "import_hash", "author"})


def yaml_value(value, quote: bool = False) -> str:
    """One value as YAML: plain when it reads back as the same string, else double-quoted."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(yaml_value(v) for v in value) + "]"
    text = str(value)
    if not quote and _PLAIN_SCALAR.match(text) and _reads_back(text):
        return text
    return _NOT_YAML_PRINTABLE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", json.dumps(text, ensure_ascii=False))


# Characters YAML refuses to read as they are (it wants them escaped): C0/C1 controls, DEL, YAML line breaks (U+0085, U+2028, U+2029), surrogates.
_NOT_YAML_PRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")


def _reads_back(text: str) -> bool:
    try:
        return yaml.safe_load(text) == text and yaml.safe_load(f"[{text}]") == [text]
    except yaml.YAMLError:
        return False


def resource_fields(document: Document, note_type: str, imported_from: str, digest: str) -> list[tuple[str, object]]:
    """The front matter of a note written from an imported text or page."""
    tags = ["question" if note_type == "question" else "ressource"]
    if document.language in LANGUAGE_TAGS:
        tags.append(LANGUAGE_TAGS[document.language])
    return [
        ("type", note_type), ("title", document.title), ("date", document.date), ("source", document.source_url),
        ("author", document.author), ("tags", tags), ("imported_from", imported_from), ("import_hash", digest),
    ]


# -- body ----------------------------------------------------------------------

def resource_note(document: Document, imported_from: str, digest: str) -> str:
    """The whole text of a draft resource note."""
    parts = [
        front_matter(resource_fields(document, "resource", imported_from, digest)),
        heading(document.title, document.source_url), "",
        f"Résumé à compléter: {inert(summary_of(document.paragraphs)) or '(le texte importé est vide)'}", "",
        "## A retenir", f"- {TO_COMPLETE}", "",
        "## Contexte", *context_lines(document), "",
        *original_callout(document.original),
    ]
    return "\n".join(parts) + "\n"


def question_note(document: Document, imported_from: str, digest: str) -> str:
    """The whole text of a draft question note: the answer and the ranked list are to be written."""
    parts = [
        front_matter(resource_fields(document, "question", imported_from, digest)),
        heading(document.title, ""), "",
        f"Réponse à compléter: {inert(summary_of(document.paragraphs)) or '(le texte importé est vide)'}", "",
        f"1. {TO_COMPLETE}: une ressource, puis une ou deux phrases qui disent ce qu'elle apporte.", "",
        "## Contexte", *context_lines(document), "",
        *original_callout(document.original),
    ]
    return "\n".join(parts) + "\n"


def heading(title: str, url: str) -> str:
    """`# [Titre](url)`, or `# Titre` when the source is unknown."""
    if not url:
        return f"# {inert(title)}"
    return f"# [{link_text(title)}]({link_target(url)})"


def link_text(text: str) -> str:
    """Text safe inside `[...]`."""
    return inert(text).replace("[", "\\[").replace("]", "\\]")


def link_target(url: str) -> str:
    """A URL safe inside `(...)`."""
    if re.search(r"[\s()<>]", url):
        return "<" + url.replace("<", "%3C").replace(">", "%3E").replace(" ", "%20") + ">"
    return url


def context_lines(document: Document) -> list[str]:
    """Author, date and publication, then cited sources, accounts, hashtags and links."""
    publication = document.site or (domain_of(document.source_url) if document.source_url else "")
    lines = [f"Auteur: {inert(document.author) or TO_COMPLETE.lower()}. "
             f"Date: {french_date(document.date) if document.date else TO_COMPLETE.lower()}. "
             f"Publication: {inert(publication) or TO_COMPLETE.lower()}."]
    if document.sources:
        lines += ["", "Sources citées:"] + [f"- {source_line(s)}" for s in document.sources]
    if document.links:
        lines += ["", "Liens du texte:"] + [f"- [{link_text(t) or domain_of(u) or u}]({link_target(u)})"
                                            for t, u in document.links]
    if document.handles:
        accounts = [f"[@{h.name}]({link_target(h.url)})" + (f" ({inert(h.label)})" if h.label else "")
                    for h in document.handles]
        lines += ["", "Comptes cités: " + ", ".join(accounts) + "."]
    if document.hashtags:
        lines += ["", "Mots-dièse: " + ", ".join(f"`#{tag}`" for tag in document.hashtags) + "."]
    return lines


def source_line(source: SourceEntry) -> str:
    """`[Titre](url), publié le 13 novembre 2013, consulté le 25 novembre 2013`."""
    label = link_text(source.title) if source.title else (domain_of(source.url) or source.url)
    text = f"[{label}]({link_target(source.url)})" if source.url else label
    if source.published:
        text += f", publié le {french_date(source.published)}"
    if source.consulted:
        text += f", consulté le {french_date(source.consulted)}"
    return text


def french_date(date: dt.date) -> str:
    """`25 novembre 2013`, `1er mai 2020`."""
    day = "1er" if date.day == 1 else str(date.day)
    return f"{day} {FRENCH_MONTHS[date.month - 1]} {date.year}"


def original_callout(original: str) -> list[str]:
    """Every line of the original text in a collapsed quote callout."""
    lines = original.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n").split("\n")
    return ["> [!quote]- Texte original"] + [f"> {inert(line)}".rstrip() if line.strip() else ">" for line in lines]


# -- making text inert -------------------------------------------------------

# Only an ASCII letter, digit or `/` just before `#` surely keeps it from being a tag (parse reads bytes,
# event by event) or a heading; everywhere else the `#` is escaped.
_TAG_HASH = re.compile(r"(?<![A-Za-z0-9/])#")   # a tag, or a heading when it opens a line (even after `>` or `-`)
_ESCAPING_BACKSLASH = re.compile(r"\\(?=[!-/:-@\[-`{-~])")   # a backslash the original meant literally
_ANGLE = re.compile(r"<(?=[A-Za-z/!?])(?!https?://)")
_SETEXT_UNDERLINE = re.compile(r"^(\s*)([-=])(?=[-=\s]*$)", re.M)   # `----` under a line would make it a heading
_BLOCK_ID = re.compile(r"(\s)\^(?=[\w-]+\s*$)")


def inert(text: str) -> str:
    """Markdown that shows the text as written but makes no tag, wiki-link, embed, comment, highlight or HTML."""
    text = _ESCAPING_BACKSLASH.sub(r"\\\\", text)
    text = _TAG_HASH.sub(r"\\#", text)
    text = text.replace("[[", "\\[\\[").replace("%%", "\\%\\%").replace("==", "\\=\\=")
    text = _ANGLE.sub("\\<", text)
    text = _SETEXT_UNDERLINE.sub(r"\1\\\2", text)
    return _BLOCK_ID.sub(r"\1\\^", text)


# -- file names --------------------------------------------------------------

def note_stem(title: str, fallback: str = "Import sans titre") -> str:
    """A file name (without `.md`) from a title: no characters Obsidian or file systems refuse."""
    name = unicodedata.normalize("NFC", title)
    name = _FORBIDDEN_IN_NAME.sub(" ", name)
    name = " ".join(name.split()).strip(" .")
    if len(name) > MAX_NAME_CHARS:
        name = name[:MAX_NAME_CHARS].rsplit(" ", 1)[0].strip(" .")
    while len(name.encode("utf-8")) > 200:
        name = name[:-1]
    return name or fallback


def markdown_note(fields: tuple[tuple[str, object], ...], body: str, imported_from: str, digest: str) -> str:
    """A Markdown note: normalised front matter, then the body exactly as it was."""
    return front_matter([*fields, ("imported_from", imported_from), ("import_hash", digest)]) + body
