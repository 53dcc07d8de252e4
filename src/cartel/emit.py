"""Stage `emit`: pages, assets and site-wide files written to the output folder.

A build writes into another folder and exchanges it with the output in one
atomic step, so a failed or killed build leaves the last good site in place.
Without the build cache that folder is new, beside the output, and the old
site is removed after the exchange. With it, the folder is the cache's spare
copy of the output (`SpareTree`, the site of the build before last): only
the files whose bytes differ are written into it, and the old site becomes
the spare; a child process lists the spare's files while the build parses
(`TreeListing`), to check that it holds what its manifest says. cartel only
ever replaces a folder it created itself (it carries a marker file).
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from html import escape as html_escape
from pathlib import Path

from cartel.link import Site
from cartel.render import Page, PageInfo, StoredBytes

MARKER = ".cartel-output"
xml_escape = partial(html_escape, quote=False)  # &, < and > only, as xml.sax.saxutils does (which imports urllib)


class OutputRefused(Exception):
    """The output folder is one cartel must not replace."""


def file_digest(data: bytes) -> bytes:
    """The digest of a file's bytes in a manifest."""
    return hashlib.blake2b(data, digest_size=16).digest()


@dataclass(frozen=True)
class EmitResult:
    """What was written."""

    output: Path
    pages: int
    files: int


def check_output_dir(vault: Path, output: Path) -> None:
    """Refuse an output that is the vault, contains it, or holds files cartel did not write."""
    vault, output = vault.resolve(), output.resolve()
    if output == vault or vault.is_relative_to(output):
        raise OutputRefused(f"the output folder {output} is the vault or contains it; choose another folder with -o")
    if output.is_symlink():
        raise OutputRefused(f"the output folder {output} is a symbolic link; choose a real folder")
    if output.exists():
        if not output.is_dir():
            raise OutputRefused(f"the output path {output} is a file, not a folder")
        if any(output.iterdir()) and not (output / MARKER).is_file():
            raise OutputRefused(f"the output folder {output} is not empty and was not created by cartel; "
                                "cartel will not delete files it did not write: choose an empty or new folder")


def output_path(url: str) -> str:
    """`/a/b/` → `a/b/index.html`; `/404.html` stays a file."""
    path = url.lstrip("/")
    if not path or path.endswith("/"):
        return path + "index.html"
    return path


# What a folder holds, file by file: relative path → (blake2b of the bytes, size, mtime_ns as written).
Manifest = dict[str, tuple[bytes, int, int]]


@dataclass(frozen=True)
class SpareTree:
    """A second copy of an output folder, kept by the build cache on the output's file system.

    A build brings it up to date by writing only the files that differ from
    what it holds, then exchanges it with the output in one atomic step; the
    previous output becomes the spare. `recorded()` gives the manifest
    recorded for the spare (None when unknown), `changing()` records that it
    is being written, `swapped(manifest)` that the output holds `manifest`
    and the spare what the output held.
    """

    folder: Path
    recorded: Callable[[], Manifest | None]
    changing: Callable[[], None]
    swapped: Callable[[Manifest], None]
    listing: TreeListing | None = None  # what the folder holds, read beside the build (`TreeListing`)


# A child process lists a folder: each file's relative path, size and mtime_ns, NUL-terminated; status 3 when it
# holds anything but folders and plain files.
_LIST_FILES = r"""
import os, sys
out = sys.stdout.buffer
stack = [(os.fsencode(sys.argv[1]), b"")]
while stack:
    folder, prefix = stack.pop()
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                stack.append((entry.path, prefix + entry.name + b"/"))
            elif entry.is_file(follow_symlinks=False):
                info = entry.stat(follow_symlinks=False)
                out.write(b"%s\0%d\0%d\0" % (prefix + entry.name, info.st_size, info.st_mtime_ns))
            else:
                sys.exit(3)
"""


