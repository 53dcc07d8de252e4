"""The front matter most notes have, read without PyYAML: what `yaml.safe_load` returns for it, or None.

Nearly every note's metadata is a few `key: value` lines: plain words, quoted
strings, a date, a list in brackets or in `- ` lines, a mapping one level
deep. PyYAML builds its answer in Python, node by node (a sixth of parsing a
note). `read_plain_yaml` reads that shape itself and gives the very values
PyYAML would; for anything else (numbers, booleans, comments, anchors, tags,
escapes, block scalars, text over several lines, a character YAML rejects) it
returns None and PyYAML reads the block. A property test holds it to PyYAML's
answer.
"""

from __future__ import annotations

import datetime
import re

_KEY = r"[^\W\d][\w-]*"
_ENTRY = re.compile(rf"({_KEY}):(?:[ ]+(.*?))?[ ]*")
_INDENTED_ENTRY = re.compile(rf"([ ]+)({_KEY}):(?:[ ]+(.*?))?[ ]*")
_ITEM = re.compile(r"([ ]*)-[ ]+(.*?)[ ]*")
_DOUBLE = re.compile(r'"([^"\\]*)"')
_SINGLE = re.compile(r"'((?:[^']|'')*)'")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_EMPTY_LIST = re.compile(r"\[[ ]*\]")
_FLOW_ITEM = re.compile(r"""[ ]*(?:"([^"\\]*)"|'((?:[^']|'')*)'|([^\W\d][^,\[\]{}:#'"]*?))[ ]*(,|\]$)""")
# What YAML reads otherwise than as plain text: a character it rejects or takes for a line break, a tab, a byte
# order mark. Written as the characters themselves, not as all the others (`[^...]` up to U+10FFFF): that class
# took `re` 4 ms to compile, at the start of every command.
_UNUSUAL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
_NOT_PLAIN = object()  # what a value is when this module does not read it (None is YAML's null)
# Words PyYAML reads as booleans or null, in any case (it knows only some cases: the others are left to it too).
_RESERVED = frozenset({"yes", "no", "true", "false", "on", "off", "null", "y", "n", "~"})


def read_plain_yaml(raw: str) -> dict | None:
    """The mapping PyYAML's safe loader makes of `raw`, when `raw` is plain enough to read here; None otherwise."""
    if _UNUSUAL.search(raw) is not None:
        return None
    lines = raw.split("\n")
    data: dict = {}
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line:
            continue
        entry = _ENTRY.fullmatch(line)
        if entry is None or entry.group(1).lower() in _RESERVED:
            return None
        if entry.group(2):
            value = _scalar(entry.group(2), flow=True)
            if value is _NOT_PLAIN:
                return None
        else:
            value, index = _nested(lines, index)
            if value is _NOT_PLAIN:
                return None
        data[entry.group(1)] = value
    return data or None  # blank lines only: PyYAML reads no mapping (None)


def _nested(lines: list[str], index: int) -> tuple[object, int]:
    """The value of a key written alone on its line: the `- ` items or the `key: value` lines under it, or None."""
    block = []
    while index < len(lines) and lines[index].startswith((" ", "-")):
        block.append(lines[index])
        index += 1
    if not block:
        return None, index
    if block[0].lstrip(" ").startswith("-"):
        return _items(block), index
    return _mapping(block), index


def _items(block: list[str]) -> object:
    indent = None
    values = []
    for line in block:
        item = _ITEM.fullmatch(line)
        if item is None or (indent is not None and item.group(1) != indent) or not item.group(2):
            return _NOT_PLAIN
        indent = item.group(1)
        value = _scalar(item.group(2), flow=False)
        if value is _NOT_PLAIN:
            return _NOT_PLAIN
        values.append(value)
    return values


def _mapping(block: list[str]) -> object:
    indent = None
    mapping: dict = {}
    for line in block:
        entry = _INDENTED_ENTRY.fullmatch(line)
        if entry is None or (indent is not None and entry.group(1) != indent) or not entry.group(3) \
                or entry.group(2).lower() in _RESERVED:
            return _NOT_PLAIN
        indent = entry.group(1)
        value = _scalar(entry.group(3), flow=True)
        if value is _NOT_PLAIN:
            return _NOT_PLAIN
        mapping[entry.group(2)] = value
    return mapping


def _scalar(text: str, flow: bool) -> object:
    """A value written on one line: quoted, a date, plain words, or (when `flow`) a list in brackets."""
    first = text[0]
    if first == '"':
        quoted = _DOUBLE.fullmatch(text)
        return quoted.group(1) if quoted else _NOT_PLAIN
    if first == "'":
        quoted = _SINGLE.fullmatch(text)
        return quoted.group(1).replace("''", "'") if quoted else _NOT_PLAIN
    if first == "[" and flow:
        return _flow_list(text)
    if first.isdigit():
        return _date(text)
    if not first.isalpha() or "#" in text or ": " in text or text.endswith(":") or text.lower() in _RESERVED:
        return _NOT_PLAIN
    return text


def _flow_list(text: str) -> object:
    if _EMPTY_LIST.fullmatch(text):
        return []
    values, position = [], 1
    while position < len(text):
        item = _FLOW_ITEM.match(text, position)
        if item is None:
            return _NOT_PLAIN
        double, single, plain, _ = item.groups()
        if plain is not None and plain.lower() in _RESERVED:
            return _NOT_PLAIN
        values.append(double if double is not None else single.replace("''", "'") if single is not None else plain)
        position = item.end()
    return values if text.endswith("]") else _NOT_PLAIN


def _date(text: str) -> object:
    written = _DATE.fullmatch(text)
    if written is None:
        return _NOT_PLAIN
    try:
        return datetime.date(*map(int, written.groups()))
    except ValueError:
        return _NOT_PLAIN  # PyYAML raises: its message is the diagnostic's
