"""The build pipeline: config → scan → parse → link → render → emit.

A thin orchestration: each stage is a pure function of what the previous
ones returned; diagnostics from all of them are gathered in one list.
"""

from __future__ import annotations

import gc
import time
from contextlib import ExitStack
from dataclasses import dataclass, replace
from functools import partial
from itertools import count
from pathlib import Path
from typing import Callable, Iterator

from cartel import COLLECTOR_THRESHOLDS
from cartel.cache import open_cache
from cartel.check.configure import configure
from cartel.config import Config, load_config
from cartel.diagnostics import Diagnostic, Severity, diag
from cartel.directory import read_directories
from cartel.emit import TreeListing, check_output_dir, emit_site, remove_stale_staging, robots, sitemaps
from cartel.feed import atom_feed
from cartel.link import Site, link_site
from cartel.parse import Note, parse_note
from cartel.parse.beside import BESIDE_FROM, parse_beside
from cartel.parse.packed import BodyShelf, pack_note, packs_notes, plain_note
from cartel.render import PageInfo, iter_pages, static_files
from cartel.scan import ScanResult, scan_vault, without_note_contents
from cartel.search import EarlyIndex, IndexJob, Memo, PagefindError, find_executable

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class BuildResult:
    """What a build did, for the command to report."""

    output: Path
    pages: int
    diagnostics: tuple[Diagnostic, ...]
    seconds: float

    def count(self, severity: Severity) -> int:
        """How many diagnostics of a severity."""
        return sum(1 for d in self.diagnostics if d.severity is severity)


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


def load_site(vault: Path, output: Path | None = None, progress: Progress = _no_progress,
              use_cache: bool = False, heap: LongLivedHeap | None = None) -> tuple[Config, ScanResult, Site]:
    """config, scan, parse and link: everything `check` and `build` share; `use_cache` parses through the build cache;
    the notes and the site settle in `heap` (the caller's, entered) as they are made."""
    heap = heap or LongLivedHeap()  # one not entered changes nothing
    config = load_config(vault)
    scanned = scan_vault(config, output)
    sources = [s for s in scanned.sources if s.kind == "note"]
    notes = open_cache(Path(vault), config, use_cache).parse(
        sources, lambda missing: parse_all(missing, config, progress, beside=True), keep=heap.settling(plain_note))
    heap.settled()
    site = link_site(notes, scanned.sources, config)
    heap.settled()
    return config, scanned, site


def parse_all(sources, config: Config, progress: Progress = _no_progress, beside: bool = False) -> Iterator[Note]:
    """Parse every note source, one at a time, in order; `beside`: with a helper process when there are many
    (cartel.parse.beside), whose notes come packed."""
    total = len(sources)
    if beside and total >= BESIDE_FROM:
        notes = parse_beside(sources, config, partial(parse_note, config=config))
    else:
        notes = (parse_note(source, config) for source in sources)
    for i, note in enumerate(notes, 1):
        yield note
        if i % 200 == 0 or i == total:
            progress("parse", i, total)


def collect_diagnostics(config: Config, scanned: ScanResult, site: Site) -> tuple[Diagnostic, ...]:
    """Every diagnostic of the stages up to link, as cartel.toml and each note's `cartel-ignore` ask (cartel.check.configure)."""
    from cartel.check import config_problems  # the rule registry: heavy, and it imports the stages

    found = list(config.diagnostics) + config_problems(config) + list(scanned.diagnostics) + list(site.diagnostics)
    for note in site.notes:
        found.extend(note.diagnostics)
    return configure(found, config, site.notes)


