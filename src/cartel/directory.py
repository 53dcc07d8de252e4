"""Directory data: each CSV declared in `cartel.toml` becomes rows for one directory page.

A CSV is read as editors save it from a spreadsheet: with or without a BOM,
`;` or `,` between fields (sniffed from the header line). Rows that cannot be
shown as they are (no name, a malformed URL, too few or too many fields)
become diagnostics that name the CSV line, so the editor finds them in the
spreadsheet. Facet columns that differ only by a trailing number
(`Expertise numérique 1`, `… 2`, `… 3`) make one facet.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from functools import lru_cache
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from cartel.config import DirectoryConfig
from cartel.diagnostics import Diagnostic, Severity, diag
from cartel.scan import Source
from cartel.slug import slugify

DEFAULT_SOURCE = "_data/acteurs.csv"
_NUMBERED = re.compile(r"^(.*\S)\s+\d+$")
_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+\.?(:\d{1,5})?$")


@dataclass(frozen=True)
class Facet:
    """A filter on one or more columns: its label, the column indices it reads, its values A to Z."""

    label: str
    columns: tuple[int, ...]
    values: tuple[str, ...]


@dataclass(frozen=True)
class DirectoryRow:
    """One shown row: its CSV line, its cells (one per column), name and link."""

    line: int
    cells: tuple[str, ...]
    name: str
    url: str               # "" when the row has no usable URL


@dataclass(frozen=True)
class Directory:
    """One directory page's data."""

    config: DirectoryConfig
    url: str
    columns: tuple[str, ...]
    rows: tuple[DirectoryRow, ...]
    facets: tuple[Facet, ...]
    name_index: int
    url_index: int          # -1 when the CSV has no URL column


def directory_url(directory: DirectoryConfig) -> str:
    """The URL of a directory page: from its `url` key, else `/annuaire/`."""
    return f"/{slugify(directory.slug or 'annuaire')}/"


def read_directories(configs: tuple[DirectoryConfig, ...], sources: tuple[Source, ...]
                     ) -> tuple[tuple[Directory, ...], tuple[Diagnostic, ...]]:
    """Every declared directory whose CSV is in the vault; a declared CSV that is missing is reported."""
    data = {s.path: s for s in sources if s.kind == "data" and not s.draft}
    directories: list[Directory] = []
    problems: list[Diagnostic] = []
    implicit = configs == (DirectoryConfig(source=DEFAULT_SOURCE, title="Annuaire des acteurs"),)
    taken: set[str] = set()
    for config in configs:
        path = unicodedata.normalize("NFC", config.source.strip().lstrip("/"))
        source = data.get(path)
        if source is None:
            if config.source and not implicit:
                problems.append(diag("cartel.toml", config.line, "directory-missing", Severity.WARNING,
                                     f"the directory CSV '{config.source}' is not in the vault (or is ignored); no page is made",
                                     "check the path in [[directory]] source, relative to the vault"))
            continue
        directory, found = read_directory(config, source.text, path)
        problems.extend(found)
        if directory is not None:
            url = _free_url(directory.url, config, taken)
            taken.add(url)
            directories.append(replace(directory, url=url))
    return tuple(directories), tuple(problems)


def _free_url(url: str, config: DirectoryConfig, taken: set[str]) -> str:
    """The directory's URL, or one from its title when an earlier directory has it."""
    if url not in taken:
        return url
    base = f"/{slugify(config.title, 'annuaire')}/"
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base.rstrip('/')}-{n}/"
    return candidate


