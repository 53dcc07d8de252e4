"""Stage `scan`: the vault folder becomes a tuple of `Source` files.

Owns what is published (ignore and draft globs) and how bytes become text
(UTF-8 with or without BOM, UTF-16 with BOM, cp1252 as a fallback).
Symbolic links are never followed, so nothing outside the vault is read.

A build with the cache hands scan what the last scan found of each note
(`KnownNotes`): a note whose size, modification and change times and inode
are those recorded is not read again, its digest and findings taken from the
record; its bytes are read only if parse needs them (`read_note`). A note
changed less than `SETTLED_NS` before the recording scan began is always
read: a second change within the same tick of the file system's clock could
leave all four the same.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import time
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from cartel.config import Config
from cartel.diagnostics import Diagnostic, Severity, diag

NOTE_SUFFIXES = (".md", ".markdown")
DATA_SUFFIXES = (".csv",)
ALWAYS_IGNORED = (".cartel-cache/**", ".git/**", "theme/**")
ALWAYS_SKIPPED = ("cartel.toml",)
MAX_NOTE_BYTES = 8 * 1024 * 1024
MAX_ASSET_BYTES = 64 * 1024 * 1024
# How long before a scan a note must have last changed for the next scan to trust its recorded facts (FAT and
# some network file systems count modification times in steps of 2 s).
SETTLED_NS = 2_000_000_000


@dataclass(frozen=True)
class Source:
    """One file of the vault, as read once."""

    path: str          # vault-relative, POSIX separators, NFC
    kind: str          # "note", "asset" or "data"
    draft: bool
    data: bytes
    mtime: float
    digest: str        # sha256 of the bytes
    text: str = ""     # decoded text of a data file; a note's is decoded when parsed (`source_text`)
    facts: tuple[int, int, int, int] = ()  # size, mtime_ns, ctime_ns and inode when read (`KnownNotes`)
    unread: bool = False  # a note known unchanged: `data` is empty until `read_note`

    @property
    def stem(self) -> str:
        """File name without its extension."""
        name = self.path.rsplit("/", 1)[-1]
        return name.rsplit(".", 1)[0] if "." in name else name

    @property
    def folder(self) -> str:
        """The vault-relative folder, '' at the root."""
        return self.path.rsplit("/", 1)[0] if "/" in self.path else ""


@dataclass(frozen=True)
class ScanResult:
    """What scan hands to parse."""

    sources: tuple[Source, ...]
    diagnostics: tuple[Diagnostic, ...]
    started_ns: int = 0  # wall clock when the scan began


@dataclass(frozen=True)
class KnownNote:
    """What a scan found of one note: its file's facts (size, mtime_ns, ctime_ns, inode), digest, findings."""

    facts: tuple[int, int, int, int]
    digest: str
    diagnostics: tuple[Diagnostic, ...]


@dataclass(frozen=True)
class KnownNotes:
    """What an earlier scan, begun at `scanned_ns`, found of each note (`known_notes`)."""

    scanned_ns: int
    notes: dict[str, KnownNote]

    def unchanged(self, rel: str, facts: tuple[int, int, int, int]) -> KnownNote | None:
        """The record of `rel` when its file's facts are the recorded ones and it had settled before that scan."""
        known = self.notes.get(rel)
        if known is None or known.facts != facts:
            return None
        return known if max(facts[1], facts[2]) <= self.scanned_ns - SETTLED_NS else None


@lru_cache(maxsize=256)
def glob_regex(pattern: str) -> re.Pattern:
    """Translate a vault glob (`**` any depth, `*` within a name) to a regex."""
    pattern = unicodedata.normalize("NFC", pattern.strip().strip("/"))
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    body = "".join(out)
    # "Folder/**" also matches the folder itself; a bare name matches at any depth.
    if "/" not in pattern and "*" not in pattern:
        body = "(?:.*/)?" + body
    return re.compile(f"^{body}(?:/.*)?$")


def matches_any(path: str, patterns: tuple[str, ...]) -> bool:
    """True when the vault-relative path matches one of the globs."""
    return any(glob_regex(p).match(path) for p in patterns)


