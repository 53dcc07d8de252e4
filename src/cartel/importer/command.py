"""The `cartel import` command: read the report of `import_documents` and print it, a block per file."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape

from cartel.importer import ImportOptions, ImportReport, ImportRow, import_documents

ACTION_STYLE = {"created": "green", "would create": "cyan", "duplicate": "yellow", "failed": "bold red"}
LABEL_WIDTH = max(map(len, ACTION_STYLE)) + 2  # "would create" and two spaces: the report's column of labels


@click.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--vault", type=click.Path(file_okay=False, exists=True, path_type=Path), default=".",
              show_default=True, help="The vault to import into.")
@click.option("--into", "into", metavar="FOLDER", help="Vault folder for the new notes (default: the drafts folder).")
@click.option("--type", "note_type", type=click.Choice(["resource", "question"]),
              help="Type of the new notes (default: resource, or what a Markdown note says).")
@click.option("--dry-run", is_flag=True, help="Write nothing; show what would be done.")
def command(paths: tuple[Path, ...], vault: Path, into: str | None, note_type: str | None, dry_run: bool) -> None:
    """Turn texts, saved web pages and notes (PATH: files or folders) into draft notes."""
    report = import_documents(paths, vault, ImportOptions(into=into, note_type=note_type, dry_run=dry_run))
    console = Console(highlight=False, soft_wrap=False)
    print_report(console, report)
    sys.exit(1 if report.count("failed") else 0)


def print_report(console: Console, report: ImportReport) -> None:
    """One block per file (what was done, to which note, from which file, then its title, date, type, warnings
    and the lines taken out), then a summary line; long values wrap under themselves, whatever the width."""
    title = "Dry run: nothing written" if report.dry_run else f"Imported into {report.vault / report.folder}"
    for line in wrap_value(title, console.width):
        console.print(escape(line), style="bold")
    for row in report.rows:
        console.print()
        for label, style, value in file_block(row):
            for i, line in enumerate(wrap_value(value, console.width - LABEL_WIDTH)):
                shown = label.ljust(LABEL_WIDTH) if i == 0 else " " * LABEL_WIDTH
                console.print(f"[{style}]{escape(shown)}[/]{escape(line)}" if style else escape(shown + line))
    verb = "would be created" if report.dry_run else "created"
    created = report.count("would create" if report.dry_run else "created")
    console.print()
    summary = f"{created} note(s) {verb}, {report.count('duplicate')} duplicate(s) skipped, {report.count('failed')} failed."
    for line in wrap_value(summary, console.width):
        console.print(escape(line))


def file_block(row: ImportRow) -> list[tuple[str, str, str]]:
    """A file's outcome as (label, label style, value) lines: the action and the note (or the file), then the rest."""
    lines = [(row.action, ACTION_STYLE.get(row.action, ""), row.target or row.source)]
    if row.target:
        lines.append(("  from", "", row.source))
    if row.title:
        lines.append(("  title", "", row.title))
    if row.action in ("created", "would create"):
        lines.append(("  date", "", row.date or "none found"))
    if row.type:
        lines.append(("  type", "", " ".join(filter(None, (row.type, f"({row.format})" if row.format else "")))))
    failed = row.action == "failed"
    lines += [("  error" if failed else "  warning", "red" if failed else "yellow", w) for w in row.warnings]
    lines += [("  removed", "", line) for line in row.removed]
    return lines


def wrap_value(value: str, width: int) -> list[str]:
    """`value` cut into lines of at most `width` characters (at spaces where it can), never fewer than 20."""
    return textwrap.wrap(value, max(20, width), break_on_hyphens=False) or [""]
