"""What every reader (text, HTML, Markdown) hands to the note writer.

A `Document` is an imported article as cartel understands it: title, date,
source, author, paragraphs, cited sources, accounts and hashtags, plus what
was removed on the way and what the editor should check.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SourceEntry:
    """One entry of a "Sources" section: a cited page and its dates."""

    title: str
    url: str = ""
    published: dt.date | None = None
    consulted: dt.date | None = None


@dataclass(frozen=True)
class Handle:
    """An `@account` named in the text and the profile it points to."""

    name: str              # without the @
    url: str
    label: str = ""        # the words written after it on the same line, if any


@dataclass(frozen=True)
class Document:
    """An imported text or web page, ready to become a resource note."""

    title: str
    date: dt.date | None = None
    source_url: str = ""
    author: str = ""
    site: str = ""
    paragraphs: tuple[str, ...] = ()
    sources: tuple[SourceEntry, ...] = ()
    handles: tuple[Handle, ...] = ()
    hashtags: tuple[str, ...] = ()
    links: tuple[tuple[str, str], ...] = ()     # (text, url) found in the main text
    language: str = ""                          # fr, en, de or "" when unsure
    original: str = ""                          # the text kept in full at the end of the note
    removed: tuple[str, ...] = ()               # boilerplate taken out, one line each
    warnings: tuple[str, ...] = field(default=())


# A few of the commonest words of each language; words shared by two of them ("des", "in", "die") are left out.
STOP_WORDS = {
    "fr": frozenset("le la les une et est dans pour que qui sur pas par avec ce cette sont du au aux ont été "
                    "elle il nous vous leur mais ou plus se ne son sa ses où comme être fait".split()),
    "en": frozenset("the and of to is that for it with as was on are be this by from have not at which their "
                    "an or they has been were can will its more would".split()),
    "de": frozenset("der das und ist nicht mit sich dem den ein eine zu auf für von im auch es sind wird bei "
                    "oder aus wie nach werden einer eines zum zur über".split()),
}
LANGUAGE_TAGS = {"en": "english", "de": "german"}
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


def detect_language(text: str) -> str:
    """`fr`, `en` or `de` by counting stop words; "" when the text is too short or mixed."""
    counts = dict.fromkeys(STOP_WORDS, 0)
    for word in _WORD.findall(text[:20000].lower()):
        word = word.split("'")[-1].split("’")[-1]
        for language, words in STOP_WORDS.items():
            if word in words:
                counts[language] += 1
    ranked = sorted(counts.items(), key=lambda item: -item[1])
    (best, first), (_, second) = ranked[0], ranked[1]
    if first < 3 or first < 1.5 * second:
        return ""
    return best


_SENTENCE_END = re.compile(r"(?:(?<=[.!?…])|(?<=[.!?…][»\"”)]))\s+(?=[«\"“(]?\s?[A-ZÀ-ÖØ-Þ0-9])")


def sentences(text: str) -> list[str]:
    """Split prose into sentences at `.`, `!`, `?` or `…` followed by a capital."""
    return [s.strip() for s in _SENTENCE_END.split(" ".join(text.split())) if s.strip()]


def summary_of(paragraphs: tuple[str, ...] | list[str], target: int = 240, most: int = 3) -> str:
    """The first two or three sentences of the prose: enough to start a summary."""
    chosen: list[str] = []
    for paragraph in paragraphs:
        for sentence in sentences(paragraph):
            chosen.append(sentence)
            if len(chosen) >= most or (len(chosen) >= 2 and sum(map(len, chosen)) >= target):
                return " ".join(chosen)
    return " ".join(chosen)
