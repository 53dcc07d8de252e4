"""Stage `emit`: pages, assets and site-wide files written to the output folder.

A build writes into a temporary sibling folder and swaps it in, so a failed
or killed build leaves the last good site in place. cartel only ever
replaces a folder it created itself (it carries a marker file).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from cartel.link import Site
from cartel.render import Page

MARKER = ".cartel-output"


class OutputRefused(Exception):
    """The output folder is one cartel must not replace."""


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


def emit_site(site: Site, pages: tuple[Page, ...], sources: dict, extra_files: dict[str, bytes], output: Path,
              tree_emitters=()) -> EmitResult:
    """Write everything into a temporary folder, run the tree emitters on it, then swap it with `output`."""
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.tmp-", dir=output.parent))
    try:
        files = write_tree(staging, site, pages, sources, extra_files)
        for emitter in tree_emitters:
            emitter(site, pages, staging)
        swap_in(staging, output)
    except BaseException:
        remove_built_tree(staging)
        raise
    return EmitResult(output, len(pages), files)


def write_tree(root: Path, site: Site, pages: tuple[Page, ...], sources: dict, extra_files: dict[str, bytes]) -> int:
    """All files of the site under `root`; returns how many."""
    def files():
        yield MARKER, b"This folder is written by cartel; it is replaced on every build.\n"
        for page in pages:
            yield output_path(page.url), page.data
        for path in site.assets:
            yield site.urls[path].lstrip("/"), sources[path]
        yield from sorted(extra_files.items())
    return write_files(root, files())


def write_files(root: Path, files: Mapping[str, bytes] | Iterable[tuple[str, bytes]]) -> int:
    """Write `files` (relative POSIX paths to bytes) under `root`, refusing any path that would leave it; returns how many.

    A path given twice is written once, with its last bytes.
    """
    made: set[Path] = set()
    written: set[Path] = set()
    for relative, data in (files.items() if isinstance(files, Mapping) else files):
        target = safe_join(root, relative)
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        target.write_bytes(data)
        written.add(target)
    return len(written)


def safe_join(root: Path, relative: str) -> Path:
    """`root/relative`, refusing anything that would land outside `root`."""
    parts = [p for p in relative.replace("\\", "/").split("/") if p not in ("", ".")]
    if any(p == ".." or "\x00" in p for p in parts) or not parts:
        raise ValueError(f"unsafe output path {relative!r}")
    return root.joinpath(*parts)


def swap_in(staging: Path, output: Path) -> None:
    """Put `staging` in place of `output` in one atomic exchange; the old tree is removed after."""
    staging.chmod(0o755)
    if not output.exists():
        os.replace(staging, output)
        return
    if _exchange(staging, output):
        remove_built_tree(staging)  # now holds the previous site
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


def sitemap(site: Site, pages: tuple[Page, ...]) -> bytes:
    """`sitemap.xml` of every page, with `lastmod` where the note has a date."""
    base = site.config.base_url
    dates = {site.urls[n.path]: n.date for n in site.notes}
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for page in pages:
        if page.kind == "404":
            continue
        lastmod = dates.get(page.url, "")
        lines.append(f"<url><loc>{xml_escape(base + page.url)}</loc>"
                     + (f"<lastmod>{lastmod}</lastmod>" if lastmod else "") + "</url>")
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def robots(site: Site) -> bytes:
    """`robots.txt` allowing everything and naming the sitemap."""
    text = "User-agent: *\nAllow: /\n"
    if site.config.base_url:
        text += f"Sitemap: {site.config.base_url}/sitemap.xml\n"
    return text.encode("utf-8")
