"""The vault side of an import: where drafts go, what was imported before, writing without overwriting."""

from __future__ import annotations

import os
import tempfile
import unicodedata
from pathlib import Path

from cartel.config import Config
from cartel.emit import MARKER
from cartel.parse.frontmatter import read_front_matter
from cartel.scan import ALWAYS_IGNORED, matches_any

HASH_KEY = "import_hash"
_SKIPPED_DIRS = {"_site", "node_modules"}
_HEAD_BYTES = 64 * 1024


def drafts_folder(config: Config) -> str:
    """The first drafts glob of the config as a folder (`Brouillon/**` → `Brouillon`)."""
    for pattern in config.drafts:
        folder = pattern.strip().removesuffix("/**").removesuffix("/*").strip("/")
        if folder and "*" not in folder:
            return folder
    return "Brouillon"


def safe_folder(folder: str) -> str | None:
    """A vault-relative POSIX folder, or None when it would leave the vault."""
    parts = [p for p in folder.replace("\\", "/").split("/") if p not in ("", ".")]
    if folder.startswith(("/", "\\")) or any(p == ".." for p in parts) or (parts and ":" in parts[0]):
        return None
    return "/".join(parts)


def folder_problem(vault: Path, folder: str, config: Config) -> str | None:
    """Why drafts must not go to the vault-relative `folder`, or None.

    A hidden or ignored folder (the cache, `.obsidian`, templates, the output)
    is never built and may be emptied by cartel itself (`cartel clean`, a
    build replacing its output); a symbolic link may lead out of the vault.
    """
    parts = folder.split("/") if folder else []
    current = vault
    for depth, part in enumerate(parts, 1):
        current = current / part
        relative = "/".join(parts[:depth])
        if current.is_symlink():
            return f"--into: {relative} is a symbolic link, which cartel does not follow"
        if part.startswith(".") or matches_any(f"{relative}/note.md", config.ignore + ALWAYS_IGNORED):
            return f"--into: {relative} is hidden or ignored by cartel; notes there are never published"
        if (current / MARKER).is_file():
            return f"--into: {relative} is a site cartel built, replaced whole on every build"
    return None


def existing_hashes(vault: Path) -> dict[str, str]:
    """`import_hash` of every note of the vault that has one → its vault path."""
    found: dict[str, str] = {}
    for folder, dirs, files in os.walk(vault):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIPPED_DIRS)
        for name in sorted(files):
            if not name.lower().endswith((".md", ".markdown")):
                continue
            path = Path(folder) / name
            if path.is_symlink():
                continue  # it may lead out of the vault; scan never follows one either
            digest = _hash_in(path)
            if digest:
                found.setdefault(digest, path.relative_to(vault).as_posix())
    return found


def _hash_in(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD_BYTES)
    except OSError:
        return ""
    if HASH_KEY.encode() not in head:
        return ""
    front = read_front_matter(head.decode("utf-8", "replace").lstrip("\ufeff"), path.name)
    return normalise_hash(front.meta.get(HASH_KEY))


def normalise_hash(value) -> str:
    """`sha256:ABC…` or `abc…` → `abc…`; anything else → ""."""
    if not isinstance(value, str):
        return ""
    value = value.strip().lower().removeprefix("sha256:")
    return value if len(value) == 64 and all(c in "0123456789abcdef" for c in value) else ""


def taken_names(folder: Path) -> set[str]:
    """Names in a folder, folded the way a case-insensitive disk (or a URL) would see them."""
    try:
        return {fold_name(p.name) for p in folder.iterdir()}
    except OSError:
        return set()


def free_name(stem: str, taken: set[str]) -> str:
    """`stem.md`, else `stem 2.md`, `stem 3.md`…: the first name not taken."""
    n = 1
    while True:
        name = f"{stem}.md" if n == 1 else f"{stem} {n}.md"
        if fold_name(name) not in taken:
            return name
        n += 1


def write_new_note(folder: Path, stem: str, text: str, taken: set[str]) -> Path:
    """Write `text` under a free name in `folder`, atomically; an existing file is never replaced."""
    folder.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    handle, temp = tempfile.mkstemp(dir=folder, prefix=".cartel-import-", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        while True:
            name = free_name(stem, taken)
            target = folder / name
            taken.add(fold_name(name))
            try:
                os.link(temp, target)        # fails if the name exists: no overwrite, even in a race
                return target
            except FileExistsError:
                continue
            except OSError:                  # a file system without hard links: exclusive create instead
                try:
                    with target.open("xb") as out:
                        out.write(data)
                    return target
                except FileExistsError:
                    continue
    finally:
        os.unlink(temp)


def fold_name(name: str) -> str:
    """A file name as a case-insensitive file system compares it."""
    return unicodedata.normalize("NFC", name).casefold()
