"""The folder Pagefind writes a shard into between builds: the same files as handed over, fewer written, none trusted
that the signed manifest does not vouch for."""

from __future__ import annotations

import fcntl
import gzip
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from cartel.search import KeptFolder, Record, build_index, is_hashed_file, record_request, wait_for_writes
from tests.conftest import tree_bytes

CONFIG = {"force_language": "fr"}

TEXTS = [
    "La stratégie numérique d'un musée part de ses publics.",
    "Un inventaire en ligne demande des notices propres et des licences claires.",
    "Les réseaux sociaux servent la médiation quand une équipe les tient chaque semaine.",
    "L'écoconception d'un site réduit le poids des pages et le coût de l'hébergement.",
    "Les bénévoles d'un petit musée numérisent la collection avec un protocole simple.",
]


def records(change: str = "") -> list[Record]:
    """Five resource records; `change` is added to the text of the third."""
    return [Record(url=f"/notes/{i}/", title=f"Ressource {i}", content=text + (change if i == 2 else ""),
                   summary=text[:40], kind="resource", tags=("numérique",))
            for i, text in enumerate(TEXTS)]


def index(items: list[Record], folder: KeptFolder | None = None) -> dict[str, bytes]:
    return build_index(CONFIG, (record_request(0, record, "fr") for record in items), folder=folder)


class Manifests:
    """The build cache's side of a kept folder: its manifest, held in a dict."""

    def __init__(self, path: Path):
        self.saved: dict[str, dict] = {}
        self.folder = KeptFolder(path, lambda: self.saved.get("manifest"),
                                 lambda manifest: self.saved.__setitem__("manifest", manifest))


def hashed_files(path: Path) -> dict[str, bytes]:
    return {name: data for name, data in tree_bytes(path).items() if is_hashed_file(name)}


def fragment_text(data: bytes) -> bytes:
    return gzip.decompress(data)


def test_a_kept_folder_gives_what_pagefind_hands_over_and_writes_only_new_files(tmp_path):
    kept = Manifests(tmp_path / "shard-0")
    assert index(records(), kept.folder) == index(records())
    first = hashed_files(kept.folder.path)
    assert set(first) == set(kept.saved["manifest"]) and any(name.startswith("fragment/") for name in first)
    stamps = {name: os.stat(kept.folder.path / name).st_mtime_ns for name in first}

    changed = records(" Une planche de lichens ajoutée.")
    assert index(changed, kept.folder) == index(changed)
    second = hashed_files(kept.folder.path)
    assert set(second) == set(kept.saved["manifest"])  # the last index's files, no more: stale ones removed
    kept_over = set(first) & set(second)
    assert len(kept_over) >= 4  # the four unchanged fragments at least
    assert all(os.stat(kept.folder.path / name).st_mtime_ns == stamps[name] for name in kept_over)  # not written again
    assert set(second) - set(first)  # the changed note's fragment, its words' chunks


def test_a_file_altered_in_the_kept_folder_is_not_published(tmp_path):
    kept = Manifests(tmp_path / "shard-0")
    expected = index(records())
    index(records(), kept.folder)
    fragment = next(name for name in hashed_files(kept.folder.path) if name.startswith("fragment/"))
    (kept.folder.path / fragment).write_bytes(b"not what Pagefind wrote")
    assert index(records(), kept.folder) == expected  # handed over by Pagefind instead
    assert kept.saved["manifest"] == {} and hashed_files(kept.folder.path) == {}  # the folder starts afresh
    assert index(records(), kept.folder) == expected
    assert set(hashed_files(kept.folder.path)) == set(kept.saved["manifest"]) != set()


