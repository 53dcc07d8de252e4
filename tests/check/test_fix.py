"""`cartel check --fix`: safe fixes only, exact bytes elsewhere, atomic rewrites, and a second run changes nothing."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cartel.check import check_vault
from cartel.check.context import Edit
from cartel.check.fix import apply_edits, edit_line
from cartel.cli import main
from tests.check.helpers import RESOURCE, TODAY, vault_with

R = "Ressources/Guide de publication.md"
MESSY = RESOURCE.replace("tags: ressource rapport", "tags: Ressource rapport") + (
    "\n## Étapes\n"
    "1. Choisir les images ; les trier !\n"
    "1. Les décrire pour les utilisateur.rice.s, l'image et l’œuvre, l'auteur.  \n"
    "2. Publier  enfin.\n"
    "\n"
    "Un paragraphe qui finit par un espace. \n"
    "Des images, des sons, etc\n"
)
FIXED = RESOURCE + (
    "\n## Étapes\n"
    "1. Choisir les images; les trier!\n"
    "2. Les décrire pour les utilisateur·rice·s, l'image et l'œuvre, l'auteur.\n"
    "3. Publier enfin.\n"
    "\n"
    "Un paragraphe qui finit par un espace.\n"
    "Des images, des sons, etc\n"
)


def fix(vault: Path):
    result = check_vault(vault, today=TODAY, fixing=True)
    return apply_edits(vault, result.edits, result.digests)


def test_each_safe_fix_is_applied_and_nothing_else(tmp_path):
    vault = vault_with(tmp_path, {R: MESSY})
    report = fix(vault)
    assert (vault / R).read_text(encoding="utf-8") == FIXED     # `etc` is reported, never rewritten
    assert {e.rule for e in report.applied} == {"tag-case", "list-numbering", "style-punctuation-space",
                                               "style-inclusive-dot", "style-apostrophes", "style-double-space",
                                               "style-trailing-space"}
    assert report.files == (R,)
    remaining = check_vault(vault, today=TODAY, fixing=True)
    assert remaining.edits == ()
    assert [d.rule for d in remaining.diagnostics] == ["style-abbreviation"]


def test_bom_crlf_and_untouched_lines_are_kept_byte_for_byte(tmp_path):
    original = ("\ufeff" + MESSY).replace("\n", "\r\n").encode("utf-8")
    vault = vault_with(tmp_path, {R: original})
    fix(vault)
    assert (vault / R).read_bytes() == ("\ufeff" + FIXED).replace("\n", "\r\n").encode("utf-8")


def test_only_changed_files_are_rewritten_and_no_temporary_file_is_left(tmp_path):
    vault = vault_with(tmp_path, {R: MESSY})
    others = [p for p in vault.rglob("*") if p.is_file() and p.name != Path(R).name]
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes()) for p in others}
    mode = 0o640
    os.chmod(vault / R, mode)
    fix(vault)
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes()) for p in others} == before
    assert (vault / R).stat().st_mode & 0o777 == mode
    assert sorted(p.name for p in (vault / "Ressources").iterdir()) == ["Guide de publication.md"]


def test_files_that_are_not_utf8_or_changed_since_the_check_are_left_alone(tmp_path):
    vault = vault_with(tmp_path, {R: MESSY.encode("cp1252", errors="replace")})
    assert fix(vault).skipped == ((R, "it is not UTF-8; save it as UTF-8 first"),)
    vault = vault_with(tmp_path, {R: MESSY}, "changed")
    result = check_vault(vault, today=TODAY, fixing=True)
    (vault / R).write_text(MESSY + "Ajouté pendant ce temps.\n", encoding="utf-8")
    report = apply_edits(vault, result.edits, result.digests)
    assert report.applied == () and "changed since" in report.skipped[0][1]
    assert (vault / R).read_text(encoding="utf-8").endswith("Ajouté pendant ce temps.\n")


def test_renumbering_never_moves_text_that_hangs_below_an_item(tmp_path):
    body = RESOURCE + "\n" + "".join(f"1. Point {n}\n" for n in range(9)) + "1. Dixième\n   suite du dixième\n"
    vault = vault_with(tmp_path, {R: body})
    fix(vault)
    text = (vault / R).read_text(encoding="utf-8")
    assert "9. Point 8\n1. Dixième\n   suite du dixième\n" in text     # 1 → 10 would shift "suite" out of the item
    assert check_vault(vault, today=TODAY, fixing=True).edits == ()


def test_the_command_prints_each_change_and_a_second_run_changes_nothing(tmp_path):
    vault = vault_with(tmp_path, {R: MESSY})
    runner = CliRunner()
    first = runner.invoke(main, ["check", str(vault), "--fix"])
    assert first.exit_code == 0, first.output
    assert f'{R}:15:1: fixed[list-numbering] "1" → "2"' in first.output
    assert f'{R}:15:57: fixed[style-apostrophes] "’" → "\'"' in first.output
    assert "10 fixes in 1 file" in first.output
    second = runner.invoke(main, ["check", str(vault), "--fix"])
    assert "0 fixes in 0 files" in second.output
    assert (vault / R).read_text(encoding="utf-8") == FIXED


def test_edit_line_applies_only_edits_whose_text_is_where_they_say():
    edits = [Edit("a", 1, 3, "  ", " ", "x"), Edit("a", 1, 4, " ", "", "y"), Edit("a", 1, 9, "zz", "y", "z")]
    line, done = edit_line("ab  cd efgh", edits)
    assert line == "ab cd efgh" and [e.rule for e in done] == ["x"]
    assert edit_line("a %%comment%% b", [Edit("a", 1, 2, " ", "", "x")]) == ("a %%comment%% b", [])


PROSE = st.lists(st.sampled_from(["musée", "l'image", "l’œuvre", "utilisateur.rice", "étudiant-e-s", "Pourquoi",
                                  "?", "!", ":", ";", "  ", " ", "**gras**", "#Vaud", "10:30", "etc", "\n", "\n1. ",
                                  "\n1) ", "\n- ", "`a : b`", "[[Guide de publication]]"]), max_size=30)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(PROSE)
def test_fixing_twice_changes_nothing_the_second_time(tmp_path, words):
    vault = Path(tempfile.mkdtemp(dir=tmp_path))
    try:
        vault_with(vault, {R: RESOURCE + "\n" + " ".join(words) + "\n"})
        vault = vault / "vault"
        fix(vault)
        after_first = (vault / R).read_bytes()
        report = fix(vault)
        assert report.applied == () and (vault / R).read_bytes() == after_first
    finally:
        shutil.rmtree(vault.parent, ignore_errors=True)
