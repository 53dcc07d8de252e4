"""`cartel serve` (live preview) and `cartel clean` (remove the build cache)."""

from __future__ import annotations

import errno
import socket
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
    try:
        preview.bind()  # before the build, which can take a while, so that a port in use is said at once
    except OSError as error:
        err.print(f"[bold red]error:[/] cannot serve on {_escape(host)}:{port}: {_escape(bind_problem(error, port))}",
                  soft_wrap=True)
        sys.exit(2)
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

    preview.run(on_ready=ready)


def bind_problem(error: OSError, port: int) -> str:
    """What went wrong taking the address, and what to do, in an editor's words."""
    if error.errno == errno.EADDRINUSE:
        return (f"port {port} is already in use (another preview, or another program); "
                f"stop it, or choose another port: --port {port + 1 if port < 65535 else 8000}")
    if error.errno == errno.EADDRNOTAVAIL:
        return "this address is not one of this computer's; use --host 127.0.0.1"
    if error.errno == errno.EACCES:
        return f"not allowed to listen on port {port}; choose a port above 1023, such as --port 8000"
    if isinstance(error, socket.gaierror):
        return f"the host name cannot be resolved ({error.strerror}); use --host 127.0.0.1"
    return error.strerror or str(error)


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