def test_files_no_manifest_vouches_for_are_removed_before_pagefind_writes(tmp_path):
    """A cache from elsewhere (its manifest not signed by this user, so not loaded) could put files where Pagefind
    would take them for its own and skip writing them."""
    expected = index(records())
    planted = Manifests(tmp_path / "shard-0")
    index(records(), planted.folder)
    names = sorted(hashed_files(planted.folder.path))
    fragments = [name for name in names if name.startswith("fragment/")]
    (planted.folder.path / fragments[0]).write_bytes(b"planted")
    (planted.folder.path / fragments[1]).unlink()
    (planted.folder.path / fragments[1]).symlink_to(tmp_path / "elsewhere")
    (tmp_path / "elsewhere").write_bytes(b"planted too")
    (planted.folder.path / "pagefind.js").symlink_to(tmp_path / "script")  # Pagefind would write through it
    (tmp_path / "script").write_bytes(b"an editor's file")
    (planted.folder.path / "pagefind-entry.json").mkdir()  # Pagefind would retry creating it forever

    foreign = Manifests(planted.folder.path)  # no manifest loaded
    assert index(records(), foreign.folder) == expected
    now = sorted(hashed_files(foreign.folder.path))
    assert now == sorted(foreign.saved["manifest"])
    # Fragments and word chunks are named the same every time (filters and metadata are not: Pagefind writes a
    # filter's values in hash-map order, `canonical_filters` sorts them).
    assert [name for name in now if not name.startswith(("filter/", "pagefind."))] == [
        name for name in names if not name.startswith(("filter/", "pagefind."))]
    assert not (foreign.folder.path / fragments[1]).is_symlink()
    assert (tmp_path / "elsewhere").read_bytes() == b"planted too"
    assert (tmp_path / "script").read_bytes() == b"an editor's file"
    assert sorted(path.name for path in foreign.folder.path.iterdir()) == [".lock", "filter", "fragment", "index",
                                                                          *sorted(n for n in now if "/" not in n)]


def test_a_kept_folder_reached_through_a_link_is_not_used(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "pagefind").symlink_to(elsewhere)
    kept = Manifests(tmp_path / "cache" / "pagefind" / "shard-0")
    assert index(records(), kept.folder) == index(records())
    assert list(elsewhere.iterdir()) == [] and "manifest" not in kept.saved


def test_a_kept_folder_in_use_by_another_build_is_left_alone(tmp_path):
    kept = Manifests(tmp_path / "shard-0")
    index(records(), kept.folder)
    before = tree_bytes(kept.folder.path)
    manifest = kept.saved["manifest"]
    changed = records(" Une planche de lichens ajoutée.")
    with open(kept.folder.path / ".lock", "ab") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        assert index(changed, kept.folder) == index(changed)
    assert tree_bytes(kept.folder.path) == before and kept.saved["manifest"] is manifest


def test_a_kept_folder_that_cannot_be_made_is_done_without(tmp_path):
    (tmp_path / "cache").write_text("a file where the folder would go")
    kept = Manifests(tmp_path / "cache" / "shard-0")
    assert index(records(), kept.folder) == index(records())
    assert "manifest" not in kept.saved


def test_a_cached_build_keeps_the_index_files_pagefind_wrote_and_adds_the_changed_ones(tmp_path):
    from cartel.build import build_site
    from tests.conftest import write_vault
    from tests.search.conftest import SMALL_VAULT

    vault = write_vault(tmp_path / "vault", SMALL_VAULT)
    build_site(vault, tmp_path / "out")
    folder = vault / ".cartel-cache" / "v1" / "pagefind" / "shard-0"
    first = hashed_files(folder)
    stamps = {name: os.stat(folder / name).st_mtime_ns for name in first}
    assert sum(name.startswith("fragment/") for name in first) >= 8
    note = vault / "Ressources" / "fichier-obscur.md"
    note.write_text(note.read_text(encoding="utf-8") + "\nUne planche de lichens ajoutée en novembre.\n", encoding="utf-8")
    build_site(vault, tmp_path / "out")
    second = hashed_files(folder)
    unchanged = set(first) & set(second)
    assert sum(name.startswith("fragment/") for name in unchanged) >= 7
    assert all(os.stat(folder / name).st_mtime_ns == stamps[name] for name in unchanged)
    assert any(b"lichens" in fragment_text(second[name]) for name in set(second) - set(first) if name.startswith("fragment/"))
    build_site(vault, tmp_path / "clean", use_cache=False)
    assert tree_bytes(tmp_path / "out") == tree_bytes(tmp_path / "clean")


