"""What the editors asked to see: severities and disabled rules from cartel.toml, and per-note silences.

`[check] disable = ["rule-id", ...]` turns rules off, `[check.severity]
rule-id = "error" | "warning" | "info" | "off"` changes how serious they are,
and a note's front matter `cartel-ignore: [rule-id, ...]` (or `all`) silences
rules for that note only. Applied to every diagnostic, whichever stage made it.
"""

from __future__ import annotations

from collections.abc import Iterable

from cartel.config import CONFIG_NAME, Config
from cartel.diagnostics import Diagnostic, Severity, diag

IGNORE_KEY = "cartel-ignore"
SEVERITIES = {s.value: s for s in Severity}


def disabled_rules(config: Config) -> frozenset[str]:
    """Rules turned off in cartel.toml, by `disable` or by a severity of `off`."""
    off = {rule for rule, level in config.rule_severities if level.lower() in ("off", "none", "disable", "disabled")}
    return frozenset(config.disabled_rules) | off


def severity_overrides(config: Config) -> dict[str, Severity]:
    """`[check.severity]` entries that name a severity."""
    return {rule: SEVERITIES[level.lower()] for rule, level in config.rule_severities if level.lower() in SEVERITIES}


def note_silences(notes) -> dict[str, frozenset[str]]:
    """Path → the rule ids its `cartel-ignore` front-matter key silences (`*` for all)."""
    found = {}
    for note in notes:
        value = note.meta.get(IGNORE_KEY)
        if value is None:
            continue
        values = value if isinstance(value, list) else str(value).replace(",", " ").split()
        rules = frozenset("*" if str(v).strip().lower() in ("all", "*", "true") else str(v).strip() for v in values)
        found[note.path] = rules
    return found


def configure(diagnostics: Iterable[Diagnostic], config: Config, notes=()) -> tuple[Diagnostic, ...]:
    """Drop disabled and silenced diagnostics, apply severity overrides; config problems are never dropped."""
    off = disabled_rules(config)
    levels = severity_overrides(config)
    silences = note_silences(notes)
    kept = []
    for d in diagnostics:
        if d.rule.startswith("config-"):
            kept.append(d)
            continue
        if not allowed(d.rule, d.path, off, silences):
            continue
        level = levels.get(d.rule)
        kept.append(d if level is None or level is d.severity else _with_severity(d, level))
    return tuple(kept)


def allowed(rule: str, path: str, off: frozenset[str], silences: dict[str, frozenset[str]]) -> bool:
    """Whether a rule may report (or fix) in a file: not disabled, not silenced by the note."""
    silenced = silences.get(path, ())
    return rule not in off and rule not in silenced and "*" not in silenced


def _with_severity(d: Diagnostic, severity: Severity) -> Diagnostic:
    return Diagnostic(d.path, d.line, d.column, d.rule, severity, d.message, d.hint)


def configuration_problems(config: Config, known_rules: Iterable[str], known_options: dict) -> list[Diagnostic]:
    """Rule ids, severities and `[check]` options (name → allowed strings, or `int`/`float`) cartel does not know."""
    known = set(known_rules)
    problems = []
    named = ([(rule, "disable", ("check", "disable")) for rule in config.disabled_rules]
             + [(rule, "[check.severity]", ("check", "severity", rule)) for rule, _ in config.rule_severities])
    for rule, where, path in named:
        if rule not in known:
            problems.append(diag(CONFIG_NAME, config.line_of(*path), "config-unknown-rule", Severity.WARNING,
                                 f"{where} names '{rule}', which is not a rule",
                                 "cartel check --list-rules prints every rule id"))
    for rule, level in config.rule_severities:
        if level.lower() not in SEVERITIES and level.lower() not in ("off", "none", "disable", "disabled"):
            line = config.line_of("check", "severity", rule)
            problems.append(diag(CONFIG_NAME, line, "config-invalid", Severity.ERROR,
                                 f"[check.severity] {rule} = '{level}' is not a severity",
                                 "use \"error\", \"warning\", \"info\" or \"off\""))
    options = dict(known_options)
    for name, value in config.check_options:
        line = config.line_of("check", name)
        if name not in options:
            problems.append(diag(CONFIG_NAME, line, "config-unknown-key", Severity.WARNING,
                                 f"unknown [check] option '{name}'", f"known options: {', '.join(sorted(options))}"))
        elif not _valid(value, options[name]):
            problems.append(diag(CONFIG_NAME, line, "config-invalid", Severity.ERROR,
                                 f"[check] {name} = {value!r} is not valid; the default is used",
                                 f"use {' or '.join(map(repr, options[name])) if isinstance(options[name], tuple) else 'a number'}"))
    return problems


def _valid(value, expected) -> bool:
    """An option's value: one of the allowed strings, or a number of the expected type."""
    if isinstance(expected, tuple):
        return value in expected
    return isinstance(value, (int, float)) and not isinstance(value, bool) and (expected is float or float(value).is_integer())
