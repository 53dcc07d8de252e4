"""Stage `config`: `cartel.toml` (optional) becomes a validated `Config`.

This is the one place options are read; every other stage takes the `Config`.
"""

from __future__ import annotations

import codecs
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from cartel.diagnostics import Diagnostic, Severity, diag

CONFIG_NAME = "cartel.toml"
NOTE_TYPES = ("question", "resource", "page")

DEFAULT_IGNORE = (
    ".obsidian/**", ".trash/**", ".git/**", ".cartel-cache/**", "_site/**",
    "Modèles/**", "Templates/**", "templates/**", "node_modules/**", "theme/**",
)
DEFAULT_DRAFTS = ("Brouillon/**", "Brouillons/**", "Drafts/**")
DEFAULT_TAGS = ("question", "ressource", "forum", "rapport", "projet", "english", "german", "vaud", "quebec")


@dataclass(frozen=True)
class DirectoryConfig:
    """One CSV directory page."""

    source: str
    title: str = "Annuaire"
    slug: str = ""
    name_column: str = "Nom"
    url_column: str = "URL"
    facets: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    line: int = field(default=1, compare=False, repr=False)  # of its `source` in cartel.toml, for diagnostics


@dataclass(frozen=True)
class Config:
    """Every option of a build, with defaults that publish a MuseumXTD-style vault as is."""

    root: Path
    title: str = "cartel"
    description: str = ""
    language: str = "fr"
    base_url: str = ""
    author: str = ""
    image: str = ""
    ignore: tuple[str, ...] = DEFAULT_IGNORE
    drafts: tuple[str, ...] = DEFAULT_DRAFTS
    folder_types: tuple[tuple[str, str], ...] = ()
    directories: tuple[DirectoryConfig, ...] = ()
    declared_tags: tuple[str, ...] = DEFAULT_TAGS
    disabled_rules: tuple[str, ...] = ()
    rule_severities: tuple[tuple[str, str], ...] = ()
    check_options: tuple[tuple[str, object], ...] = ()
    max_embed_depth: int = 5
    search_shard_size: int = 5000
    pack_notes_from: int = 10000
    feed_entries: int = 50
    theme_dir: Path | None = None
    diagnostics: tuple[Diagnostic, ...] = field(default=(), compare=False)
    key_lines: dict = field(default_factory=dict, compare=False, repr=False)  # see toml_key_lines

    def option(self, name: str, default=None):
        """A `[check]` option by name."""
        return dict(self.check_options).get(name, default)

    def line_of(self, *path) -> int:
        """The line of cartel.toml that sets `path` ("check", "disable"), or of its table, else 1."""
        return line_of(self.key_lines, path)


def load_config(root: Path) -> Config:
    """Read `root/cartel.toml` if present; unknown or invalid keys are diagnostics."""
    root = Path(root)
    path = root / CONFIG_NAME
    theme = root / "theme"
    theme_dir = theme if theme.is_dir() and not theme.is_symlink() else None
    default_dirs = (DirectoryConfig(source="_data/acteurs.csv", title="Annuaire des acteurs"),)
    if not path.is_file():
        return Config(root=root, theme_dir=theme_dir, directories=default_dirs)
    problems: list[Diagnostic] = []
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        line, column = toml_error_position(error, raw)
        if isinstance(error, UnicodeDecodeError):
            message, hint = "cartel.toml is not UTF-8", "save it as UTF-8; defaults are used meanwhile"
        else:
            message, hint = f"cartel.toml cannot be read: {error}", "fix the TOML syntax; defaults are used meanwhile"
        problems.append(diag(CONFIG_NAME, line, "config-invalid", Severity.ERROR, message, hint, column))
        return Config(root=root, theme_dir=theme_dir, directories=default_dirs, diagnostics=tuple(problems))
    return _config_from_table(root, data, theme_dir, default_dirs, problems, toml_key_lines(text))


_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)$")


def toml_error_position(error: Exception, raw: bytes) -> tuple[int, int]:
    """Line and column of what made `raw` (cartel.toml's bytes) unreadable: Python 3.11's tomllib says them only in
    its message, "at end of document" is the last line, a byte that is not UTF-8 is found by its offset."""
    if isinstance(error, UnicodeDecodeError):
        before = raw[:error.start + (3 if raw.startswith(codecs.BOM_UTF8) else 0)]  # utf-8-sig counts after the BOM
        return before.count(b"\n") + 1, len(before.rsplit(b"\n", 1)[-1].decode("utf-8", "replace")) + 1
    match = _TOML_POSITION.search(str(error))
    if match:
        return int(match.group(1)), int(match.group(2))
    return max(raw.count(b"\n") + (not raw.endswith(b"\n")), 1), 1