class TreeListing:
    """What a folder holds, file by file (size and mtime), read by a child process while the build parses and links.

    `holds_exactly` then compares it with a manifest instead of reading each
    file's metadata itself: for the spare tree of a 100,000-note site that
    took the build's thread about 15 s, most of it waiting on the disk.
    `result()` is None when the listing failed or found anything but folders
    and plain files; the caller then looks for itself.
    """

    def __init__(self, folder: Path):
        self.process: subprocess.Popen | None = None
        self.listed = None
        if not folder.is_dir():
            return
        # Into a file, not a pipe: nobody reads a pipe before `result()`, and a full one (64 KB, about a
        # thousand files) would stop the child until then.
        self.listed = tempfile.TemporaryFile()
        try:
            self.process = subprocess.Popen([sys.executable, "-c", _LIST_FILES, str(folder)], stdout=self.listed,
                                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        except OSError:
            self.process = None

    def result(self) -> dict[str, tuple[int, int]] | None:
        """Each file's relative path → (size, mtime_ns); None when unknown."""
        if self.process is None or self.process.wait() != 0:
            return None
        self.listed.seek(0)
        fields = self.listed.read().split(b"\0")
        return {os.fsdecode(fields[i]): (int(fields[i + 1]), int(fields[i + 2])) for i in range(0, len(fields) - 2, 3)}

    def __enter__(self) -> "TreeListing":
        return self

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.listed is not None:
            self.listed.close()


def emit_site(site: Site, pages: Iterable[Page], sources: dict, output: Path, late_files=(),
              spare: SpareTree | None = None) -> EmitResult:
    """Write the site into a folder beside `output` (or into the spare tree, only what differs), then exchange that
    folder with `output`.

    Each page is written as `pages` yields it, and only its `PageInfo` is kept.
    Once pages and assets are written, each of `late_files` (callables
    `(site, pages) -> {path: bytes}`, or pairs `(path, bytes)` written as they
    come, `pages` as `PageInfo`s in URL order: the sitemap, the feed, the
    search index) adds its files.
    """
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    spare = spare if spare is not None and _spare_usable(spare, output) else None
    target, known = _writable_tree(output, spare)
    manifest: Manifest = {}
    written: list[PageInfo] = []
    try:
        hashed = spare is not None  # digests serve only the next build's comparison with the spare
        sync_files(target, site_tree(site, pages, sources, written), known, manifest, hashed)
        infos = tuple(sorted(written, key=lambda page: page.url))
        for late in late_files:
            files = late(site, infos)
            sync_files(target, files.items() if isinstance(files, dict) else files, known, manifest, hashed)
        remove_stale_files(target, known, manifest)
        swap_in(target, output, spare.folder if spare else None)
    except BaseException:
        if spare is None or target != spare.folder:
            remove_built_tree(target)
        raise
    if spare:
        spare.swapped(manifest)
    return EmitResult(output, len(written), len(manifest))


def _spare_usable(spare: SpareTree, output: Path) -> bool:
    """A spare tree needs the atomic exchange and the output's file system."""
    try:
        spare.folder.parent.mkdir(parents=True, exist_ok=True)
        return _RENAMEAT2 is not None and os.stat(spare.folder.parent).st_dev == os.stat(output.parent).st_dev
    except OSError:
        return False


def _writable_tree(output: Path, spare: SpareTree | None) -> tuple[Path, Manifest]:
    """The spare tree and what it holds (as recorded, else read again); else a new empty folder beside the output."""
    if spare is not None and (spare.folder / MARKER).is_file():
        known = spare.recorded()
        if known is None or not holds_exactly(spare.folder, known, spare.listing):
            known = read_manifest(spare.folder)  # a killed build, a hand edit, a build without the cache
        if known is not None:
            spare.changing()  # a build killed now leaves it unknown
            return spare.folder, known
    if spare is not None and spare.folder.exists():
        remove_built_tree(spare.folder)
    return Path(tempfile.mkdtemp(prefix=f".{output.name}.tmp-", dir=output.parent)), {}


def holds_exactly(folder: Path, manifest: Manifest, listing: TreeListing | None = None) -> bool:
    """Whether `folder` holds the files of `manifest` and no other, each with the size and mtime recorded (as
    `listing` found them, when it could list the folder)."""
    found = listing.result() if listing is not None else None
    if found is not None:
        return len(found) == len(manifest) and all(
            (recorded := manifest.get(rel)) is not None and (recorded[1], recorded[2]) == facts
            for rel, facts in found.items())
    seen = 0
    try:
        for rel, entry in _files_under(folder):
            recorded = manifest.get(rel)
            info = entry.stat(follow_symlinks=False)
            if recorded is None or (recorded[1], recorded[2]) != (info.st_size, info.st_mtime_ns):
                return False
            seen += 1
    except (OSError, ValueError):
        return False
    return seen == len(manifest)


def read_manifest(folder: Path) -> Manifest | None:
    """What `folder` holds, each file read and hashed; None when it holds anything but folders and plain files.

    Reading costs less than writing again: on this kind of disk, creating and deleting files is the slow part.
    """
    manifest: Manifest = {}
    try:
        for rel, entry in _files_under(folder):
            with open(entry.path, "rb") as handle:
                data = handle.read()
                info = os.fstat(handle.fileno())
            manifest[rel] = (file_digest(data), info.st_size, info.st_mtime_ns)
    except (OSError, ValueError):
        return None
    return manifest


def _files_under(folder: Path) -> Iterator[tuple[str, os.DirEntry]]:
    """Every file under `folder` with its relative POSIX path; ValueError on anything but folders and plain files."""
    stack = [(str(folder), "")]
    while stack:
        directory, prefix = stack.pop()
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append((entry.path, prefix + entry.name + "/"))
                elif entry.is_file(follow_symlinks=False):
                    yield prefix + entry.name, entry
                else:
                    raise ValueError(f"not a plain file: {entry.path}")


def site_tree(site: Site, pages: Iterable[Page], sources: dict, written: list[PageInfo]):
    """Every page and asset of the site: (relative path, bytes), the marker first; each page's `PageInfo` goes to
    `written` as it is handed out, and its HTML is not kept."""
    yield MARKER, b"This folder is written by cartel; it is replaced on every build.\n"
    for page in pages:
        written.append(page.info())
        yield output_path(page.url), page.data
    for path in site.assets:
        yield site.urls[path].lstrip("/"), sources[path]


def sync_files(root: Path, files: Iterable[tuple[str, bytes | StoredBytes]], known: Manifest, manifest: Manifest,
               hashed: bool = True) -> None:
    """Write under `root` each file whose bytes differ from what `known` says is there, and record every file in
    `manifest` (with no digest unless `hashed`); a path that would leave `root` is refused. A path given twice
    keeps its last bytes. `StoredBytes` are read only to be written."""
    made: set[str] = set()
    base = str(root)
    for relative, data in files:
        parts = safe_parts(relative)
        rel = "/".join(parts)
        old = manifest.get(rel) or known.get(rel)
        stored = isinstance(data, StoredBytes)
        digest, size = (data.digest, data.size) if stored else (file_digest(data) if hashed else b"", len(data))
        if hashed and old is not None and old[0] == digest and old[1] == size:
            manifest[rel] = old
            continue
        if stored:
            data = data.load()
        path = os.path.join(base, *parts)
        parent = os.path.dirname(path)
        if parent not in made:
            _make_folder(base, parts[:-1])
            made.add(parent)
        manifest[rel] = (digest if hashed else b"", len(data), _write(path, data))


def _make_folder(base: str, parts: list[str]) -> None:
    """`base/parts…` as folders, replacing a file that stands where a folder must be."""
    try:
        os.makedirs(os.path.join(base, *parts), exist_ok=True)
        return
    except (FileExistsError, NotADirectoryError):
        pass
    path = base
    for part in parts:
        path = os.path.join(path, part)
        if os.path.isdir(path) and not os.path.islink(path):
            continue
        if os.path.lexists(path):
            os.unlink(path)
        os.mkdir(path)


def _write(path: str, data: bytes) -> int:
    """Write a file (replacing a folder that stands in its place); its mtime in nanoseconds."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW
    try:
        descriptor = os.open(path, flags, 0o644)
    except IsADirectoryError:
        shutil.rmtree(path)
        descriptor = os.open(path, flags, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view):]
        return os.fstat(descriptor).st_mtime_ns
    finally:
        os.close(descriptor)


def remove_stale_files(root: Path, known: Manifest, manifest: Manifest) -> None:
    """Remove what `known` says is under `root` but the new `manifest` does not hold, and the folders left empty."""
    folders: set[str] = set()
    for rel in known.keys() - manifest.keys():
        path = os.path.join(str(root), *rel.split("/"))
        with contextlib.suppress(FileNotFoundError, IsADirectoryError, NotADirectoryError):
            os.unlink(path)
        folders.add(os.path.dirname(path))
    for folder in sorted(folders, key=len, reverse=True):
        while folder != str(root) and folder.startswith(str(root)):
            try:
                os.rmdir(folder)
            except OSError:
                break
            folder = os.path.dirname(folder)


def safe_parts(relative: str) -> list[str]:
    """The parts of a relative output path, refusing anything that would land outside the output."""
    parts = [p for p in relative.replace("\\", "/").split("/") if p not in ("", ".")]
    if any(p == ".." or "\x00" in p for p in parts) or not parts:
        raise ValueError(f"unsafe output path {relative!r}")
    return parts


def swap_in(staging: Path, output: Path, keep: Path | None = None) -> None:
    """Put `staging` in place of `output` in one atomic exchange; the previous tree is then kept at `keep` (the
    spare tree) or removed."""
    staging.chmod(0o755)
    if not output.exists():
        os.replace(staging, output)
        return
    if _exchange(staging, output):  # `staging` now holds the previous site
        if keep is None:
            remove_built_tree(staging)
        elif staging != keep:
            os.replace(staging, keep)
        return
    retired = output.parent / f".{output.name}.old-{os.getpid()}"
    os.replace(output, retired)
    os.replace(staging, output)
    remove_built_tree(retired)


def _exchange(a: Path, b: Path) -> bool:
    """Linux renameat2(RENAME_EXCHANGE): swap two folders atomically; False where unsupported."""
    if _RENAMEAT2 is None:
        return False
    result = _RENAMEAT2(-100, os.fsencode(a), -100, os.fsencode(b), 2)  # AT_FDCWD, RENAME_EXCHANGE
    return result == 0


def _load_renameat2():
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        function = libc.renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
    function.restype = ctypes.c_int
    return function


_RENAMEAT2 = _load_renameat2() if sys.platform.startswith("linux") else None


def remove_stale_staging(output: Path) -> None:
    """Folders a killed build left beside the output (`.NAME.tmp-*`, `.NAME.old-*`) are removed.

    A folder is removed whole only when it carries cartel's marker; an unmarked one is removed only when
    empty (a build killed between creating its staging folder and writing the marker), so nothing else is lost.
    """
    if not output.parent.is_dir():
        return
    for sibling in output.parent.iterdir():
        if not sibling.name.startswith((f".{output.name}.tmp-", f".{output.name}.old-")) \
                or sibling.is_symlink() or not sibling.is_dir():
            continue
        if (sibling / MARKER).is_file():
            remove_built_tree(sibling)
        else:
            with contextlib.suppress(OSError):
                sibling.rmdir()


def remove_built_tree(folder: Path) -> None:
    """Remove a folder cartel wrote, its marker last, so a removal cut short is still recognised as cartel's."""
    with contextlib.suppress(OSError):
        for child in folder.iterdir():
            if child.name == MARKER:
                continue
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)
    shutil.rmtree(folder, ignore_errors=True)


