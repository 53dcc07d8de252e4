"""Where one build's time goes, stage by stage (run by hand, never by the test suite).

usage: python3 bench/timeline.py VAULT [-o OUTPUT] [--cache] [--threads]

Builds VAULT once in this process, as `cartel build` does (`--no-cache`
unless `--cache`), and prints a line at each stage's start and end: the
wall seconds since the start, the CPU seconds of this process (all its
threads) and of the processes it has waited for (the parse helper, Pagefind
once stopped); then the peak memory of each side. The stages are the
functions the build calls (scan, parse, link, the page keys of a build with
the cache, the output tree, the page stream, the search bundle), wrapped
here; nothing of cartel is changed. `--threads` adds, every 0.25 s, the CPU
each thread of this process and of its children used since the last line
(the build's thread, the search threads, Pagefind's workers, the parse
helper): whether both cores are busy, and with what. The output folder is
left in place (default: a new folder under /dev/shm).

Used for the timelines in bench/RESULTS.md; py-spy (`--gil`) tells what runs
inside a stage.
"""

from __future__ import annotations

import argparse
import functools
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

import cartel.build as build
import cartel.cache as cache
import cartel.emit as emit

START = time.perf_counter()
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds() -> tuple[float, float]:
    """CPU seconds (user + system) of this process and of the children it has waited for."""
    mine, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return mine.ru_utime + mine.ru_stime, children.ru_utime + children.ru_stime


def mark(what: str) -> None:
    """One line of the timeline."""
    mine, children = cpu_seconds()
    print(f"{time.perf_counter() - START:8.2f} s  cpu {mine:7.2f} + {children:7.2f}  {what}", flush=True)


def timed(function, label: str):
    """`function`, marking its start and end."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        mark(f"{label} …")
        try:
            return function(*args, **kwargs)
        finally:
            mark(f"… {label}")
    return wrapper


def timed_stream(function, label: str, first: str):
    """A generator function whose stream is marked when asked for, at its first item (`first`), and at its end."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        mark(f"{label} …")
        count = 0
        for item in function(*args, **kwargs):
            if count == 0:
                mark(first)
            count += 1
            yield item
        mark(f"… {label} ({count})")
    return wrapper


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants."""
    found = [pid]
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                children = handle.read().split()
        except OSError:
            continue
        for child in children:
            found += process_tree(int(child))
    return found


def thread_times() -> dict[tuple[str, str, str], float]:
    """CPU seconds so far of each thread of this process and its descendants: (process, thread id, name) → s."""
    times = {}
    for pid in process_tree(os.getpid()):
        try:
            process = Path(f"/proc/{pid}/comm").read_text().strip()
            for task in os.listdir(f"/proc/{pid}/task"):
                stat = Path(f"/proc/{pid}/task/{task}/stat").read_text()
                fields = stat[stat.rindex(")") + 2:].split()
                name = Path(f"/proc/{pid}/task/{task}/comm").read_text().strip()
                times[(f"{process}:{pid}", task, name)] = (int(fields[11]) + int(fields[12])) / TICKS
        except OSError:  # ended meanwhile
            continue
    return times


def sample_threads(stop: threading.Event, every: float = 0.25) -> None:
    """Print, every `every` seconds, the CPU each busy thread used since the last line, by process."""
    last: dict = {}
    while not stop.wait(every):
        now = thread_times()
        used: dict[str, list[str]] = {}
        for key, seconds in now.items():
            spent = seconds - last.get(key, 0.0)
            if spent > 0:
                used.setdefault(key[0], []).append(f"{key[2]} {spent:.2f}")
        last = now
        print(f"{time.perf_counter() - START:8.2f} s  threads  " + " | ".join(
            f"{process}: {', '.join(threads)}" for process, threads in used.items()), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("vault", type=Path)
    parser.add_argument("-o", "--output", type=Path)
    parser.add_argument("--cache", action="store_true", help="build with the build cache, as `cartel build` does")
    parser.add_argument("--threads", action="store_true", help="sample each thread's CPU every 0.25 s (Linux)")
    args = parser.parse_args()
    output = args.output or Path(tempfile.mkdtemp(prefix="cartel-timeline-", dir="/dev/shm")) / "site"
    build.scan_vault = timed(build.scan_vault, "scan")
    build.parse_all = timed_stream(build.parse_all, "parse", "first note parsed")
    build.link_site = timed(build.link_site, "link")
    build.start_search = timed(build.start_search, "search index started")
    cache.note_page_keys = timed(cache.note_page_keys, "note page keys")
    cache.generated_page_keys = timed(cache.generated_page_keys, "generated page keys")
    emit._writable_tree = timed(emit._writable_tree, "output tree ready")
    build.iter_pages = timed_stream(build.iter_pages, "pages", "first page rendered")
    build.site_files = timed(build.site_files, "site-wide files")
    build.search_files = timed_stream(build.search_files, "search bundle", "search bundle ready")
    build.collect_diagnostics = timed(build.collect_diagnostics, "diagnostics")
    stop = threading.Event()
    if args.threads:
        threading.Thread(target=sample_threads, args=(stop,), daemon=True).start()
    result = build.build_site(args.vault, output, use_cache=args.cache)
    stop.set()
    mark(f"done: {result.pages} pages in {output}")
    print(f"peak memory: this process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB, "
          f"the largest process it waited for {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    sys.exit(main())