def build_site(vault: Path, output: Path | None = None, progress: Progress = _no_progress,
               use_cache: bool = True) -> BuildResult:
    """Build the vault into `output` (default `VAULT/_site`), atomically; the cache (cartel.cache) skips what has not changed."""
    started = time.perf_counter()
    vault = Path(vault).resolve()
    output = Path(output).resolve() if output else vault / "_site"
    check_output_dir(vault, output)
    remove_stale_staging(output)  # even when nothing changed, what a killed build left goes
    config = load_config(vault)
    # The cache is closed once done (its database is left whole), after the spare tree's listing is stopped.
    with open_cache(vault, config, use_cache) as cache, ExitStack() as stack, LongLivedHeap() as heap:
        scanned = scan_vault(config, output, cache.known_notes())  # notes known unchanged are not read
        unchanged = cache.unchanged_build(scanned, output)
        if unchanged is not None:
            return BuildResult(output, unchanged.pages, unchanged.diagnostics, time.perf_counter() - started)
        spare = cache.spare_tree(output)
        if spare is not None:  # what the spare tree holds is read beside parse and link
            spare = replace(spare, listing=stack.enter_context(TreeListing(spare.folder)))
        problems: list[Diagnostic] = []
        note_count = sum(1 for s in scanned.sources if s.kind == "note")
        early = start_early_index(config, index_size(config, scanned), cached=cache.memo("search").keeps)
        search = None
        try:
            # The sources are not kept in a variable: the notes' bytes must go with the scan's, once parsed.
            # The other core is free to parse unless the whole index is begun during parse; the helper's notes
            # come packed, and are unpacked here when the build keeps notes as parsed.
            beside = not (early is not None and early.enabled and early.takes_other_core)
            notes = cache.parse([s for s in scanned.sources if s.kind == "note"],
                                lambda missing: parse_all(missing, config, progress, beside), early.add if early else None,
                                heap.settling(note_keeper(config, note_count) or plain_note))
            scanned = without_note_contents(scanned)
            heap.settled()
            site = link_site(notes, scanned.sources, config)
            heap.settled()
            search = start_search(site, cache.memo("search"), problems, early)
            data = {s.path: s.data for s in scanned.sources}
            # Pages are rendered as emit writes them, and let go once written.
            late = [partial(site_files, config=config), partial(search_files, search=search, problems=problems)]
            written = emit_site(site, cache.render(site, iter_pages), data, output, late, spare)
            progress("render", written.pages, written.pages)
        finally:  # a build that failed or was interrupted waits for no Pagefind process
            if search is not None:
                search.cancel()
            elif early is not None:
                early.close()
        progress("emit", 1, 1)
        diagnostics = collect_diagnostics(config, scanned, site) + tuple(problems)
        cache.record_build(scanned, output, written.pages, diagnostics)
        return BuildResult(output, written.pages, diagnostics, time.perf_counter() - started)


SETTLE_EVERY = 1000  # notes kept between two settlings of the heap during parse


class LongLivedHeap:
    """How a build (or a check) holds what it makes, while entered.

    The notes and the linked site live to the end: as they are made, the
    collector is told to leave them alone (`gc.freeze`) instead of going
    through millions of objects again (collections in a 100,000-note build:
    2.74 -> 1.67 s). And the collector runs with the command's thresholds
    (`cartel.COLLECTOR_THRESHOLDS`) when a build or check is run from Python
    with lower ones. On exit the collector is as it was. A caller that froze
    objects itself, or turned automatic collection off, is left as it was:
    nothing is frozen nor tuned; nor is anything by a heap not entered.
    """

    ours = False  # whether the collector is this heap's to tune: only once entered, and not frozen by the caller

    def __enter__(self) -> "LongLivedHeap":
        self.thresholds = gc.get_threshold()
        self.ours = gc.get_freeze_count() == 0 and self.thresholds[0] > 0
        if self.ours and self.thresholds[0] < COLLECTOR_THRESHOLDS[0]:
            gc.set_threshold(*COLLECTOR_THRESHOLDS)
        return self

    def settled(self) -> None:
        """What exists now lives to the end."""
        if self.ours:
            gc.freeze()

    def settling(self, keep: Callable[[Note], Note], every: int = SETTLE_EVERY) -> Callable[[Note], Note]:
        """`keep`, and the heap settled after every `every` notes kept: the notes kept so far live to the end, and
        a long parse's collections would otherwise go through them again and again."""
        kept = count(1)

        def keep_and_settle(note: Note) -> Note:
            note = keep(note)
            if next(kept) % every == 0:
                self.settled()
            return note
        return keep_and_settle

    def __exit__(self, *exc) -> None:
        if self.ours:
            gc.unfreeze()
            gc.set_threshold(*self.thresholds)


