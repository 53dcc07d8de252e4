"""Slugs for URLs and heading anchors: one function, used on both sides of a link."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_NON_WORD = re.compile(r"[^a-z0-9]+")
# The combining marks of U+0300-U+036F (accents once NFKD has split them off), removed in one pass.
_ACCENTS = re.compile("[%s]" % "".join(chr(c) for c in range(0x300, 0x370) if unicodedata.combining(chr(c))))
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "ø": "o", "Ø": "o", "đ": "d", "ł": "l"})


# Both are pure and called with the same few thousand names on every build and every
# preview rebuild (URLs, anchors, link keys): remembered, they cost a third less of `link`.
@lru_cache(maxsize=1 << 16)
def slugify(text: str, fallback: str = "note") -> str:
    """Lower-case ASCII, accents stripped, runs of anything else turned into `-`.

    Always returns a safe path part: never empty, never `.` or `..`, no `/`.
    """
    if not text.isascii():  # ASCII has no ligature, no compatibility form, no combining mark
        text = _ACCENTS.sub("", unicodedata.normalize("NFKD", text.translate(_LIGATURES)))
        if not text.isascii():  # marks outside the common block, or letters that are not Latin: one by one
            text = "".join(c for c in text if not unicodedata.combining(c))
    slug = _NON_WORD.sub("-", text.lower()).strip("-")
    return slug[:120].rstrip("-") or fallback


@lru_cache(maxsize=1 << 16)
def normalize_name(text: str) -> str:
    """The key link targets and file names are compared by: NFC, case-folded."""
    return unicodedata.normalize("NFC", text).casefold().strip()


def tag_url(tag: str) -> str:
    """The URL of a tag's page."""
    return f"/tags/{slugify(tag, 'tag')}/"
