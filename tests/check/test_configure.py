"""cartel.toml severities and disabled rules, per-note silences, and the rule registry's completeness."""

from __future__ import annotations

import re
from pathlib import Path

from cartel.check import REGISTRY, RULES
from cartel.diagnostics import Severity
from tests.check.helpers import RESOURCE, check, reported

R = "Ressources/Guide de publication.md"
NOISY = RESOURCE + "\nPourquoi publier ? Voir [[Page absente]].\n"


def test_disable_turns_a_rule_off_for_the_whole_vault(tmp_path):
    result = check(tmp_path, {R: NOISY, "cartel.toml": '[check]\ndisable = ["style-punctuation-space", "link-unresolved"]\n'})
    assert result.diagnostics == ()


def test_severity_can_be_raised_or_turned_off(tmp_path):
    toml = '[check.severity]\nstyle-punctuation-space = "error"\nlink-unresolved = "off"\n'
    result = check(tmp_path, {R: NOISY, "cartel.toml": toml})
    assert [(d.rule, d.severity) for d in result.diagnostics] == [("style-punctuation-space", Severity.ERROR)]
    assert result.errors == 1


def test_a_note_silences_rules_in_its_front_matter(tmp_path):
    silenced = NOISY.replace("date: 2024-03-01", "date: 2024-03-01\ncartel-ignore: [style-punctuation-space]")
    result = check(tmp_path, {R: silenced})
    assert [d.rule for d in result.diagnostics] == ["link-unresolved"]
    everything = NOISY.replace("date: 2024-03-01", "date: 2024-03-01\ncartel-ignore: all")
    assert check(tmp_path, {R: everything}, "all").diagnostics == ()


def test_a_silenced_rule_proposes_no_fix(tmp_path):
    silenced = NOISY.replace("date: 2024-03-01", "date: 2024-03-01\ncartel-ignore: style-punctuation-space")
    assert check(tmp_path, {R: silenced}, fixing=True).edits == ()
    assert [e.rule for e in check(tmp_path, {R: NOISY}, "plain", fixing=True).edits] == ["style-punctuation-space"]


def test_unknown_rule_ids_severities_and_options_are_reported(tmp_path):
    toml = ('[check]\ndisable = ["style-espaces"]\nfreshness_year = 3\ntypography = "be"\nsummary_similarity = 0.3\n'
            'freshness_years = 2.5\n[check.severity]\nlink-unresolved = "grave"\n')
    found = sorted((d.rule, d.message) for d in check(tmp_path, {"cartel.toml": toml}).diagnostics)
    assert found == [
        ("config-invalid", "[check.severity] link-unresolved = 'grave' is not a severity"),
        ("config-invalid", "[check] freshness_years = 2.5 is not valid; the default is used"),
        ("config-invalid", "[check] typography = 'be' is not valid; the default is used"),
        ("config-unknown-key", "unknown [check] option 'freshness_year'"),
        ("config-unknown-rule", "disable names 'style-espaces', which is not a rule")]


def test_typography_fr_asks_for_non_breaking_spaces(tmp_path):
    text = RESOURCE + "\nPourquoi publier ? Parce que: c'est utile\u202f! Il est 10:30 et voir https://example.org.\n"
    result = check(tmp_path, {R: text, "cartel.toml": '[check]\ntypography = "fr"\n'}, fixing=True)
    found = [d for d in reported(result, "style-punctuation-space") if d.path == R]
    assert [(d.line, d.column) for d in found] == [(13, 17), (13, 29)]
    assert sorted((e.old, e.new) for e in result.edits if e.path == R) == [(" ", "\u202f"), (":", "\u00a0:")]


def test_every_rule_id_reported_anywhere_in_cartel_is_in_the_registry():
    """`cartel check --list-rules` documents every id: scan the stages' sources for the ids they report."""
    source = Path(__file__).resolve().parents[2] / "src" / "cartel"
    reported_ids = set()
    for path in source.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        reported_ids |= set(re.findall(r'\bdiag\(\s*[^,()]+(?:\([^()]*\))?[^,()]*,\s*[^,]+?,\s*"([a-z0-9-]+)"', text))
    assert "link-unresolved" in reported_ids and "yaml-invalid" in reported_ids   # the scan itself works
    assert reported_ids <= set(RULES), sorted(reported_ids - set(RULES))


def test_registry_ids_are_unique_and_documented():
    ids = [r.id for r in REGISTRY]
    assert len(ids) == len(set(ids))
    assert all(r.doc and r.family and re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", r.id) for r in REGISTRY)


def test_the_build_applies_the_same_configuration(build_vault):
    files = {
        "A.md": "# A\n\nVoir [[Absente]] et ![[absente.png]].\n",
        "B.md": "---\ncartel-ignore: [link-unresolved]\n---\n# B\n\nVoir [[Absente]].\n",
        "cartel.toml": '[check.severity]\nlink-unresolved = "error"\n',
    }
    built = build_vault(files)
    assert sorted((d.path, d.rule, d.severity.value) for d in built.result.diagnostics) == [
        ("A.md", "link-unresolved", "error"), ("A.md", "link-unresolved", "error")]


def test_an_invalid_typography_is_ignored_as_reported(tmp_path):
    text = RESOURCE + "\nPourquoi publier ? Parce que c'est utile.\n"
    upper = check(tmp_path, {R: text, "cartel.toml": '[check]\ntypography = "FR"\n'}, "upper")
    assert ("config-invalid", "[check] typography = 'FR' is not valid; the default is used") in {
        (d.rule, d.message) for d in upper.diagnostics}
    spacing = [d.message for d in reported(upper, "style-punctuation-space") if d.path == R]
    assert spacing and all("no space before" in m for m in spacing)   # the Swiss default, as the report says


def test_resource_stale_points_at_the_date_key_not_a_longer_one(tmp_path):
    text = RESOURCE.replace("---\n", "---\ndateModified: 2025-01-01\n", 1).replace("date: 2024-03-01", "date: 2012-05-01")
    result = check(tmp_path, {R: text})
    line = text.split("\n").index("date: 2012-05-01") + 1
    assert [(d.path, d.line) for d in reported(result, "resource-stale")] == [(R, line)]
