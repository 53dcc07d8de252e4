"""Benchmark of the search index: build time with and without it, index size, bytes a reader downloads.

usage: python bench/search_bench.py [--notes 1000 4000] [--runs 3] [--demo] [--work /tmp/cartel-search-bench]

Vaults come from ../shared/bench/make_vault.py (deterministic). Each build is a full build
(no cache) in a fresh process (`cartel.build.build_site`, the search index left out for
the baseline); runs with and without are interleaved and the median of `--runs` is kept. Download sizes come from headless chromium (Debian's) reading the
built site from a local HTTP server: every response after the reader focuses the search box,
as served (no compression) and as a static host would send it (text gzipped, Pagefind's own
files are gzip already); then what the next query, typed in the same box, adds.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAKE_VAULT = ROOT.parent / "shared" / "bench" / "make_vault.py"
QUERIES = ("musée", "écoconception", "stratégie numérique", "lausannois bénévoles")
DEMO_QUERIES = ("musée", "strategie", "réseaux sociaux", "licence")

BUILD = """
import json, sys, time
import cartel.build as build
import cartel.search as search
waited = []
original_start, original_early, original_result = build.start_search, build.start_early_index, search.IndexJob.result
def start(*args):
    return original_start(*args) if sys.argv[3] == "on" else None
def early(*args, **named):
    return original_early(*args, **named) if sys.argv[3] == "on" else None
def result(job):
    started = time.perf_counter()
    try:
        return original_result(job)
    finally:
        waited.append(time.perf_counter() - started)
build.start_search, build.start_early_index, search.IndexJob.result = start, early, result
result = build.build_site(sys.argv[1], sys.argv[2], use_cache=False)
print(json.dumps({"seconds": result.seconds, "index": sum(waited)}))
"""


def make_vault(work: Path, notes: int) -> Path:
    """The benchmark vault of `notes` notes (made once, reused)."""
    vault = work / f"v{notes}"
    if not (vault / "_data" / "acteurs.csv").is_file():
        subprocess.run([sys.executable, str(MAKE_VAULT), str(vault), "--notes", str(notes)], check=True,
                       stdout=subprocess.DEVNULL)
    return vault


def timed_build(vault: Path, output: Path, mode: str) -> dict:
    """One build in a fresh interpreter; its seconds and the search emitter's share."""
    done = subprocess.run([sys.executable, "-c", BUILD, str(vault), str(output), mode], check=True,
                          capture_output=True, text=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def index_size(output: Path) -> dict:
    """Bytes and files of the published search bundle, by part."""
    bundle = output / "pagefind"
    parts: dict[str, list[int]] = {}
    for path in bundle.rglob("*"):
        if path.is_file():
            part = path.relative_to(bundle).parts[0] if path.parent != bundle else "top"
            parts.setdefault(part, []).append(path.stat().st_size)
    return {part: {"files": len(sizes), "bytes": sum(sizes)} for part, sizes in sorted(parts.items())}


def wire_size(path: str, body: bytes) -> int:
    """What a static host sends: text compressed with gzip -6, Pagefind's gzip files as they are."""
    if path.endswith((".js", ".css", ".json", ".html")):
        return len(gzip.compress(body, compresslevel=6))
    return len(body)


def query_bytes(output: Path, queries: tuple[str, ...]) -> list[dict]:
    """For each query typed in the header box of a note page: what the browser fetched, raw and on the wire; then
    what the next query of the list, typed in the same box, fetched on top of it (`then`)."""
    sys.path.insert(0, str(ROOT))
    from tests.browser_support import launch_browser, serve_directory

    note = next(p for p in sorted(output.glob("*/*/index.html")) if "<article class=\"note " in p.read_text(encoding="utf-8"))
    note_url = "/" + note.parent.relative_to(output).as_posix() + "/"
    measured = []
    with serve_directory(output) as base, launch_browser() as browser:
        for position, query in enumerate(queries):
            context = browser.new_context()
            page = context.new_page()
            page.goto(base + note_url)
            page.wait_for_load_state("networkidle")
            responses: list = []
            page.on("response", lambda response: responses.append(response))
            first = typed_query(page, base, query, responses)
            following = queries[(position + 1) % len(queries)]
            measured.append({"query": query, **first, "then": {"query": following,
                                                               **typed_query(page, base, following, responses)}})
            context.close()
    return measured


# True once the panel shows the results of query `q` (its "see all" link names it) or says it found none.
SHOWN = """q => {
  const all = document.querySelector('.search-panel .search-see-all');
  return (all && new URL(all.href).searchParams.get('q') === q) || !!document.querySelector('.search-panel .search-none');
}"""


def typed_query(page, base: str, query: str, responses: list) -> dict:
    """Type `query` in the header box (emptied first) and wait for its results: the bytes fetched meanwhile."""
    responses.clear()
    page.fill("#q", "")
    page.focus("#q")
    page.keyboard.type(query)
    page.wait_for_function(SHOWN, arg=query, timeout=30_000)
    page.wait_for_load_state("networkidle")
    fetched = [(response.url, response.body()) for response in list(responses)]
    path = lambda url: url.split(base, 1)[-1].split("?", 1)[0]
    index = sum(len(body) for url, body in fetched if "/pagefind/index/" in url or "/pagefind/fragment/" in url
                or "/pagefind/filter/" in url)
    return {"requests": len(fetched), "raw": sum(len(body) for _, body in fetched),
            "wire": sum(wire_size(path(url), body) for url, body in fetched),
            "index_and_fragments": index, "shown": page.locator(".search-panel [role=option]").count()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, nargs="*", default=[1000, 4000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/cartel-search-bench"))
    parser.add_argument("--demo", action="store_true", help="Also measure the bytes per query on examples/demo.")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    report = {}
    if args.demo:
        output = args.work / "demo"
        timed_build(ROOT / "examples" / "demo", output, "on")
        report["demo"] = {"size": index_size(output), "queries": query_bytes(output, DEMO_QUERIES)}
        print(json.dumps({"demo": report["demo"]}, ensure_ascii=False, indent=1), flush=True)
    for notes in args.notes:
        vault = make_vault(args.work, notes)
        off, on, index = [], [], []
        for run_number in range(args.runs):  # interleaved, so a busy machine slows both alike
            off.append(timed_build(vault, fresh_folder(args.work, f"off-{notes}-{run_number}"), "off")["seconds"])
            output = fresh_folder(args.work, f"on-{notes}-{run_number}")
            run = timed_build(vault, output, "on")
            on.append(run["seconds"])
            index.append(run["index"])
        report[notes] = {
            "build_without": statistics.median(off), "build_with": statistics.median(on),
            "waited_for_index": statistics.median(index),  # after the pages were written
            "added": statistics.median(on) / statistics.median(off) - 1,
            "load_average": os.getloadavg()[0],
            "size": index_size(output), "queries": query_bytes(output, QUERIES),
        }
        print(json.dumps({notes: report[notes]}, ensure_ascii=False, indent=1), flush=True)
    shutil.rmtree(args.work / "fresh", ignore_errors=True)


def fresh_folder(work: Path, name: str) -> Path:
    """A new output folder for one timed build; all are deleted at the end (see build_bench.fresh_folder: deleting
    many files just before a build slows its writes down on ext4)."""
    return work / "fresh" / f"{name}-{time.time_ns()}"


if __name__ == "__main__":
    main()
