"""Side-by-side benchmark (run by hand): cartel against Hugo + Pagefind and Eleventy + Pagefind, interleaved.

usage: python3 bench/side_by_side.py [--notes 4000] [--runs 5]

Each round runs, one after the other on the same vault: a clean `cartel build`
(`--no-cache`, into a new folder), Hugo into a new folder then Pagefind on it,
Eleventy into a new folder then Pagefind on it. Interleaving puts every tool
under the same load, and every output folder is new, so no tool reuses what an
earlier run wrote (Pagefind skips the index files already in its output folder).
It needs the peers set up by `build_bench.py --peers` (../shared/bench/peers.sh):
their vault copies, Eleventy and the venv with Pagefind, under WORK/peers.
Prints the medians of wall and CPU time, the ratios, and each round's
[wall, CPU] seconds. CPU time is user + system, of the tool and every process
it waited for (Hugo's threads, the Pagefind binary, cartel's helper and
Pagefind processes). On two cores a build cannot end before half its CPU
time: CPU time tells work done from time spent waiting.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

from build_bench import WORK, compile_cartel, fresh_folder, make_vault, measure, remove_fresh_folders

PEERS = WORK / "peers"


@dataclass(frozen=True)
class Cost:
    """Wall and CPU seconds of a run; costs add up."""

    wall: float
    cpu: float

    def __add__(self, other: "Cost") -> "Cost":
        return Cost(self.wall + other.wall, self.cpu + other.cpu)


def timed(command: list[str], cwd: Path | None = None) -> Cost:
    """Wall and CPU seconds of one run of `command` (which must succeed), as `build_bench.measure` takes them."""
    wall, _, cpu = measure(command, cwd, allowed=(0,))
    return Cost(wall, cpu)


def pagefind(site: Path) -> Cost:
    """Pagefind alone on a site, as peers.sh runs it (its index lands in the site's new folder)."""
    return timed([str(PEERS / "venv" / "bin" / "python"), "-m", "pagefind", "--site", str(site), "--force-language", "fr"])


def one_round(vault: Path) -> dict[str, Cost]:
    """One run of each tool, each into a new folder."""
    cartel = timed([sys.executable, "-m", "cartel", "build", str(vault), "-o", str(fresh_folder("side-cartel")), "--no-cache"])
    hugo_out = fresh_folder("side-hugo")
    hugo = timed(["hugo", "--quiet", "-s", str(PEERS / "hugo"), "-d", str(hugo_out)])
    eleventy_out = fresh_folder("side-eleventy")
    eleventy = timed(["node", "node_modules/@11ty/eleventy/cmd.cjs", "--input=src", f"--output={eleventy_out}", "--quiet"],
                     cwd=PEERS / "ele")
    return {"cartel": cartel, "hugo": hugo, "hugo + pagefind": hugo + pagefind(hugo_out),
            "eleventy": eleventy, "eleventy + pagefind": eleventy + pagefind(eleventy_out)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notes", type=int, default=4000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not (PEERS / "hugo").is_dir() or not (PEERS / "ele").is_dir():
        sys.exit("set the peers up first: python3 bench/build_bench.py --notes 4000 --runs 1 --peers")
    vault = make_vault(args.notes)
    compile_cartel()
    rounds = [one_round(vault) for _ in range(args.runs)]
    medians = {name: round(statistics.median(r[name].wall for r in rounds), 2) for name in rounds[0]}
    medians["cartel / (hugo + pagefind)"] = round(medians["cartel"] / medians["hugo + pagefind"], 2)
    medians["(eleventy + pagefind) / cartel"] = round(medians["eleventy + pagefind"] / medians["cartel"], 2)
    cpu = {name: round(statistics.median(r[name].cpu for r in rounds), 2) for name in rounds[0]}
    print(json.dumps({"notes": args.notes, "runs": args.runs, "medians": medians, "cpu_medians": cpu,
                      "rounds": [{k: [round(v.wall, 2), round(v.cpu, 2)] for k, v in r.items()} for r in rounds]},
                     indent=2))
    remove_fresh_folders()


if __name__ == "__main__":
    main()
