"""Tolerant front matter: YAML between `---` lines, pseudo-headers, Eleventy keys.

Real vaults hide tags behind `#` (`tags: #question` is a YAML comment, so
null), write headers with no `---` (`date : 2022mai12` then a line of dashes),
and break their YAML mid-edit. None of that may crash a build or lose a note.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass

import yaml

from cartel.diagnostics import Diagnostic, Severity, diag
from cartel.parse.plain_yaml import read_plain_yaml

MAX_FRONT_MATTER_BYTES = 64 * 1024
MAX_YAML_ALIASES = 32
MAX_YAML_DEPTH = 20

_PSEUDO_LINE = re.compile(r"^\s*([A-Za-zÀ-ÿ_][\w\- ]{0,30}?)\s*:\s*(.*?)\s*$")
_DASHES = re.compile(r"^\s*-{3,}\s*$")
_ALIAS = re.compile(r"(?:^|[\s\[,{:-])\*[\w-]+")
_HASH_VALUE = re.compile(r"^\s*(tags?|aliases?)\s*:\s*(#.*)$", re.IGNORECASE)
_HASH_ITEM = re.compile(r"^\s*-\s+(#\S.*)$")
_TOP_LEVEL_KEY = re.compile(r"^([^\s#:\-][^:]*?)\s*:(?:\s|$)")
_KEY_ALONE = re.compile(r"^(\w[\w-]*)\s*:\s*$")
PSEUDO_KEYS = {"date", "tags", "tag", "title", "titre", "alias", "aliases", "type", "source", "auteur", "author", "parent", "lang"}

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class FrontMatter:
    """The metadata of a note and where its body starts."""

    meta: dict
    body: str
    body_line: int          # 1-based line of the file where `body` starts
    kind: str               # "yaml", "pseudo" or "none"
    diagnostics: tuple[Diagnostic, ...] = ()


def read_front_matter(text: str, path: str) -> FrontMatter:
    """Split a note into metadata and body, reporting (never raising on) bad headers."""
    lines = text.split("\n")
    if lines and lines[0].rstrip() == "---":
        end = _closing_fence(lines)
        if end is not None:
            return _yaml_front_matter(text, lines, end, path)
    pseudo = _pseudo_header(lines, path)
    if pseudo is not None:
        return pseudo
    return FrontMatter({}, text, 1, "none")


def _closing_fence(lines: list[str]) -> int | None:
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return i
    return None


def _yaml_front_matter(text: str, lines: list[str], end: int, path: str) -> FrontMatter:
    raw = "\n".join(lines[1:end])
    body = text[sum(len(line) + 1 for line in lines[:end + 1]):]  # the lines after the fence, not joined again
    meta, problems = parse_yaml_block(raw, path, first_line=2)
    return FrontMatter(meta, body, end + 2, "yaml", tuple(problems))


def parse_yaml_block(raw: str, path: str, first_line: int = 1) -> tuple[dict, list[Diagnostic]]:
    """Load a YAML mapping safely; on failure, recover `key: value` lines and report."""
    problems: list[Diagnostic] = []
    if len(raw.encode("utf-8", "replace")) > MAX_FRONT_MATTER_BYTES:
        problems.append(diag(path, first_line, "yaml-too-large", Severity.ERROR,
                             f"front matter is larger than {MAX_FRONT_MATTER_BYTES // 1024} KB; ignored",
                             "keep only metadata between the --- lines"))
        return {}, problems
    if len(_ALIAS.findall(raw)) > MAX_YAML_ALIASES:
        problems.append(diag(path, first_line, "yaml-invalid", Severity.ERROR,
                             "front matter uses too many YAML aliases (*name); ignored", "write the values out in full"))
        return {}, problems
    try:
        data = read_plain_yaml(raw) if raw.strip() else {}
        if data is None:  # not the plain shape most notes have: PyYAML reads it
            data = yaml.load(raw, Loader=_Loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "context_mark", None) or getattr(error, "problem_mark", None)
        line = first_line + (mark.line if mark else 0)
        problem = getattr(error, "problem", None) or str(error).split("\n")[0]
        problems.append(diag(path, line, "yaml-invalid", Severity.WARNING,
                             f"front matter is not valid YAML: {problem}; the note is published with the keys that could be read",
                             "check quotes and indentation on this line; a value with ': ' or '#' needs quotes"))
        data = _recover_lines(raw)
    except (RecursionError, ValueError, OverflowError):
        problems.append(diag(path, first_line, "yaml-invalid", Severity.ERROR,
                             "front matter is too deeply nested or too large; ignored", "simplify the metadata"))
        data = {}
    if not isinstance(data, dict):
        if data is not None:
            problems.append(diag(path, first_line, "yaml-invalid", Severity.ERROR,
                                 "front matter is not a list of 'key: value' lines", "write metadata as key: value"))
        data = {}
    problems.extend(_duplicate_keys(raw, path, first_line))
    meta = {str(k): _plain(v, 0) for k, v in data.items()}
    meta.update(_hidden_hash_values(raw, meta))
    return meta, problems


def _duplicate_keys(raw: str, path: str, first_line: int) -> list[Diagnostic]:
    """YAML keeps the last of two equal top-level keys silently; editors should know."""
    seen: dict[str, int] = {}
    problems = []
    for number, line in enumerate(raw.split("\n")):
        match = _TOP_LEVEL_KEY.match(line)
        if not match:
            continue
        key = match.group(1).strip("\"'")
        if key in seen:
            problems.append(diag(path, first_line + number, "yaml-duplicate-key", Severity.WARNING,
                                 f"key '{key}' is given twice (first on line {first_line + seen[key]}); the last one wins",
                                 "keep one of the two lines"))
        else:
            seen[key] = number
    return problems


def _plain(value, depth: int):
    """YAML values to plain JSON-like values: dates as ISO strings, depth bounded."""
    if depth > MAX_YAML_DEPTH:
        return None
    if isinstance(value, dict):
        return {str(k): _plain(v, depth + 1) for k, v in list(value.items())[:1000]}
    if isinstance(value, (list, tuple)):
        return [_plain(v, depth + 1) for v in value[:1000]]
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, bytes):
        return None
    return value


def _hidden_hash_values(raw: str, meta: dict) -> dict:
    """`tags: #question` and `- #question` are YAML comments; they still mean tags."""
    if "#" not in raw:
        return {}
    found: dict[str, list[str]] = {}
    current = None
    for line in raw.split("\n"):
        match = _HASH_VALUE.match(line)
        if match:
            key = _canonical_key(match.group(1), meta)
            if not meta.get(key):
                found.setdefault(key, []).extend(_hash_words(match.group(2)))
            current = None
            continue
        key_match = _KEY_ALONE.match(line)
        if key_match:
            current = key_match.group(1)
            continue
        item = _HASH_ITEM.match(line)
        if item and current and current.lower() in ("tags", "tag"):
            found.setdefault(current, []).extend(_hash_words(item.group(1)))
    result = {}
    for key, words in found.items():
        existing = meta.get(key)
        existing = [existing] if isinstance(existing, str) else [v for v in (existing or []) if v is not None]
        result[key] = existing + [w for w in words if w not in existing]
    return result


def _canonical_key(key: str, meta: dict) -> str:
    for existing in meta:
        if existing.lower() == key.lower():
            return existing
    return key.lower()


def _hash_words(text: str) -> list[str]:
    return [w.lstrip("#").strip(",;") for w in re.split(r"[\s,]+", text) if w.startswith("#") and len(w) > 1]


def _recover_lines(raw: str) -> dict:
    """Best effort for broken YAML: top-level `key: value` lines, values as text."""
    meta = {}
    for line in raw.split("\n"):
        match = re.match(r"^(\w[\w-]*)\s*:\s*(.*)$", line)
        if match:
            value = match.group(2).strip().strip("\"'")
            meta[match.group(1)] = value or None
    return meta


def _pseudo_header(lines: list[str], path: str) -> FrontMatter | None:
    """`date : 2022mai12` / `tags : #question` / `-----`: a header written by hand."""
    pairs: list[tuple[str, str]] = []
    i = 0
    while i < len(lines) and i < 20:
        line = lines[i]
        if not line.strip():
            if pairs:
                break
            i += 1
            continue
        match = _PSEUDO_LINE.match(line)
        if not match:
            break
        pairs.append((match.group(1).strip().lower(), match.group(2)))
        i += 1
    if not pairs or not any(key in PSEUDO_KEYS for key, _ in pairs):
        return None
    j = i
    while j < len(lines) and not lines[j].strip():
        j += 1
    has_dashes = j < len(lines) and _DASHES.match(lines[j]) is not None
    if not has_dashes and not all(key in PSEUDO_KEYS for key, _ in pairs):
        return None
    body_start = j + 1 if has_dashes else i
    meta = {}
    for key, value in pairs:
        if key in ("tags", "tag"):
            words = [w.lstrip("#") for w in re.split(r"[\s,]+", value) if w.lstrip("#")]
            meta["tags"] = words
        else:
            meta[key] = value
    return FrontMatter(meta, "\n".join(lines[body_start:]), body_start + 1, "pseudo")
