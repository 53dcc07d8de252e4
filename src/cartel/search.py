"""Emitter `search`: a Pagefind index of the site, made in process (no Node, no CDN).

Each published note becomes one Pagefind record: the text of its Markdown
blocks (what its page's article shows, without menus, backlinks or graph),
its real title, type and summary as metadata, its type and tags as filters;
each directory row becomes a record linking to its directory page filtered
on it (`?q=name`). The index is forced to the site's language (French
stemming by default). Only what `pagefind.js` needs at search time is kept:
cartel has its own small UI (theme/static/search.js, search-ui.js,
search.css), so Pagefind's UI bundles and web worker are not published.

A large site's index is cut into shards by a hash of each URL (about
`[build] search_shard_size` pages and records each, a power of two, at most
16): the first shard with records is Pagefind's main bundle `pagefind/`, the
others `pagefind/shard-N/`, merged into it by the UI (`mergeIndex`, sharing
its script and WebAssembly). Each shard is kept in the build cache under a
digest of what its records are made from (`shard_key`), so a build after one
note changed re-indexes only the shards whose records changed; a build with
the cache reads each shard back from it as emit writes the shard's files
(`SearchBundle`), so a large site's index is never all held. With the
cache, Pagefind writes each shard into a folder of the cache instead of
handing its files over, and so compresses and writes only the files that
changed since the last build (`KeptFolder`).

Measured choices (bench/RESULTS.md):
- records made from the notes, not pages: Pagefind parses no HTML (40 %
  less of its time per page), and the index is made beside the build on
  the other core. For an index of one shard, each note's record is sent
  as the note is parsed (`EarlyIndex`, its URL guessed from the note and
  checked once link has run); link's end only adds the directory rows and
  asks for the files, in a thread while pages render and are written
  (`IndexJob`). Pagefind's service indexes on one core: started after
  link, it was the last thing a 4,000-note build waited for (5.75 s in
  all; 4.4 s begun during parse). In a sharded index, a build with the
  cache begins so the shard of its first changed note (20,000 notes, one
  changed: the shard's files at 5.8 s instead of 6.5 s).
  Sending each rendered page while it rendered made the index finish 2 s
  after the pages.
- cartel talks to the `pagefind` binary (found by the `pagefind` package,
  shipped by `pagefind-bin`) over its service protocol itself, instead of
  through `pagefind.PagefindIndex`: that asyncio wrapper sleeps 100 ms before
  reading each response (0.1 s per record added: 400 s for 4,000 notes) and
  refuses any response over 2 MiB, which `get_files()` exceeds on a large site.
- shards cost readers bytes: each query loads a chunk of every shard, so a
  4,000-note site in 8 shards downloads 1.5 to 2.4 times what one index costs;
  hence the large default shard size.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import importlib
import json
import os
import queue
import shutil
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Callable, Iterable, Iterator
from urllib.parse import quote

from cartel.directory import Directory, DirectoryRow
from cartel.i18n import load_strings
from cartel.config import Config
from cartel.emit import file_digest
from cartel.link import Site
from cartel.model import parse_question, parse_resource
from cartel.parse import Note
from cartel.render import entry_summary, note_summary

BUNDLE = "pagefind"
ENTRY = "pagefind-entry.json"
ENTRY_NAME = "/entry"  # a shard's entry file in the build cache: its key and this
STRINGS_FILE = "_cartel/search-strings.json"
# What pagefind.js loads at search time; everything else Pagefind writes is its own UI.
_KEPT_PREFIXES = ("index/", "fragment/", "filter/", "pagefind.js", "pagefind-entry.json", "pagefind.", "wasm.")
_DROPPED = ("pagefind-ui", "pagefind-modular-ui", "pagefind-component-ui", "pagefind-highlight", "pagefind-worker")
# Loaded once, from the main shard: merged shards share its script and WebAssembly.
_MAIN_ONLY = ("pagefind.js", "wasm.")
# Shards: at most this many, whatever [build] search_shard_size asks (each query loads a piece of every shard).
MAX_SHARDS = 16
# Messages written to Pagefind in one write.
WRITE_BATCH = 256
# Records the early index hands its sending thread at a time.
EARLY_BATCH = 32
# Notes parsed afresh past which a vault of several shards stops the shard it began during parse.
EARLY_CHANGES = 100
# Pagefind processes indexing shards at the same time (each uses every core for parsing; two keep both busy).
PARALLEL_SHARDS = 2
# The strings the search UI shows, sent to the browser as JSON.
UI_STRINGS = ("search", "search_label", "search_placeholder", "search_button", "search_results_one", "search_results_many",
              "search_no_result", "search_try", "search_without_filters", "search_clear_filters", "search_see_all",
              "search_filter_type", "search_filter_tag", "search_more", "search_loading", "search_unavailable",
              "search_browse", "search_filters", "questions", "resources", "tags",
              "type_question", "type_resource", "type_page", "directory")


class PagefindError(RuntimeError):
    """The Pagefind binary is missing or failed."""


@dataclass(frozen=True)
class Record:
    """One search result: a note, or one row of a directory."""

    url: str
    title: str
    content: str
    summary: str
    kind: str = "directory"
    tags: tuple[str, ...] = ()


def search_index(site: Site, memo: Memo | None = None, on_service=None) -> dict[str, bytes]:
    """Emitter: the search bundle (`pagefind/`, its shards, the UI settings) of the site's notes and directory rows."""
    return dict(index_site(site, memo, on_service).files())


