"""Fixtures for the search tests: a small French vault built once per module, served over HTTP, and a browser."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from cartel.build import build_site
from tests.browser_support import serve_directory
from tests.conftest import write_vault

CSV = (
    "Nom;URL;Localisation;Nature;Expertise\n"
    "Atelier Girouette;https://girouette.example.ch;Vevey;Agence;Cartographie des publics\n"
    "Fondation Sémaphore;https://semaphore.example.ch;Sion;Fondation;Conservation préventive\n"
    ";https://sans-nom.example.ch;Bulle;Agence;Ligne sans nom\n"
)

SMALL_VAULT: dict[str, str | bytes] = {
    "cartel.toml": (
        '[site]\ntitle = "Musées en réseau"\nlanguage = "fr"\n\n'
        '[types]\n"Questions" = "question"\n"Ressources" = "resource"\n\n'
        '[[directory]]\nsource = "_data/acteurs.csv"\ntitle = "Annuaire des acteurs"\n'
    ),
    "index.md": (
        "---\ntitle: Accueil du réseau\n---\n# Bienvenue\n\n"
        "Ce site rassemble des questions de conservateurs et les lectures qui y répondent.\n"
    ),
    "Questions/Comment bâtir une stratégie numérique.md": (
        "---\ntags: question\n---\n# Comment bâtir une stratégie numérique?\n\n"
        "Une stratégie numérique part des publics du musée et tient sur deux pages; elle se révise chaque année.\n\n"
        "1. [[Guide pratique de la stratégie numérique]]\n   Le guide le plus complet, avec des gabarits.\n"
        "2. [[Réseaux sociaux au musée]]\n   Pour le volet communication.\n"
    ),
    "Questions/Faut-il ouvrir un compte sur chaque réseau.md": (
        "---\ntags: question\n---\n# Faut-il ouvrir un compte sur chaque réseau?\n\n"
        "Non: mieux vaut un seul réseau social bien tenu que trois comptes abandonnés.\n\n"
        "1. [[Réseaux sociaux au musée]]\n   Une grille pour choisir.\n"
    ),
    "Ressources/Guide pratique de la stratégie numérique.md": (
        "---\ntags: ressource rapport\n---\n# Guide pratique de la stratégie numérique\n\n"
        "Ce guide propose une méthode de boussolage éditorial en quatre ateliers pour les petites équipes.\n\n"
        "## A retenir\n- Commencer par un inventaire des outils.\n- Écrire la vision en cinq phrases.\n"
    ),
    "Ressources/Réseaux sociaux au musée.md": (
        "---\ntags: [ressource, projet]\n---\n# Réseaux sociaux au musée\n\n"
        "Une étude de cas sur les musées qui publient chaque semaine sur un réseau social, signes < et & compris.\n"
    ),
    "Ressources/fichier-obscur.md": (
        "---\ntags: ressource\neleventyNavigation:\n  key: carnet\n  title: Carnet des herbiers numérisés\n---\n"
        "Un inventaire des herbiers photographiés par les musées de sciences naturelles.\n"
    ),
    "_data/acteurs.csv": b"\xef\xbb\xbf" + CSV.encode("utf-8"),
}


def build_small(root: Path, files: dict | None = None) -> Path:
    """Build SMALL_VAULT (or `files`) under `root`; returns the output folder."""
    vault = write_vault(root / "vault", files or SMALL_VAULT)
    output = root / "out"
    build_site(vault, output)
    return output


def read_fragments(output: Path) -> list[dict]:
    """Every Pagefind fragment of a built site, decoded: url, content, meta, filters."""
    fragments = []
    for path in sorted((output / "pagefind" / "fragment").glob("*.pf_fragment")):
        data = gzip.decompress(path.read_bytes())
        assert data.startswith(b"pagefind_dcd")
        fragments.append(json.loads(data[len(b"pagefind_dcd"):]))
    return fragments


@pytest.fixture(scope="module")
def small_site(tmp_path_factory) -> Path:
    """SMALL_VAULT built once for the module; the output folder."""
    return build_small(tmp_path_factory.mktemp("search"))


@pytest.fixture(scope="module")
def served(small_site):
    """The small site served over HTTP on 127.0.0.1; the base URL."""
    with serve_directory(small_site) as base_url:
        yield base_url


@pytest.fixture
def page(browser):
    """A fresh page (desktop size) that fails the test on any JavaScript error."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert errors == []
