"""A large vault's notes parsed by a helper process beside the build (cartel.parse.beside): same notes, same site."""

from __future__ import annotations

import io
import os
import pickle
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import pytest

import cartel.build
import cartel.parse.beside as beside
from cartel.build import build_site
from cartel.config import load_config
from cartel.parse import parse_note
from cartel.parse.packed import PackedBody, plain_note
from cartel.scan import scan_vault
from tests.conftest import tree_bytes, write_vault

NOTES = {
    f"Notes/Note {i:03}.md": (
        f"---\ntags: [essai, {'question' if i % 5 == 0 else 'ressource'}]\n---\n# Note {i}\n\n"
        f"Texte {i} sur les **musées** et le #numérique. Voir [[Note {(i + 1) % 60:03}]].\n\n"
        + (f"1. [[Note {(i + 2) % 60:03}]] : une ressource.\n" if i % 5 == 0 else "## Résumé\n\nUn résumé.\n")
    )
    for i in range(60)
}


def _sources(vault: Path):
    config = load_config(vault)
    return config, [s for s in scan_vault(config, None).sources if s.kind == "note"]


def _slow_parse_here(monkeypatch) -> list[str]:
    """Let a build use the helper from 10 notes on, in chunks of 7, and make its own parse slow, so that the
    helper, once started, takes chunks: the paths the build parsed itself."""
    parsed: list[str] = []

    def slowly(source, config):
        parsed.append(source.path)
        time.sleep(0.02)
        return parse_note(source, config)

    monkeypatch.setattr(cartel.build, "BESIDE_FROM", 10)
    monkeypatch.setattr(beside, "CHUNK", 7)
    monkeypatch.setattr(cartel.build, "parse_note", slowly)
    return parsed


def _whole(note) -> tuple:
    note = plain_note(note)
    return note, note.meta, note.body, note.shape


def test_the_helper_parses_from_the_end_and_the_notes_come_out_in_order(tmp_path, monkeypatch):
    monkeypatch.setattr(beside, "CHUNK", 7)
    config, sources = _sources(write_vault(tmp_path / "vault", NOTES))

    def slowly(source):  # this process is slow: the helper, once started, takes chunks from the end
        time.sleep(0.02)
        return parse_note(source, config)

    notes = list(beside.parse_beside(sources, config, slowly))
    assert [n.path for n in notes] == [s.path for s in sources]
    assert [_whole(n) for n in notes] == [_whole(parse_note(s, config)) for s in sources]
    from_helper = [isinstance(n.body, PackedBody) for n in notes]  # the helper's come packed
    assert any(from_helper) and not all(from_helper)
    assert from_helper[-1] and not from_helper[0]


def test_without_a_helper_every_note_is_parsed_here(tmp_path, monkeypatch):
    config, sources = _sources(write_vault(tmp_path / "vault", NOTES))
    expected = [_whole(parse_note(s, config)) for s in sources]
    monkeypatch.setattr(beside, "CHUNK", 7)
    monkeypatch.setattr(beside._Helper, "start", classmethod(lambda cls, config, chunks: None))
    assert [_whole(n) for n in beside.parse_beside(sources, config, partial(parse_note, config=config))] == expected
    # A helper that exits at once (here: a Python that runs nothing): its chunks are parsed here.
    monkeypatch.undo()
    monkeypatch.setattr(beside, "CHUNK", 7)
    monkeypatch.setattr(beside.sys, "executable", sys.executable + " -c pass")  # not a program: cannot start
    notes = list(beside.parse_beside(sources, config, partial(parse_note, config=config)))
    assert [_whole(n) for n in notes] == expected
    real_popen = subprocess.Popen
    monkeypatch.setattr(beside.subprocess, "Popen",
                        lambda command, **kw: real_popen([sys.executable, "-c", "pass"], **kw))
    notes = list(beside.parse_beside(sources, config, partial(parse_note, config=config)))
    assert [_whole(n) for n in notes] == expected
    assert not any(isinstance(n.body, PackedBody) for n in notes)


def test_frames_come_back_whole_and_a_cut_one_ends_the_stream():
    stream = io.BytesIO()
    beside.write_frame(stream, {"a": [1, 2]})
    beside.write_frame(stream, "é" * 100_000)
    whole = stream.getvalue()
    assert list(map(pickle.loads, beside.frames_read_ahead(io.BytesIO(whole)))) == [{"a": [1, 2]}, "é" * 100_000]
    assert list(map(pickle.loads, beside.frames_read_ahead(io.BytesIO(whole[:-1])))) == [{"a": [1, 2]}]
    with pytest.raises(EOFError):
        beside.read_frame(io.BytesIO(whole[:5]))


def test_a_packed_vault_built_with_the_helper_is_the_same_site(tmp_path, monkeypatch):
    files = dict(NOTES)
    files["cartel.toml"] = "[build]\npack_notes_from = 1\nsearch_shard_size = 16\n"  # packed, index not begun early
    vault = write_vault(tmp_path / "vault", files)
    build_site(vault, tmp_path / "alone", use_cache=False)
    parsed_here = _slow_parse_here(monkeypatch)
    build_site(vault, tmp_path / "beside", use_cache=False)
    assert 0 < len(parsed_here) < len(NOTES)  # the helper parsed the rest
    assert tree_bytes(tmp_path / "beside") == tree_bytes(tmp_path / "alone")


def test_the_helper_imports_this_cartel_and_never_puts_a_site_folder_first(monkeypatch):
    root = str(Path(beside.__file__).resolve().parents[2])
    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    monkeypatch.setattr(beside.site, "getsitepackages", lambda: ["/usr/lib/python3/site-packages"])
    assert beside.helper_environment()["PYTHONPATH"] == os.pathsep.join(["/elsewhere", root])
    monkeypatch.setattr(beside.site, "getsitepackages", lambda: [root])
    assert beside.helper_environment()["PYTHONPATH"] == "/elsewhere"


def test_check_reads_the_helper_s_notes_unpacked(tmp_path, monkeypatch):
    vault = write_vault(tmp_path / "vault", NOTES)
    _, _, alone = cartel.build.load_site(vault)
    parsed_here = _slow_parse_here(monkeypatch)
    _, _, with_helper = cartel.build.load_site(vault)
    assert 0 < len(parsed_here) < len(NOTES)  # the helper parsed the rest
    assert not any(isinstance(n.body, PackedBody) for n in with_helper.notes)
    assert [_whole(n) for n in with_helper.notes] == [_whole(n) for n in alone.notes]
    assert with_helper.diagnostics == alone.diagnostics
