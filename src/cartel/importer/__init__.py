"""`cartel import`: texts, saved pages and notes become draft notes in the vault.

One entry function, `import_documents`, reads each file with the reader of
its format (text.py, html.py, markdown.py), writes the note (note.py) into
the drafts folder without ever overwriting (store.py), and returns an
`ImportReport`; it prints nothing. A document already imported (same bytes,
found by the `import_hash` of a note) is skipped.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cartel.config import load_config
from cartel.scan import decode_bytes
from cartel.importer import note as writer
from cartel.importer import store

TEXT_SUFFIXES = (".txt",)
MARKDOWN_SUFFIXES = (".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")
SUFFIXES = TEXT_SUFFIXES + MARKDOWN_SUFFIXES + HTML_SUFFIXES
MAX_BYTES = 8 * 1024 * 1024
NOTE_TYPES = ("resource", "question")


@dataclass(frozen=True)
class ImportOptions:
    """What the command line asked for."""

    into: str | None = None          # vault-relative folder; default: the drafts folder of the config
    note_type: str | None = None     # resource or question; default: resource, or what a note says it is
    dry_run: bool = False


@dataclass(frozen=True)
class ImportRow:
    """What happened to one file."""

    source: str                      # the path as given (or found in a given folder)
    action: str                      # created, would create, duplicate, failed
    target: str = ""                 # vault-relative path of the note written (or already there)
    title: str = ""
    date: str = ""
    type: str = ""
    format: str = ""                 # text, html, markdown
    warnings: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()    # boilerplate taken out of the text


@dataclass(frozen=True)
class ImportReport:
    """Every file an import looked at, in order."""

    vault: Path
    folder: str
    dry_run: bool
    rows: tuple[ImportRow, ...]

    def count(self, action: str) -> int:
        """How many rows ended with this action."""
        return sum(1 for row in self.rows if row.action == action)


@dataclass(frozen=True)
class _Draft:
    stem: str
    text: str
    title: str
    date: str
    type: str
    format: str
    warnings: tuple[str, ...]
    removed: tuple[str, ...]


def import_documents(paths, vault: Path, options: ImportOptions = ImportOptions()) -> ImportReport:
    """Import files and folders of `.txt`, `.md` and `.html` into the vault as draft notes."""
    vault = Path(vault)
    config = load_config(vault)
    folder = store.safe_folder(options.into if options.into is not None else store.drafts_folder(config))
    problem = "--into must be a folder inside the vault" if folder is None else store.folder_problem(vault, folder, config)
    if problem:
        row = ImportRow(str(options.into), "failed", warnings=(problem,))
        return ImportReport(vault, str(options.into), options.dry_run, (row,))
    if options.note_type not in (None, *NOTE_TYPES):
        row = ImportRow("", "failed", warnings=(f"unknown type '{options.note_type}': use resource or question",))
        return ImportReport(vault, folder, options.dry_run, (row,))
    target_dir = vault / folder if folder else vault
    known = store.existing_hashes(vault)
    taken = store.taken_names(target_dir)
    rows = []
    for shown, path, problem in collect_files(paths):
        if problem:
            rows.append(ImportRow(shown, "failed", warnings=(problem,)))
            continue
        rows.append(_import_one(shown, path, vault, folder, target_dir, known, taken, options))
    return ImportReport(vault, folder, options.dry_run, tuple(rows))


def collect_files(paths) -> list[tuple[str, Path, str]]:
    """(path as shown, path, problem) for each file to import; folders are walked, symbolic links inside them skipped."""
    found: list[tuple[str, Path, str]] = []
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for folder, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    child = Path(folder) / name
                    if name.lower().endswith(SUFFIXES) and not name.startswith(".") and not child.is_symlink():
                        _add(found, seen, child.as_posix(), child, "")
        elif path.is_file():
            problem = "" if path.name.lower().endswith(SUFFIXES) else \
                f"not a file cartel imports ({path.suffix or 'no extension'}): use .txt, .md or .html"
            _add(found, seen, path.as_posix(), path, problem)
        else:
            found.append((str(given), path, "no such file or folder"))
    return found


def _add(found: list, seen: set, shown: str, path: Path, problem: str) -> None:
    key = path.resolve()
    if key not in seen:
        seen.add(key)
        found.append((shown, path, problem))


def _import_one(shown: str, path: Path, vault: Path, folder: str, target_dir: Path, known: dict,
                taken: set, options: ImportOptions) -> ImportRow:
    try:
        if path.stat().st_size > MAX_BYTES:
            return ImportRow(shown, "failed", warnings=(f"larger than {MAX_BYTES // (1024 * 1024)} MB: not imported",))
        data = path.read_bytes()
    except OSError as error:
        return ImportRow(shown, "failed", warnings=(f"cannot be read: {error.strerror or error}",))
    digest = hashlib.sha256(data).hexdigest()
    if digest in known:
        return ImportRow(shown, "duplicate", target=known[digest],
                         warnings=(f"already imported as {known[digest]}: skipped",))
    try:
        draft = make_draft(data, path, shown, digest, options.note_type)
    except Exception as error:  # noqa: BLE001 - one unreadable document must not stop the others
        return ImportRow(shown, "failed", warnings=(f"could not be imported: {type(error).__name__}: {error}",))
    if options.dry_run:
        name = store.free_name(draft.stem, taken)
        taken.add(store.fold_name(name))
        action = "would create"
    else:
        try:
            name = store.write_new_note(target_dir, draft.stem, draft.text, taken).name
        except OSError as error:
            return ImportRow(shown, "failed", title=draft.title, warnings=(f"cannot write the note: {error}",))
        action = "created"
    target = f"{folder}/{name}" if folder else name
    known[digest] = target
    return ImportRow(shown, action, target, draft.title, draft.date, draft.type, draft.format, draft.warnings,
                     draft.removed)


def make_draft(data: bytes, path: Path, shown: str, digest: str, note_type: str | None = None) -> _Draft:
    """Read one document in the format its name and content say, and write its note text."""
    from cartel.importer.markdown import looks_like_note, read_markdown_document

    suffix = path.suffix.lower()
    stem = path.stem
    if suffix in HTML_SUFFIXES:
        from cartel.importer.html import read_html_document

        return _from_document(read_html_document(data, stem), "html", shown, digest, note_type, ())
    text, encoding_warning = decode(data)
    notes = (encoding_warning,) if encoding_warning else ()
    if suffix in MARKDOWN_SUFFIXES or looks_like_note(text):
        if suffix not in MARKDOWN_SUFFIXES:
            notes += ("read as a Markdown note (it has a note's header)",)
        md = read_markdown_document(text, stem, note_type)
        return _Draft(writer.note_stem(md.title), writer.markdown_note(md.fields, md.body, shown, digest), md.title,
                      md.date.isoformat() if md.date else "", md.type, "markdown", notes + md.warnings, ())
    from cartel.importer.text import read_text_document

    return _from_document(read_text_document(text, stem), "text", shown, digest, note_type, notes)


def _from_document(document, fmt: str, shown: str, digest: str, note_type: str | None, notes: tuple) -> _Draft:
    kind = note_type or "resource"
    text = (writer.question_note if kind == "question" else writer.resource_note)(document, shown, digest)
    return _Draft(writer.note_stem(document.title), text, document.title,
                  document.date.isoformat() if document.date else "", kind, fmt, notes + document.warnings,
                  document.removed)


def decode(data: bytes) -> tuple[str, str]:
    """Bytes to text, line ends kept (`cartel.scan.decode_bytes`), and a warning when the file was not UTF-8."""
    text, encoding = decode_bytes(data)
    return text, _ENCODING_WARNINGS.get(encoding, "")


_ENCODING_WARNINGS = {"utf-16": "read as UTF-16", "cp1252": "not UTF-8: read as Windows-1252; check the accents"}