_HEADER = re.compile(r"""^\s*(\[\[?)\s*((?:"[^"]*"|'[^']*'|[^\[\]#"'])+?)\s*\]\]?\s*(?:#.*)?$""")
_KEY = re.compile(r"""^\s*((?:"[^"]*"|'[^']*'|[\w-]+)(?:\s*\.\s*(?:"[^"]*"|'[^']*'|[\w-]+))*)\s*=""")
_DOTTED_PART = re.compile(r""""([^"]*)"|'([^']*)'|([\w-]+)""")


def toml_key_lines(text: str) -> dict[tuple, int]:
    """The line of each table and key of a TOML text, by path: ("build",), ("build", "feed_entries"); the n-th
    table of an array of tables is ("directory", n). What tomllib returns has no lines; diagnostics want them.
    Lines inside a multi-line string or array are values, not keys."""
    lines: dict[tuple, int] = {}
    table: tuple = ()
    arrays: dict[tuple, int] = {}
    string, depth = None, 0  # the multi-line string still open at the end of a line; the brackets open in a value
    for number, line in enumerate(text.splitlines(), 1):
        value = line
        if string is None and depth == 0:
            header, key = _HEADER.match(line), _KEY.match(line)
            if header:
                table = _dotted(header.group(2))
                if header.group(1) == "[[":
                    arrays[table] = arrays.get(table, -1) + 1
                    table += (arrays[table],)
                lines.setdefault(table, number)
                continue
            if key:
                lines.setdefault(table + _dotted(key.group(1)), number)
                value = line[key.end():]
        string, depth = _value_state(value, string, depth)
    return lines


def _value_state(value: str, string: str | None, depth: int) -> tuple[str | None, int]:
    """After reading `value` (a line, or what follows its key): the multi-line string left open (its three quotes),
    if any, and how many brackets and braces are open."""
    at = 0
    while at < len(value):
        if string is not None:
            end = _string_end(value, at, string)
            if end < 0:
                return string, depth
            string, at = None, end
            continue
        char = value[at]
        if char == "#":
            break
        if value.startswith(('"""', "'''"), at):
            string, at = value[at:at + 3], at + 3
        elif char in "\"'":
            end = _string_end(value, at + 1, char)
            at = end if end >= 0 else len(value)
        else:
            depth += (char in "[{") - (char in "]}")
            at += 1
    return string, max(depth, 0)


def _string_end(value: str, at: int, quote: str) -> int:
    """Where the string that `quote` closes ends in `value`, looking from `at`; -1 when it goes on past this line.
    A backslash escapes the next character in basic strings only."""
    while at < len(value):
        if value.startswith(quote, at):
            return at + len(quote)
        at += 2 if value[at] == "\\" and quote[0] == '"' else 1
    return -1


def _dotted(name: str) -> tuple[str, ...]:
    return tuple(next(filter(None, part)) if any(part) else "" for part in _DOTTED_PART.findall(name))


def line_of(key_lines: dict[tuple, int], path: tuple) -> int:
    """The line of `path` in `key_lines`, else of the nearest table above it, else 1."""
    for end in range(len(path), 0, -1):
        if path[:end] in key_lines:
            return key_lines[path[:end]]
    return 1