def note_keeper(config: Config, notes: int) -> Callable[[Note], Note] | None:
    """How a build of `notes` notes keeps each parsed note until render: packed (cartel.parse.packed) from
    `[build] pack_notes_from` notes on, else as parsed (None)."""
    if not packs_notes(config, notes):
        return None
    return partial(pack_note, shelf=BodyShelf())


def start_early_index(config: Config, items: int, cached: bool = False) -> EarlyIndex | None:
    """The search index of `items` pages and records begun while the notes are parsed (cartel.search.EarlyIndex),
    by a build that keeps its search shards in the cache when `cached`; None without Pagefind."""
    try:
        find_executable()
    except PagefindError:
        return None  # start_search reports it
    return EarlyIndex(config, items, cached)


def index_size(config: Config, scanned: ScanResult) -> int:
    """How many pages and records the search index will hold: the published notes and the directories' rows
    (read here as link reads them), so that the index begun during parse is cut into as many shards as the
    site's (cartel.search.site_shard_count)."""
    directories, _ = read_directories(config.directories, scanned.sources)
    return sum(1 for s in scanned.sources if s.kind == "note" and not s.draft) + sum(len(d.rows) for d in directories)


def start_search(site: Site, memo: Memo, problems: list[Diagnostic], early: EarlyIndex | None = None) -> IndexJob | None:
    """The search index, finished or made in a thread as soon as the site is linked; None (and a diagnostic) when
    Pagefind cannot start."""
    try:
        find_executable()
    except PagefindError as error:
        problems.append(search_failure(error))
        return None
    return IndexJob(site, memo, early)


def search_files(site: Site, pages: tuple[PageInfo, ...], search: IndexJob | None,
                 problems: list[Diagnostic]) -> Iterator[tuple[str, bytes]]:
    """Late emitter: the search bundle's files, once it is made (asked when the pages are written), a shard at a
    time; a Pagefind failure is a diagnostic in `problems`, and the site is published without search."""
    if search is None:
        return
    try:
        bundle = search.result()
        if bundle is not None:
            yield from bundle.files()  # a shard the cache lost meanwhile is indexed again here
    except PagefindError as error:
        problems.append(search_failure(error))


def search_failure(error: Exception) -> Diagnostic:
    """The diagnostic of a search index that could not be built."""
    return diag("cartel.toml", 1, "search-index-failed", Severity.WARNING,
                f"the search index could not be built ({error}); the site is published without search",
                "reinstall cartel's dependencies (pip install pagefind-bin), then build again")


def site_files(site: Site, pages: tuple[PageInfo, ...], config: Config) -> dict[str, bytes]:
    """Site-wide outputs besides pages, from every registered emitter."""
    extra: dict[str, bytes] = {}
    for emitter in EMITTERS:
        extra.update(emitter(site, pages))
    return extra


def theme_static(site: Site, pages: tuple[PageInfo, ...]) -> dict[str, bytes]:
    """The theme's static files under `/_cartel/`."""
    return {f"_cartel/{name}": data for name, data in static_files(site.config).items()}


def sitemap_and_robots(site: Site, pages: tuple[PageInfo, ...]) -> dict[str, bytes]:
    """`sitemap.xml` (and the sitemaps it lists, on a large site) and `robots.txt`."""
    return {**sitemaps(site, pages), "robots.txt": robots(site)}


# Site-wide emitters: each maps (site, pages) to {output path: bytes}. Adding an output is adding one here.
EMITTERS: list[Callable[[Site, tuple[PageInfo, ...]], dict[str, bytes]]] = [
    theme_static,
    sitemap_and_robots,
    atom_feed,
]