def index_site(site: Site, memo: Memo | None = None, on_service=None) -> SearchBundle:
    """The site's index, made; its files are given as they are written (`SearchBundle.files`).

    The index is made from the notes as parsed and linked, not from the rendered
    pages, so it can be made while the pages render. Shards whose records are
    unchanged come from `memo` (the build cache); the others are sent to
    Pagefind, two at a time, and kept in `memo`. `on_service(service)` sees each
    Pagefind process started.
    """
    language = search_language(site)
    config = index_config(site.config)
    shards = split_shards(site, site_shard_count(site))
    memo = memo or Memo()
    keys = {shard.index: shard_key(site, shard, config, len(shards), memo.salt) if memo.keeps else "" for shard in shards}
    entries: dict[int, bytes] = {}
    missing = []
    for shard in shards:
        entry = memo.load(keys[shard.index] + ENTRY_NAME)  # the shard's files are read only when written
        if isinstance(entry, bytes):
            entries[shard.index] = entry
        else:
            missing.append(shard)
    held = {}
    for shard, files in zip(missing, index_shards(site, missing, config, language, on_service, memo)):
        entries[shard.index] = files[ENTRY]
        keep_shard(memo, keys[shard.index], files)
        if not memo.keeps:
            held[shard.index] = files
    memo.keep(memo_names(keys.values()))
    return SearchBundle(site, tuple(shards), keys, entries, held, memo, config, language)


class SearchBundle:
    """A site's index once made, its files given shard by shard as they are written (`files`).

    A shard the build cache keeps is read from it then, not held meanwhile:
    the index of a large site is hundreds of MB. A shard the cache has let go
    of since (a failed write) is indexed again.
    """

    def __init__(self, site: Site, shards: tuple[Shard, ...], keys: dict[int, str], entries: dict[int, bytes],
                 held: dict[int, dict[str, bytes]], memo: Memo, config: dict, language: str):
        self.site, self.shards, self.keys, self.entries, self.held = site, shards, keys, entries, held
        self.memo, self.config, self.language = memo, config, language

    def files(self) -> Iterator[tuple[str, bytes]]:
        """Every file of the bundle, with its path in the site, shard after shard."""
        return bundle_files_of([self.entries[shard.index] for shard in self.shards], self._files_of,
                               self.site.config.language)

    def _files_of(self, position: int) -> dict[str, bytes]:
        shard = self.shards[position]
        files = self.held.get(shard.index) or self.memo.load(self.keys[shard.index])
        if not isinstance(files, dict):
            files = index_shard(self.site, shard, self.config, self.language)
        return files


class IndexJob:
    """`search_index` run in a thread while the site renders and is written, finishing an `EarlyIndex` if any.

    `result` waits for the bundle; `cancel` (a build that failed or was
    interrupted) stops the Pagefind processes so that nothing waits for them.
    """

    def __init__(self, site: Site, memo: Memo | None = None, early: EarlyIndex | None = None):
        self.services: list[PagefindService] = []
        self.early = early
        self.cancelled = False
        self.bundle: SearchBundle | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(site, memo or Memo()), name="cartel-search", daemon=True)
        self.thread.start()

    def result(self) -> SearchBundle | None:
        """The search bundle (None when cancelled); what the indexing raised (PagefindError when Pagefind failed)
        is raised here."""
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.bundle

    def cancel(self) -> None:
        """Stop every Pagefind process of this job; the thread ends soon after."""
        self.cancelled = True
        if self.early is not None:
            self.early.cancel()
        for service in list(self.services):
            service.stop()

    def _run(self, site: Site, memo: Memo) -> None:
        lower_thread_priority()
        try:
            bundle = self.early.finish(site, memo) if self.early is not None else None
            if bundle is None and not self.cancelled:  # no early index, or not the site's: index it now
                bundle = index_site(site, memo, self._started)
            self.bundle = bundle
        except BaseException as error:  # raised again by `result`, in the build's thread
            self.error = error

    def _started(self, service: "PagefindService") -> None:
        self.services.append(service)
        if self.cancelled:
            service.stop()


