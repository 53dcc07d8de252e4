"""French editorial style, after MuseumXTD's guide (which follows the Swiss federal chancellery).

Every rule reads only prose runs (`Context.prose`): code, HTML, URLs written
in the text, autolinks and wiki-link targets are never looked at, and front
matter is not part of the body. Options in `[check]`:
`typography = "ch"` (no space before `; : ! ?`, the default) or `"fr"`
(a non-breaking space there, as in France).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from cartel.check.context import Context, Edit, body_edit, fixable, note_diag
from cartel.diagnostics import Severity, diag

# Words of a prose run that are not prose: URLs, e-mail addresses, domain and file names.
_ADDRESS = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://|^www\.|@[\w-]+\.|[/\\]|\.(?:com|org|net|ch|fr|de|ca|be|it|eu|info|io|museum|pdf|png|jpe?g|svg|docx?|xlsx?|csv|md|txt|html?)\b", re.I)
_TOKEN_EDGE = " \t\n()[]<>«»\"'’"
_SPACES = "[ \t\u00a0\u202f]"
_BEFORE_PUNCT = re.compile(f"({_SPACES}+)([;:!?])")
_MISSING_NBSP = re.compile(r"(?<=[\w»)\]’'\"*_])([;:!?])(?=[\s)»]|$)")
_EMOTICON = re.compile(r"[:;][-']?[()DPpOo3/|\\\]\[*]+(?![\w])")
_DOUBLE_SPACE = re.compile(r"(?<=\S)( {2,})(?=[^\s;:!?])")
_APOSTROPHE = re.compile(r"(?<=[^\W\d_])(['’])(?=[^\W\d_])")
_ABBREVIATION = re.compile(r"(?<![\w./\\-])(etc|cf)(?![\w/.])")
_ABBREVIATION_HINTS = {"etc": "'etc.' (et cetera) keeps its period, and takes no '...' after it",
                       "cf": "'cf.' (confer) keeps its period: 'cf. le guide'"}
# Quick passes over a whole body before its prose is read: no leading look-behind, so `re` scans fast.
_ANY_PUNCT = re.compile(r"[;:!?]")
_INCLUSIVE_HINT = re.compile(r"[.\-](?:e|le|ne|t?rice|euse|ice|ère|ve|se)")
_DOUBLE_SPACE_HINT = re.compile(r" {2,}[^\s;:!?]")
_WORD_CHARS = "A-Za-zÀ-ÖØ-öø-ÿœŒæÆ"
# Inclusive writing with `.` or `-`: utilisateur.rice, étudiant-e-s, professionnel.le.s.
_WORD_CHAR = re.compile(f"[{_WORD_CHARS}]")
_INCLUSIVE = re.compile(
    r"(?<=[a-zà-öø-ÿœæ]{2})([.\-])"
    r"(e|es|le|les|ne|nes|rice|rices|trice|trices|euse|euses|ice|ices|ère|ères|ve|ves|se|ses)"
    rf"(?:([.\-·])(s))?(?![{_WORD_CHARS}0-9·\-])"
)
# Which endings of the masculine form each feminine suffix goes with, so imperatives (`prends-le`) stay prose.
_SUFFIX_STEMS = {
    "e": ("t", "d", "s", "n", "l", "r", "u", "é", "i", "g", "c"), "le": ("l",), "ne": ("n",),
    "rice": ("eur",), "trice": ("teur", "eur"), "euse": ("eur",), "ice": ("eur",),
    "ère": ("er",), "ve": ("f",), "se": ("x", "eur"),
}
NBSP, NARROW_NBSP = "\u00a0", "\u202f"
_CH_HINT = "MuseumXTD's guide follows the Swiss federal chancellery; set typography = \"fr\" in [check] for French-France spacing"
_FR_HINT = "in French-France typography, ; ! ? take a narrow non-breaking space and : a non-breaking space"


def _in_address(text: str, index: int) -> bool:
    """Whether the character at `index` belongs to a word that is a URL, an e-mail address, a domain or a file name."""
    start, end = index, index
    while start > 0 and text[start - 1] not in _TOKEN_EDGE:
        start -= 1
    while end < len(text) and text[end] not in _TOKEN_EDGE:
        end += 1
    return bool(_ADDRESS.search(text[start:end]))


def _notes_matching(ctx: Context, pattern: re.Pattern) -> Iterator:
    """The notes whose body text (prose or not) matches: a quick pass before the prose is read."""
    return (note for note in ctx.site.notes if pattern.search(note.body.text))


def _english_or_german(note) -> bool:
    language = str(note.meta.get("lang", note.meta.get("language", "")) or "").lower()
    return language[:2] in ("en", "de") or "english" in note.tags or "german" in note.tags


def punctuation_space(ctx: Context) -> Iterator:
    """`; : ! ?` follow the word directly (ch), or after a non-breaking space (fr)."""
    french_france = ctx.option("typography", "ch") == "fr"   # another value is reported by configure, and ignored
    candidates = _ANY_PUNCT if french_france else _BEFORE_PUNCT
    for note in _notes_matching(ctx, candidates):
        prose = ctx.prose(note)
        if french_france and _english_or_german(note):
            continue
        for run in prose.runs:
            for match in _BEFORE_PUNCT.finditer(run.text):
                spaces, mark = match.group(1), match.group(2)
                if not _prose_punctuation(run, prose.data, match):
                    continue
                if french_france:
                    wanted = NBSP if mark == ":" else NARROW_NBSP
                    if spaces in (NBSP, NARROW_NBSP):
                        continue
                    message, new = f"use a non-breaking space before '{mark}'", wanted
                else:
                    message, new = f"no space before '{mark}' (Swiss French typography)", ""
                offset = run.start + len(run.text[:match.start(1)].encode("utf-8"))
                yield from fixable(ctx, note, offset, "style-punctuation-space", Severity.WARNING, message,
                                   _FR_HINT if french_france else _CH_HINT, spaces, new)
            if french_france:
                yield from _missing_nbsp(ctx, note, run)


def _prose_punctuation(run, data: bytes, match: re.Match) -> bool:
    """Not an emoticon, a ratio (`1 : 50 000`), or spaces that begin a line."""
    text = run.text
    after = text[match.start(2):]
    if _EMOTICON.match(after):
        return False
    before = text[:match.start(1)]
    if not before:
        start = run.start
        if start == 0 or data[start - 1:start] == b"\n":
            return False
    elif before.endswith("\n"):
        return False
    previous = before.rstrip()[-1:] if before.strip() else ""
    following = after[1:].lstrip()[:1]
    if previous.isdigit() and following.isdigit():
        return False
    return True


def _missing_nbsp(ctx: Context, note, run) -> Iterator:
    for match in _MISSING_NBSP.finditer(run.text):
        if _in_address(run.text, match.start(1)) or _EMOTICON.match(run.text[match.start(1):]):
            continue
        mark = match.group(1)
        offset = run.start + len(run.text[:match.start(1)].encode("utf-8"))
        yield from fixable(ctx, note, offset, "style-punctuation-space", Severity.WARNING,
                           f"use a non-breaking space before '{mark}'", _FR_HINT,
                           mark, (NBSP if mark == ":" else NARROW_NBSP) + mark)


def inclusive_dot(ctx: Context) -> Iterator:
    """Inclusive writing takes the middle dot: `utilisateur·rice·s`, not `utilisateur.rice.s` or `-rice-s`."""
    for note in _notes_matching(ctx, _INCLUSIVE_HINT):
        if _english_or_german(note):
            continue
        for run in ctx.prose(note).runs:
            if "." not in run.text and "-" not in run.text:
                continue
            for begin, written, fixed in inclusive_forms(run.text):
                offset = run.start + len(run.text[:begin].encode("utf-8"))
                yield from fixable(ctx, note, offset, "style-inclusive-dot", Severity.WARNING,
                                   f"'{written}': inclusive writing takes the middle dot ({fixed})",
                                   "write the middle dot · (Option+Shift+F on a Mac, Alt+0183 on Windows)", written, fixed)


def inclusive_forms(text: str) -> list[tuple[int, str, str]]:
    """(start, as written, with middle dots) for each inclusive form written with `.` or `-` in a prose text."""
    found = []
    for match in _INCLUSIVE.finditer(text):
        begin = _word_start(text, match.start())
        stem, suffix = text[begin:match.start()], match.group(2)
        base = suffix[:-1] if suffix.endswith("s") and suffix[:-1] in _SUFFIX_STEMS else suffix
        if (not stem.lower().endswith(_SUFFIX_STEMS[base]) or _in_address(text, match.start())
                or text[begin - 1:begin] in (".", "·", "-", "/", "@")):
            continue
        found.append((begin, text[begin:match.end()], stem + "·" + suffix + ("·s" if match.group(4) else "")))
    return found


def _word_start(text: str, end: int) -> int:
    start = end
    while start > 0 and _WORD_CHAR.match(text[start - 1]):
        start -= 1
    return start


def abbreviations(ctx: Context) -> Iterator:
    """`etc.` and `cf.` keep their period."""
    for note in (n for n in ctx.site.notes if "etc" in n.body.text or "cf" in n.body.text):
        for run in ctx.prose(note).runs:
            if "etc" not in run.text and "cf" not in run.text:
                continue
            for match in _ABBREVIATION.finditer(run.text):
                if _in_address(run.text, match.start()):
                    continue
                word = match.group(1)
                offset = run.start + len(run.text[:match.start()].encode("utf-8"))
                yield note_diag(ctx, note, offset, "style-abbreviation", Severity.WARNING,
                                f"'{word}' is an abbreviation: write '{word}.'", _ABBREVIATION_HINTS[word])


def double_spaces(ctx: Context) -> Iterator:
    """One space between words."""
    for note in _notes_matching(ctx, _DOUBLE_SPACE_HINT):
        for run in ctx.prose(note).runs:
            if "  " not in run.text:
                continue
            for match in _DOUBLE_SPACE.finditer(run.text):
                offset = run.start + len(run.text[:match.start(1)].encode("utf-8"))
                yield from fixable(ctx, note, offset, "style-double-space", Severity.INFO,
                                   f"{len(match.group(1))} spaces between two words", "keep one space", match.group(1), " ")


def mixed_apostrophes(ctx: Context) -> Iterator:
    """One note, one kind of apostrophe: straight (') or curly (’), whichever the note uses most."""
    for note in ctx.site.notes:
        if "'" not in note.body.text or "’" not in note.body.text:
            continue
        found = []
        for run in ctx.prose(note).runs:
            if "'" in run.text or "’" in run.text:
                found.extend((run.start + len(run.text[:m.start()].encode("utf-8")), m.group(1))
                             for m in _APOSTROPHE.finditer(run.text))
        straight = sum(1 for _, mark in found if mark == "'")
        curly = len(found) - straight
        if not straight or not curly:
            continue
        keep = "'" if straight > curly or (straight == curly and found[0][1] == "'") else "’"
        other = "’" if keep == "'" else "'"
        first = next(offset for offset, mark in found if mark == other)
        yield note_diag(ctx, note, first, "style-apostrophes", Severity.INFO,
                        f"the note mixes straight (') and curly (’) apostrophes ({straight} and {curly})",
                        f"use one kind throughout; --fix turns the {min(straight, curly)} {other} into {keep}")
        for offset, mark in found:
            if mark == other:
                yield body_edit(ctx, note, offset, other, keep, "style-apostrophes")


def trailing_spaces(ctx: Context) -> Iterator:
    """No spaces at the end of a line, except the two that make a line break inside a paragraph."""
    for note in ctx.site.notes:
        text = note.body.text
        if " \n" not in text and "\t\n" not in text and not text.endswith((" ", "\t")):
            continue
        prose = ctx.prose(note)
        found = []
        for start, end in _line_end_spaces(prose.data):
            if start in prose.hard_breaks or any(b in prose.hard_breaks for b in range(start, end)):
                continue
            if any(s <= start < e for s, e in prose.code):
                continue
            line, column = ctx.position(note, start)
            found.append((line, column, prose.data[start:end].decode("ascii")))
        if not found:
            continue
        line, column, _ = found[0]
        yield diag(note.path, line, "style-trailing-space", Severity.INFO,
                   f"{len(found)} line{'s' * (len(found) > 1)} end{'s' * (len(found) == 1)} with spaces",
                   "spaces at the end of a line are invisible and only get in the way of edits; --fix removes them", column)
        for line, column, spaces in found:
            yield Edit(note.path, line, column, spaces, "", "style-trailing-space")


def _line_end_spaces(data: bytes) -> Iterator[tuple[int, int]]:
    """Byte ranges of the spaces and tabs that end a line, found from the line ends (substring search is fast)."""
    ends = sorted(i for marker in (b" \n", b"\t\n") for i in _all(data, marker))
    if data.endswith((b" ", b"\t")):
        ends.append(len(data) - 1)
    for last in ends:
        start = last
        while start > 0 and data[start - 1] in b" \t":
            start -= 1
        yield start, last + 1


def _all(data: bytes, marker: bytes) -> Iterator[int]:
    index = data.find(marker)
    while index >= 0:
        yield index
        index = data.find(marker, index + 1)