# The sitemap protocol's limit of URLs in one file; a larger site gets an index of several sitemaps.
SITEMAP_URLS = 50_000


def sitemaps(site: Site, pages: tuple[PageInfo, ...], per_file: int = SITEMAP_URLS) -> dict[str, bytes]:
    """`sitemap.xml` of every page, with `lastmod` where the note has a date; beyond `per_file` pages, an index of
    `sitemap-1.xml`, `sitemap-2.xml`… that hold them."""
    base = site.config.base_url
    dates = {site.urls[n.path]: n.date for n in site.notes}
    entries = [f"<url><loc>{xml_escape(base + page.url)}</loc>"
               + (f"<lastmod>{dates[page.url]}</lastmod>" if dates.get(page.url) else "") + "</url>"
               for page in pages if page.kind != "404"]
    if len(entries) <= per_file:
        return {"sitemap.xml": _sitemap_xml("urlset", entries)}
    parts = {f"sitemap-{n}.xml": _sitemap_xml("urlset", entries[start:start + per_file])
             for n, start in enumerate(range(0, len(entries), per_file), 1)}
    index = [f"<sitemap><loc>{xml_escape(f'{base}/{name}')}</loc></sitemap>" for name in parts]
    return {"sitemap.xml": _sitemap_xml("sitemapindex", index), **parts}


def _sitemap_xml(root: str, entries: list[str]) -> bytes:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<{root} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
             *entries, f"</{root}>"]
    return ("\n".join(lines) + "\n").encode("utf-8")


def robots(site: Site) -> bytes:
    """`robots.txt` allowing everything and naming the sitemap."""
    text = "User-agent: *\nAllow: /\n"
    if site.config.base_url:
        text += f"Sitemap: {site.config.base_url}/sitemap.xml\n"
    return text.encode("utf-8")