def _config_from_table(root, data, theme_dir, default_dirs, problems, key_lines: dict[tuple, int]) -> Config:
    def where(*path) -> int:
        return line_of(key_lines, path)

    site = _table(data, ("site",), problems, where)
    vault = _table(data, ("vault",), problems, where)
    types = _table(data, ("types",), problems, where)
    check = _table(data, ("check",), problems, where)
    known = {"site", "vault", "types", "directory", "check", "build"}
    for key in data:
        if key not in known:
            problems.append(diag(CONFIG_NAME, where(key), "config-unknown-key", Severity.WARNING,
                                 f"unknown section or key '{key}'", f"known sections: {', '.join(sorted(known))}"))
    folder_types = []
    for folder, kind in types.items():
        if kind in ("ressource",):
            kind = "resource"
        if kind not in NOTE_TYPES:
            problems.append(diag(CONFIG_NAME, where("types", folder), "config-invalid", Severity.ERROR,
                                 f"[types] '{folder}' has unknown type '{kind}'", f"use one of {', '.join(NOTE_TYPES)}"))
            continue
        folder_types.append((str(folder).strip("/"), kind))
    directories = tuple(_directory(entry, problems, where("directory", i), where("directory", i, "source"))
                        for i, entry in enumerate(data.get("directory", [])) if isinstance(entry, dict))
    severities = _table(check, ("check", "severity"), problems, where)
    check_options = tuple(sorted((k, v) for k, v in check.items() if k not in ("severity", "disable", "tags")))
    build = _table(data, ("build",), problems, where)
    return Config(
        root=root,
        title=str(site.get("title", "cartel")),
        description=str(site.get("description", "")),
        language=str(site.get("language", "fr")),
        base_url=_base_url(site, problems, where("site", "base_url")),
        author=str(site.get("author", "")),
        image=str(site.get("image", "")),
        ignore=_strings(vault.get("ignore"), DEFAULT_IGNORE) + (".cartel-cache/**", ".git/**"),
        drafts=_strings(vault.get("drafts"), DEFAULT_DRAFTS),
        folder_types=tuple(sorted(folder_types, key=lambda ft: -len(ft[0]))),
        directories=directories if "directory" in data else default_dirs,
        declared_tags=_strings(check.get("tags"), DEFAULT_TAGS),
        disabled_rules=_strings(check.get("disable"), ()),
        rule_severities=tuple(sorted((str(k), str(v)) for k, v in severities.items())),
        check_options=check_options,
        max_embed_depth=_whole_number(build, "max_embed_depth", 5, 0, problems, where),
        search_shard_size=_whole_number(build, "search_shard_size", 5000, 1, problems, where),
        pack_notes_from=_whole_number(build, "pack_notes_from", 10000, 1, problems, where),
        feed_entries=_whole_number(build, "feed_entries", 50, 0, problems, where),
        theme_dir=theme_dir,
        diagnostics=tuple(problems),
        key_lines=key_lines,
    )



_BASE_URL = re.compile(r"https?://[^/\s?#@]+", re.IGNORECASE)


def _base_url(site: dict, problems: list, line: int) -> str:
    """`[site] base_url` without its final slash, when it is the root of a web site (https://host[:port]); else
    "" (no absolute addresses) and a diagnostic: cartel's pages link from the root of their host."""
    value = str(site.get("base_url", "")).strip().rstrip("/")
    if not value or _BASE_URL.fullmatch(value):
        return value
    root = _BASE_URL.match(value)
    if root and value[root.end()] == "/" and not re.search(r"\s", value):
        message = f"[site] base_url = '{value}' has a path; cartel's pages link from the root of their host"
        hint = "publish the site at the root of a host or subdomain (https://cartel.example.org) and give that address"
    else:
        message = f"[site] base_url = '{value}' is not a web site's address"
        hint = "write it with its scheme and without a final slash: https://www.example.org"
    problems.append(diag(CONFIG_NAME, line, "config-invalid", Severity.ERROR,
                         message + "; no absolute address is written (canonical, sharing tags, sitemap, feed)", hint))
    return ""


def _whole_number(build: dict, key: str, default: int, minimum: int, problems: list, where) -> int:
    """`[build] key` when it is a whole number of at least `minimum`; else `default` and a diagnostic at its line."""
    value = build.get(key, default)
    if isinstance(value, int) and not isinstance(value, bool) and value >= minimum:
        return value
    problems.append(diag(CONFIG_NAME, where("build", key), "config-invalid", Severity.ERROR,
                         f"[build] {key} = {value!r} is not valid; the default ({default}) is used",
                         f"write a whole number of at least {minimum}"))
    return default


def _table(data: dict, path: tuple[str, ...], problems: list, where) -> dict:
    value = data.get(path[-1], {})
    if not isinstance(value, dict):
        name = ".".join(path)
        problems.append(diag(CONFIG_NAME, where(*path), "config-invalid", Severity.ERROR, f"'{name}' must be a table",
                             f"write it as [{name}]"))
        return {}
    return value


def _strings(value, default: tuple[str, ...]) -> tuple[str, ...]:
    if value is None:
        return default
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def _directory(entry: dict, problems: list, line: int, source_line: int) -> DirectoryConfig:
    source = str(entry.get("source", ""))
    if not source:
        problems.append(diag(CONFIG_NAME, line, "config-invalid", Severity.ERROR,
                             "a [[directory]] entry has no 'source'", "set source = \"_data/acteurs.csv\""))
    return DirectoryConfig(
        source=source,
        title=str(entry.get("title", "Annuaire")),
        slug=str(entry.get("url", "")),
        name_column=str(entry.get("name_column", "Nom")),
        url_column=str(entry.get("url_column", "URL")),
        facets=_strings(entry.get("facets"), ()),
        required=_strings(entry.get("required"), ()),
        line=source_line,
    )
