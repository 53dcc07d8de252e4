"""Link rules the link stage leaves to check: ignored targets, missing attachments, URLs.

Unresolved, ambiguous and draft links, missing headings or blocks and embed
cycles are found by the link stage itself. When check knows more about an
unresolved link (its target is an ignored file, an attachment, or a URL
written without its scheme) it says so under a more precise rule id, and the
generic `link-unresolved` at the same place is dropped (`REFINES`).
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterator
from urllib.parse import urlsplit

from cartel.check.context import Context, link_line
from cartel.diagnostics import Severity, diag
from cartel.scan import matches_any
from cartel.slug import normalize_name

REFINES = {"link-ignored": "link-unresolved", "attachment-missing": "link-unresolved", "url-malformed": "link-unresolved"}
_HOST = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})\.?$|^localhost$|^\d{1,3}(?:\.\d{1,3}){3}$", re.I)
# The common case, accepted without parsing: scheme, ASCII host with a top-level domain, optional port, no space.
_PLAIN_URL = re.compile(r"^https?://(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(?::\d{1,4})?(?:[/?#]\S*)?$", re.I)
_HTTP_TYPO = re.compile(r"^(h?t{1,3}p{1,2}s?|https?s|htpps|hhtps?)$", re.I)
_NOTE_SUFFIXES = (".md", ".markdown")
_SKIPPED_DIRS = {".git", "node_modules", ".cartel-cache", "_site", ".trash"}


def _unresolved(ctx: Context):
    """(note, link) for every link the link stage could not resolve."""
    for note in ctx.site.notes:
        for link, target in zip(note.body.links, ctx.site.targets[note.path]):
            if target.status == "unresolved":
                yield note, link


def ignored_targets(ctx: Context) -> Iterator:
    """A link to a note or file that exists but is ignored (templates, excluded folders) is a dead link on the site."""
    ignored = None
    for note, link in _unresolved(ctx):
        if ignored is None:
            ignored = _ignored_files(ctx)
        if not ignored:
            return
        key = normalize_name(link.target.strip("/"))
        name = key.rsplit("/", 1)[-1]
        match = next((path for path in ignored.get(name, ()) if "/" not in key or _path_key(path).endswith(key)), None)
        if match:
            yield diag(note.path, link_line(note, link), "link-ignored", Severity.WARNING,
                       f"'{link.target}' is {match}, which the vault's ignore settings leave out of the site; shown as unresolved text",
                       "link to a published note, or remove the file's folder from [vault] ignore in cartel.toml", link.column)


def _ignored_files(ctx: Context) -> dict[str, list[str]]:
    """Files of the vault that scan leaves out, by normalised name with and without `.md`."""
    found: dict[str, list[str]] = {}
    root = ctx.config.root
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in _SKIPPED_DIRS)
        rel_dir = unicodedata.normalize("NFC", os.path.relpath(dirpath, root).replace(os.sep, "/"))
        for name in filenames:
            name = unicodedata.normalize("NFC", name)  # as scan reads names (macOS writes them decomposed)
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            if not matches_any(rel, ctx.config.ignore):
                continue
            key = normalize_name(name)
            found.setdefault(key, []).append(rel)
            if key.endswith(_NOTE_SUFFIXES):
                found.setdefault(key.rsplit(".", 1)[0], []).append(rel)
    return found


def _path_key(path: str) -> str:
    key = normalize_name(path)
    return key.rsplit(".", 1)[0] if key.endswith(_NOTE_SUFFIXES) else key


def missing_attachments(ctx: Context) -> Iterator:
    """An image or attached file (`![[plan.pdf]]`, `![](images/a.png)`) that is not in the vault."""
    for note, link in _unresolved(ctx):
        name = link.target.rsplit("/", 1)[-1]
        extension = name.rsplit(".", 1)[1].lower() if "." in name else ""
        if not extension or not extension.isalnum() or len(extension) > 5 or f".{extension}" in _NOTE_SUFFIXES:
            continue
        if _looks_like_url(link.target):
            continue
        kind = "image" if extension in ("png", "jpg", "jpeg", "gif", "svg", "webp", "avif") else "file"
        yield diag(note.path, link_line(note, link), "attachment-missing", Severity.WARNING,
                   f"{kind} '{link.target}' is not in the vault",
                   "add the file to the vault (an images/ or documents/ folder), or fix its name", link.column)


def _looks_like_url(target: str) -> bool:
    return target.lower().startswith("www.") or bool(re.match(r"^[a-z]{3,6}//", target, re.I))


def malformed_urls(ctx: Context) -> Iterator:
    """External links have a well-formed address: a scheme, a host, no spaces."""
    for note in ctx.site.notes:
        for link, target in zip(note.body.links, ctx.site.targets[note.path]):
            problem = None
            if link.external:
                problem = url_problem(link.target)
            elif target.status == "unresolved" and not link.wiki and _looks_like_url(link.target):
                problem = "the address has no 'https://' in front, so it is read as a file of the vault"
            if problem:
                yield diag(note.path, link_line(note, link), "url-malformed", Severity.WARNING,
                           f"malformed link address '{link.target or link.raw}': {problem}",
                           "copy the address from the browser's address bar", link.column)


def url_problem(url: str) -> str | None:
    """Why an external address is malformed, or None when it looks right."""
    if _PLAIN_URL.match(url):
        return None
    if any(c.isspace() for c in url):
        return "it contains a space (write %20)"
    scheme, _, rest = url.partition(":")
    scheme = scheme.lower()
    if scheme in ("http", "https", "ftp"):
        try:
            parts = urlsplit(url)
            parts.port    # raises on a non-numeric or out-of-range port
        except ValueError as error:
            return str(error)
        if not rest.startswith("//"):
            return f"'{scheme}:' must be followed by '//'"
        host = parts.hostname or ""
        if not host:
            return "it has no host name"
        try:
            ascii_host = host if host.isascii() else host.encode("idna").decode("ascii")
        except UnicodeError:
            ascii_host = ""
        if not _HOST.match(ascii_host):
            return f"'{host}' is not a valid host name"
        return None
    if scheme == "mailto":
        return None if "@" in rest else "an e-mail address needs an '@'"
    if _HTTP_TYPO.match(scheme):
        return f"'{scheme}:' is not a known scheme; did you mean 'https:'?"
    return None


def plain_http(ctx: Context) -> Iterator:
    """Links use `https://`: the plain `http://` page may not exist any more, or be redirected."""
    for note in ctx.site.notes:
        for link in note.body.links:
            if not link.external or not link.target.lower().startswith("http://"):
                continue
            host = (urlsplit(link.target).hostname or "") if url_problem(link.target) is None else ""
            if not host or host == "localhost" or host.startswith("127."):
                continue
            yield diag(note.path, link_line(note, link), "link-http", Severity.INFO,
                       f"'{link.target}' is an http:// address",
                       "try the https:// address in a browser; if the page opens, use it", link.column)
