"""`cartel check`: the editorial linter, a thin command over `cartel.check`."""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from itertools import groupby
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from cartel.check import REGISTRY, CheckResult, check_vault
from cartel.check.configure import disabled_rules, severity_overrides
from cartel.check.fix import FixReport, apply_edits
from cartel.cli import SEVERITY_STYLE, print_diagnostics
from cartel.config import Config, load_config
from cartel.diagnostics import Severity, count_by_severity, sort_diagnostics

MAX_FIX_PASSES = 3
_VISIBLE = {"\u00a0": "⍽", "\u202f": "⍽", "\t": "→"}


@click.command()
@click.argument("vault", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text",
              help="text (grouped by file, with a summary), json, or github (workflow annotations).")
@click.option("--fix", is_flag=True, help="Apply the safe fixes (numbering, spacing, middle dot, apostrophes, tag case, trailing spaces).")
@click.option("--list-rules", is_flag=True, help="Print every rule's id, severity and doc, then exit.")
@click.option("--no-cache", is_flag=True, help="Parse every note again; neither read nor write VAULT/.cartel-cache.")
def check(vault: Path, fmt: str, fix: bool, list_rules: bool, no_cache: bool) -> None:
    """Check the vault's notes, links, structure, style and directory; exit 1 on errors."""
    out = Console(highlight=False, soft_wrap=True)
    if list_rules:
        print_rules(out, fmt, load_config(vault) if vault.is_dir() else None)
        return
    if not vault.is_dir():
        raise click.BadParameter(f"{vault} is not a folder", param_hint="VAULT")
    result = check_vault(vault, fixing=fix, use_cache=not no_cache)
    if fix:
        result, report = fix_vault(vault, result, use_cache=not no_cache)
        print_fixes(Console(stderr=fmt != "text", highlight=False, soft_wrap=True), report)
    print_report(out, result.diagnostics, fmt, repository_folder(vault) if fmt == "github" else "")
    sys.exit(1 if result.errors else 0)


def repository_folder(vault: Path) -> str:
    """The vault's folder from the workflow's checkout (GITHUB_WORKSPACE, else the current folder), as annotations
    name files; "" when the vault is that folder or outside it."""
    root = Path(os.environ.get("GITHUB_WORKSPACE") or Path.cwd()).resolve()
    folder = vault.resolve()
    return folder.relative_to(root).as_posix() if folder != root and folder.is_relative_to(root) else ""


def fix_vault(vault: Path, result: CheckResult, use_cache: bool = True) -> tuple[CheckResult, FixReport]:
    """Apply the edits, check again, and repeat while fixes uncover more (a second run then changes nothing)."""
    applied, skipped = [], []
    for _ in range(MAX_FIX_PASSES):
        if not result.edits:
            break
        report = apply_edits(vault, result.edits, result.digests)
        applied.extend(report.applied)
        skipped.extend(report.skipped)
        if not report.applied:
            break
        result = check_vault(vault, fixing=True, use_cache=use_cache)
    return result, FixReport(tuple(applied), tuple(dict.fromkeys(skipped)))


def print_fixes(console: Console, report: FixReport) -> None:
    """One line per change, then the files left alone and why."""
    changes = sorted(report.applied, key=lambda e: (e.path, e.line, e.column))
    if console.is_terminal:
        for edit in changes:
            console.print(f"[bold]{escape(edit.path)}:{edit.line}:{edit.column}:[/bold] [green]fixed{escape('[' + edit.rule + ']')}[/] "
                          f"{escape(_shown(edit.old))} → {escape(_shown(edit.new))}")
    elif changes:
        console.file.write("".join(f"{e.path}:{e.line}:{e.column}: fixed[{e.rule}] {_shown(e.old)} → {_shown(e.new)}\n"
                                   for e in changes))
    for path, why in report.skipped:
        console.print(f"[bold]{escape(path)}:[/bold] [yellow]not fixed:[/] {escape(why)}")
    files = len(report.files)
    console.print(f"{len(report.applied)} fix{'es' * (len(report.applied) != 1)} in {files} file{'s' * (files != 1)}")


def _shown(text: str) -> str:
    return '"' + "".join(_VISIBLE.get(c, c) for c in text) + '"'


def print_report(console: Console, diagnostics, fmt: str, folder: str = "") -> None:
    """Diagnostics grouped by file with a blank line between files, then a summary by rule; json/github as is."""
    ordered = sort_diagnostics(diagnostics)
    if fmt != "text":
        print_diagnostics(console, ordered, fmt, folder)
        print_summary(Console(stderr=True, highlight=False, soft_wrap=True), ordered)
        return
    groups = [list(group) for _, group in groupby(ordered, key=lambda d: d.path)]
    if console.is_terminal:
        for index, group in enumerate(groups):
            if index:
                console.print()
            print_diagnostics(console, group)
    else:
        # Without colours, plain writes: rich's markup costs seconds on a vault with tens of thousands of reports.
        sys.stdout.write("\n\n".join("\n".join(d.format() for d in group) for group in groups))
        sys.stdout.flush()
    if ordered:
        console.print("\n" if not console.is_terminal else "")
    print_summary(console, ordered)


def print_summary(console: Console, diagnostics) -> None:
    """Counts by severity and files, then one line per rule."""
    counts = count_by_severity(diagnostics)
    files = len({d.path for d in diagnostics})
    if not diagnostics:
        console.print("[green]No problems found.[/]")
        return
    by_rule = Counter((d.rule, d.severity) for d in diagnostics)
    width = max(len(rule) for rule, _ in by_rule)
    for (rule, severity), count in sorted(by_rule.items(), key=lambda item: (_rank(item[0][1]), item[0][0])):
        console.print(f"  {rule.ljust(width)}  [{SEVERITY_STYLE[severity]}]{severity.value:<7}[/] {count:>5}")
    console.print(f"{_plural(counts[Severity.ERROR], 'error')}, {_plural(counts[Severity.WARNING], 'warning')}, "
                  f"{counts[Severity.INFO]} info in {_plural(files, 'file')}")


def _rank(severity: Severity) -> int:
    return {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}[severity]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def print_rules(console: Console, fmt: str, config: Config | None = None) -> None:
    """Every rule: id, severity (as the vault's cartel.toml sets it, `off` when disabled), whether --fix applies, doc."""
    off = disabled_rules(config) if config else frozenset()
    levels = severity_overrides(config) if config else {}
    rows = [(r, "off" if r.id in off else levels.get(r.id, r.severity).value) for r in REGISTRY]
    if fmt == "json":
        click.echo(json.dumps([{"id": r.id, "severity": level, "family": r.family, "fixable": r.fixable, "doc": r.doc}
                               for r, level in rows], ensure_ascii=False, indent=2))
        return
    width = max(len(r.id) for r in REGISTRY)
    for rule, level in rows:
        style = SEVERITY_STYLE.get(Severity(level), "") if level != "off" else "dim"
        fixable = "fix" if rule.fixable else "   "
        console.print(f"{rule.id.ljust(width)}  [{style}]{level:<7}[/] {fixable}  {escape(rule.doc)}")