def scan_vault(config: Config, output_dir: Path | None = None, known: KnownNotes | None = None) -> ScanResult:
    """Read every published file of the vault, in a deterministic order; notes that `known` shows unchanged are
    not read (`Source.unread`)."""
    started_ns = time.time_ns()
    root = config.root
    sources: list[Source] = []
    problems: list[Diagnostic] = []
    skip_dirs = {output_dir.resolve()} if output_dir else set()
    seen: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        rel_dir = _rel(here, root)
        dirnames[:] = sorted(d for d in dirnames if _keep_dir(here / d, _join(rel_dir, d), config, skip_dirs, problems))
        for name in sorted(filenames):
            rel = _join(rel_dir, name)
            if not is_published_name(rel, config):
                continue
            if rel in seen:
                problems.append(diag(rel, 1, "duplicate-name", Severity.ERROR,
                                     "another file has the same name once Unicode is normalised (NFC/NFD); this one is skipped",
                                     "rename one of the two files"))
                continue
            seen.add(rel)
            source = _read_source(here / name, rel, config, problems, known)
            if source is not None:
                sources.append(source)
    sources.sort(key=lambda s: s.path)
    return ScanResult(tuple(sources), tuple(problems), started_ns)


def is_published_name(rel: str, config: Config) -> bool:
    """Whether a file at this vault path (in a published folder) is read: not hidden, skipped or ignored."""
    name = rel.rsplit("/", 1)[-1]
    return not (name.startswith(".") or rel in ALWAYS_SKIPPED or matches_any(rel, config.ignore + ALWAYS_IGNORED))


def scan_file(config: Config, rel: str) -> tuple[Source | None, tuple[Diagnostic, ...]]:
    """One file, read as `scan_vault` reads it, for a watcher that knows what changed.

    `rel` is an NFC vault path whose folders `scan_vault` publishes; None when the
    file is gone, is not a regular file, or is not published.
    """
    path = config.root / rel
    if not is_published_name(rel, config) or not (path.is_file() or path.is_symlink()):
        return None, ()
    problems: list[Diagnostic] = []
    return _read_source(path, rel, config, problems), tuple(problems)


def _keep_dir(path: Path, rel: str, config: Config, skip_dirs: set, problems: list) -> bool:
    if path.is_symlink():
        problems.append(diag(rel, 1, "symlink-skipped", Severity.WARNING,
                             "symbolic link to a folder not followed", "move the folder into the vault instead of linking it"))
        return False
    if path.name.startswith(".") or matches_any(rel, config.ignore + ALWAYS_IGNORED):
        return False
    return not (skip_dirs and path.resolve() in skip_dirs)


def _rel(path: Path, root: Path) -> str:
    rel = os.path.relpath(path, root)
    return "" if rel == "." else unicodedata.normalize("NFC", rel.replace(os.sep, "/"))


def _join(folder: str, name: str) -> str:
    name = unicodedata.normalize("NFC", name)
    return f"{folder}/{name}" if folder else name


def _read_source(path: Path, rel: str, config: Config, problems: list, known: KnownNotes | None = None) -> Source | None:
    if path.is_symlink():
        problems.append(diag(rel, 1, "symlink-skipped", Severity.WARNING,
                             "symbolic link not followed", "copy the file into the vault instead of linking it"))
        return None
    suffix = path.suffix.lower()
    kind = "note" if suffix in NOTE_SUFFIXES else "data" if suffix in DATA_SUFFIXES else "asset"
    draft = matches_any(rel, config.drafts)
    try:
        stat = path.stat()
        limit = MAX_NOTE_BYTES if kind != "asset" else MAX_ASSET_BYTES
        if stat.st_size > limit:
            problems.append(diag(rel, 1, "file-too-large", Severity.ERROR,
                                 f"file is {stat.st_size // (1024 * 1024)} MB, over the {limit // (1024 * 1024)} MB limit; not published",
                                 "split the note or move large files out of the vault"))
            return None
        facts = (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)
        record = known.unchanged(rel, facts) if known is not None and kind == "note" else None
        if record is not None:  # known unchanged: digest and findings from the record, bytes not read
            problems.extend(record.diagnostics)
            return Source(rel, kind, draft, b"", stat.st_mtime, record.digest, "", facts, unread=True)
        data = read_bytes(path)
    except OSError as error:
        problems.append(diag(rel, 1, "file-unreadable", Severity.ERROR, f"cannot read file: {error.strerror}", "check the file's permissions"))
        return None
    text = ""
    if kind != "asset":
        text, problem = decode_text(data, rel)
        if problem:
            problems.append(problem)
        if b"\x00" in data and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            problems.append(diag(rel, data[: data.index(b"\x00")].count(b"\n") + 1, "encoding", Severity.WARNING,
                                 "file contains NUL bytes; they were dropped", "save the file again as plain UTF-8 text"))
    if kind == "note":
        text = ""  # decoded again when parsed: the vault's notes are not held both as bytes and as text
    return Source(rel, kind, draft, data, stat.st_mtime, hashlib.sha256(data).hexdigest(), text, facts)


