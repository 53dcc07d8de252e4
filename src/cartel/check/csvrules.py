"""Directory CSV rules that the directory reader (`cartel.directory`) does not apply.

The reader already reports a missing CSV, an unreadable one, a missing
name/URL/facet column, rows with the wrong number of fields, rows without a
name or a required field, and malformed URLs (`directory-*`). Check adds a
header that cannot be right (empty or repeated column names, a data row in
its place), two rows with the same name, and stray spaces in cells.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator

from cartel.check.context import Context
from cartel.diagnostics import Severity, diag
from cartel.directory import sniff_delimiter, sort_key

_LOOKS_LIKE_DATA = re.compile(r"^(https?://|www\.)|@|^\d+([.,]\d+)?$", re.I)


def _directories(ctx: Context):
    for directory in ctx.site.directories:
        yield directory, unicodedata.normalize("NFC", directory.config.source.strip().lstrip("/"))


def csv_header(ctx: Context) -> Iterator:
    """Each column has a name, once; the first line is the header, not a row."""
    for directory, path in _directories(ctx):
        columns = directory.columns
        seen: dict[str, int] = {}
        line = _header_line(ctx.texts.get(path, ""))
        for index, name in enumerate(columns):
            key = sort_key(name)[0]
            if not name:
                yield diag(path, line, "csv-header", Severity.WARNING, f"column {index + 1} has no name",
                           "name every column on the first line, or delete the empty column")
            elif key in seen:
                yield diag(path, line, "csv-header", Severity.WARNING,
                           f"column {index + 1} '{name}' has the same name as column {seen[key] + 1}",
                           "give each column its own name: only the first of the two is used for facets")
            elif _LOOKS_LIKE_DATA.search(name):
                yield diag(path, line, "csv-header", Severity.WARNING,
                           f"the header holds '{name}', which looks like data rather than a column name",
                           "the first line must be the column names (Nom;URL;...); insert it above the first row")
            seen.setdefault(key, index)


def _header_line(text: str) -> int:
    for number, line in enumerate(text.lstrip("\ufeff").split("\n"), 1):
        if line.strip(" \t\r;,"):
            return number
    return 1


def csv_duplicate_names(ctx: Context) -> Iterator:
    """Two rows with the same name (case and accents aside) are usually one actor entered twice."""
    for directory, path in _directories(ctx):
        first: dict[str, int] = {}
        for row in directory.rows:
            key = sort_key(row.name)[0]
            if key in first:
                yield diag(path, row.line, "csv-duplicate-name", Severity.WARNING,
                           f"'{row.name}' is already the name of the row on line {first[key]}",
                           "merge the two rows, or tell them apart in the name")
            else:
                first[key] = row.line


def csv_stray_spaces(ctx: Context) -> Iterator:
    """Cells have no spaces before or after their text, and one space between words."""
    for directory, path in _directories(ctx):
        text = ctx.texts.get(path)
        if not text:
            continue
        text = text.lstrip("\ufeff")
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
        columns = directory.columns
        line = 1
        try:
            for row in reader:
                for index, cell in enumerate(row):
                    if cell and (cell != cell.strip() or "  " in cell or "\t" in cell):
                        column = columns[index] if index < len(columns) else f"field {index + 1}"
                        yield diag(path, line, "csv-stray-space", Severity.INFO,
                                   f"the {column} cell '{cell}' has stray spaces",
                                   "remove spaces at the start and end of the cell, and double spaces inside it")
                line = reader.line_num + 1
        except csv.Error:
            continue        # the directory reader reports unreadable CSV
