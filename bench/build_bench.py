"""Build benchmark (run by hand, never by the test suite).

usage: python3 bench/build_bench.py [--notes 1000 4000 20000] [--runs 5] [--peers] [--huge] [--search-shard-size N]

For each vault size (made by ../shared/bench/make_vault.py, seed 1) it times
`cartel build` clean (no cache, fresh output), with nothing changed, and with
one note changed, and prints the median wall time, the median CPU time (user
+ system, Pagefind's and the parse helper's included) and the peak memory (max
RSS of the build process or of one it started) over the runs. `--peers` runs ../shared/bench/peers.sh
on the 4,000-note vault (Hugo, Eleventy, Pagefind on Hugo's output, MkDocs) so
the ratios come from one run on one machine, and times Pagefind alone again
into a new folder each run (`pagefind_fresh`, a clean index; see that
function); with the 4,000-note vault measured too, it prints each peer's
time over cartel's clean build (`ratios`). `--huge` adds the 100,000-note vault
(clean build only).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "bench"
WORK = Path(os.environ.get("CARTEL_BENCH_WORK", "/tmp/cartel-bench"))

MEASURE = r"""
import resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(wall, usage.ru_maxrss, usage.ru_utime + usage.ru_stime, code)
"""


def measure(command: list[str], cwd: Path | None = None, allowed: tuple[int, ...] = (0, 1)) -> tuple[float, float, float]:
    """Wall seconds, peak RSS (MB) and CPU seconds (user + system, with the processes it waited for: Pagefind,
    the parse helper) of one command run in `cwd`, in a fresh process; RuntimeError unless it exits with one of
    `allowed` (cartel exits with 1 when it reports errors)."""
    out = subprocess.run([sys.executable, "-c", MEASURE, *command], cwd=cwd, capture_output=True, text=True,
                         check=True).stdout
    wall, rss_kb, cpu, code = out.split()
    if int(code) not in allowed:
        raise RuntimeError(f"{command} exited with {code}")
    return float(wall), int(rss_kb) / 1024, float(cpu)


def compile_cartel() -> None:
    """Compile cartel's modules to bytecode, as installing a package does: an editable install on a machine that
    sets PYTHONDONTWRITEBYTECODE (this one does) would otherwise compile them again in every timed run, 0.07 s
    of each that no installed cartel spends."""
    import cartel

    compileall.compile_dir(Path(cartel.__file__).parent, quiet=1)


def make_vault(notes: int, shard_size: int | None = None) -> Path:
    """The benchmark vault of this size, made once; with `shard_size`, a copy whose cartel.toml sets it."""
    vault = WORK / f"vault-{notes}"
    if not (vault / "Notes").is_dir():
        subprocess.run([sys.executable, str(SHARED / "make_vault.py"), str(vault), "--notes", str(notes), "--seed", "1"], check=True)
    if shard_size is None:
        return vault
    copy = WORK / f"vault-{notes}-shards-{shard_size}"
    if not (copy / "Notes").is_dir():
        shutil.copytree(vault, copy, ignore=shutil.ignore_patterns(".cartel-cache"))
    (copy / "cartel.toml").write_text(f"[build]\nsearch_shard_size = {shard_size}\n", encoding="utf-8")
    return copy


def cartel(vault: Path, output: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "cartel", "build", str(vault), "-o", str(output), *extra]


def touch_note(vault: Path, round_: int) -> None:
    """Change one note's text, as an editor saving it would: a visible sentence, so its page and its search record change."""
    note = sorted((vault / "Notes").glob("*.md"))[7]
    text = note.read_text(encoding="utf-8")
    marker = "\n\nPhrase ajoutée par le banc d'essai, tour"
    text = text.split(marker)[0] + f"{marker} {round_} ({time.time_ns()}).\n"  # never the text of an earlier run
    note.write_text(text, encoding="utf-8")