class EarlyIndex:
    """The search index begun while the notes are parsed, before link has given them their URLs.

    Each published note's record is guessed from the note alone
    (`early_record`) as the note comes out of parse, and a thread sends it to
    Pagefind, which indexes on the other core while Python parses. `finish`,
    once the site is linked, compares the site's records with the ones sent
    (what link gives of them: the path, URL and summary of each): when they
    begin the same, it sends the rest (the directory rows) and asks for the
    files; any difference (a URL collision) stops it, and the index is made
    from the linked site as before. It starts with the first note of a build
    that parses any note afresh: notes all taken from the build cache most
    likely have their index in the cache too.

    A vault of several shards is begun early only by a build with the cache
    (`cached`), and only the shard of the first note parsed afresh: the
    notes offered before it wait (`waiting`, the notes themselves, not their
    records), then the records of that shard's notes are sent as they come.
    `finish` keeps that shard in the build cache and gives None: the site's
    index is then made as before (`index_site`), which finds it there and
    makes only the other shards that changed. After more than
    `EARLY_CHANGES` notes parsed afresh (a setting changed, a pull of many
    edits), the shard is stopped: such a build parses beside a helper process
    and indexes its shards after link, two at a time.
    """

    def __init__(self, config: Config, items: int, cached: bool = False):
        self.language = language_code(config.language)
        self.config = index_config(config)
        self.count = shard_count(items, config.search_shard_size)  # `items`: the site's notes and directory rows
        self.enabled = self.count == 1 or cached
        self.takes_other_core = self.count == 1  # while parse runs: no helper process then (cartel.parse.beside)
        self.target = 0 if self.count == 1 else None  # the shard begun: with several, the first changed note's
        self.waiting: list[Note] = []  # notes offered before `target` was known
        self.fresh = 0  # notes parsed afresh so far
        self.offered: list[tuple[str, str, str]] = []  # path, URL and summary of each note's record sent
        self.queue: queue.SimpleQueue[list[Record] | None] = queue.SimpleQueue()
        self.unsent: list[Record] = []  # handed to the thread a batch at a time: it wakes up less
        self.thread: threading.Thread | None = None
        self.service: PagefindService | None = None
        self.sent: list[int] = []  # ids of the AddRecord messages, whose answers `finish` checks
        self.background = True  # Pagefind at low priority (`add`)
        self.index_id = 0
        self.stopped = False
        self.lock = threading.Lock()

    def add(self, note: Note, changed: bool, parsed: bool = True) -> None:
        """Offer the next note in path order, `changed` when the build parses any note afresh (not all of them
        taken from the build cache): Pagefind then starts at once; `parsed` when this note was.

        Pagefind runs at low priority when it starts with a note parsed afresh:
        the build is parsing, and the pages wait on it more than on the index. It
        starts with a note from the cache when few notes changed: then the index
        is what the build waits for last, and it runs at normal priority.
        """
        if not self.enabled or note.draft:
            return
        if self.count > 1:
            self._offer_to_shard(note, parsed)
            return
        self._offer(note, changed, background=parsed)

    def _offer_to_shard(self, note: Note, parsed: bool) -> None:
        """`add` in a vault of several shards: the note waits, starts the shard, or goes to it if it is its own."""
        self.fresh += parsed
        if self.fresh > EARLY_CHANGES:
            self.close()  # many changes: indexed after link, shard by shard
            return
        if self.target is None:
            if not parsed:
                self.waiting.append(note)
                return
            self.target = shard_of(note.declared_url, self.count)
            waiting, self.waiting = self.waiting, []
            for earlier in waiting:
                if shard_of(earlier.declared_url, self.count) == self.target:
                    self._offer(earlier, True, background=False)
        if shard_of(note.declared_url, self.count) == self.target:  # its record only then: it unpacks its body
            self._offer(note, True, background=False)  # few changes: the build waits on this shard last

    def _offer(self, note: Note, changed: bool, background: bool) -> None:
        """Hand the note's record to the sending thread, started by the first record of a changed build, at low
        priority when `background`."""
        record = early_record(note)
        self.offered.append((note.path, record.url, record.summary))
        self.unsent.append(record)
        if self.thread is None and changed:
            self.background = background
            self.thread = threading.Thread(target=self._feed, name="cartel-early-index", daemon=True)
            self.thread.start()
        if self.thread is not None and len(self.unsent) >= EARLY_BATCH:
            self.queue.put(self.unsent)
            self.unsent = []

    def finish(self, site: Site, memo: Memo) -> SearchBundle | None:
        """The search bundle from the records sent, when the site's records begin with them; else None, Pagefind
        stopped. With several shards, None once the shard begun is kept in `memo`."""
        try:
            return self._finish(site, memo) if self._sent_all() else None
        except PagefindError:
            return None
        finally:
            self.close()

    def cancel(self) -> None:
        """Stop Pagefind (from any thread); `finish` then gives None."""
        with self.lock:
            self.stopped = True
            if self.service is not None:
                self.service.stop()

    def close(self) -> None:
        """Stop Pagefind and wait for it and the sending thread."""
        self.enabled = False
        self.cancel()
        self._sent_all()
        if self.service is not None:
            self.service.__exit__(None, None, None)
            self.service = None

    def _sent_all(self) -> bool:
        """Wait for the sending thread to send what it was given; whether Pagefind took it all so far."""
        if self.thread is None:
            return False
        self.queue.put(self.unsent)
        self.unsent = []
        self.queue.put(None)
        self.thread.join()
        return self.service is not None and not self.stopped

    def _feed(self) -> None:
        if self.background:
            lower_thread_priority()
        try:
            with self.lock:
                if self.stopped:
                    return
                self.service = PagefindService().__enter__()
            self.index_id = self.service.request({"type": "NewIndex", "config": self.config})["index_id"]
            while (batch := self.queue.get()) is not None:
                self._send(batch)
        except PagefindError:
            self.cancel()  # the index made after link reports why

    def _send(self, records: list[Record]) -> None:
        self.sent += self.service.send_many([record_request(self.index_id, record, self.language) for record in records])

    def _finish(self, site: Site, memo: Memo) -> SearchBundle | None:
        shards = split_shards(site, site_shard_count(site))
        if len(shards) != self.count or index_config(site.config) != self.config or (self.count > 1 and not memo.keeps):
            return None
        shard = shards[self.target]
        sent = len(self.offered)
        # The rest of a note's record is read from the note itself, the very one link was given (or the same,
        # packed): only its URL and summary come from link, and only those are compared.
        if [offered(site, entry) for entry in shard.entries[:sent]] != self.offered:
            return None
        key = shard_key(site, shard, self.config, self.count, memo.salt) if memo.keeps else ""
        files = memo.load(key)
        if not isinstance(files, dict):
            self._send(list(shard_records(site, shard, sent)))
            files = index_files(self.service, self.index_id, self.sent, memo.folder(shard_folder_name(shard.index)))
            keep_shard(memo, key, files)
        if self.count > 1:
            return None  # the other shards are made as before, and this one is found in `memo`
        memo.keep(memo_names([key]))
        return SearchBundle(site, tuple(shards), {0: key}, {0: files[ENTRY]}, {0: files}, memo, self.config,
                            self.language)


def offered(site: Site, entry: Note | Record) -> tuple[str, str, str] | None:
    """What `EarlyIndex` keeps of a note's record it sent (path, URL, summary), as the linked site has them; None
    for a directory row."""
    return (entry.path, site.urls[entry.path], entry_summary(site, entry)) if isinstance(entry, Note) else None


def lower_thread_priority(niceness: int = 10) -> None:
    """Run the calling thread, and the Pagefind processes it starts, at low priority (Linux; elsewhere nothing)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)
    except (AttributeError, OSError):
        pass


def search_language(site: Site) -> str:
    """The language code Pagefind indexes in: the site's, without region (`fr` for `fr-CH`)."""
    return language_code(site.config.language)


def language_code(language: str) -> str:
    """`fr` for `fr-CH`, `FR` or nothing."""
    return (language or "fr").split("-")[0].lower()


def site_shard_count(site: Site) -> int:
    """How many shards this site's index has: by its notes and directory rows."""
    return shard_count(len(site.notes) + sum(len(d.rows) for d in site.directories), site.config.search_shard_size)


