"""Shared test helpers: write a vault from a dict, build it, read its output."""

from __future__ import annotations

from pathlib import Path

import pytest

from cartel.build import build_site

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "examples" / "demo"
VAULTS = Path(__file__).resolve().parent / "vaults"


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every file under `root`, by relative POSIX path, with its bytes."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(Path(root).rglob("*")) if p.is_file()}


def clean_copy(vault: Path, tmp_path: Path, name: str = "clean") -> dict[str, bytes]:
    """The files of a build of `vault` without the cache (into `tmp_path/name`), for comparison."""
    build_site(vault, tmp_path / name, use_cache=False)
    return tree_bytes(tmp_path / name)


def write_vault(root: Path, files: dict[str, str | bytes]) -> Path:
    """Create `root` with each file (text written as UTF-8, bytes as is)."""
    root.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


class Built:
    """A built vault: the result plus helpers to read pages."""

    def __init__(self, vault: Path, output: Path, result):
        self.vault, self.output, self.result = vault, output, result

    def html(self, url: str) -> str:
        """The HTML of the page at `url`."""
        path = url.lstrip("/")
        path = path + "index.html" if (not path or path.endswith("/")) else path
        return (self.output / path).read_text(encoding="utf-8")

    def rules(self) -> list[str]:
        """The rule ids of all diagnostics."""
        return [d.rule for d in self.result.diagnostics]

    def diagnostics(self, rule: str):
        """Diagnostics of one rule."""
        return [d for d in self.result.diagnostics if d.rule == rule]


@pytest.fixture
def build_vault(tmp_path):
    """Factory: build_vault({"Note.md": "..."}) -> Built."""

    def factory(files: dict[str, str | bytes], name: str = "vault") -> Built:
        vault = write_vault(tmp_path / name, files)
        output = tmp_path / f"{name}-out"
        return Built(vault, output, build_site(vault, output))

    return factory


@pytest.fixture(scope="module")
def browser():
    """A headless chromium shared by a module's tests (closed after it: Playwright's sync API allows one at a time)."""
    from tests.browser_support import launch_browser

    with launch_browser() as chromium:
        yield chromium
