"""The `cartel` command: thin commands over the pipeline stages."""

from __future__ import annotations

import ctypes
import gc
import os
import shlex
import shutil
import sys
import time
from importlib import resources
from pathlib import Path

import click
from rich.console import Console
from rich.control import strip_control_codes
from rich.markup import escape as rich_escape
from rich.text import Text

from cartel import COLLECTOR_THRESHOLDS, __version__
from cartel.diagnostics import Severity, format_github, format_json, sort_diagnostics
from cartel.emit import OutputRefused

SEVERITY_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def print_diagnostics(console: Console, diagnostics, fmt: str = "text", folder: str = "") -> None:
    """Diagnostics grouped by file, compiler style; or JSON; or GitHub annotations (`folder`: see format_github)."""
    ordered = sort_diagnostics(diagnostics)
    if fmt == "json":
        click.echo(format_json(ordered))
        return
    if fmt == "github":
        for d in ordered:
            click.echo(format_github(d, folder))
        return
    lines: list[tuple] = []  # each line's pieces: text, or (text, style)
    for d in ordered:
        lines.append(((f"{d.path}:{d.line}:{d.column}:", "bold"), " ",
                      (f"{d.severity.value}[{d.rule}]", SEVERITY_STYLE[d.severity]), f" {d.message}"))
        if d.hint:
            lines.append(("  ", ("hint:", "dim"), f" {d.hint}"))
    plain = ["".join(piece if isinstance(piece, str) else piece[0] for piece in line) for line in lines]
    if console.color_system is None and not console.record and not any("\t" in line for line in plain):
        # No style to write (a pipe, a file): the text rich would write, without its cost per line (a large
        # vault's 16,000 warnings took 2.5 s). Tabs are left to rich, which expands them by cell width.
        console.file.write("".join(strip_control_codes(line) + "\n" for line in plain))
        console.file.flush()
    elif lines:
        console.print(Text("\n").join(Text.assemble(*line) for line in lines), highlight=False, soft_wrap=True)


def _escape(text: str) -> str:
    return rich_escape(text)


def _console(stderr: bool = False) -> Console:
    # Messages are not cut at 80 columns: a terminal wraps them itself, and a log keeps each on one line.
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


class _LazyProgress:
    """A progress bar that appears only on a terminal, outside CI, once a build passes a second."""

    def __init__(self, console: Console):
        self.console = console
        self.enabled = console.is_terminal and not os.environ.get("CI")
        self.started = time.perf_counter()
        self.bar = None
        self.task = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            if time.perf_counter() - self.started < 1.0:
                return
            from rich.progress import Progress

            self.bar = Progress(console=self.console, transient=True)
            self.bar.start()
            self.task = self.bar.add_task(stage, total=total)
        self.bar.update(self.task, description=stage, completed=done, total=total)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


# Commands that live in their own modules, loaded only when called: "name": "module:attribute".
LAZY_COMMANDS: dict[str, str] = {
    "import": "cartel.importer.command:command",
    "serve": "cartel.serve.command:serve",
    "clean": "cartel.serve.command:clean",
    "check": "cartel.check.command:check",
}


class LazyGroup(click.Group):
    """A command group whose heavier commands are imported on first use."""

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(LAZY_COMMANDS))

    def get_command(self, ctx, name):
        if name in LAZY_COMMANDS:
            module, attribute = LAZY_COMMANDS[name].split(":")
            return getattr(__import__(module, fromlist=[attribute]), attribute)
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="cartel")
def main() -> None:
    """cartel: publish a curated resource platform from a folder of notes."""
    gc.set_threshold(*COLLECTOR_THRESHOLDS)
    keep_large_buffers_apart()


# glibc's mallopt parameter: allocations of at least this many bytes get a memory mapping of their own.
_M_MMAP_THRESHOLD = -3


def keep_large_buffers_apart(threshold: int = 128 * 1024) -> None:
    """Have glibc give each buffer of `threshold` bytes or more a mapping of its own, returned when freed.

    By default glibc raises that threshold each time such a buffer is freed, so
    the later ones (Pagefind's answers, a large site's list pages) come from its
    heap, where freed space stays with the process: about 80 MB more at the
    peak of a 20,000-note build, 100 MB at 100,000 (bench/RESULTS.md).
    Elsewhere than glibc, nothing.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None).mallopt(_M_MMAP_THRESHOLD, threshold)
    except (OSError, AttributeError):
        pass


@main.command()
@click.argument("vault", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Output folder (default: VAULT/_site).")
@click.option("--strict", is_flag=True, help="Exit with 1 on warnings too.")
@click.option("--no-cache", is_flag=True, help="Redo everything; neither read nor write VAULT/.cartel-cache.")
def build(vault: Path, output: Path | None, strict: bool, no_cache: bool) -> None:
    """Build the vault into a static website."""
    from cartel.build import build_site

    if not vault.is_dir():
        raise click.BadParameter(f"{vault} is not a folder", param_hint="VAULT")
    err = _console(stderr=True)
    progress = _LazyProgress(err)
    try:
        result = build_site(vault, output, progress, use_cache=not no_cache)
    except OutputRefused as refusal:
        progress.close()
        err.print(f"[bold red]error:[/] {_escape(str(refusal))}")
        sys.exit(2)
    progress.close()
    print_diagnostics(err, result.diagnostics)
    errors, warnings = result.count(Severity.ERROR), result.count(Severity.WARNING)
    err.print(f"{result.pages} pages written to {_escape(str(result.output))}, "
              f"{warnings} warning{'s' * (warnings != 1)}, {errors} error{'s' * (errors != 1)}, "
              f"{result.seconds:.2f} s", soft_wrap=True)
    sys.exit(1 if errors or (strict and warnings) else 0)


@main.command()
@click.argument("directory", type=click.Path(path_type=Path))
def new(directory: Path) -> None:
    """Create a new vault with templates and sample notes."""
    if directory.exists() and any(directory.iterdir()):
        _console(stderr=True).print(f"[bold red]error:[/] {_escape(str(directory))} exists and is not empty; "
                                    "cartel new only creates a new folder")
        sys.exit(2)
    skeleton = resources.files("cartel") / "skeleton"
    with resources.as_file(skeleton) as source:
        shutil.copytree(source, directory, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shown = shlex.quote(str(directory))  # the commands are copied into a shell: a name with spaces stays one word
    click.echo(f"New vault in {directory.resolve()}\n"
               f"  preview it while you write:  cartel serve {shown}\n"
               f"  build the site:              cartel build {shown}")


def run() -> None:
    """The `cartel` command: `main`, then an exit that skips the interpreter's teardown.

    Once a command is done, freeing one by one every object a build made only
    delays the prompt (bench/RESULTS.md). By then every thread left is a daemon
    and every file is closed; the standard streams are flushed here.
    """
    try:
        main()
        status = 0
    except SystemExit as done:
        status = done.code
    if status is not None and not isinstance(status, int):
        print(status, file=sys.stderr)  # what the interpreter does with a message given to sys.exit
        status = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (cartel check | head): nothing more to say
            pass
    os._exit(status or 0)


if __name__ == "__main__":
    run()