def bundle_files_of(entries: list[bytes], files_of: Callable[[int], dict[str, bytes]],
                    language: str) -> Iterator[tuple[str, bytes]]:
    """The published bundle, a shard at a time: the first shard with pages is Pagefind's main bundle (`pagefind/`,
    with the script and WebAssembly), the other shards with pages go to `pagefind/shard-N/` for the UI to merge;
    empty shards are left out. `entries` are the shards' `pagefind-entry.json`, `files_of(i)` the files of shard i."""
    filled = [i for i, entry in enumerate(entries) if json.loads(entry).get("languages")] or [0]
    for number, position in enumerate(filled):
        folder = f"{BUNDLE}/shard-{number}/" if number else f"{BUNDLE}/"
        for name, data in files_of(position).items():
            if not number or not name.startswith(_MAIN_ONLY):
                yield folder + name, data
    yield STRINGS_FILE, ui_strings(language, [f"/{BUNDLE}/shard-{number}/" for number in range(1, len(filled))])


def keep_shard(memo: Memo, key: str, files: dict[str, bytes]) -> None:
    """Keep a shard's files in `memo` under `key`, and its `pagefind-entry.json` apart: a build reads the entry
    when it looks the shard up, and the files (tens of MB in a large site) only when it writes them."""
    memo.save(key, files)
    memo.save(key + ENTRY_NAME, files[ENTRY])


def memo_names(keys: Iterable[str]) -> set[str]:
    """The names `keep_shard` keeps for shards of these keys."""
    return {name for key in keys for name in (key, key + ENTRY_NAME)}


class Memo:
    """Where finished shards are kept between builds; this one keeps nothing (`cartel.cache` has the real one)."""

    keeps = False  # when False, no key is worth computing
    salt = ""  # what a kept shard's key must also depend on (`shard_key`)

    def load(self, name: str):
        """The value saved under `name`, or None."""
        return None

    def save(self, name: str, value) -> None:
        """Keep `value` under `name`."""

    def keep(self, names: set[str]) -> None:
        """Forget every entry but `names`."""

    def folder(self, name: str) -> KeptFolder | None:
        """A folder kept between builds for Pagefind to write the shard `name` into, or None (files handed over)."""
        return None


@dataclass(frozen=True)
class Shard:
    """One part of the search index: the notes and directory rows whose URL hashes to it, notes first.

    It holds notes, not their records: a record holds the note's whole text, so
    records are made when a shard is keyed or indexed, and dropped after.
    """

    index: int
    entries: tuple[Note | Record, ...]