def bench_size(notes: int, runs: int, incremental: bool = True, shard_size: int | None = None) -> dict:
    """Median wall time and peak memory of the three kinds of build."""
    vault = make_vault(notes, shard_size)
    output = WORK / f"out-{notes}"
    results: dict[str, dict] = {}
    clean = []
    for run in range(runs):  # --no-cache neither reads nor writes the cache: it stays (deleting it would slow the run)
        clean.append(measure(cartel(vault, fresh_folder(f"clean-{notes}-{run}"), "--no-cache")))
    shutil.rmtree(output, ignore_errors=True)
    results["clean"] = _summary(clean)
    if incremental:
        subprocess.run(cartel(vault, output), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        results["unchanged"] = _summary([measure(cartel(vault, output)) for _ in range(runs)])
        changed = []
        for round_ in range(runs):
            touch_note(vault, round_)
            changed.append(measure(cartel(vault, output)))
        results["one_changed"] = _summary(changed)
    return results


def fresh_folder(name: str) -> Path:
    """A new, empty output folder under WORK/fresh, removed only by `remove_fresh_folders` at the very end.

    A clean build writes into an empty folder. Deleting the last run's output just before
    would slow the next one down: for about 30 s after many files are deleted, ext4 scans
    the recently deleted inodes for each file it creates (`recently_deleted`), which on this
    disk took writing the 4,000-note site from 0.2 s to 1-9 s. Hugo and Eleventy overwrite
    their output in place and never pay it.
    """
    folder = WORK / "fresh" / f"{name}-{time.time_ns()}"
    folder.parent.mkdir(parents=True, exist_ok=True)
    return folder


def remove_fresh_folders() -> None:
    """Delete the clean runs' outputs, once nothing is timed any more."""
    shutil.rmtree(WORK / "fresh", ignore_errors=True)


def _summary(samples: list[tuple[float, float, float]]) -> dict:
    return {"median_s": round(statistics.median(s[0] for s in samples), 3),
            "median_cpu_s": round(statistics.median(s[2] for s in samples), 3),
            "peak_mb": round(max(s[1] for s in samples), 1), "runs": len(samples)}


def peers(notes: int) -> dict:
    """Hugo, Eleventy, Pagefind alone on Hugo's output, MkDocs: median seconds on the same vault."""
    out = subprocess.run(["bash", str(SHARED / "peers.sh"), str(notes), "3"], capture_output=True, text=True,
                         env={**os.environ, "PEERS_WORK": str(WORK / "peers")})
    found = {}
    for line in out.stdout.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[0] == "peer":
            found[parts[1]] = float(parts[3])
    if not found:
        found["error"] = out.stderr[-500:]
    elif (WORK / "peers" / "out-hugo").is_dir():
        found["pagefind_fresh"] = pagefind_fresh(WORK / "peers")
    return found


def ratios(cartel_clean: float, found: dict) -> dict:
    """cartel's clean build against each peer, from the same run: `x_over_cartel` above 1 means cartel is faster.

    Each peer that makes no search index is also paired with Pagefind, as the issue compares them: into a new
    folder (`pagefind_fresh`, the clean index that `--no-cache` makes) and in place (`pagefind`, which reuses
    the files its last run left).
    """
    times = {name: seconds for name, seconds in found.items() if isinstance(seconds, float)}
    for site in ("hugo", "eleventy"):
        for pagefind in ("pagefind_fresh", "pagefind"):
            if site in times and pagefind in times:
                times[f"{site} + {pagefind}"] = times[site] + times[pagefind]
    return {f"{name}_over_cartel": round(seconds / cartel_clean, 2) for name, seconds in times.items()}


def pagefind_fresh(work: Path, runs: int = 3) -> float:
    """Pagefind alone on Hugo's output, each run into a new folder: median seconds.

    peers.sh runs Pagefind in place, and Pagefind neither compresses nor writes
    again a content-named file already in its output folder, so every run after
    the first (and the first, when an earlier peers.sh left its files) re-uses the
    last run's fragments: the time of an index rebuilt, not of a clean one.
    """
    times = []
    for run in range(runs):
        target = WORK / "fresh" / f"pagefind-{time.time_ns()}-{run}"
        start = time.perf_counter()
        subprocess.run([str(work / "venv" / "bin" / "python"), "-m", "pagefind", "--site", str(work / "out-hugo"),
                        "--force-language", "fr", "--output-path", str(target)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return round(statistics.median(times), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notes", type=int, nargs="*", default=[1000, 4000, 20000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--peers", action="store_true")
    parser.add_argument("--huge", action="store_true")
    parser.add_argument("--search-shard-size", type=int, help="Set [build] search_shard_size in a copy of each vault.")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    compile_cartel()
    report = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
              "date": time.strftime("%Y-%m-%d"), "sizes": {}}
    for notes in args.notes:
        report["sizes"][notes] = bench_size(notes, args.runs, shard_size=args.search_shard_size)
        print(notes, json.dumps(report["sizes"][notes]), flush=True)
    if args.huge:
        report["sizes"][100_000] = bench_size(100_000, 1, incremental=False)
        print(100_000, json.dumps(report["sizes"][100_000]), flush=True)
    if args.peers:
        report["peers_4000"] = peers(4000)
        print("peers", json.dumps(report["peers_4000"]), flush=True)
        if 4000 in report["sizes"]:
            report["ratios_4000"] = ratios(report["sizes"][4000]["clean"]["median_s"], report["peers_4000"])
            print("ratios", json.dumps(report["ratios_4000"]), flush=True)
    print(json.dumps(report, indent=2))
    remove_fresh_folders()


if __name__ == "__main__":
    main()
