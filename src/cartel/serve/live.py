"""The preview's site, kept in memory and brought up to date file by file.

`LiveSite` runs the same stages as `cartel build` (config, scan, parse, link,
render, the site-wide emitters) and keeps what they returned. When files
change it reads only those files, parses only the notes among them, links
the whole vault again (links are site-wide) and renders again only the note
pages whose dependency key changed (cartel.cache.note_page_keys), then the
generated pages (the tag pages, lists and graph only when what they show
changed, cartel.cache.generated_page_keys) and site-wide files. Each state is
published as an immutable `Snapshot`, in two steps: the note pages first (the
page an editor is looking at), then the rest.
"""

from __future__ import annotations

import os
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from cartel.build import collect_diagnostics, parse_all, site_files
from cartel.cache import (NoCache, generated_page_keys, inputs_digest, note_page_keys, open_cache, render_salt,
                          site_fingerprint)
from cartel.config import CONFIG_NAME, Config, load_config
from cartel.diagnostics import Diagnostic, Severity
from cartel.emit import output_path
from cartel.link import Site, link_site
from cartel.parse import Note, parse_note
from cartel.parse.packed import plain_note
from cartel.render import Page, SiteRenderer, render_site
from cartel.scan import ScanResult, Source, is_published_name, scan_file, scan_vault

SHOWN = (Severity.ERROR, Severity.WARNING)
# Rules saying a file could not be read as written (mid-edit YAML, a half-saved file): they open the overlay.
READING_RULES = ("yaml-", "encoding", "file-", "duplicate-name", "symlink-")


@dataclass(frozen=True)
class Snapshot:
    """One published state of the site: every file by output path, and what the editor should see."""

    files: dict = field(hash=False, compare=False)        # output path ("a/b/index.html") -> bytes
    sources: dict = field(hash=False, compare=False)      # output path of a note page -> vault path of the note
    problems: dict = field(hash=False, compare=False)     # vault path -> its errors and warnings, when it has
                                                          # an error or could not be read (the overlay shows them)
    banner: tuple[str, ...] = ()                          # site-wide problems: config errors, a failed rebuild
    site: Site | None = field(default=None, hash=False, compare=False)
    pages: tuple = field(default=(), hash=False, compare=False)
    inputs: str = ""                                      # cartel.cache.inputs_digest of this state


@dataclass(frozen=True)
class Update:
    """A published snapshot and what changed since the previous one."""

    snapshot: Snapshot
    changed: frozenset[str]                               # output paths added, removed or changed
    seconds: float
    final: bool = True                                    # False for the first of the two steps of a rebuild
    diagnostics: tuple[Diagnostic, ...] = ()              # diagnostics that were not there before


@dataclass
class _KeptPage:
    key: str
    page: Page


