"""`cartel check --fix`: apply the safe edits the rules proposed, and nothing else.

Each edit replaces an exact text at a file line and column. A file is
rewritten only when an edit applies, through a temporary file in the same
folder and `os.replace`, so it is never half written; every byte outside the
edits is kept (BOM, CRLF line ends, the rest of each line). An edit whose
text is no longer where the check saw it is skipped, as is a file changed
since it was read, or one that is not UTF-8.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from cartel.check.context import Edit
from cartel.parse.markdown import PRIVATE_USE

BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class FixReport:
    """What `--fix` did: the edits applied, and the files left alone with the reason."""

    applied: tuple[Edit, ...]
    skipped: tuple[tuple[str, str], ...]      # (path, why)

    @property
    def files(self) -> tuple[str, ...]:
        """The files rewritten."""
        return tuple(sorted({e.path for e in self.applied}))


def apply_edits(root: Path, edits, digests: dict[str, str] | None = None) -> FixReport:
    """Apply edits file by file; `digests` (path → sha256 when checked) guards against files edited meanwhile."""
    by_file: dict[str, list[Edit]] = defaultdict(list)
    for edit in dict.fromkeys(edits):
        by_file[edit.path].append(edit)
    applied: list[Edit] = []
    skipped: list[tuple[str, str]] = []
    for path in sorted(by_file):
        done, why = fix_file(Path(root) / path, by_file[path], (digests or {}).get(path))
        applied.extend(done)
        if why:
            skipped.append((path, why))
    return FixReport(tuple(applied), tuple(skipped))


def fix_file(file: Path, edits: list[Edit], digest: str | None) -> tuple[list[Edit], str]:
    """Apply one file's edits; returns the edits applied and, when the file was left alone, why."""
    try:
        data = file.read_bytes()
    except OSError as error:
        return [], f"cannot read it: {error.strerror}"
    if digest and hashlib.sha256(data).hexdigest() != digest:
        return [], "it changed since it was checked; run cartel check --fix again"
    bom = data.startswith(BOM)
    try:
        text = data[len(BOM) if bom else 0:].decode("utf-8")
    except UnicodeDecodeError:
        return [], "it is not UTF-8; save it as UTF-8 first"
    if "\r" in text.replace("\r\n", ""):
        return [], "it has old Mac line ends (CR); save it with ordinary line ends first"
    lines = text.split("\n")
    applied = []
    for number, line_edits in _by_line(edits).items():
        if not 1 <= number <= len(lines):
            continue
        lines[number - 1], done = edit_line(lines[number - 1], line_edits)
        applied.extend(done)
    if not applied:
        return [], ""
    new_data = (BOM if bom else b"") + "\n".join(lines).encode("utf-8")
    if new_data == data:
        return [], ""
    try:
        write_atomically(file, new_data, data)
    except OSError as error:
        return [], f"cannot write it: {error}"
    return applied, ""


def _by_line(edits: list[Edit]) -> dict[int, list[Edit]]:
    found: dict[int, list[Edit]] = defaultdict(list)
    for edit in edits:
        found[edit.line].append(edit)
    return found


def edit_line(line: str, edits: list[Edit]) -> tuple[str, list[Edit]]:
    """Apply non-overlapping edits whose old text is where they say; leftmost first wins an overlap."""
    if "%%" in line or PRIVATE_USE.search(line):
        return line, []     # parse drops comments and private-use characters, so columns may not match
    chosen: list[Edit] = []
    end = 0
    for edit in sorted(edits, key=lambda e: (e.column, -len(e.old))):
        start = edit.column - 1
        if start < end or line[start:start + len(edit.old)] != edit.old:
            continue
        chosen.append(edit)
        end = start + max(len(edit.old), 1)
    for edit in reversed(chosen):
        start = edit.column - 1
        line = line[:start] + edit.new + line[start + len(edit.old):]
    return line, chosen


def write_atomically(file: Path, data: bytes, expected: bytes) -> None:
    """Write through a temporary file in the same folder, keep the file's mode, then swap it in."""
    mode = stat.S_IMODE(file.stat().st_mode)
    handle, temporary = tempfile.mkstemp(dir=file.parent, prefix=f".{file.name}.", suffix=".cartel-fix")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        if file.read_bytes() != expected:
            raise OSError(f"{file} changed while it was being fixed")
        os.replace(temporary, file)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
