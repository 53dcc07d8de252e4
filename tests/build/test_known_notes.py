"""Notes a cached build knows unchanged (same size, times and inode as its last scan found) are not read again,
and the result is always a clean build's."""

from __future__ import annotations

import os

import pytest

import cartel.scan
from cartel.build import build_site
from cartel.cache import open_cache
from cartel.config import load_config
from tests.conftest import clean_copy, tree_bytes, write_vault

NOTES = {f"Notes/Note {i}.md": f"---\ntags: [essai]\n---\n# Note {i}\n\nTexte {i} sur les musées. Voir [[Note {(i + 1) % 12}]].\n"
         for i in range(12)}


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The vault paths scan reads, as they are read."""
    found: list[str] = []
    real = cartel.scan.read_bytes
    monkeypatch.setattr(cartel.scan, "read_bytes", lambda path: found.append(path.name) or real(path))
    return found


@pytest.fixture
def settled(monkeypatch) -> None:
    """Files count as settled as soon as they are written: the tests' files are all younger than two seconds."""
    monkeypatch.setattr(cartel.scan, "SETTLED_NS", 0)


def test_a_cached_build_reads_only_the_notes_that_changed(tmp_path, reads, settled):
    vault = write_vault(tmp_path / "v", NOTES)
    out = tmp_path / "out"
    build_site(vault, out)
    assert len(reads) == 12
    reads.clear()
    (vault / "Notes" / "Note 3.md").write_text(NOTES["Notes/Note 3.md"] + "\nUne phrase de plus.\n", encoding="utf-8")
    build_site(vault, out)
    assert reads == ["Note 3.md"]
    assert "Une phrase de plus." in (out / "notes" / "note-3" / "index.html").read_text(encoding="utf-8")
    assert tree_bytes(out) == clean_copy(vault, tmp_path)


def test_a_note_rewritten_to_the_same_size_and_modification_time_is_read_again(tmp_path, reads, settled):
    vault = write_vault(tmp_path / "v", NOTES)
    out = tmp_path / "out"
    build_site(vault, out)
    note = vault / "Notes" / "Note 5.md"
    before = note.stat()
    note.write_text(NOTES["Notes/Note 5.md"].replace("musées", "musique"), encoding="utf-8")  # same length in bytes
    os.utime(note, ns=(before.st_atime_ns, before.st_mtime_ns))  # as a sync tool that keeps times would leave it
    assert (note.stat().st_size, note.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    reads.clear()
    build_site(vault, out)
    assert reads == ["Note 5.md"]  # its change time gave it away
    assert "musique" in (out / "notes" / "note-5" / "index.html").read_text(encoding="utf-8")
    assert tree_bytes(out) == clean_copy(vault, tmp_path)


def test_notes_changed_shortly_before_the_last_scan_are_read_again(tmp_path, reads):
    vault = write_vault(tmp_path / "v", NOTES)
    out = tmp_path / "out"
    build_site(vault, out)
    reads.clear()
    build_site(vault, out)
    # Written a moment before the first build: another change in the same tick of the clock could have left the
    # same size and times, so none is trusted yet.
    assert sorted(reads) == sorted(path.rsplit("/", 1)[1] for path in NOTES)


def test_what_scan_found_in_a_note_it_does_not_read_again_is_still_reported(tmp_path, reads, settled):
    vault = write_vault(tmp_path / "v", NOTES)
    (vault / "Notes" / "Ancienne.md").write_bytes("# Ancienne\n\nNote écrite en Windows-1252.\n".encode("cp1252"))
    out = tmp_path / "out"
    first = build_site(vault, out)
    (vault / "Notes" / "Note 1.md").write_text(NOTES["Notes/Note 1.md"] + "\nAutre.\n", encoding="utf-8")
    reads.clear()
    second = build_site(vault, out)
    assert "Ancienne.md" not in reads
    found = [(d.path, d.rule) for d in second.diagnostics if d.rule == "encoding"]
    assert found == [("Notes/Ancienne.md", "encoding")]
    assert found == [(d.path, d.rule) for d in first.diagnostics if d.rule == "encoding"]
    assert "écrite" in (out / "notes" / "ancienne" / "index.html").read_text(encoding="utf-8")


def test_notes_not_read_again_are_read_when_they_must_be_parsed_again(tmp_path, reads, settled):
    vault = write_vault(tmp_path / "v", {**NOTES, "cartel.toml": '[site]\ntitle = "Avant"\n'})
    out = tmp_path / "out"
    build_site(vault, out)
    (vault / "cartel.toml").write_text('[site]\ntitle = "Après"\n', encoding="utf-8")  # every note parsed again
    reads.clear()
    build_site(vault, out)
    assert sorted(reads) == sorted(path.rsplit("/", 1)[1] for path in NOTES)  # by parse, not by scan
    assert "Texte 4 sur les musées" in (out / "notes" / "note-4" / "index.html").read_text(encoding="utf-8")
    assert tree_bytes(out) == clean_copy(vault, tmp_path)


def test_a_build_without_the_cache_reads_every_note(tmp_path, reads, settled):
    vault = write_vault(tmp_path / "v", NOTES)
    build_site(vault, tmp_path / "out")
    reads.clear()
    build_site(vault, tmp_path / "out", use_cache=False)
    assert len(reads) == 12


def test_the_text_of_a_note_scan_did_not_read_is_never_taken_as_empty(tmp_path, settled):
    vault = write_vault(tmp_path / "v", NOTES)
    build_site(vault, tmp_path / "out")
    config = load_config(vault)
    with open_cache(vault, config, True) as cache:
        scanned = cartel.scan.scan_vault(config, tmp_path / "out", cache.known_notes())
    unread = [s for s in scanned.sources if s.unread]
    assert len(unread) == 12
    with pytest.raises(ValueError, match="not read"):
        cartel.scan.source_text(unread[0])
    assert "Texte" in cartel.scan.source_text(cartel.scan.read_note(config, unread[0]))


def test_a_note_that_cannot_be_read_when_parsed_again_is_not_kept_as_empty(tmp_path, monkeypatch, settled):
    vault = write_vault(tmp_path / "v", {**NOTES, "cartel.toml": '[site]\ntitle = "Avant"\n'})
    out = tmp_path / "out"
    build_site(vault, out)
    (vault / "cartel.toml").write_text('[site]\ntitle = "Après"\n', encoding="utf-8")  # every note parsed again
    real = cartel.scan.read_bytes

    def gone_for_now(path):
        if path.name == "Note 4.md":
            raise FileNotFoundError(path)
        return real(path)

    monkeypatch.setattr(cartel.scan, "read_bytes", gone_for_now)
    build_site(vault, out)  # as if the note had been deleted between scan and parse
    monkeypatch.setattr(cartel.scan, "read_bytes", real)
    build_site(vault, out)  # it is back, unchanged: read and parsed again, not taken from the cache as empty
    assert "Texte 4 sur les musées" in (out / "notes" / "note-4" / "index.html").read_text(encoding="utf-8")
    assert tree_bytes(out) == clean_copy(vault, tmp_path)
