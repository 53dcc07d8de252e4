"""The `cartel import` command: read the report of `import_documents` and print it as a table."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cartel.importer import ImportOptions, ImportReport, import_documents

ACTION_STYLE = {"created": "green", "would create": "cyan", "duplicate": "yellow", "failed": "bold red"}


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
    """The table of files (file, title, date, type, warnings) and a summary line."""
    title = "Dry run: nothing written" if report.dry_run else f"Imported into {report.vault / report.folder}"
    table = Table(title=escape(title), show_lines=True, expand=False)
    for column in ("file", "title", "date", "type", "result", "warnings"):
        table.add_column(column, overflow="fold")
    for row in report.rows:
        result = f"[{ACTION_STYLE.get(row.action, '')}]{escape(row.action)}[/]"
        if row.target:
            result += f"\n{escape(row.target)}"
        notes = list(row.warnings) + [f"removed {line}" for line in row.removed]
        table.add_row(escape(row.source), escape(row.title), row.date or "—",
                      escape(" ".join(filter(None, (row.type, f"({row.format})" if row.format else "")))),
                      result, escape("\n".join(notes)))
    console.print(table)
    verb = "would be created" if report.dry_run else "created"
    created = report.count("would create" if report.dry_run else "created")
    console.print(f"{created} note(s) {verb}, {report.count('duplicate')} duplicate(s) skipped, "
                  f"{report.count('failed')} failed.")