def shard_count(items: int, per_shard: int) -> int:
    """How many shards for `items` pages and records: a power of two (so counts change rarely), at most MAX_SHARDS."""
    needed = max(1, -(-items // max(1, per_shard)))
    return min(MAX_SHARDS, 1 << (needed - 1).bit_length())


def shard_of(url: str, count: int) -> int:
    """The shard of a URL: a stable hash, so a page stays in its shard from build to build."""
    return int.from_bytes(hashlib.sha256(url.encode("utf-8")).digest()[:4], "big") % count


def split_shards(site: Site, count: int) -> list[Shard]:
    """The site's notes (in path order, as parse gives them), then its directory rows, dealt into `count` shards by URL."""
    entries: list[tuple[str, Note | Record]] = [(site.urls[note.path], note) for note in site.notes]
    entries += [(record.url, record) for record in directory_records(site)]
    lists: list[list[Note | Record]] = [[] for _ in range(count)]
    for url, entry in entries:
        lists[shard_of(url, count) if count > 1 else 0].append(entry)
    return [Shard(i, tuple(entries)) for i, entries in enumerate(lists)]


def shard_records(site: Site, shard: Shard, start: int = 0) -> Iterator[Record]:
    """The search records of a shard from its entry `start` on, one at a time, in its order."""
    for entry in shard.entries[start:]:
        yield entry if isinstance(entry, Record) else note_record(site, entry)


def shard_key(site: Site, shard: Shard, config: dict, count: int, salt: str) -> str:
    """A digest of everything the files of a shard of `count` depend on: Pagefind itself, the options, its records.

    A note's record is made from the note as parsed, and so stands for what
    parse read: the note's path, draft flag and source digest, given `salt`,
    the cache's digest of the code and configuration. Its summary is read
    from the note alone too (`entry_summary`: a question's lead, a resource's
    summary, else the first paragraph); only its URL comes from link, and is
    hashed as it is. Making each record (its whole text, unpacked in a large
    vault) and hashing it took 9 s of the build's GIL at 100,000 notes;
    summarising each note, 0.11 s of the 0.21 s the keys took at 20,000.
    """
    digest = hashlib.sha256(json.dumps([_pagefind_identity(), config, shard.index, count, salt], sort_keys=True).encode())
    for entry in shard.entries:
        if isinstance(entry, Record):
            fields = ("row", entry.url, entry.title, entry.content, entry.summary, entry.kind, entry.tags)
        else:
            fields = ("note", entry.path, entry.draft, entry.digest, site.urls[entry.path])
        digest.update(b"\0record\0" + json.dumps(fields, ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()


def index_shards(site: Site, shards: list[Shard], config: dict, language: str,
                 on_service=None, memo: Memo | None = None) -> Iterator[dict[str, bytes]]:
    """Each shard's published files, in order as they are ready, two shards indexed at a time (each by its own
    Pagefind process, writing into the shard's folder of `memo` if it has one)."""
    if not shards:
        return
    memo = memo or Memo()
    with ThreadPoolExecutor(max_workers=min(len(shards), PARALLEL_SHARDS)) as pool:
        yield from pool.map(lambda shard: index_shard(site, shard, config, language, on_service,
                                                      memo.folder(shard_folder_name(shard.index))), shards)


def index_shard(site: Site, shard: Shard, config: dict, language: str, on_service=None,
                folder: KeptFolder | None = None) -> dict[str, bytes]:
    """One shard's files as `pagefind.js` loads them: deterministic, trimmed to what it fetches."""
    requests = (record_request(0, record, language) for record in shard_records(site, shard))
    return build_index(config, requests, on_service, folder)


def shard_folder_name(index: int) -> str:
    """The name of the kept folder Pagefind writes shard `index` into (at most MAX_SHARDS of them)."""
    return f"shard-{index}"


def index_config(config: Config) -> dict:
    """Pagefind's index options: one index in the site's language."""
    return {"force_language": language_code(config.language)}


def build_index(config: dict, requests: Iterable[dict], on_service=None,
                folder: KeptFolder | None = None) -> dict[str, bytes]:
    """The published files of an index of `requests` (AddRecord messages), by relative path; the requests are
    made and sent a batch at a time, never all held (a shard of a large site holds tens of MB of text)."""
    with PagefindService() as service:
        if on_service is not None:
            on_service(service)
        index_id = service.request({"type": "NewIndex", "config": config})["index_id"]
        sent: list[int] = []
        requests = iter(requests)
        while batch := [{**request, "index_id": index_id} for request in islice(requests, WRITE_BATCH)]:
            sent += service.send_many(batch)
        return index_files(service, index_id, sent, folder)


def index_files(service: "PagefindService", index_id: int, sent: list[int],
                folder: KeptFolder | None = None) -> dict[str, bytes]:
    """The published files of an index, once Pagefind has taken each message of `sent` (PagefindError if not):
    written into `folder` when it is given and free, else handed over by Pagefind."""
    service.answers_to(sent)
    files = written_files(service, index_id, folder) if folder is not None else None
    if files is None:
        answer = service.request({"type": "GetFiles", "index_id": index_id})
        files = {f["path"]: base64.b64decode(f["content"]) for f in answer["files"]}
    return published(files)


def published(files: dict[str, bytes]) -> dict[str, bytes]:
    """Pagefind's files as cartel publishes them: deterministic, trimmed."""
    return bundle_files(canonical_filters(files))


def record_request(index_id: int, record: Record, language: str) -> dict:
    """The service message adding one custom record."""
    return {"type": "AddRecord", "index_id": index_id, "url": record.url, "content": record.content,
            "language": language_code(language),
            "meta": {"title": record.title, "type": record.kind, "summary": record.summary},
            "filters": {"type": [record.kind], **({"tag": list(record.tags)} if record.tags else {})}, "sort": None}


def bundle_files(files: dict[str, bytes]) -> dict[str, bytes]:
    """Keep what `pagefind.js` fetches; drop Pagefind's own UI, highlighter, worker and unused stemmers."""
    entry = json.loads(files.get("pagefind-entry.json", b"{}"))
    wasm = {f"wasm.{language['wasm']}.pagefind" for language in entry.get("languages", {}).values()}
    return {path: data for path, data in files.items()
            if path.startswith(_KEPT_PREFIXES) and not path.startswith(_DROPPED)
            and (not path.startswith("wasm.") or path in wasm)}


def ui_strings(language: str, merged: list[str] = ()) -> bytes:
    """The search UI's settings as compact JSON: its strings in the site's language, and the shards to merge."""
    strings = load_strings(language)
    settings = {key: strings.get(key, "") for key in UI_STRINGS}
    settings["merge_indexes"] = list(merged)
    return json.dumps(settings, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


# -- a shard's files written into a kept folder ----------------------------------

_HASHED_FOLDERS = ("fragment", "index", "filter")
LOCK_NAME = ".lock"
# Room a disk must have left for Pagefind to write a shard there: it retries forever a file it cannot create.
MIN_FREE_BYTES = 256 << 20
MIN_FREE_FILES = 100_000
WRITES_TIMEOUT = 30.0  # seconds Pagefind's writes may take to end after it answered WriteFiles


@dataclass(frozen=True)
class KeptFolder:
    """A folder kept between builds (in the build cache) that Pagefind writes one shard's files into.

    Pagefind names its fragments, word chunks, filters and metadata after
    their content, and does not compress or write again a file whose name is
    already in its output folder. After one note changed, it so writes a
    handful of files where GetFiles compresses every one of them again (0.8 s
    instead of 1.7 s at 4,000 notes). The folder's manifest (each such file's
    BLAKE2b digest) is kept in the signed build cache: `load_manifest` gives
    the last one (or None), `save_manifest` keeps the new one. A file no
    manifest vouches for is removed before Pagefind sees it, and one that
    differs from its digest is not published.
    """

    path: Path
    load_manifest: Callable[[], object]
    save_manifest: Callable[[dict[str, str]], None]


def written_files(service: "PagefindService", index_id: int, folder: KeptFolder) -> dict[str, bytes] | None:
    """The index's files as Pagefind writes them into `folder`, where the last index left its files; None when
    the folder is in use by another build, cannot be written, holds a file its manifest does not match, or
    Pagefind's writes cannot be seen to end (`wait_for_writes`)."""
    lock = lock_folder(folder.path)
    if lock is None:
        return None
    with lock:
        manifest = folder.load_manifest()
        manifest = manifest if isinstance(manifest, dict) else {}
        try:
            clear_folder(folder.path, keep=set(manifest))
        except OSError:
            return None
        service.request({"type": "WriteFiles", "index_id": index_id, "output_path": str(folder.path)})
        try:
            files = read_written_bundle(folder.path) if wait_for_writes(service.process.pid, folder.path) else None
        except (OSError, ValueError, KeyError, IndexError, TypeError, PagefindError):
            files = None
        digests = {name: file_digest(data) for name, data in (files or {}).items() if is_hashed_file(name)}
        if files is None or any(manifest.get(name, digest) != digest for name, digest in digests.items()):
            digests, files = {}, None  # a file was altered: start the folder afresh
        try:
            clear_folder(folder.path, keep=set(digests))
        except OSError:
            pass  # the next build removes them before Pagefind writes
        folder.save_manifest(digests)
        return files


def wait_for_writes(pid: int, folder: Path, timeout: float = WRITES_TIMEOUT) -> bool:
    """Whether process `pid` and its children have closed every file they had open in `folder`, waiting up to
    `timeout` seconds; False when that cannot be known (no `/proc`) or did not happen.

    Pagefind answers WriteFiles before its files are all written: it writes
    through tokio, whose writes end in the background after the answer and
    whose files close once written. Read at once, a file was found empty or
    cut short (26 times in 600 under load), and published so. Its children
    count: a `pagefind` found on the PATH may be npm's wrapper of the binary.
    """
    inside = str(folder.resolve()) + os.sep
    deadline = time.monotonic() + timeout
    while True:
        try:
            writing = any(_has_open_file(each, inside, may_end=each != pid) for each in _process_tree(pid))
        except OSError:
            return False
        if not writing:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.002)


def _process_tree(pid: int) -> list[int]:
    """`pid` and its descendants, as Linux lists each thread's children."""
    found, pending = [], [pid]
    while pending:
        found.append(pending.pop())
        for children in Path(f"/proc/{found[-1]}/task").glob("*/children"):
            try:
                pending.extend(int(child) for child in children.read_text().split())
            except (OSError, ValueError):
                continue  # gone meanwhile
    return found


def _has_open_file(pid: int, inside: str, may_end: bool = False) -> bool:
    """Whether process `pid` has a file open under the folder `inside` (ending with a separator); OSError when its
    files cannot be listed, unless it `may_end` (a child) and has ended meanwhile."""
    try:
        with os.scandir(f"/proc/{pid}/fd") as entries:
            return any(_link_target(entry.path).startswith(inside) for entry in entries)
    except FileNotFoundError:
        if may_end:
            return False
        raise


def _link_target(path: str) -> str:
    try:
        return os.readlink(path)
    except FileNotFoundError:  # closed meanwhile
        return ""


def lock_folder(path: Path):
    """An open lock file on `path`, held until closed; None when another process holds it, the folder cannot be
    made and written, is reached through a link or is on a disk almost full, or the system has no `flock`
    (Pagefind then hands the files over instead)."""
    try:
        import fcntl
    except ImportError:
        return None
    folders = [path.parent, path, *(path / name for name in _HASHED_FOLDERS)]
    try:
        if any(folder.is_symlink() for folder in folders[:2]):
            return None  # never write through a link
        for folder in folders[2:]:
            folder.mkdir(parents=True, exist_ok=True)
        if any(folder.is_symlink() or not os.access(folder, os.W_OK) for folder in folders) or not has_room(path):
            return None  # Pagefind retries forever a file it cannot create
        descriptor = os.open(path / LOCK_NAME, os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    handle = os.fdopen(descriptor, "ab")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


def has_room(path: Path) -> bool:
    """Whether the disk of `path` has room to spare, in bytes and in files (when it counts them)."""
    try:
        disk = os.statvfs(path)
    except (OSError, AttributeError):
        return False
    return disk.f_bavail * disk.f_frsize >= MIN_FREE_BYTES and (disk.f_files == 0 or disk.f_favail >= MIN_FREE_FILES)


def read_written_bundle(path: Path) -> dict[str, bytes]:
    """The files of the index Pagefind last wrote into `path` that `pagefind.js` may fetch: its entry, script,
    WebAssembly and metadata, and the fragments, word chunks and filters the metadata names."""
    entry = (path / ENTRY).read_bytes()
    files = {ENTRY: entry, "pagefind.js": (path / "pagefind.js").read_bytes()}
    for info in json.loads(entry).get("languages", {}).values():
        meta_name = f"pagefind.{info['hash']}.pf_meta"
        files[meta_name] = (path / meta_name).read_bytes()
        if info.get("wasm"):
            wasm_name = f"wasm.{info['wasm']}.pagefind"
            files[wasm_name] = (path / wasm_name).read_bytes()
        _, pages, chunks, filters, sorts, *_ = _cbor_decode(_unpack(files[meta_name]))
        if sorts:
            raise PagefindError("sorted indexes are not read back from a folder")
        names = ([f"fragment/{page[0]}.pf_fragment" for page in pages] + [f"index/{chunk[2]}.pf_index" for chunk in chunks]
                 + [f"filter/{chunk}.pf_filter" for _, chunk in filters])
        files.update((name, (path / name).read_bytes()) for name in names)
    return files


def is_hashed_file(name: str) -> bool:
    """Whether Pagefind names this file of its bundle after its content (and so never writes it again)."""
    return name.split("/", 1)[0] in _HASHED_FOLDERS or (name.startswith("pagefind.") and name.endswith(".pf_meta"))


def clear_folder(path: Path, keep: set[str]) -> None:
    """Delete from the bundle folder `path` everything but its lock, the folders of Pagefind's content-named
    files and the files `keep` names: whatever else Pagefind found there, it could take for a file of its own
    (a file no manifest vouches for, a link) or fail to replace (a folder in a file's place)."""
    for folder in ("", *_HASHED_FOLDERS):
        for entry in list(os.scandir(path / folder)):
            name = f"{folder}/{entry.name}" if folder else entry.name
            if entry.is_dir(follow_symlinks=False):
                if folder or name not in _HASHED_FOLDERS:
                    shutil.rmtree(entry.path)
            elif not (entry.is_file(follow_symlinks=False) and (name in keep or name == LOCK_NAME)):
                os.unlink(entry.path)


# -- determinism ---------------------------------------------------------------

def canonical_filters(files: dict[str, bytes]) -> dict[str, bytes]:
    """The same index with filter values and filter names in sorted order, renamed by their new content.

    Pagefind 1.5 writes a filter's values in hash-map order, which changes from run to
    run; pages, words and fragments already come out the same. So each filter chunk is
    sorted and renamed after its content, then the metadata file that names the chunks,
    then the entry file that names the metadata file.
    """
    files = dict(files)
    entry_text = files["pagefind-entry.json"].decode("utf-8")
    for language, info in json.loads(entry_text).get("languages", {}).items():
        meta_name = f"pagefind.{info['hash']}.pf_meta"
        meta = _cbor_decode(_unpack(files.pop(meta_name)))
        renamed = []
        for name, chunk in meta[3]:
            values = _cbor_decode(_unpack(files.pop(f"filter/{chunk}.pf_filter")))
            data = _cbor_encode([values[0], sorted(values[1], key=lambda v: v[0])])
            new_chunk = _content_name(language, data, 7)
            files[f"filter/{new_chunk}.pf_filter"] = _pack(data)
            renamed.append([name, new_chunk])
        meta[3] = sorted(renamed)
        data = _cbor_encode(meta)
        new_hash = _content_name(language, data, 10)
        files[f"pagefind.{new_hash}.pf_meta"] = _pack(data)
        entry_text = entry_text.replace(f'"hash":"{info["hash"]}"', f'"hash":"{new_hash}"')
    files["pagefind-entry.json"] = entry_text.encode("utf-8")
    return files


_SIGNATURE = b"pagefind_dcd"


def _unpack(data: bytes) -> bytes:
    raw = gzip.decompress(data)
    if not raw.startswith(_SIGNATURE):
        raise PagefindError("unexpected Pagefind file format")
    return raw[len(_SIGNATURE):]


def _pack(data: bytes) -> bytes:
    return gzip.compress(_SIGNATURE + data, compresslevel=9, mtime=0)


def _content_name(language: str, data: bytes, length: int) -> str:
    return f"{language}_{hashlib.sha256(data).hexdigest()[:length]}"


def _cbor_decode(data: bytes):
    """The subset of CBOR Pagefind's metadata uses: unsigned integers, text, arrays, maps."""
    value, end = _cbor_item(data, 0)
    if end != len(data):
        raise PagefindError("unexpected data after a Pagefind record")
    return value


def _cbor_item(data: bytes, at: int):
    major, info = data[at] >> 5, data[at] & 31
    at += 1
    if info < 24:
        argument = info
    elif info <= 27:
        size = 1 << (info - 24)
        argument, at = int.from_bytes(data[at:at + size], "big"), at + size
    else:
        raise PagefindError("unsupported CBOR item in a Pagefind file")
    if major == 0:
        return argument, at
    if major in (2, 3):
        raw = data[at:at + argument]
        return (raw.decode("utf-8") if major == 3 else raw), at + argument
    if major in (4, 5):
        items = []
        for _ in range(argument * (2 if major == 5 else 1)):
            item, at = _cbor_item(data, at)
            items.append(item)
        return (items if major == 4 else dict(zip(items[::2], items[1::2]))), at
    raise PagefindError("unsupported CBOR item in a Pagefind file")


def _cbor_encode(value) -> bytes:
    if isinstance(value, bool) or not isinstance(value, (int, str, bytes, list, dict)):
        raise TypeError(f"cannot encode {type(value).__name__}")
    if isinstance(value, int):
        return _cbor_head(0, value)
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return _cbor_head(3, len(raw)) + raw
    if isinstance(value, bytes):
        return _cbor_head(2, len(value)) + value
    if isinstance(value, list):
        return _cbor_head(4, len(value)) + b"".join(_cbor_encode(v) for v in value)
    return _cbor_head(5, len(value)) + b"".join(_cbor_encode(k) + _cbor_encode(v) for k, v in value.items())


def _cbor_head(major: int, argument: int) -> bytes:
    if argument < 24:
        return bytes([major << 5 | argument])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if argument < 1 << (8 * size):
            return bytes([major << 5 | info]) + argument.to_bytes(size, "big")
    raise ValueError("integer too large for CBOR")


# -- notes and directory rows ---------------------------------------------------

def note_record(site: Site, note: Note) -> Record:
    """A note as a search record: what its page's article shows of it as text, its summary as the excerpt.

    The text is the note's title (where its body has no `# heading` to show
    it), the plain text of each Markdown block and its tags: not the menus,
    backlinks or graph around it, nor the type and date labels.
    """
    return record_of(note, site.urls[note.path], entry_summary(site, note))


def early_record(note: Note) -> Record:
    """The record a note will most likely have once linked, from the note alone: its declared URL (only link sees
    a URL collision) and the summary of its own question or resource part."""
    question = parse_question(note) if note.type == "question" else None
    resource = parse_resource(note) if note.type == "resource" else None
    return record_of(note, note.declared_url, note_summary(note, question, resource))


def record_of(note: Note, url: str, summary: str) -> Record:
    """The record of a note published at `url` (see `note_record`)."""
    parts = [] if any(h.level == 1 for h in note.body.headings) else [note.title]
    parts += [block.text.strip() for block in note.body.blocks if block.text.strip()]
    parts += [f"#{tag}" for tag in note.tags]
    return Record(url=url, title=note.title, content="\n".join(parts), summary=summary, kind=note.type, tags=note.tags)



def directory_records(site: Site) -> list[Record]:
    """One record per shown row of each directory, linking to its page filtered on the row's name."""
    return [row_record(directory, row) for directory in site.directories for row in directory.rows]


def row_record(directory: Directory, row: DirectoryRow) -> Record:
    """A directory row as a search record: its name, its other cells (not the web address) as text and summary."""
    values = [cell for i, cell in enumerate(row.cells) if cell and i not in (directory.name_index, directory.url_index)]
    url = f"{directory.url}?q={quote(row.name)}"
    return Record(url=url, title=row.name, content=". ".join([row.name] + values), summary=" · ".join(values))


# -- the Pagefind service ------------------------------------------------------

class PagefindService:
    """A running `pagefind --service`: base64 JSON messages, each followed by a comma, both ways.

    A thread reads the answers as they come, so a caller can send messages
    (`send`, which writes at once) and collect the answers later (`answer`)
    without Pagefind ever blocked on a full pipe.
    """

    def __init__(self, executable: Path | None = None):
        self.executable = executable or find_executable()
        self.process: subprocess.Popen | None = None
        self.next_id = 0
        self.sending = threading.Lock()
        self.answers: dict[int, dict] = {}
        self.ended: str | None = None  # why no more answers will come
        self.changed = threading.Condition()
        self.reader: threading.Thread | None = None

    def __enter__(self) -> "PagefindService":
        try:
            self.process = subprocess.Popen([str(self.executable), "--service"], stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError as error:
            raise PagefindError(f"cannot start Pagefind ({self.executable}): {error}") from error
        self.reader = threading.Thread(target=self._read_all, name="cartel-pagefind-reader", daemon=True)
        self.reader.start()
        return self

    def stop(self) -> None:
        """Kill the process (from another thread); whoever waits on it gets a PagefindError."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()

    def __exit__(self, *exc) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            if self.reader is not None:
                self.reader.join()
            for pipe in (self.process.stdin, self.process.stdout):
                pipe.close()

    def send(self, payload: dict) -> int:
        """Write one message; its id, for `answer` (a Pagefind that stopped reading makes `answer` fail)."""
        return self.send_many([payload])[0]

    def send_many(self, payloads: list[dict]) -> list[int]:
        """Write messages in one go (each write lets the build's thread lose the GIL); their ids, for `answer`."""
        with self.sending:
            first = self.next_id
            self.next_id += len(payloads)
            try:
                for start in range(0, len(payloads), WRITE_BATCH):  # a few MB at a time, not a whole site's text
                    self.process.stdin.write(b"".join(
                        base64.b64encode(json.dumps({"message_id": first + i, "payload": payloads[i]},
                                                    ensure_ascii=False).encode("utf-8")) + b","
                        for i in range(start, min(start + WRITE_BATCH, len(payloads)))))
                self.process.stdin.flush()
            except (BrokenPipeError, OSError, ValueError) as error:
                self._end(f"Pagefind stopped reading: {error}")
        return list(range(first, first + len(payloads)))

    def answer(self, message_id: int) -> dict:
        """The payload answering a message, once it comes; PagefindError when Pagefind failed or stopped."""
        with self.changed:
            self.changed.wait_for(lambda: message_id in self.answers or self.ended is not None)
            if message_id not in self.answers:
                raise PagefindError(self.ended)
            result = self.answers.pop(message_id)
        if result.get("type") == "Error":
            raise PagefindError(f"Pagefind failed: {result.get('message')}")
        return result

    def answers_to(self, message_ids: list[int]) -> None:
        """Wait until every message of `message_ids` is answered, and drop the answers; PagefindError when one is an
        error or Pagefind stopped. One wait for them all: the build's threads lose the GIL as little as may be."""
        waiting = set(message_ids)
        with self.changed:
            while waiting and self.ended is None:
                waiting.difference_update([message_id for message_id in waiting if message_id in self.answers])
                if waiting:
                    self.changed.wait()
            answered = [self.answers.pop(message_id) for message_id in message_ids if message_id in self.answers]
        if waiting:
            raise PagefindError(self.ended)
        for result in answered:
            if result.get("type") == "Error":
                raise PagefindError(f"Pagefind failed: {result.get('message')}")

    def request(self, payload: dict) -> dict:
        """Send one message and return its answer's payload."""
        return self.answer(self.send(payload))

    def _read_all(self) -> None:
        frames = Frames()
        while chunk := self.process.stdout.read1(1 << 20):
            messages = [json.loads(base64.b64decode(frame)) for frame in frames.feed(chunk)]
            if messages:  # one wakeup for all the answers read at once
                with self.changed:
                    self.answers.update((message.get("message_id"), message["payload"]) for message in messages)
                    self.changed.notify_all()
            if len(chunk) < 4096:  # answers trickling in: read them in batches, as each wakeup takes the GIL
                time.sleep(0.02)
        self._end(f"Pagefind exited (status {self.process.poll()}) before answering")

    def _end(self, reason: str) -> None:
        with self.changed:
            self.ended = self.ended or reason
            self.changed.notify_all()


class Frames:
    """The comma-ended frames of a stream read a chunk at a time.

    Each byte is searched for the comma once: an index's files come in one
    frame of tens of MB (13 MB at 4,000 notes), read 64 KB at a time, and
    searching the whole frame again after each read went through 1.2 GB for
    those 13 MB (0.04 s; 0.5 s for a frame of 40 MB).
    """

    def __init__(self):
        self.buffer = bytearray()
        self.searched = 0  # the bytes of `buffer` known to hold no comma

    def feed(self, chunk: bytes) -> list[bytes]:
        """The frames that `chunk` completes, in order, without their commas."""
        buffer = self.buffer
        buffer += chunk
        frames = []
        start = 0
        while (end := buffer.find(b",", max(start, self.searched))) >= 0:
            frames.append(bytes(buffer[start:end]))
            start = end + 1
        del buffer[:start]
        self.searched = len(buffer)
        return frames


@lru_cache(maxsize=None)
def _pagefind_identity() -> tuple[str, int, int]:
    """Which Pagefind binary indexes: a new version makes every cached shard stale."""
    executable = find_executable()
    stat = executable.stat()
    return str(executable), stat.st_size, stat.st_mtime_ns


# Where `pagefind.service.get_executable` looks, in its order, after `PAGEFIND_BINARY_PATH`.
_BINARY_PACKAGES = ("pagefind_bin_extended", "pagefind_bin")
_BINARY_NAMES = ("pagefind_extended", "pagefind")


def find_executable() -> Path:
    """The Pagefind binary: `PAGEFIND_BINARY_PATH`, else the one `pagefind-bin` installs, else on PATH.

    Looked up as `pagefind.service.get_executable` does, without importing
    that module: it imports asyncio, 30 ms of every build's start.
    """
    configured = os.environ.get("PAGEFIND_BINARY_PATH")
    if configured is not None:
        return Path(configured)
    for package in _BINARY_PACKAGES:
        try:
            return Path(importlib.import_module(package).get_executable())
        except ImportError:
            continue
    found = next(filter(None, map(shutil.which, _BINARY_NAMES)), None)
    if found is None:
        raise PagefindError("the Pagefind binary was not found: pip install pagefind-bin")
    return Path(found)