def sniff_delimiter(text: str) -> str:
    """`;` or `,`: whichever the header line holds more of (outside quotes); `;` on a tie, as Excel writes in Europe."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    unquoted = re.sub(r'"[^"]*"', "", header)
    return "," if unquoted.count(",") > unquoted.count(";") else ";"


def read_directory(config: DirectoryConfig, text: str, path: str) -> tuple[Directory | None, list[Diagnostic]]:
    """The rows of one CSV and the problems found, each with its CSV line number."""
    problems: list[Diagnostic] = []
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    try:
        header, header_line = _header(reader)
    except csv.Error as error:
        problems.append(diag(path, reader.line_num or 1, "directory-csv-invalid", Severity.ERROR,
                             f"the CSV cannot be read: {error}", "save it again from the spreadsheet as CSV"))
        return None, problems
    if not header:
        problems.append(diag(path, 1, "directory-csv-invalid", Severity.WARNING, "the CSV is empty; no page is made",
                             "put the column names on the first line, then one row per line"))
        return None, problems
    columns = tuple(c.strip() for c in header)
    name_index = _column(columns, config.name_column, path, header_line, problems, required=True)
    url_index = _column(columns, config.url_column, path, header_line, problems, required=False)
    if name_index < 0:
        return None, problems
    rows = _rows(reader, config, columns, name_index, url_index, path, problems)
    facets = _facets(config, columns, rows, path, header_line, problems)
    return Directory(config, directory_url(config), columns, tuple(rows), facets, name_index, url_index), problems


def _header(reader) -> tuple[list[str], int]:
    for row in reader:
        if any(cell.strip() for cell in row):
            return row, reader.line_num
    return [], 1


def _column(columns: tuple[str, ...], wanted: str, path: str, line: int, problems: list, required: bool) -> int:
    folded = [c.casefold() for c in columns]
    if wanted.casefold() in folded:
        return folded.index(wanted.casefold())
    severity = Severity.WARNING
    consequence = "no page is made" if required else "rows are shown without links"
    problems.append(diag(path, line, "directory-column-missing", severity,
                         f"the CSV has no column '{wanted}'; {consequence}",
                         f"columns found: {', '.join(columns)}; rename one, or set the column in cartel.toml [[directory]]"))
    return -1


def _rows(reader, config: DirectoryConfig, columns: tuple[str, ...], name_index: int, url_index: int,
          path: str, problems: list) -> list[DirectoryRow]:
    rows: list[DirectoryRow] = []
    line = reader.line_num + 1
    try:
        for raw in reader:
            if not any(cell.strip() for cell in raw):
                line = reader.line_num + 1
                continue
            row = _row(raw, line, config, columns, name_index, url_index, path, problems)
            if row is not None:
                rows.append(row)
            line = reader.line_num + 1
    except csv.Error as error:
        problems.append(diag(path, reader.line_num, "directory-csv-invalid", Severity.ERROR,
                             f"the CSV cannot be read past this line: {error}",
                             "look for an unclosed quote; rows after it are not shown"))
    return rows


def _row(raw: list[str], line: int, config: DirectoryConfig, columns: tuple[str, ...], name_index: int,
         url_index: int, path: str, problems: list) -> DirectoryRow | None:
    if len(raw) != len(columns):
        swallowed = any("\n" in cell for cell in raw)
        problems.append(diag(path, line, "directory-row-columns", Severity.WARNING,
                             f"this row has {len(raw)} fields where the header has {len(columns)}",
                             "a quote opened on this line is not closed, so the next lines are read as part of it"
                             if swallowed else "check for a missing or extra separator, or a value that needs quotes"))
    cells = tuple((raw + [""] * len(columns))[:len(columns)])
    cells = tuple(" ".join(c.split()) for c in cells)
    name = cells[name_index]
    if not name:
        problems.append(diag(path, line, "directory-row-name", Severity.WARNING,
                             f"this row has no {columns[name_index]}; it is not shown",
                             f"fill in the {columns[name_index]} column or delete the row"))
        return None
    for column in config.required:
        index = next((i for i, c in enumerate(columns) if c.casefold() == column.casefold()), -1)
        if index >= 0 and not cells[index]:
            problems.append(diag(path, line, "directory-row-required", Severity.WARNING,
                                 f"'{name}' has no {columns[index]}", f"fill in the {columns[index]} column"))
    url = ""
    if url_index >= 0 and cells[url_index]:
        url = normal_url(cells[url_index])
        if not url:
            problems.append(diag(path, line, "directory-row-url", Severity.WARNING,
                                 f"'{cells[url_index]}' is not a web address; '{name}' is shown without a link",
                                 "write the full address, e.g. https://www.example.ch"))
    return DirectoryRow(line, cells, name, url)


def normal_url(value: str) -> str:
    """An http(s) URL with a real host; `www.example.ch` gets `https://`; anything else is ""."""
    value = value.strip()
    if re.match(r"^www\.", value, re.I):
        value = "https://" + value
    try:
        parts = urlsplit(value)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not _HOST.match(parts.netloc.rsplit("@", 1)[-1]):
        return ""
    if any(ch.isspace() for ch in value) or "@" in parts.netloc:
        return ""
    return value


def _facets(config: DirectoryConfig, columns: tuple[str, ...], rows: list[DirectoryRow], path: str, line: int,
            problems: list) -> tuple[Facet, ...]:
    groups: dict[str, list[int]] = {}
    folded = [c.casefold() for c in columns]
    for wanted in config.facets:
        if wanted.casefold() not in folded:
            problems.append(diag(path, line, "directory-column-missing", Severity.WARNING,
                                 f"the facet column '{wanted}' is not in the CSV; it is left out",
                                 f"columns found: {', '.join(columns)}"))
            continue
        index = folded.index(wanted.casefold())
        groups.setdefault(facet_label(columns[index]), []).append(index)
    facets = []
    for label, indices in groups.items():
        values = {row.cells[i] for row in rows for i in indices if row.cells[i]}
        facets.append(Facet(label, tuple(indices), tuple(sorted(values, key=sort_key))))
    return tuple(facets)


def facet_label(column: str) -> str:
    """`Expertise numérique 2` → `Expertise numérique`: numbered columns share a label."""
    numbered = _NUMBERED.match(column)
    return numbered.group(1) if numbered else column


@lru_cache(maxsize=1 << 16)  # every listing sorts the same titles again
def sort_key(text: str) -> tuple[str, str]:
    """Accents and case ignored, then the text itself for a stable order."""
    plain = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return (plain.casefold(), text)