class LiveSite:
    """The vault's site in memory; `full()` builds it, `apply(paths)` updates it after files changed.

    Not thread-safe: one thread (the watcher) drives it; the snapshots it returns are immutable.
    """

    def __init__(self, vault: Path, use_cache: bool = True):
        self.vault = Path(vault).resolve()
        self.use_cache = use_cache
        self.snapshot = Snapshot({}, {}, {})
        self.config: Config | None = None
        self.sources: dict[str, Source] = {}
        self.scan_problems: dict[str, tuple[Diagnostic, ...]] = {}
        self.notes: dict[str, Note] = {}
        self.note_pages: dict[str, _KeptPage] = {}
        self.generated: dict[str, _KeptPage] = {}  # tag pages, lists, graph (cartel.render.pages.kept_pages)
        self.folders: set[str] = set()
        self.site_fp = ""
        self.known_diagnostics: set[Diagnostic] = set()
        self.new_diagnostics: tuple[Diagnostic, ...] = ()
        # A first step was published but its second not (the watcher stopped between them for newer changes).
        self.second_step_owed = False

    # -- whole builds --------------------------------------------------------
    def full(self) -> Update:
        """Read the whole vault again (first build, config or theme changed, folders moved)."""
        started = time.perf_counter()
        self.second_step_owed = False
        config = load_config(self.vault)
        scanned = scan_vault(config, None)
        cache = open_cache(self.vault, config, self.use_cache)
        site_fp = site_fingerprint(config)
        same_site = site_fp == self.site_fp
        previous = self.notes if same_site else {}
        note_sources = [s for s in scanned.sources if s.kind == "note"]

        def parse_missing(sources: list[Source]) -> list[Note]:
            """What the disk cache lacks: the notes still in memory, else parsed."""
            kept = {s.path: previous[s.path] for s in sources if s.path in previous and _same_note(previous[s.path], s)}
            parsed = {n.path: n for n in parse_all([s for s in sources if s.path not in kept], config, beside=True)}
            return [kept.get(s.path) or parsed[s.path] for s in sources]

        # All of them, so that the cache keeps them all; the preview keeps them unpacked (a helper's come packed).
        notes = cache.parse(note_sources, parse_missing, keep=plain_note)
        self.config, self.site_fp = config, site_fp
        self.sources = {s.path: s for s in scanned.sources}
        self.scan_problems = _by_path(scanned.diagnostics)
        self.notes = {n.path: n for n in notes}
        self.folders = {s.folder for s in scanned.sources} | {""}
        if not same_site:
            self.note_pages = {}
        return self._publish_all(started, cache)

    # -- incremental updates ---------------------------------------------------
    def apply(self, paths: Iterable[Path | str]) -> Iterator[Update]:
        """Bring the site up to date after these files changed; yields the published steps (none if nothing changed)."""
        started = time.perf_counter()
        paths = [str(p) for p in paths]
        relevant = {rel for rel in (self._relative(p) for p in paths) if rel is not None}
        if not relevant:
            yield from self._owed_step(started)
            return
        if any(unicodedata.normalize("NFC", p) != p for p in paths) or any(self._structural(rel) for rel in relevant):
            yield self.full()
            return
        touched = set()
        for rel in sorted(relevant):
            source, problems = scan_file(self.config, rel)
            before = self.sources.get(rel)
            if _same(before, source) and self.scan_problems.get(rel, ()) == problems:
                continue  # saved unchanged, or an editor's temporary file come and gone
            touched.add(rel)
            note = self.notes.pop(rel, None)
            self.sources.pop(rel, None)
            self.scan_problems.pop(rel, None)
            if problems:
                self.scan_problems[rel] = problems
            if source is not None:
                self.sources[rel] = source
                if source.kind == "note":
                    self.notes[rel] = note if note is not None and _same(before, source) else parse_note(source, self.config)
        if touched:
            yield from self._publish_steps(started, touched)
        else:
            yield from self._owed_step(started)

    def _owed_step(self, started: float) -> Iterator[Update]:
        """The second step a cut-short rebuild left, when the changes that cut it short change nothing."""
        if self.second_step_owed:
            self.second_step_owed = False
            yield self._publish_all(started, None)

    def _relative(self, path: Path | str) -> str | None:
        """The NFC vault path of a changed file, or None when scan would never read it."""
        try:
            rel = Path(os.path.abspath(path)).relative_to(self.vault).as_posix()
        except ValueError:
            return None
        rel = unicodedata.normalize("NFC", rel)
        if rel in ("", "."):
            return None
        if rel == CONFIG_NAME or rel == "theme" or rel.startswith("theme/"):
            return rel
        folders = rel.split("/")[:-1]
        if any(part.startswith(".") for part in folders) or not is_published_name(rel, self.config):
            return None
        return rel

    def _structural(self, rel: str) -> bool:
        """A change that a one-file read cannot follow: config, theme, folders, names that are not NFC."""
        if rel == CONFIG_NAME or rel == "theme" or rel.startswith("theme/"):
            return True
        path = self.vault / rel
        folder = rel.rsplit("/", 1)[0] if "/" in rel else ""
        if path.is_dir() or folder not in self.folders:
            return True
        return any(p.startswith(rel + "/") for p in self.folders)  # a folder was deleted or renamed

    # -- publishing ---------------------------------------------------------
    def _link(self) -> tuple[ScanResult, Site]:
        sources = tuple(self.sources[p] for p in sorted(self.sources))
        problems = tuple(d for p in sorted(self.scan_problems) for d in self.scan_problems[p])
        scanned = ScanResult(sources, problems)
        notes = [self.notes[p] for p in sorted(self.notes)]
        return scanned, link_site(notes, sources, self.config)

    def _publish_steps(self, started: float, touched: set[str]) -> Iterator[Update]:
        """Two steps: the pages of the notes that changed (what the editor looks at), then everything else."""
        scanned, site = self._link()
        renderer = SiteRenderer(site)
        fresh: dict[str, _KeptPage] = {}
        for path in sorted(touched):
            if path in site.by_path:
                page = renderer.note_page(site.by_path[path])
                fresh[path] = _KeptPage((), page)  # its key comes with the second step
        old = self.snapshot
        files = dict(old.files)
        sources = dict(old.sources)
        for path in set(self.note_pages) - set(site.by_path):
            gone = output_path(self.note_pages.pop(path).page.url)
            files.pop(gone, None)
            sources.pop(gone, None)
        for path, held in fresh.items():
            previous = self.note_pages.get(path)
            if previous is not None and previous.page.url != held.page.url:
                files.pop(output_path(previous.page.url), None)
                sources.pop(output_path(previous.page.url), None)
            self.note_pages[path] = held
            files[output_path(held.page.url)] = held.page.data
            sources[output_path(held.page.url)] = path
        for rel in touched:
            old_url = old.site.urls.get(rel) if old.site else None
            if old_url and rel not in site.urls:
                files.pop(old_url.lstrip("/"), None)
            if rel in site.urls and rel in self.sources and self.sources[rel].kind == "asset":
                if old_url and old_url != site.urls[rel]:
                    files.pop(old_url.lstrip("/"), None)
                files[site.urls[rel].lstrip("/")] = self.sources[rel].data
        diagnostics = collect_diagnostics(self.config, scanned, site)
        first = self._snapshot(files, sources, diagnostics, site, old.pages, "")
        self.second_step_owed = True
        yield self._update(first, old, started, final=False)
        keys = note_page_keys(site, render_salt(self.site_fp, renderer.site_ctx))
        for path, held in fresh.items():
            held.key = keys[path]
        self.second_step_owed = False
        yield self._publish_all(started, None, site=site, scanned=scanned, keys=keys, diagnostics=diagnostics, since=old,
                                renderer=renderer)

    def _publish_all(self, started: float, cache, site: Site | None = None, scanned: ScanResult | None = None,
                     keys: dict | None = None, diagnostics=None, since: Snapshot | None = None,
                     renderer: SiteRenderer | None = None) -> Update:
        """Render every page (unchanged note pages reused), run the site-wide emitters, publish."""
        cache = cache or NoCache()
        if site is None:
            scanned, site = self._link()
        renderer = renderer or SiteRenderer(site)
        salt = render_salt(self.site_fp, renderer.site_ctx)
        if keys is None:
            keys = note_page_keys(site, salt)
        stored = cache.stored_pages({p: k for p, k in keys.items() if p not in self.note_pages
                                     or self.note_pages[p].key != k})

        def reuse(note: Note) -> Page | None:
            held = self.note_pages.get(note.path)
            if held is not None and held.key == keys[note.path]:
                return held.page
            return stored.get(note.path)

        pages = render_site(site, reuse=reuse, renderer=renderer, keep=self._generated_keeper(renderer, salt))
        cache.store_pages(keys, pages, {**stored, **{p: h.page for p, h in self.note_pages.items()}})
        for page in pages:
            held = self.note_pages.get(page.source)
            if page.source in keys and (held is None or held.page is not page):
                self.note_pages[page.source] = _KeptPage(keys[page.source], page)
        for path in set(self.note_pages) - set(keys):
            del self.note_pages[path]
        extra = site_files(site, tuple(page.info() for page in pages), self.config)
        files: dict[str, bytes] = {}
        sources: dict[str, str] = {}
        for page in pages:
            name = output_path(page.url)
            files[name] = page.data
            if page.source:
                sources[name] = page.source
        for path in site.assets:
            files[site.urls[path].lstrip("/")] = self.sources[path].data
        files.update(extra)
        if diagnostics is None:
            diagnostics = collect_diagnostics(self.config, scanned, site)
        old = since or self.snapshot
        snapshot = self._snapshot(files, sources, diagnostics, site, pages, inputs_digest(self.site_fp, scanned))
        return self._update(snapshot, old, started, final=True)

    def _generated_keeper(self, renderer: SiteRenderer, salt: str):
        """`keep` for render_site: a generated page whose key is the one it had last time is the page held then;
        the pages of names no longer generated are let go."""
        keys = generated_page_keys(renderer, salt)
        for name in set(self.generated) - set(keys):
            del self.generated[name]

        def keep(name: str, make) -> Page:
            held = self.generated.get(name)
            if held is None or held.key != keys[name]:
                held = self.generated[name] = _KeptPage(keys[name], make())
            return held.page
        return keep

    def _snapshot(self, files, sources, diagnostics, site, pages, inputs) -> Snapshot:
        problems: dict[str, list[Diagnostic]] = {}
        for d in diagnostics:
            if d.severity in SHOWN:
                problems.setdefault(d.path, []).append(d)
        problems = {path: found for path, found in problems.items() if any(_unreadable(d) for d in found)}
        banner = tuple(d.format() for d in diagnostics if d.path == CONFIG_NAME and d.severity is Severity.ERROR)
        known = set(diagnostics)
        self.new_diagnostics = tuple(sorted(known - self.known_diagnostics, key=lambda d: (d.path, d.line, d.column, d.rule)))
        self.known_diagnostics = known
        return Snapshot(files, sources, {p: tuple(sorted(set(ds))) for p, ds in problems.items()},
                        banner, site, tuple(pages), inputs)

    def _update(self, snapshot: Snapshot, old: Snapshot, started: float, final: bool) -> Update:
        changed = {name for name, data in snapshot.files.items() if old.files.get(name) is not data
                   and old.files.get(name) != data}
        changed |= set(old.files) - set(snapshot.files)
        for name, path in snapshot.sources.items():
            if old.problems.get(path, ()) != snapshot.problems.get(path, ()):
                changed.add(name)
        if old.banner != snapshot.banner:
            changed |= {n for n in snapshot.files if n.endswith(".html")}
        new, self.new_diagnostics = self.new_diagnostics, ()
        self.snapshot = snapshot
        return Update(snapshot, frozenset(changed), time.perf_counter() - started, final, new)

    def failed(self, message: str) -> Update:
        """Publish the last good site with a banner saying the rebuild failed."""
        old = self.snapshot
        snapshot = Snapshot(old.files, old.sources, old.problems, old.banner + (message,),
                            old.site, old.pages, old.inputs)
        return self._update(snapshot, old, time.perf_counter(), final=True)


def _same(a: Source | None, b: Source | None) -> bool:
    """Whether two reads of a file give the same source (both absent, or same kind, draft state and bytes)."""
    if a is None or b is None:
        return a is b
    return (a.kind, a.draft, a.digest) == (b.kind, b.draft, b.digest)


def _same_note(note: Note, source: Source) -> bool:
    """Whether a parsed note is still the parse of this source (same bytes, same draft state)."""
    return note.digest == source.digest and note.draft == source.draft


def _unreadable(d: Diagnostic) -> bool:
    """An error, or a file that could not be read as written: worth interrupting the editor for."""
    return d.severity is Severity.ERROR or d.rule.startswith(READING_RULES)


def _by_path(diagnostics: Iterable[Diagnostic]) -> dict[str, tuple[Diagnostic, ...]]:
    grouped: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        grouped.setdefault(d.path, []).append(d)
    return {path: tuple(ds) for path, ds in grouped.items()}
