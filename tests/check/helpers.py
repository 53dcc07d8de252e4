"""Shared fixtures for the check tests: a small, clean platform vault to vary one rule at a time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cartel.check import CheckResult, check_vault
from tests.conftest import write_vault

TODAY = dt.date(2026, 11, 24)

QUESTION = """---
tags: question
---
# Comment publier une collection en ligne?

Publier une collection demande un peu de méthode: choisir les images, les décrire et dire ce qu'on a le droit d'en faire.

1. [[Guide de publication]]
   Un guide pratique pour publier les images des collections en ligne, étape par étape.
"""

RESOURCE = """---
tags: ressource rapport
date: 2024-03-01
---
# [Guide de publication](https://example.org/guide)

Ce guide pratique explique comment publier les images des collections en ligne, étape par étape, avec des licences ouvertes.

## A retenir
- Choisir une licence ouverte.
- Décrire chaque image en une phrase.
"""

CSV = "Nom;URL;Localisation\nAtelier Pixel;https://pixel.example.ch;Lausanne\nStudio Léman;https://leman.example.ch;Genève\n"

BASE = {
    "Questions/Comment publier une collection.md": QUESTION,
    "Ressources/Guide de publication.md": RESOURCE,
    "_data/acteurs.csv": CSV,
}


def vault_with(tmp_path: Path, changes: dict[str, str | bytes | None], name: str = "vault") -> Path:
    """The base vault with some files replaced, added, or (None) left out."""
    files = {**BASE, **changes}
    return write_vault(tmp_path / name, {k: v for k, v in files.items() if v is not None})


def check(tmp_path: Path, changes: dict[str, str | bytes | None] | None = None, name: str = "vault",
          fixing: bool = False) -> CheckResult:
    """Check the base vault with `changes`, as of TODAY."""
    return check_vault(vault_with(tmp_path, changes or {}, name), today=TODAY, fixing=fixing)


def reported(result: CheckResult, rule: str):
    """The diagnostics of one rule."""
    return [d for d in result.diagnostics if d.rule == rule]
