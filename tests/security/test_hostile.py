"""A hostile vault cannot crash cartel, escape its output, read outside the vault or run a script."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cartel.build import build_site
from tests.conftest import tree_bytes, write_vault
from tests.security.hostile import SECRET, make_hostile_vault


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    expected = make_hostile_vault(base / "vault", base / "outside")
    before = _tree(base, skip=("out",))
    result = build_site(base / "vault", base / "out")
    return base, expected, result, before


def _tree(base: Path, skip=()) -> dict[str, tuple[int, float]]:
    found = {}
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = [d for d in dirnames if not (Path(dirpath) == base and d in skip)]
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            path = Path(dirpath) / name
            stat = path.lstat()
            found[str(path.relative_to(base))] = (stat.st_size, stat.st_mtime)
    return found


def test_build_finishes_with_a_diagnostic_for_every_hostile_file(hostile):
    _, expected, result, _ = hostile
    by_path: dict[str, set[str]] = {}
    for d in result.diagnostics:
        by_path.setdefault(d.path, set()).add(d.rule)
    missing = {path: rule for path, rule in expected.items() if rule and rule not in by_path.get(path, set())}
    assert missing == {}
    clean = [p for p, rule in expected.items() if not rule and p in by_path and not p.startswith("_data")]
    assert clean == []


def test_nothing_is_written_outside_the_output(hostile):
    base, _, _, before = hostile
    after = _tree(base, skip=("out",))
    cache = {k for k in after if k.startswith("vault/.cartel-cache/")}  # the build cache: the one place a build writes in the vault
    assert {k: v for k, v in after.items() if k not in cache} == before
    assert cache and all(k.startswith(("vault/.cartel-cache/v1/", "vault/.cartel-cache/CACHEDIR.TAG")) for k in cache)
    assert not Path("/tmp/evasion").exists()
    assert sorted(p.name for p in base.iterdir()) == ["out", "outside", "vault"]


def test_nothing_outside_the_vault_is_read(hostile):
    base, _, _, _ = hostile
    for path in (base / "out").rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


def test_permalink_and_slug_cannot_escape(hostile):
    base, _, _, _ = hostile
    assert (base / "out" / "tmp" / "evasion" / "index.html").is_file()
    assert (base / "out" / "slug" / "index.html").is_file()  # an empty slug falls back to the file name


def test_unsafe_markup_never_reaches_the_html(hostile):
    base, _, _, _ = hostile
    html = (base / "out" / "scripts" / "index.html").read_text(encoding="utf-8")
    body = html.split('<div class="note-body">', 1)[1].split("</article>", 1)[0]
    for bad in ("<script", "onerror", "onload", "ontoggle", "onmouseover", "javascript:", "<iframe", "<base",
                "<meta", "<object", "<embed", "<form", "<style", "data:text/html", "srcdoc"):
        assert bad not in body, bad
    title_page = (base / "out" / "titre" / "index.html").read_text(encoding="utf-8")
    assert "<script>window" not in title_page and "<img src=x" not in title_page


def test_formula_cells_are_text(hostile):
    base, _, _, _ = hostile
    pages = [p for p in (base / "out").rglob("*.html") if "HYPERLINK" in p.read_text(encoding="utf-8")]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert 'href="javascript:' not in text


def _big_vault(root: Path, notes: int = 1500) -> Path:
    files = {f"N/Note {i}.md": f"---\ntags: ressource\n---\n# Note {i}\n\n" + " ".join(f"[[Note {j}]]" for j in range(i, i + 8))
             + "\n\n" + "Texte " * 200 for i in range(notes)}
    return write_vault(root, files)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_killed_build_leaves_previous_output_whole(tmp_path, sig):
    vault = _big_vault(tmp_path / "v")
    out = tmp_path / "out"
    build_site(vault, out)
    before = tree_bytes(out)
    (vault / "N" / "Note 0.md").write_text("# Changée\n", encoding="utf-8")
    for delay in (0.3, 0.8, 1.5):
        process = subprocess.Popen([sys.executable, "-m", "cartel", "build", str(vault), "-o", str(out)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(sig)
        process.wait(timeout=60)
        after = tree_bytes(out)
        # Either the old site or the complete new one, never a mix.
        assert after == before or (len(after) == len(before) and "Changée" in after["n/note-0/index.html"].decode())
    build_site(vault, out)
    assert not [p for p in tmp_path.iterdir() if ".tmp-" in p.name or ".old-" in p.name]
