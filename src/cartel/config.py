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

    def option(self, name: str, default=None):
        """A `[check]` option by name."""
        return dict(self.check_options).get(name, default)


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
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        line, column = toml_error_position(error, raw)
        if isinstance(error, UnicodeDecodeError):
            message, hint = "cartel.toml is not UTF-8", "save it as UTF-8; defaults are used meanwhile"
        else:
            message, hint = f"cartel.toml cannot be read: {error}", "fix the TOML syntax; defaults are used meanwhile"
        problems.append(diag(CONFIG_NAME, line, "config-invalid", Severity.ERROR, message, hint, column))
        return Config(root=root, theme_dir=theme_dir, directories=default_dirs, diagnostics=tuple(problems))
    return _config_from_table(root, data, theme_dir, default_dirs, problems)


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


def _config_from_table(root, data, theme_dir, default_dirs, problems) -> Config:
    site = _table(data, "site", problems)
    vault = _table(data, "vault", problems)
    types = _table(data, "types", problems)
    check = _table(data, "check", problems)
    known = {"site", "vault", "types", "directory", "check", "build"}
    for key in data:
        if key not in known:
            problems.append(diag(CONFIG_NAME, 1, "config-unknown-key", Severity.WARNING,
                                 f"unknown section or key '{key}'", f"known sections: {', '.join(sorted(known))}"))
    folder_types = []
    for folder, kind in types.items():
        if kind in ("ressource",):
            kind = "resource"
        if kind not in NOTE_TYPES:
            problems.append(diag(CONFIG_NAME, 1, "config-invalid", Severity.ERROR,
                                 f"[types] '{folder}' has unknown type '{kind}'", f"use one of {', '.join(NOTE_TYPES)}"))
            continue
        folder_types.append((str(folder).strip("/"), kind))
    directories = tuple(_directory(entry, problems) for entry in data.get("directory", []) if isinstance(entry, dict))
    severities = _table(check, "severity", problems)
    check_options = tuple(sorted((k, v) for k, v in check.items() if k not in ("severity", "disable", "tags")))
    build = _table(data, "build", problems)
    return Config(
        root=root,
        title=str(site.get("title", "cartel")),
        description=str(site.get("description", "")),
        language=str(site.get("language", "fr")),
        base_url=str(site.get("base_url", "")).rstrip("/"),
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
        max_embed_depth=_whole_number(build, "max_embed_depth", 5, 0, problems),
        search_shard_size=_whole_number(build, "search_shard_size", 5000, 1, problems),
        pack_notes_from=_whole_number(build, "pack_notes_from", 10000, 1, problems),
        feed_entries=_whole_number(build, "feed_entries", 50, 0, problems),
        theme_dir=theme_dir,
        diagnostics=tuple(problems),
    )


def _whole_number(table: dict, key: str, default: int, minimum: int, problems: list) -> int:
    """`table[key]` when it is a whole number of at least `minimum`; else `default` and a diagnostic."""
    value = table.get(key, default)
    if isinstance(value, int) and not isinstance(value, bool) and value >= minimum:
        return value
    problems.append(diag(CONFIG_NAME, 1, "config-invalid", Severity.ERROR,
                         f"[build] {key} = {value!r} is not valid; the default ({default}) is used",
                         f"write a whole number of at least {minimum}"))
    return default


def _table(data: dict, key: str, problems: list) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        problems.append(diag(CONFIG_NAME, 1, "config-invalid", Severity.ERROR, f"'{key}' must be a table", f"write it as [{key}]"))
        return {}
    return value


def _strings(value, default: tuple[str, ...]) -> tuple[str, ...]:
    if value is None:
        return default
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def _directory(entry: dict, problems: list) -> DirectoryConfig:
    source = str(entry.get("source", ""))
    if not source:
        problems.append(diag(CONFIG_NAME, 1, "config-invalid", Severity.ERROR,
                             "a [[directory]] entry has no 'source'", "set source = \"_data/acteurs.csv\""))
    return DirectoryConfig(
        source=source,
        title=str(entry.get("title", "Annuaire")),
        slug=str(entry.get("url", "")),
        name_column=str(entry.get("name_column", "Nom")),
        url_column=str(entry.get("url_column", "URL")),
        facets=_strings(entry.get("facets"), ()),
        required=_strings(entry.get("required"), ()),
    )