def test_a_kept_folder_on_a_nearly_full_disk_is_done_without(tmp_path, monkeypatch):
    """Pagefind retries forever a file it cannot create: on a disk without room to spare it is not asked to write."""
    import cartel.search

    kept = Manifests(tmp_path / "shard-0")
    free = os.statvfs(tmp_path).f_bavail * os.statvfs(tmp_path).f_frsize
    monkeypatch.setattr(cartel.search, "MIN_FREE_BYTES", free * 2)
    assert index(records(), kept.folder) == index(records())
    assert "manifest" not in kept.saved and hashed_files(kept.folder.path) == {}
    monkeypatch.undo()
    assert index(records(), kept.folder) == index(records())
    assert set(hashed_files(kept.folder.path)) == set(kept.saved["manifest"]) != set()


# A process that opens a file in a folder, says so, writes it `delay` seconds later and closes it, then lives on.
SLOW_WRITER = """
import sys, time
with open(sys.argv[1], "wb") as handle:
    print("open", flush=True)
    time.sleep(float(sys.argv[2]))
    handle.write(b"x" * 100_000)
time.sleep(30)
"""


@contextmanager
def slow_writer(path: Path, delay: float):
    """The running writer process, killed at the end."""
    process = subprocess.Popen([sys.executable, "-c", SLOW_WRITER, str(path), str(delay)], stdout=subprocess.PIPE)
    try:
        assert process.stdout.readline() == b"open\n"
        yield process
    finally:
        process.kill()
        process.wait()
        process.stdout.close()


def test_files_are_read_once_the_writer_has_closed_them(tmp_path):
    """Pagefind answers WriteFiles while its writes go on in the background: the build waits for them to end."""
    (tmp_path / "shard").mkdir()
    with slow_writer(tmp_path / "shard" / "pagefind.js", 0.4) as writer:
        assert wait_for_writes(writer.pid, tmp_path / "shard")
        # Written 0.4 s after it was opened: whole only if the wait lasted until the writer closed it.
        assert (tmp_path / "shard" / "pagefind.js").read_bytes() == b"x" * 100_000
        assert wait_for_writes(writer.pid, tmp_path / "elsewhere")  # nothing open there: no wait


# The same writer as the child of another process, as npm's `pagefind` wraps its binary.
WRAPPED_WRITER = """
import subprocess, sys
subprocess.run([sys.executable, "-c", sys.argv[1], *sys.argv[2:]])
"""


def test_files_written_by_a_child_of_the_process_are_waited_for_too(tmp_path):
    (tmp_path / "shard").mkdir()
    wrapper = subprocess.Popen([sys.executable, "-c", WRAPPED_WRITER, SLOW_WRITER, str(tmp_path / "shard" / "entry"), "0.4"],
                               stdout=subprocess.PIPE, start_new_session=True)
    try:
        assert wrapper.stdout.readline() == b"open\n"
        assert wait_for_writes(wrapper.pid, tmp_path / "shard")
        assert (tmp_path / "shard" / "entry").read_bytes() == b"x" * 100_000
    finally:
        os.killpg(wrapper.pid, 9)
        wrapper.wait()
        wrapper.stdout.close()


def test_writes_that_do_not_end_or_cannot_be_seen_are_not_waited_for_forever(tmp_path):
    (tmp_path / "shard").mkdir()
    with slow_writer(tmp_path / "shard" / "pagefind.js", 30) as writer:
        assert not wait_for_writes(writer.pid, tmp_path / "shard", timeout=0.2)
    assert not wait_for_writes(writer.pid, tmp_path / "shard")  # a process that is gone: nothing can be known


def test_an_index_whose_writes_cannot_be_seen_to_end_is_handed_over_instead(tmp_path, monkeypatch):
    import cartel.search

    kept = Manifests(tmp_path / "shard-0")
    monkeypatch.setattr(cartel.search, "wait_for_writes", lambda pid, folder: False)
    assert index(records(), kept.folder) == index(records())
    assert kept.saved["manifest"] == {} and hashed_files(kept.folder.path) == {}  # nothing in the folder is trusted
