"""Plain text (a blog post copied from a browser) becomes a `Document`.

Blog posts copied as text keep their layout only as lines: a date line, the
title, paragraphs separated by blank lines, a "Sources" section, and the
blog's furniture (share buttons, comment forms). The reader finds each by its
shape and lists every line of furniture it removes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from cartel.dates import MONTHS, fold_accents, parse_date
from cartel.importer.document import Document, Handle, SourceEntry, detect_language

URL = re.compile(r"https?://[^\s<>\"'\]\)]+", re.I)
_URL_TRAILING = ".,;:!?'’»"
_LONE_URL = re.compile(r"^\W{0,3}<?(https?://\S+?)>?\W{0,2}$", re.I)
_HANDLE = re.compile(r"(?<![\w.@/])@([A-Za-z0-9_]{2,30})\b")
_HASHTAG = re.compile(r"(?<![\w&#/\\])#([^\W\d_][\w-]*)")
_PROFILE_HOSTS = r"(?:twitter\.com|x\.com|instagram\.com|facebook\.com|tiktok\.com|threads\.net|mastodon\.\w+)"

_SOURCES_HEADING = re.compile(
    r"^\W*(?:sources?|r[ée]f[ée]rences?(?: bibliographiques)?|bibliographie|webographie)\s*(?::\s*(.*))?$", re.I)
_BULLET = re.compile(r"^(?:[-–—•*+]\s*|\d{1,3}[.)]\s+)")
_SOURCE_LINE = re.compile(
    r"^\W*(?:source|url|lien(?: permanent)?|permalink|adresse|article original)\s*:\s*<?(https?://\S+?)>?\s*$", re.I)
_AUTHOR = re.compile(r"(?:^|\b)(?:par|by|auteur|autrice|author|[ée]crit par|written by|publi[ée]e? par|posted by)"
                     r"\s*:?\s+([A-ZÀ-Ý][\w.'’-]*(?:\s+[A-ZÀ-Ýa-z][\w.'’-]*){0,3})", re.I)
_PUBLISHED = re.compile(r"(?:publication|publi[ée]e?(?: le)?|published(?: on)?|posted(?: on)?|mis en ligne(?: le)?)\s*:?\s*",
                        re.I)
_CONSULTED = re.compile(r"(?:consult[ée]e?(?: le)?|accessed(?: on)?|consulted(?: on)?|vu le)\s*:?\s*", re.I)
_DATE_CHUNK = r"[\w/.\- ]*?\d{4}"
_PUBLISHED_CLAUSE = re.compile(_PUBLISHED.pattern + _DATE_CHUNK, re.I)
_CONSULTED_CLAUSE = re.compile(r"\[[^\]]*\b(?:consult|accessed|consulted|vu le)[^\]]*\]|" + _CONSULTED.pattern + _DATE_CHUNK, re.I)

_WEEKDAYS = ("lundi mardi mercredi jeudi vendredi samedi dimanche monday tuesday wednesday thursday friday "
             "saturday sunday montag dienstag mittwoch donnerstag freitag samstag sonntag").split()
_DATE_FILLERS = set(_WEEKDAYS) | set(MONTHS) | set(
    "le l du publie publiee posted on published publication date mis en ligne a am le er jour updated mise par by "
    "le de at h".split())

# Where the comment section starts: the line and everything after it are the blog's, not the author's.
_TAIL_MARKERS = re.compile(
    r"^\W*(?:leave a (?:reply|comment)|laisser un commentaire|laisser une r[ée]ponse|aucun commentaire|"
    r"no comments?|\d+ (?:commentaires?|comments?|r[ée]ponses?|replies|responses)|publier un commentaire|"
    r"post a comment|comments are closed|les commentaires sont ferm[ée]s|one (?:reply|response|comment))\b", re.I)
# Single lines of sharing and comment widgets.
_WIDGET_LINES = re.compile(
    r"^\W*(?:(?:share|partager)(?: this| cet article| sur \w+| on \w+)?\s*:?|(?:like|j'aime|j’aime) (?:this|ça|ceci)\s*:?|"
    r".*required fields are marked.*|.*your email address will not be published.*|"
    r".*votre adresse (?:e-?mail|de messagerie|courriel) ne sera pas publi[ée]e.*|.*champs obligatoires sont indiqu[ée]s.*|"
    r"envoyer (?:par|un) e-?mail.*|.*blogthis!.*|.*partager sur (?:twitter|facebook|pinterest|linkedin).*|"
    r"tweet|tweeter|pin it|imprimer|print|e-?mail|facebook|twitter|linkedin|whatsapp|pinterest|reddit|"
    r"like loading.*|chargement.*|(?:libell[ée]s|labels|cat[ée]gories|categories|tags|[ée]tiquettes)\s*:.*|"
    r"(?:articles?|messages?) plus (?:r[ée]cents?|anciens?).*|(?:newer|older) posts?.*|accueil|home|"
    r"s'abonner [àa]\s*:.*|subscribe to\s*:.*|(?:related|articles similaires|sur le m[êe]me sujet)\s*:?)\W*$", re.I)
_ISO_IN_NAME = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)")
_POSTED_BY = re.compile(r"^\W*(?:publi[ée]e? par|posted by)\s+(.+?)\s+(?:[àa]|at)\s+\d{1,2}[:h.]\d{2}\b.*$", re.I)


MAX_LISTED_REMOVALS = 12


@dataclass(frozen=True)
class Line:
    """One line of the text, cleaned, with its number in the file."""

    number: int            # 1-based line in the file
    text: str              # stripped, non-breaking spaces made plain


def read_text_document(text: str, file_name: str = "") -> Document:
    """Read a blog post or article copied as plain text."""
    lines, removed, authors = remove_boilerplate(text)
    warnings: list[str] = []
    header, rest = _read_header(lines, warnings)
    body = analyse_body(rest)
    date = header.date
    if date is None and (in_name := _ISO_IN_NAME.search(file_name)):
        date = parse_date(in_name.group(0))
        warnings.append(f"date {date.isoformat()} taken from the file name")
    if date is None:
        warnings.append("no date found: add `date:`")
    if not header.source_url:
        warnings.append("no source URL found: add `source:` and the link in the heading")
    title = header.title or _title_from(body.prose, warnings) or file_name
    main_text = "\n".join(line.text for line in lines)
    return Document(
        title=title, date=date, source_url=header.source_url, author=header.author or _first(list(authors)),
        paragraphs=body.prose, sources=body.sources, handles=find_handles(main_text),
        hashtags=find_hashtags(main_text), language=detect_language(" ".join(body.paragraphs)), original=text,
        removed=removed, warnings=tuple(warnings),
    )


@dataclass(frozen=True)
class BodyParts:
    """The body of an article once its header is read: paragraphs, prose and cited sources."""

    paragraphs: tuple[str, ...]
    prose: tuple[str, ...]
    sources: tuple[SourceEntry, ...]


def analyse_body(lines: list[Line]) -> BodyParts:
    """Paragraphs (blocks of lines), the prose among them, and the final "Sources" section."""
    body, source_lines = _split_sources(lines)
    paragraphs = tuple(" ".join(line.text for line in block) for block in _blocks(body))
    return BodyParts(paragraphs, tuple(p for p in paragraphs if is_prose(p)), parse_sources(source_lines))


def text_lines(text: str) -> list[Line]:
    """Numbered, cleaned lines of a text."""
    return [Line(i, _clean_line(raw)) for i, raw in enumerate(text.split("\n"), 1)]


def remove_boilerplate(text: str) -> tuple[list[Line], tuple[str, ...], tuple[str, ...]]:
    """Cleaned lines without blog furniture, what was removed, and authors named in post footers."""
    removed: list[str] = []
    authors: list[str] = []
    lines = _remove_boilerplate(text_lines(text), removed, authors)
    return lines, tuple(removed), tuple(authors)


def _clean_line(raw: str) -> str:
    return " ".join(raw.replace("\u00a0", " ").replace("\ufeff", "").replace("\u200b", "").split())


def _first(values: list[str]) -> str:
    return values[0] if values else ""


# -- boilerplate -------------------------------------------------------------

def _remove_boilerplate(lines: list[Line], removed: list[str], authors: list[str]) -> list[Line]:
    """Drop the comment section (from its first line to the end) and single widget lines, noting each."""
    kept: list[Line] = []
    for index, line in enumerate(lines):
        if not line.text:
            kept.append(line)
            continue
        if len(line.text.split()) <= 8 and _TAIL_MARKERS.match(line.text):
            rest = [other for other in lines[index:] if other.text]
            for other in rest[:MAX_LISTED_REMOVALS]:
                removed.append(f"line {other.number}: {_quote(other.text)} (comment section)")
            if len(rest) > MAX_LISTED_REMOVALS:
                removed.append(f"lines {rest[MAX_LISTED_REMOVALS].number}-{rest[-1].number}: "
                               f"{len(rest) - MAX_LISTED_REMOVALS} more line(s) of the comment section")
            break
        posted = _POSTED_BY.match(line.text)
        if posted:
            authors.append(posted.group(1).strip())
            removed.append(f"line {line.number}: {_quote(line.text)} (post footer; author kept)")
            continue
        if _WIDGET_LINES.match(line.text):
            removed.append(f"line {line.number}: {_quote(line.text)} (share or comment widget)")
            continue
        kept.append(line)
    while kept and not kept[-1].text:
        kept.pop()
    return kept


def _quote(text: str, most: int = 60) -> str:
    return "'" + (text if len(text) <= most else text[: most - 1] + "…") + "'"


# -- header: date, title, author, source ------------------------------------

@dataclass(frozen=True)
class _Header:
    title: str = ""
    date: dt.date | None = None
    author: str = ""
    source_url: str = ""


def _read_header(lines: list[Line], warnings: list[str]) -> tuple[_Header, list[Line]]:
    """The date, title, author and source lines that open the text; the rest is the body."""
    title, date, author, source = "", None, "", ""
    index = 0
    while index < len(lines):
        line = lines[index].text
        if not line:
            index += 1
            continue
        source_match = _SOURCE_LINE.match(line)
        if _SOURCES_HEADING.match(line) and not source_match:
            break
        lone = _LONE_URL.match(line)
        if source_match or (lone and not source):
            source = source or _trim_url((source_match or lone).group(1))
        elif date is None and (found := date_of_line(line)) is not None:
            date = found
            author = author or _author_in(line)
        elif not title and _is_title(line):
            title = _clean_title(line)
        elif title and not author and _AUTHOR.match(line) and len(line.split()) <= 6:
            author = _author_in(line)
        else:
            break
        index += 1
    return _Header(title, date, author, source), lines[index:]


def is_date_line(line: str) -> bool:
    """A short line that is a date, perhaps with a weekday, "Publié le" or an author."""
    return date_of_line(line) is not None


def date_of_line(line: str) -> dt.date | None:
    """The date a date line (see `is_date_line`) gives, else None."""
    if len(line.split()) > 12 or (date := parse_date(line)) is None:
        return None
    words = re.findall(r"[^\W\d_]+", fold_accents(re.sub(r"\b(?:par|by)\s+.*$", "", line, flags=re.I)))
    return date if sum(1 for word in words if word not in _DATE_FILLERS) <= 1 else None


def _author_in(line: str) -> str:
    match = _AUTHOR.search(line)
    return match.group(1).strip(" .,;") if match else ""


def _is_title(line: str) -> bool:
    return len(line) <= 200 and not _BULLET.match(line) and not line.startswith("@")


def _clean_title(line: str) -> str:
    line = re.sub(r"^#{1,6}\s+", "", line).strip()
    line = re.sub(r"^(\*\*|__)(.+)\1$", r"\2", line)
    return " ".join(line.split())


def _title_from(prose: tuple[str, ...], warnings: list[str]) -> str:
    if not prose:
        return ""
    first = prose[0]
    title = first if len(first) <= 100 else first[:100].rsplit(" ", 1)[0] + "…"
    warnings.append("no title line: title taken from the first sentence")
    return title


# -- body ------------------------------------------------------------------

def _split_sources(lines: list[Line]) -> tuple[list[Line], list[Line]]:
    """The body, and the lines of its final "Sources" section (with the heading's own text, if any)."""
    for index, line in enumerate(lines):
        match = _SOURCES_HEADING.match(line.text)
        if match and len(line.text) <= 200:
            inline = (match.group(1) or "").strip()
            tail = [Line(line.number, inline)] if inline else []
            return lines[:index], tail + lines[index + 1:]
    return lines, []


def _blocks(lines: list[Line]) -> list[list[Line]]:
    blocks: list[list[Line]] = [[]]
    for line in lines:
        if line.text:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def is_prose(paragraph: str) -> bool:
    """A paragraph of sentences, not a heading, a lone link or a list of accounts."""
    if paragraph.startswith("@") or _LONE_URL.match(paragraph):
        return False
    return len(paragraph) >= 80 or (len(paragraph) >= 30 and paragraph.rstrip("»\"”) ")[-1:] in ".!…")


# -- sources ---------------------------------------------------------------

def parse_sources(lines: list[Line] | list[str]) -> tuple[SourceEntry, ...]:
    """Entries of a "Sources" section: one per bullet or per block; a URL alone on a line joins its entry."""
    entries: list[list[str]] = []
    open_entry = False
    for line in lines:
        text = line.text if isinstance(line, Line) else _clean_line(line)
        if not text:
            open_entry = False
            continue
        bullet = _BULLET.match(text)
        if bullet:
            entries.append([text[bullet.end():]])
        elif open_entry or (_LONE_URL.match(text) and entries and not URL.search(" ".join(entries[-1]))):
            entries[-1].append(text)
        else:
            entries.append([text])
        open_entry = True
    return tuple(entry for entry in (source_entry(" ".join(parts)) for parts in entries) if entry.title or entry.url)


def source_entry(text: str) -> SourceEntry:
    """Title, URL, publication and consultation dates of one cited source."""
    urls = [_trim_url(u) for u in URL.findall(text)]
    published = _date_after(_PUBLISHED, text)
    consulted = _date_after(_CONSULTED, text)
    title = URL.sub(" ", text)
    title = _CONSULTED_CLAUSE.sub(" ", title)
    title = _PUBLISHED_CLAUSE.sub(" ", title)
    title = re.sub(r"<\s*>|\(\s*\)|\[\s*\]", " ", title)
    title = " ".join(title.split()).strip(" .;,:-–—<>[]()")
    return SourceEntry(title=title, url=urls[0] if urls else "", published=published, consulted=consulted)


def _date_after(keyword: re.Pattern, text: str) -> dt.date | None:
    match = keyword.search(text)
    return parse_date(text[match.end():match.end() + 40]) if match else None


def _trim_url(url: str) -> str:
    url = url.strip("<>")
    while url and url[-1] in _URL_TRAILING:
        url = url[:-1]
    if url.endswith(")") and url.count("(") < url.count(")"):
        url = url[:-1]
    return url


# -- accounts and hashtags -------------------------------------------------

def find_handles(text: str) -> tuple[Handle, ...]:
    """`@accounts` with the profile URL written in the text, else their Twitter address."""
    found: dict[str, Handle] = {}
    profiles = {}
    for url in URL.findall(text):
        url = _trim_url(url)
        match = re.match(rf"https?://(?:www\.)?{_PROFILE_HOSTS}/@?([A-Za-z0-9_.]+)/?$", url, re.I)
        if match:
            profiles.setdefault(match.group(1).lower(), url)
    for line in text.split("\n"):
        line = _clean_line(line)
        for match in _HANDLE.finditer(URL.sub(" ", line)):
            name = match.group(1)
            if name.lower() in found:
                continue
            label = ""
            if match.start() == 0:
                label = " ".join(w for w in line[match.end():].split() if not URL.match(w))[:80]
            url = profiles.get(name.lower(), f"https://twitter.com/{name}")
            found[name.lower()] = Handle(name, url, label)
    return tuple(found.values())


def find_hashtags(text: str) -> tuple[str, ...]:
    """`#hashtags` of the text (URL fragments left out), in order, without repeats."""
    return tuple(dict.fromkeys(m.group(1) for m in _HASHTAG.finditer(URL.sub(" ", text))))
