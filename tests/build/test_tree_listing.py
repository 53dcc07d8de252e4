"""The spare tree's listing, read by a child process: it must judge a folder exactly as the build's own walk does."""

from __future__ import annotations

import os
import time

import pytest

import cartel.emit
from cartel.build import build_site
from cartel.emit import TreeListing, holds_exactly, read_manifest
from tests.conftest import tree_bytes, write_vault

NAMES = ["index.html", "notes/été/index.html", "pagefind/fragment/fr_1.pf_fragment", "a b/ligne\nneuve.txt",
         "vide.txt"]


def make_tree(root, names=NAMES):
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"" if name == "vide.txt" else name.encode("utf-8") * 3)
    return read_manifest(root)


def judged(root, manifest) -> tuple[bool, bool]:
    """(the listing's verdict, the walk's verdict)."""
    with TreeListing(root) as listing:
        return holds_exactly(root, manifest, listing), holds_exactly(root, manifest)


def bump_mtime(path):
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 1))


CHANGES = {
    "none": lambda root: None,
    "size": lambda root: (root / "index.html").write_bytes(b"x"),
    "mtime": lambda root: bump_mtime(root / "notes" / "été" / "index.html"),
    "extra file": lambda root: (root / "notes" / "en-trop.html").write_bytes(b""),
    "missing file": lambda root: (root / "vide.txt").unlink(),
    "link": lambda root: (root / "lien.html").symlink_to(root / "index.html"),
    "link in a file's place": lambda root: ((root / "vide.txt").unlink(), (root / "vide.txt").symlink_to("index.html")),
    "non-UTF-8 name": lambda root: (root / os.fsdecode(b"caf\xe9.html")).write_bytes(b""),
}


@pytest.mark.parametrize("change", CHANGES)
def test_the_listing_judges_a_folder_as_the_walk_does(tmp_path, change):
    manifest = make_tree(tmp_path / "tree")
    CHANGES[change](tmp_path / "tree")
    by_listing, by_walk = judged(tmp_path / "tree", manifest)
    assert by_listing == by_walk == (change == "none")


def test_the_listing_reads_every_file_of_the_manifest(tmp_path):
    manifest = make_tree(tmp_path / "tree")
    with TreeListing(tmp_path / "tree") as listing:
        found = listing.result()
    assert found == {rel: (size, mtime) for rel, (_, size, mtime) in manifest.items()}
    assert TreeListing(tmp_path / "absent").result() is None


def test_a_cached_build_checks_its_spare_tree_by_the_listing(tmp_path, monkeypatch):
    notes = {f"Notes/Note {i}.md": f"# Note {i}\n\nTexte {i}.\n" for i in range(12)}
    vault = write_vault(tmp_path / "v", notes)
    out = tmp_path / "out"
    for i in range(2):  # the second build leaves a spare tree with a known manifest
        (vault / "Notes" / "Note 0.md").write_text(f"# Note 0\n\nVersion {i}.\n", encoding="utf-8")
        build_site(vault, out)
    listed, walked = [], []
    real_result, real_walk = TreeListing.result, cartel.emit._files_under
    monkeypatch.setattr(TreeListing, "result", lambda self: listed.append(found := real_result(self)) or found)
    monkeypatch.setattr(cartel.emit, "_files_under", lambda folder: walked.append(folder) or real_walk(folder))
    (vault / "Notes" / "Note 0.md").write_text("# Note 0\n\nVersion 3.\n", encoding="utf-8")
    build_site(vault, out)
    assert len(listed) == 1 and listed[0] and walked == []
    build_site(vault, tmp_path / "clean", use_cache=False)
    assert tree_bytes(out) == tree_bytes(tmp_path / "clean")


def test_the_listing_runs_to_its_end_before_anyone_asks_for_it(tmp_path):
    # About 130 KB of listing: more than a pipe holds, so a child writing into one would wait for the build.
    names = [f"notes/note-{i:04d}/index.html" for i in range(3000)]
    manifest = make_tree(tmp_path / "site", names)
    with TreeListing(tmp_path / "site") as listing:
        deadline = time.monotonic() + 20
        while listing.process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert listing.process.poll() == 0
        assert holds_exactly(tmp_path / "site", manifest, listing)
        assert len(listing.result()) == 3000
