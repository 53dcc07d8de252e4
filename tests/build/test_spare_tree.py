"""The spare copy of the output: a cached build writes only what changed, and the result is always a clean build's."""

from __future__ import annotations

import pytest

import cartel.emit
from cartel.build import build_site
from tests.conftest import clean_copy, tree_bytes, write_vault

NOTES = {f"Notes/Note {i}.md": f"---\ntags: [essai]\n---\n# Note {i}\n\nTexte {i} sur les musées. Voir [[Note {(i + 1) % 30}]].\n"
         for i in range(30)}


def test_cached_builds_equal_clean_builds_through_adds_deletes_and_renames(tmp_path):
    vault = write_vault(tmp_path / "v", {**NOTES, "images/logo.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>"})
    out = tmp_path / "out"

    def move_note_7():
        (vault / "Rangées").mkdir()
        (vault / "Notes" / "Note 7.md").rename(vault / "Rangées" / "Note 7.md")

    edits = [
        lambda: (vault / "Notes" / "Note 3.md").write_text("# Note trois\n\nRéécrite.\n", encoding="utf-8"),
        lambda: (vault / "Notes" / "Nouvelle.md").write_text("# Nouvelle\n\nVoir [[Note 1]].\n", encoding="utf-8"),
        lambda: (vault / "Notes" / "Note 5.md").unlink(),
        move_note_7,
        lambda: (vault / "images" / "logo.svg").unlink(),
        lambda: (vault / "Notes" / "Nouvelle.md").write_text("---\ntags: [autre]\n---\n# Nouvelle\n", encoding="utf-8"),
    ]
    build_site(vault, out)
    for number, edit in enumerate(edits):
        edit()
        build_site(vault, out)
        assert tree_bytes(out) == clean_copy(vault, tmp_path, f"clean{number}"), number


def test_a_cached_build_writes_only_the_files_that_changed(tmp_path, monkeypatch):
    vault = write_vault(tmp_path / "v", NOTES)
    out = tmp_path / "out"
    build_site(vault, out)
    (vault / "Notes" / "Note 0.md").write_text(NOTES["Notes/Note 0.md"] + "\nUne phrase.\n", encoding="utf-8")
    build_site(vault, out)  # from now on the spare copy is one build behind the output
    written: list[str] = []
    real = cartel.emit._write
    monkeypatch.setattr(cartel.emit, "_write", lambda path, data: written.append(path) or real(path, data))
    (vault / "Notes" / "Note 12.md").write_text(NOTES["Notes/Note 12.md"] + "\nUne autre phrase.\n", encoding="utf-8")
    build_site(vault, out)
    total = len(tree_bytes(out))
    assert total > 60
    # Note 0 and Note 12 changed since the spare was written: their pages, the pages that show their text
    # (lists, the tag, the feed) and the search files that hold them; not the other notes' pages.
    assert 0 < len(written) < total / 3, sorted(written)
    assert not any("/notes/note-20/" in path for path in written)
    assert tree_bytes(out) == clean_copy(vault, tmp_path)


def test_an_output_changed_by_hand_is_read_again_not_trusted(tmp_path):
    vault = write_vault(tmp_path / "v", NOTES)
    out = tmp_path / "out"
    build_site(vault, out)
    build_site(vault, out, use_cache=True)
    (out / "notes" / "note-4" / "index.html").write_text("modifiée à la main", encoding="utf-8")
    (out / "notes" / "note-6" / "index.html").unlink()
    (out / "en-trop.txt").write_text("ajouté", encoding="utf-8")
    for i in (1, 2):  # the hand-changed output becomes the spare copy, then is used: it must not be trusted
        (vault / "Notes" / f"Note {i}.md").write_text(f"# Note {i}\n\nChangée.\n", encoding="utf-8")
        build_site(vault, out)
    assert tree_bytes(out) == clean_copy(vault, tmp_path)


@pytest.mark.parametrize("clean_between", [False, True])
def test_the_spare_copy_lives_in_the_cache_and_goes_with_it(tmp_path, clean_between):
    from click.testing import CliRunner

    from cartel.cli import main

    vault = write_vault(tmp_path / "v", NOTES)
    out = tmp_path / "out"
    for i in range(3):
        (vault / "Notes" / "Note 0.md").write_text(f"# Note 0\n\nVersion {i}.\n", encoding="utf-8")
        build_site(vault, out)
        if clean_between:
            assert CliRunner().invoke(main, ["clean", str(vault)]).exit_code == 0
            assert not (vault / ".cartel-cache").exists()
    assert len(list((vault / ".cartel-cache").glob("*/output-trees/*"))) == (0 if clean_between else 1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "v"]
    assert tree_bytes(out) == clean_copy(vault, tmp_path)


def stored_html_reads(monkeypatch) -> list[str]:
    """The names of the kept pages whose HTML a build reads from the cache (recorded as it runs)."""
    from cartel.cache import Store

    reads: list[str] = []
    real = Store.load
    monkeypatch.setattr(Store, "load", lambda self, kind, name: (kind == "render" and reads.append(name))
                        or real(self, kind, name))
    return reads


def test_a_cached_build_reads_only_the_kept_pages_it_writes(tmp_path, monkeypatch):
    vault = write_vault(tmp_path / "v", NOTES)
    out = tmp_path / "out"
    build_site(vault, out)
    (vault / "Notes" / "Note 0.md").write_text(NOTES["Notes/Note 0.md"] + "\nUne phrase.\n", encoding="utf-8")
    build_site(vault, out)  # the spare copy is now the first build's site
    reads = stored_html_reads(monkeypatch)
    (vault / "Notes" / "Note 12.md").write_text(NOTES["Notes/Note 12.md"] + "\nUne autre.\n", encoding="utf-8")
    build_site(vault, out)
    # Kept pages that differ from the spare copy: Note 0 and its neighbours (Note 29 links to it, it links to
    # Note 1), changed by the second build; the other 26 kept pages are the spare's bytes and are not read.
    assert 0 < len(reads) <= 4, reads
    assert tree_bytes(out) == clean_copy(vault, tmp_path)


def test_a_kept_page_let_go_since_its_head_was_kept_is_rendered_again(tmp_path):
    from cartel.cache import open_cache
    from cartel.config import load_config

    vault = write_vault(tmp_path / "v", NOTES)
    out = tmp_path / "out"
    build_site(vault, out)
    (vault / "Notes" / "Note 0.md").write_text(NOTES["Notes/Note 0.md"] + "\nUne phrase.\n", encoding="utf-8")
    build_site(vault, out)
    with open_cache(vault, load_config(vault)) as cache:
        cache.store.keep_only("render", set())  # the pages' HTML goes, their heads stay
    (vault / "Notes" / "Note 12.md").write_text(NOTES["Notes/Note 12.md"] + "\nUne autre.\n", encoding="utf-8")
    build_site(vault, out)
    assert tree_bytes(out) == clean_copy(vault, tmp_path)
