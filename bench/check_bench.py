"""Check benchmark (run by hand, never by the test suite).

usage: python3 bench/check_bench.py [--notes 4000] [--runs 7]

Times `cartel check VAULT` (text output to /dev/null) in a fresh process on
the vault of ../shared/bench/make_vault.py (seed 1), without the build cache
(`--no-cache`: every note parsed) and with it (the vault checked or built
before), and prints the median and best wall time, the median CPU time,
the peak memory, and one in-process breakdown: reading the vault (config,
scan, parse, link) against running the rules. The vault is written in
French-France typography, so it yields tens of thousands of
`style-punctuation-space` reports: the printing path is measured too.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_bench import WORK, compile_cartel, make_vault, measure  # noqa: E402  (the shared harness)

BREAKDOWN = r"""
import gc, json, sys, time
from cartel import COLLECTOR_THRESHOLDS
gc.set_threshold(*COLLECTOR_THRESHOLDS)    # as `cartel` does
from pathlib import Path
from cartel.build import LongLivedHeap, load_site
from cartel.check import run_rules
from cartel.scan import source_text
with LongLivedHeap() as heap:              # as `check_vault` does
    start = time.perf_counter()
    config, scanned, site = load_site(Path(sys.argv[1]), heap=heap)
    loaded = time.perf_counter()
    texts = {s.path: source_text(s) for s in scanned.sources if s.kind in ("note", "data")}
    found, _ = run_rules(site, config, texts, fixing=False)
    done = time.perf_counter()
print(json.dumps({"load_s": round(loaded - start, 3), "rules_s": round(done - loaded, 3), "reports": len(found)}))
"""


def bench(notes: int, runs: int) -> dict:
    """`cartel check` without the cache (every note parsed) and with it (a vault checked or built before):
    median and best wall time, peak memory; and the load/rules split of a run without the cache."""
    vault = make_vault(notes)
    command = [sys.executable, "-m", "cartel", "check", str(vault)]
    cold = [measure(command + ["--no-cache"]) for _ in range(runs)]
    shutil.rmtree(vault / ".cartel-cache", ignore_errors=True)
    subprocess.run(command, stdout=subprocess.DEVNULL, check=False)        # fills the cache
    warm = [measure(command) for _ in range(runs)]
    split = json.loads(subprocess.run([sys.executable, "-c", BREAKDOWN, str(vault)], capture_output=True,
                                      text=True, check=True).stdout)
    return {"no_cache": _summary(cold), "cache": _summary(warm), **split}


def _summary(samples: list[tuple[float, float, float]]) -> dict:
    return {"median_s": round(statistics.median(s[0] for s in samples), 3), "best_s": round(min(s[0] for s in samples), 3),
            "median_cpu_s": round(statistics.median(s[2] for s in samples), 3),
            "peak_mb": round(max(s[1] for s in samples), 1), "runs": len(samples)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notes", type=int, nargs="*", default=[4000])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    compile_cartel()
    for notes in args.notes:
        print(notes, json.dumps(bench(notes, args.runs)), flush=True)


if __name__ == "__main__":
    main()