def read_bytes(path: Path) -> bytes:
    """A file's bytes (the one place scan reads a file)."""
    return path.read_bytes()


def read_note(config: Config, source: Source) -> Source:
    """A note `scan_vault` did not read (`Source.unread`), read now, as scan reads it; the note as given when it
    was read already. One that can no longer be read (deleted since scan) is an empty note, with the digest of
    no bytes: the build cache keeps nothing under the digest scan recorded."""
    if not source.unread:
        return source
    try:
        data = read_bytes(config.root / source.path)
    except OSError:
        data = b""
    return replace(source, data=data, digest=hashlib.sha256(data).hexdigest(), unread=False)


def known_notes(scanned: ScanResult, unsure: set[str] = frozenset()) -> KnownNotes:
    """What `scanned` found of each note, for the next scan (`scan_vault`'s `known`): its file's facts, digest and
    the findings about its bytes (how they were decoded); nothing of the notes `unsure` names, read again next time."""
    findings: dict[str, list[Diagnostic]] = {}
    for problem in scanned.diagnostics:
        if problem.rule == "encoding":
            findings.setdefault(problem.path, []).append(problem)
    return KnownNotes(scanned.started_ns, {
        source.path: KnownNote(source.facts, source.digest, tuple(findings.get(source.path, ())))
        for source in scanned.sources if source.kind == "note" and source.facts and source.path not in unsure})


def source_text(source: Source) -> str:
    """The text of a note or data file, decoded as scan decodes it (a note's text is not kept, its bytes are).
    ValueError for a note scan did not read: its text would silently be empty (`read_note` reads it)."""
    if source.unread:
        raise ValueError(f"{source.path} was not read (known unchanged): read it with read_note first")
    if source.text or source.kind == "asset":
        return source.text
    return decode_text(source.data, source.path)[0]


def without_note_contents(scanned: ScanResult) -> ScanResult:
    """The same scan with the notes' bytes dropped, once they are parsed: a parsed note holds its own text, and a
    large vault held each note twice over (bytes, parsed)."""
    sources = tuple(replace(s, data=b"") if s.kind == "note" else s for s in scanned.sources)
    return ScanResult(sources, scanned.diagnostics, scanned.started_ns)


def decode_text(data: bytes, rel: str) -> tuple[str, Diagnostic | None]:
    """Bytes to text (`decode_bytes`), line ends normalised; a diagnostic when the file is not UTF-8."""
    text, encoding = decode_bytes(data)
    if encoding == "utf-16":
        return _clean(text), diag(rel, 1, "encoding", Severity.WARNING, "file is UTF-16; read as such",
                                  "save the file as UTF-8 (Obsidian's default)")
    if encoding == "cp1252":
        return _clean(text), diag(rel, _first_bad_utf8_line(data), "encoding", Severity.WARNING,
                                  "file is not UTF-8; read as Windows-1252 (cp1252)",
                                  "save the file as UTF-8 (Obsidian's default) to be sure accents are right")
    return _clean(text), None


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Bytes to text as cartel reads every file, and the encoding it took: UTF-8 (BOM dropped), UTF-16 with a BOM,
    else Windows-1252 (`utf-8`, `utf-16`, `cp1252`). Line ends are left as they are."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "utf-16"
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def _first_bad_utf8_line(data: bytes) -> int:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        return data[: error.start].count(b"\n") + 1
    return 1


def _clean(text: str) -> str:
    """Normalise line ends and drop NUL bytes, which no note means to contain."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        text = text.replace("\x00", "")
    return text
