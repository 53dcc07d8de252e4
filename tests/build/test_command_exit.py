"""The `cartel` command as a shell runs it: its exit status and everything it printed, though it leaves without
the interpreter's teardown (cartel.cli.run)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import write_vault

VAULT = {
    "Questions/Qu'est-ce qu'un inventaire ?.md": "---\ntags: [question]\n---\nUn inventaire liste les objets.\n\n"
                                                 "1. [[Fiche inventaire]]\n2. [[Guide absent]]\n",
    "Ressources/Fiche inventaire.md": "---\ntags: [ressource]\n---\n# Fiche inventaire\n\nUne fiche par objet.\n",
}


def cartel(*args: str) -> subprocess.CompletedProcess:
    """`python -m cartel ARGS`, its output piped and block-buffered, as in a shell pipeline."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    return subprocess.run([sys.executable, "-m", "cartel", *args], capture_output=True, text=True, timeout=120, env=env)


def test_a_build_exits_with_its_status_and_all_it_printed(tmp_path):
    vault = write_vault(tmp_path / "vault", VAULT)
    done = cartel("build", str(vault), "-o", str(tmp_path / "out"), "--no-cache")
    assert done.returncode == 0, done.stderr
    assert "link-unresolved" in done.stderr and "Guide absent" in done.stderr
    assert "pages written" in done.stderr.rstrip().splitlines()[-1]  # the summary comes last, after the diagnostics
    assert (tmp_path / "out" / "index.html").is_file()

    strict = cartel("build", str(vault), "-o", str(tmp_path / "out"), "--no-cache", "--strict")
    assert strict.returncode == 1, strict.stderr


def test_a_refused_command_exits_2_with_its_message(tmp_path):
    done = cartel("build", str(tmp_path / "nowhere"))
    assert done.returncode == 2
    assert "is not a folder" in done.stderr


def test_piped_json_reaches_its_reader_whole(tmp_path):
    vault = write_vault(tmp_path / "vault", VAULT)
    done = cartel("check", str(vault), "--format", "json", "--no-cache")
    assert done.returncode == 0  # warnings only
    found = json.loads(done.stdout)
    assert any(d["rule"] == "link-unresolved" for d in found)
