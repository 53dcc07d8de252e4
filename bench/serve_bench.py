"""Preview and incremental-build benchmark (run by hand, never by the test suite).

usage: python3 bench/serve_bench.py [--notes 4000] [--edits 50] [--pause 1.5] [--builds 5]

On the vault made by ../shared/bench/make_vault.py (seed 1):

- save → served: `cartel serve` runs in its own process; for each of the
  edits, the bench loads a note's page, opens its reload channel as the
  page's script does, saves the note with a new sentence, waits for the
  `reload` event and fetches the page again. The time from just before the
  save to the new HTML received is the latency; the median and p95 are
  reported. Edits touch different notes, a pause apart (an editor does not
  save ten times a second; the pause lets the previous rebuild finish).
- builds: `cartel build` in a fresh process with nothing changed (the cache
  warm), with one note changed, and clean (`--no-cache`): median wall time.

cartel runs from a frozen copy of src/cartel (the cache is keyed by cartel's own
code, so edits made to the working tree meanwhile would otherwise empty it).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "bench"
WORK = Path(os.environ.get("CARTEL_BENCH_WORK", "/tmp/cartel-bench"))


def frozen_env() -> dict[str, str]:
    """An environment whose `python -m cartel` is a copy of the current source, taken now."""
    frozen = WORK / "frozen-src"
    shutil.rmtree(frozen, ignore_errors=True)
    shutil.copytree(HERE.parent / "src" / "cartel", frozen / "cartel", ignore=shutil.ignore_patterns("__pycache__"))
    return {**os.environ, "PYTHONPATH": str(frozen), "NO_COLOR": "1"}


ENV: dict[str, str] = dict(os.environ)


def make_vault(notes: int) -> Path:
    """A fresh copy of the benchmark vault of this size (edits must not leak into other benchmarks)."""
    pristine = WORK / f"serve-pristine-{notes}"
    if not (pristine / "Notes").is_dir():
        subprocess.run([sys.executable, str(SHARED / "make_vault.py"), str(pristine), "--notes", str(notes), "--seed", "1"],
                       check=True)
    vault = WORK / f"serve-vault-{notes}"
    shutil.rmtree(vault, ignore_errors=True)
    shutil.copytree(pristine, vault)
    return vault


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str) -> bytes:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", quote(path))
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"{path}: HTTP {response.status}")
        return body
    finally:
        connection.close()


class Channel:
    """The page's reload channel; `wait()` returns once the server said `reload`."""

    def __init__(self, port: int, path: str, version: str):
        self.event = threading.Event()
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.connection.request("GET", f"/_cartel/events?path={quote(path)}&version={quote(version)}")
        self.response = self.connection.getresponse()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            while line := self.response.fp.readline():
                if line.strip() == b"event: reload":
                    self.event.set()
                    return
        except (OSError, ValueError, AttributeError):
            return

    def close(self) -> None:
        try:
            self.connection.sock and self.connection.sock.close()
        except OSError:
            pass


def wait_listening(port: int, process: subprocess.Popen, timeout: float = 600) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError("cartel serve exited: " + (WORK / "serve-bench.log").read_text(errors="replace")[-2000:])
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return time.perf_counter() - started
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("cartel serve did not start")


def page_url(note: Path) -> str:
    from cartel.urls import note_url

    return note_url(note.relative_to(note.parents[1]).as_posix())


def bench_serve(vault: Path, edits: int, pause: float) -> dict:
    """Latency from saving a note to its new HTML served, over `edits` saves."""
    port = free_port()
    log = open(WORK / "serve-bench.log", "wb")
    process = subprocess.Popen([sys.executable, "-m", "cartel", "serve", str(vault), "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=log, env=ENV)
    try:
        startup = wait_listening(port, process)
        notes = sorted((vault / "Notes").glob("*.md"))
        step = max(1, len(notes) // edits)
        latencies, to_event = [], []
        for round_ in range(edits):
            note = notes[(round_ * step + 11) % len(notes)]
            url = page_url(note)
            body = get(port, url)
            version = re.search(rb'data-version="([0-9a-f]+)"', body).group(1).decode()
            channel = Channel(port, url, version)
            marker = f"Phrase de mesure numéro {round_} ajoutée."
            text = note.read_text(encoding="utf-8")
            started = time.perf_counter()
            note.write_text(text + f"\n{marker}\n", encoding="utf-8")
            if not channel.event.wait(30):
                raise RuntimeError(f"no reload for {url}")
            to_event.append(time.perf_counter() - started)
            body = get(port, url)
            elapsed = time.perf_counter() - started
            channel.close()
            if marker.encode() not in body:
                raise RuntimeError(f"{url} served without the new sentence")
            latencies.append(elapsed)
            time.sleep(pause)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
    ordered = sorted(latencies)
    return {"edits": len(latencies), "startup_s": round(startup, 2),
            "median_ms": round(statistics.median(ordered) * 1000),
            "p95_ms": round(ordered[max(0, int(round(0.95 * len(ordered))) - 1)] * 1000),
            "max_ms": round(ordered[-1] * 1000), "min_ms": round(ordered[0] * 1000),
            "reload_event_median_ms": round(statistics.median(to_event) * 1000)}


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    code = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV).returncode
    if code not in (0, 1):
        raise RuntimeError(f"{command} exited with {code}")
    return time.perf_counter() - started


def bench_builds(vault: Path, runs: int) -> dict:
    """Median wall time of `cartel build`: nothing changed, one note changed, clean."""
    output = WORK / "serve-bench-out"
    shutil.rmtree(output, ignore_errors=True)
    build = [sys.executable, "-m", "cartel", "build", str(vault), "-o", str(output)]
    first = timed(build)
    unchanged = [timed(build) for _ in range(runs)]
    note = sorted((vault / "Notes").glob("*.md"))[3]
    changed = []
    for round_ in range(runs):
        note.write_text(note.read_text(encoding="utf-8") + f"\nModification {round_}.\n", encoding="utf-8")
        changed.append(timed(build))
    clean = [timed(build + ["--no-cache"]) for _ in range(max(1, runs // 2))]
    return {"first_with_cold_cache_s": round(first, 2), "unchanged_median_s": round(statistics.median(unchanged), 3),
            "unchanged_max_s": round(max(unchanged), 3), "one_note_changed_median_s": round(statistics.median(changed), 2),
            "clean_no_cache_median_s": round(statistics.median(clean), 2), "runs": runs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notes", type=int, default=4000)
    parser.add_argument("--edits", type=int, default=50)
    parser.add_argument("--pause", type=float, default=1.5, help="seconds between two saves")
    parser.add_argument("--builds", type=int, default=5)
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    ENV.update(frozen_env())
    vault = make_vault(args.notes)
    report = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
              "load_before": os.getloadavg(), "date": time.strftime("%Y-%m-%d"), "notes": args.notes}
    if args.builds:
        report["builds"] = bench_builds(vault, args.builds)
        print(json.dumps(report["builds"]), flush=True)
    if args.edits:
        report["serve"] = bench_serve(vault, args.edits, args.pause)
    report["load_after"] = os.getloadavg()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
