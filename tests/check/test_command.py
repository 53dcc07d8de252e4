"""The `cartel check` command: grouped text with a summary, JSON, GitHub annotations, exit codes, rule list."""

from __future__ import annotations

import io
import json

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from cartel.check import REGISTRY
from cartel.cli import main, print_diagnostics
from cartel.diagnostics import Diagnostic, Severity
from tests.check.helpers import RESOURCE, vault_with

R = "Ressources/Guide de publication.md"
Q = "Questions/Comment publier une collection.md"
FILES = {
    R: RESOURCE + "\nPourquoi publier ? Voir [[Page absente]].\n",
    Q: "---\ntags: question\n---\n# Une question sans liste\n\nDu texte.\n",
}


def run(*args, env=None):
    return CliRunner().invoke(main, ["check", *map(str, args)], env=env)


def test_text_output_groups_by_file_and_ends_with_a_summary_by_rule(tmp_path):
    result = run(vault_with(tmp_path, FILES))
    assert result.exit_code == 0
    groups = result.output.split("\n\n")
    assert groups[0].startswith(f"{Q}:4:1: warning[question-no-resource] the question ranks no resource\n  hint: ")
    assert groups[1].startswith(f"{R}:5:1: info[resource-orphan] no question ranks this resource\n  hint: ")
    assert f"\n{R}:13:17: warning[style-punctuation-space] no space before '?'" in groups[1]
    assert f"\n{R}:13:25: warning[link-unresolved]" in groups[1]
    assert "\x1b[" not in result.output       # no colours when the output is not a terminal
    summary = groups[-1].splitlines()
    assert [line.split()[:3] for line in summary[:-1]] == [
        ["link-unresolved", "warning", "1"], ["question-no-resource", "warning", "1"],
        ["style-punctuation-space", "warning", "1"], ["resource-orphan", "info", "1"]]
    assert summary[-1] == "0 errors, 3 warnings, 1 info in 2 files"


def test_colours_on_a_terminal(tmp_path):
    result = run(vault_with(tmp_path, FILES), env={"FORCE_COLOR": "1", "TERM": "xterm-256color"})
    assert "\x1b[" in result.output and "question-no-resource" in result.output


def test_exit_code_is_1_when_an_error_is_found(tmp_path):
    files = {**FILES, "cartel.toml": '[check.severity]\nlink-unresolved = "error"\n'}
    result = run(vault_with(tmp_path, files))
    assert result.exit_code == 1
    assert "1 error, 2 warnings, 1 info in 2 files" in result.output


def test_json_output_is_every_diagnostic_and_nothing_else(tmp_path):
    result = CliRunner().invoke(main, ["check", str(vault_with(tmp_path, FILES)), "--format", "json"])
    data = json.loads(result.stdout)
    assert [(d["path"], d["line"], d["rule"], d["severity"]) for d in data] == [
        (Q, 4, "question-no-resource", "warning"), (R, 5, "resource-orphan", "info"),
        (R, 13, "style-punctuation-space", "warning"), (R, 13, "link-unresolved", "warning")]
    assert "1 info in 2 files" in result.stderr


def test_github_format_writes_workflow_annotations(tmp_path):
    result = CliRunner().invoke(main, ["check", str(vault_with(tmp_path, FILES)), "--format", "github"])
    lines = result.stdout.splitlines()
    assert lines[0] == f"::warning file={Q},line=4,col=1,title=question-no-resource::the question ranks no resource (" \
                       "after the answer, add a numbered list whose items begin with a link: 1. [[Resource note]])"
    assert lines[1].startswith(f"::notice file={R},line=5,col=1,title=resource-orphan::")
    assert len(lines) == 4


def test_github_annotations_name_files_from_the_checkout_and_escape_what_github_reads(tmp_path, monkeypatch):
    odd = "Questions/Musées: collections, publics.md"  # a colon and a comma, which end a property in GitHub's syntax
    vault = vault_with(tmp_path / "depot" / "site", {odd: FILES[Q]})
    inside = vault.relative_to(tmp_path / "depot").as_posix()
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    monkeypatch.chdir(tmp_path / "depot")
    from_checkout = CliRunner().invoke(main, ["check", inside, "--format", "github"]).stdout.splitlines()
    assert from_checkout[0].startswith(f"::warning file={inside}/Questions/Musées%3A collections%2C publics.md,line=4,"
                                       "col=1,title=question-no-resource::")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    in_workflow = CliRunner().invoke(main, ["check", str(vault), "--format", "github"]).stdout.splitlines()
    assert in_workflow[0].startswith(f"::warning file=depot/{inside}/Questions/Musées%3A collections%2C publics.md,line=4,")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(vault))
    at_root = CliRunner().invoke(main, ["check", str(vault), "--format", "github"]).stdout.splitlines()
    assert at_root[0].startswith("::warning file=Questions/Musées%3A collections%2C publics.md,line=4,")


def test_a_clean_vault_says_so(tmp_path):
    result = run(vault_with(tmp_path, {}))
    assert result.exit_code == 0 and result.output == "No problems found.\n"


def test_list_rules_prints_every_rule_with_its_severity_and_doc():
    result = run("--list-rules")
    lines = result.output.splitlines()
    assert len(lines) == len(REGISTRY)
    for rule, line in zip(REGISTRY, lines):
        assert line.split()[:2] == [rule.id, rule.severity.value]
        assert line.rstrip().endswith(rule.doc)
    assert any(line.split()[2] == "fix" for line in lines if line.startswith("list-numbering"))
    data = json.loads(run("--list-rules", "--format", "json").output)
    assert {r["id"] for r in data} == {r.id for r in REGISTRY}


def test_a_missing_vault_is_a_usage_error(tmp_path):
    assert run(tmp_path / "absent").exit_code == 2


def test_list_rules_shows_the_vault_s_own_severities(tmp_path):
    vault = vault_with(tmp_path, {"cartel.toml": '[check]\ndisable = ["link-http"]\n[check.severity]\ntag-case = "error"\n'})
    lines = {line.split()[0]: line.split()[1] for line in run(vault, "--list-rules").output.splitlines()}
    assert (lines["link-http"], lines["tag-case"], lines["link-unresolved"]) == ("off", "error", "warning")


TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


@given(st.lists(st.tuples(TEXT, TEXT, TEXT, st.sampled_from(list(Severity))), min_size=1, max_size=6))
@settings(max_examples=200, deadline=None)
def test_diagnostics_written_as_plain_text_are_what_rich_writes(items):
    """Without colours, the diagnostics are written as text in one go; rich (used with colours, and for tabs) must
    have written the same characters: control codes stripped, nothing escaped or turned into emoji."""
    diagnostics = [Diagnostic(path=path, line=i + 1, column=1, rule="link-unresolved", severity=severity,
                              message=message, hint=hint) for i, (path, message, hint, severity) in enumerate(items)]
    written = [io.StringIO(), io.StringIO()]
    print_diagnostics(Console(file=written[0], highlight=False), diagnostics)
    print_diagnostics(Console(file=written[1], highlight=False, record=True), diagnostics)  # rich's own way
    assert written[0].getvalue() == written[1].getvalue()
