"""UI strings, one TOML file per language; French is the default and the fallback."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=8)
def load_strings(language: str) -> dict[str, str]:
    """The strings of a language, with French filling any key it lacks."""
    base = _read("fr")
    if language and language != "fr":
        base = {**base, **_read(language.split("-")[0].lower())}
    return base


def _read(language: str) -> dict[str, str]:
    resource = resources.files("cartel.i18n") / f"{language}.toml"
    if not resource.is_file():
        return {}
    return tomllib.loads(resource.read_text(encoding="utf-8"))
