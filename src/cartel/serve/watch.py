"""Watching the vault: a change → an incremental rebuild → the pages that changed reload.

Three threads, so that neither waits on the others: one collects file events
(watchfiles), one rebuilds with `LiveSite.apply` and publishes each step to
the preview, one rebuilds the search index once the vault has been quiet for
a moment (Pagefind on a whole site takes seconds; it runs at low priority).
When new changes arrive while a rebuild is between its two steps, the second
step is left to the next rebuild, which redoes it with them.
"""

from __future__ import annotations

import os
import threading
import time
import traceback
from pathlib import Path
from typing import Callable

import watchfiles

from cartel.cache import open_cache
from cartel.search import lower_thread_priority, search_index
from cartel.serve.app import Preview
from cartel.serve.live import LiveSite, Snapshot, Update

# How long a burst of file events may pause before it is handled (an editor's save is a few events).
WATCH_STEP_MS = 10
# The watcher reports itself ready (and checks for stop) after this long without events: the first build waits for it.
WATCH_READY_MS = 100
# How long the vault must stay unchanged before the search index is rebuilt.
SEARCH_QUIET_SECONDS = 2.0

Report = Callable[[Update], None]
ReportError = Callable[[str], None]


def ignore(*_args) -> None:
    """A report that says nothing."""
    return None


class Watcher:
    """Keeps a `Preview` up to date with a vault's files."""

    def __init__(self, live: LiveSite, preview: Preview, report: Report = ignore, report_error: ReportError = ignore,
                 index_search: bool = True, quiet: float = SEARCH_QUIET_SECONDS):
        self.live = live
        self.preview = preview
        self.report = report
        self.report_error = report_error
        self.index_search = index_search
        self.quiet = quiet
        self.stop_event = threading.Event()
        self.ready = threading.Event()
        self.changed = threading.Condition()
        self.pending: set[str] = set()
        self.last_publish = time.monotonic()
        self.indexed = ""
        self.threads: list[threading.Thread] = []

    def start_watching(self) -> None:
        """Start collecting file events (before the first build, so none is missed)."""
        self._spawn(self._watch, "cartel-watch")
        self.ready.wait(timeout=10)

    def start_building(self) -> None:
        """Start rebuilding on changes, and indexing for search when the vault is quiet."""
        self._spawn(self._build_loop, "cartel-rebuild")
        if self.index_search:
            self._spawn(self._index_loop, "cartel-search")

    def stop(self, timeout: float = 10.0) -> None:
        """Stop every thread and wait for them."""
        self.stop_event.set()
        with self.changed:
            self.changed.notify_all()
        for thread in self.threads:
            thread.join(timeout)

    def _spawn(self, target, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self.threads.append(thread)

    # -- watching -------------------------------------------------------------
    def _watch(self) -> None:
        vault = str(self.live.vault)
        try:
            for changes in watchfiles.watch(vault, watch_filter=_relevant(vault), step=WATCH_STEP_MS,
                                            stop_event=self.stop_event, rust_timeout=WATCH_READY_MS, yield_on_timeout=True,
                                            raise_interrupt=False, debounce=1600):
                self.ready.set()
                if changes:
                    with self.changed:
                        self.pending.update(path for _, path in changes)
                        self.changed.notify_all()
        except Exception as error:  # the watcher itself failed (folder gone, too many watches)
            self.report_error(f"watching {vault} stopped: {error}")
        finally:
            self.ready.set()

    # -- rebuilding ------------------------------------------------------------
    def _build_loop(self) -> None:
        while not self.stop_event.is_set():
            with self.changed:
                while not self.pending and not self.stop_event.is_set():
                    self.changed.wait(timeout=1.0)
                paths, self.pending = self.pending, set()
            if paths and not self.stop_event.is_set():
                self.rebuild(paths)

    def rebuild(self, paths: set[str]) -> None:
        """Apply these changed paths and publish each step; a failure keeps the last good site, with a banner."""
        try:
            for update in self.live.apply(paths):
                self.preview.publish(update)
                self.report(update)
                if update.final:
                    self.last_publish = time.monotonic()
                elif self._has_pending():
                    break  # the next rebuild renders the rest, with the newer changes
        except Exception as error:  # a bug, not bad input (stages turn that into diagnostics): keep serving
            self.report_error("rebuild failed:\n" + traceback.format_exc())
            update = self.live.failed(f"rebuild failed: {type(error).__name__}: {error}")
            self.preview.publish(update)

    def _has_pending(self) -> bool:
        with self.changed:
            return bool(self.pending)

    # -- search index ------------------------------------------------------------
    def _index_loop(self) -> None:
        lower_thread_priority()  # edits stay fast
        while not self.stop_event.wait(0.25):
            snapshot = self.preview.snapshot
            if not snapshot.inputs or snapshot.inputs == self.indexed or snapshot.site is None:
                continue
            if time.monotonic() - self.last_publish < self.quiet and self.indexed:
                continue
            try:
                files = search_files(self.live.vault, snapshot, self.live.use_cache)
            except Exception as error:  # Pagefind missing or failing: the preview goes on without search
                self.report_error(f"search index not rebuilt: {error}")
                self.indexed = snapshot.inputs
                continue
            if self.preview.snapshot.inputs == snapshot.inputs or not self.indexed:
                self.preview.publish_search(files)
            self.indexed = snapshot.inputs


def search_files(vault: Path, snapshot: Snapshot, use_cache: bool = True) -> dict[str, bytes]:
    """The search index of a snapshot's site; shards unchanged since the last build or index come from the cache."""
    return search_index(snapshot.site, open_cache(vault, snapshot.site.config, use_cache).memo("search"))


def _relevant(vault: str):
    """A watchfiles filter: nothing under a hidden folder (.git, .obsidian, .cartel-cache) and no hidden file."""
    root = vault.rstrip(os.sep) + os.sep

    def keep(change, path: str) -> bool:
        rel = path[len(root):] if path.startswith(root) else path
        return not any(part.startswith(".") for part in rel.split(os.sep))

    return keep

