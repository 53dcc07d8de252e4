"""Dates as editors write them: ISO, Swiss/French numeric, French words, `2022mai12`."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1, "january": 1, "januar": 1,
    "fevrier": 2, "fevr": 2, "fev": 2, "feb": 2, "february": 2, "februar": 2,
    "mars": 3, "mar": 3, "march": 3, "marz": 3,
    "avril": 4, "avr": 4, "apr": 4, "april": 4,
    "mai": 5, "may": 5,
    "juin": 6, "jun": 6, "june": 6, "juni": 6,
    "juillet": 7, "juil": 7, "jul": 7, "july": 7, "juli": 7,
    "aout": 8, "aug": 8, "august": 8,
    "septembre": 9, "sept": 9, "sep": 9, "september": 9,
    "octobre": 10, "oct": 10, "october": 10, "oktober": 10,
    "novembre": 11, "nov": 11, "november": 11,
    "decembre": 12, "dec": 12, "december": 12, "dezember": 12,
}
_MONTH_WORD = "|".join(sorted(MONTHS, key=len, reverse=True))
_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_NUMERIC = re.compile(r"(?<!\d)(\d{1,2})[./](\d{1,2})[./](\d{4})(?!\d)")
_WORDS = re.compile(rf"(?<!\d)(\d{{1,2}})(?:er)?\.?\s+({_MONTH_WORD})\.?\s+(\d{{4}})(?!\d)")
_COMPACT = re.compile(rf"(?<!\d)(\d{{4}})\s*({_MONTH_WORD})\s*(\d{{1,2}})(?!\d)")
_ENGLISH = re.compile(rf"\b({_MONTH_WORD})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})(?!\d)")


def fold_accents(text: str) -> str:
    """Lower case without accents (`Été` → `ete`)."""
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c))


def parse_date(text: str) -> dt.date | None:
    """The first date found in `text`, or None; never raises.

    Reads `2022-05-13`, `13/05/2022`, `13.05.2022`, `lundi 25 novembre 2013`,
    `1er mai 2020`, `2022mai12`, `May 13, 2022`.
    """
    folded = fold_accents(str(text))[:500]
    best: tuple[int, int, dt.date] | None = None
    for rank, (pattern, order) in enumerate(_PATTERNS):
        for match in pattern.finditer(folded):
            if best is not None and match.start() >= best[0]:
                break
            found = _build(match.groups(), order)
            if found:
                # The earliest date in the text wins ("publié le 13/11/2013, consulté le 2013-11-25").
                best = (match.start(), rank, found)
                break
    return best[2] if best else None


_PATTERNS = ((_ISO, "ymd"), (_NUMERIC, "dmy"), (_WORDS, "dMy"), (_COMPACT, "yMd"), (_ENGLISH, "Mdy"))


def _build(groups: tuple[str, ...], order: str) -> dt.date | None:
    parts = {}
    for value, key in zip(groups, order):
        parts[key] = MONTHS[value] if key == "M" else int(value)
    month = parts.get("M", parts.get("m"))
    try:
        return dt.date(parts["y"], month, parts["d"])
    except (ValueError, KeyError):
        return None
