"""The one diagnostic type every stage reports with, and its printers."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from enum import Enum


class Severity(str, Enum):
    """How serious a diagnostic is; `error` fails a build."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """A problem found in the vault: where it is, which rule, what to do."""

    path: str
    line: int
    column: int
    rule: str
    severity: Severity
    message: str
    hint: str = ""

    def format(self) -> str:
        """Compiler-style one line, plus the hint on its own line."""
        head = f"{self.path}:{self.line}:{self.column}: {self.severity.value}[{self.rule}] {self.message}"
        return f"{head}\n  hint: {self.hint}" if self.hint else head

    def to_json(self) -> dict:
        """A plain dict for `--format json`."""
        data = asdict(self)
        data["severity"] = self.severity.value
        return data


def diag(path: str, line: int, rule: str, severity: Severity, message: str, hint: str = "", column: int = 1) -> Diagnostic:
    """Shorthand constructor used by the stages."""
    return Diagnostic(path, max(line, 1), max(column, 1), rule, severity, message, hint)


def sort_diagnostics(diagnostics: list[Diagnostic] | tuple[Diagnostic, ...]) -> list[Diagnostic]:
    """Deduplicated, ordered by file then position: the order every printer uses."""
    return sorted(set(diagnostics), key=lambda d: (d.path, d.line, d.column, d.rule, d.message))


def count_by_severity(diagnostics) -> dict[Severity, int]:
    """How many diagnostics of each severity."""
    counts = {s: 0 for s in Severity}
    for d in diagnostics:
        counts[d.severity] += 1
    return counts


def format_json(diagnostics) -> str:
    """All diagnostics as one JSON array."""
    return json.dumps([d.to_json() for d in sort_diagnostics(diagnostics)], ensure_ascii=False, indent=2)


def format_github(diagnostic: Diagnostic, folder: str = "") -> str:
    """A GitHub Actions workflow annotation; `folder`: the vault's path from the repository's root, which GitHub
    takes file paths from."""
    level = {"error": "error", "warning": "warning", "info": "notice"}[diagnostic.severity.value]
    message = diagnostic.message + (f" ({diagnostic.hint})" if diagnostic.hint else "")
    path = f"{folder}/{diagnostic.path}" if folder else diagnostic.path
    return (f"::{level} file={_github_property(path)},line={diagnostic.line},col={diagnostic.column},"
            f"title={_github_property(diagnostic.rule)}::{_github_data(message)}")


def _github_data(text: str) -> str:
    # As GitHub's own toolkit escapes a command's message (escapeData) and its properties (escapeProperty).
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(text: str) -> str:
    return _github_data(text).replace(":", "%3A").replace(",", "%2C")
