"""`cartel serve` (live preview) and `cartel clean` (remove the build cache)."""

from __future__ import annotations

import sys
import webbrowser
from pathlib import Path

import click

from cartel.cache import CACHE_DIR, remove_cache
from cartel.cli import _console, _escape, print_diagnostics
from cartel.diagnostics import Severity, count_by_severity


@click.command()
@click.argument("vault", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to listen on (0: any free port).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on; keep the default unless you mean to share the preview.")
@click.option("--open", "open_browser", is_flag=True, help="Open the preview in the web browser.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write VAULT/.cartel-cache.")
def serve(vault: Path, port: int, host: str, open_browser: bool, no_cache: bool) -> None:
    """Preview the vault: build it, serve it, rebuild what a change affects and reload the pages."""
    from cartel.serve.server import LOCAL_HOSTS, PreviewServer

    if not vault.is_dir():
        raise click.BadParameter(f"{vault} is not a folder", param_hint="VAULT")
    err = _console(stderr=True)
    if host not in LOCAL_HOSTS:
        err.print(f"[yellow]warning:[/] serving on {_escape(host)}: other machines on the network can see this preview, "
                  "drafts' links and diagnostics included; use --host 127.0.0.1 to keep it to this computer", soft_wrap=True)

    def report(update) -> None:
        if update.diagnostics:
            print_diagnostics(err, update.diagnostics)
        if update.final and update.changed:
            count = len(update.changed)
            err.print(f"[dim]{count} file{'s' * (count != 1)} updated in {update.seconds * 1000:.0f} ms[/dim]", highlight=False)

    def report_error(text: str) -> None:
        err.print(f"[bold red]error:[/] {_escape(text)}", soft_wrap=True)

    preview = PreviewServer(vault, host, port, use_cache=not no_cache, report=report, report_error=report_error)
    err.print(f"Building {_escape(str(vault))}…", highlight=False)
    first = preview.build()
    print_diagnostics(err, first.diagnostics)
    counts = count_by_severity(first.diagnostics)
    errors, warnings, pages = counts[Severity.ERROR], counts[Severity.WARNING], len(first.snapshot.pages)
    err.print(f"{pages} pages, {warnings} warning{'s' * (warnings != 1)}, {errors} error{'s' * (errors != 1)}, "
              f"built in {first.seconds:.2f} s", highlight=False)

    def ready(url: str) -> None:
        err.print(f"Serving on [bold]{_escape(url)}[/bold] — Ctrl-C to stop", highlight=False)
        if open_browser:
            webbrowser.open(url.replace("://0.0.0.0:", "://127.0.0.1:").replace("://[::]:", "://[::1]:"))

    try:
        preview.run(on_ready=ready)
    except OSError as error:  # the port is taken, the address is not ours...
        err.print(f"[bold red]error:[/] cannot serve on {_escape(host)}:{port}: {_escape(str(error))}")
        sys.exit(2)


@click.command()
@click.argument("vault", type=click.Path(file_okay=False, path_type=Path), default=".")
def clean(vault: Path) -> None:
    """Remove the build cache (VAULT/.cartel-cache); the next build redoes everything."""
    if not vault.is_dir():
        raise click.BadParameter(f"{vault} is not a folder", param_hint="VAULT")
    target = vault / CACHE_DIR
    if not target.exists() and not target.is_symlink():
        click.echo(f"No cache in {vault}.")
        return
    if not remove_cache(vault):
        _console(stderr=True).print(f"[bold red]error:[/] {_escape(str(target))} was not made by cartel (no cache tag); "
                                    "it is left as it is")
        sys.exit(2)
    click.echo(f"Removed {target}.")
