"""A small vault, a real preview server on a free port, and a reload listener."""

from __future__ import annotations

import http.client
import re
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from cartel.serve.server import PreviewServer
from tests.conftest import write_vault

CONFIG = """\
[site]
title = "Atelier numérique"
description = "Une plateforme d'essai pour l'aperçu en direct."

[types]
"Questions" = "question"
"Ressources" = "resource"

[[directory]]
source = "_data/acteurs.csv"
title = "Annuaire des acteurs"
facets = ["Localisation"]
"""

VAULT = {
    "cartel.toml": CONFIG,
    "index.md": "# Accueil\n\nBienvenue dans l'atelier. On y apprend à [[Numériser une collection]] pas à pas.\n",
    "Questions/Numériser une collection.md": (
        "---\ntags: question\n---\n# Numériser une collection\n\n"
        "Commencer petit, par les pièces les plus demandées, puis documenter chaque étape.\n\n"
        "1. [[Guide de numérisation]]\n   Un guide clair, pensé pour les équipes de deux ou trois personnes.\n"
        "2. [[Photographier les objets]]\n   Des conseils d'éclairage et de cadrage faciles à suivre.\n"),
    "Ressources/Guide de numérisation.md": (
        "---\ntags: ressource\n---\n# [Guide de numérisation](https://exemple.org/guide)\n\n"
        "Le guide décrit la chaîne complète, de la prise de vue à la mise en ligne des images.\n\n"
        "## A retenir\n\n- Prévoir un inventaire à jour.\n- Nommer les fichiers de façon stable.\n"),
    "Ressources/Photographier les objets.md": (
        "---\ntags: ressource\n---\n# Photographier les objets\n\n"
        "Une lumière diffuse et un fond neutre suffisent pour la plupart des objets de petite taille.\n\n"
        "Voir aussi [[Guide de numérisation]] et [[Fiche à venir]].\n"),
    "Pages/Atelier du jeudi.md": "# Atelier du jeudi\n\nChaque jeudi, on relit les notes de la semaine. #atelier\n",
    "_data/acteurs.csv": "Nom;URL;Localisation\nAtelier Lumière;https://lumiere.example.ch;Lausanne\n",
}

QUESTION_URL = "/questions/numeriser-une-collection/"
GUIDE_URL = "/ressources/guide-de-numerisation/"
PHOTO_URL = "/ressources/photographier-les-objets/"
ATELIER_URL = "/pages/atelier-du-jeudi/"


class Reload:
    """A reload channel opened like the page's script does; `wait()` is true once `reload` arrived."""

    def __init__(self, port: int, path: str, version: str):
        self.event = threading.Event()
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.connection.request("GET", f"/_cartel/events?path={quote(path)}&version={quote(version)}")
        self.response = self.connection.getresponse()
        assert self.response.status == 200
        assert self.response.getheader("content-type").startswith("text/event-stream")
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            while True:
                line = self.response.fp.readline()
                if not line:
                    return
                if line.strip() == b"event: reload":
                    self.event.set()
                    return
        except (OSError, ValueError, AttributeError):
            return

    def wait(self, timeout: float = 20.0) -> bool:
        """Whether the server said `reload` within `timeout` seconds."""
        return self.event.wait(timeout)

    def close(self) -> None:
        """Close the channel."""
        try:
            self.connection.sock and self.connection.sock.close()
        except OSError:
            pass


class Live:
    """A running preview of a vault written from a dict, with helpers to edit it and read pages."""

    def __init__(self, vault: Path, server: PreviewServer):
        self.vault = vault
        self.server = server
        self.errors: list[str] = []

    @property
    def port(self) -> int:
        return self.server.port

    def request(self, path: str, method: str = "GET", headers: dict | None = None) -> tuple[int, dict, bytes]:
        """One request on its own connection: status, lower-cased headers, body."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, headers=headers or {})
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def html(self, path: str) -> str:
        """The page at `path`, which must be served with 200."""
        status, _, body = self.request(path)
        assert status == 200, f"{path}: {status}"
        return body.decode("utf-8")

    def listen(self, path: str) -> Reload:
        """Open the reload channel of the page at `path` as currently served."""
        status, _, body = self.request(path)
        match = re.search(rb'data-version="([0-9a-f]+)"', body)
        assert match, f"no reload script in {path}"
        return Reload(self.port, path, match.group(1).decode())

    def write(self, name: str, content: str | bytes) -> Path:
        """Create or replace a vault file."""
        write_vault(self.vault, {name: content})
        return self.vault / name

    def change(self, path: str, edit, timeout: float = 20.0) -> str:
        """Open `path`'s reload channel, run `edit()`, wait for `reload`, return the page as served then."""
        channel = self.listen(path)
        try:
            edit()
            assert channel.wait(timeout), f"no reload event for {path}"
        finally:
            channel.close()
        status, _, body = self.request(path)
        return body.decode("utf-8", "replace")

    def wait_until(self, predicate, timeout: float = 20.0) -> bool:
        """Poll `predicate()` until true or `timeout` seconds passed."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.05)
        return False


@pytest.fixture
def live(tmp_path):
    """Factory: live(files=VAULT, index_search=False) -> a started `Live`; stopped after the test."""
    started: list[Live] = []

    def factory(files: dict | None = None, index_search: bool = False, use_cache: bool = True) -> Live:
        vault = write_vault(tmp_path / f"vault{len(started)}", dict(VAULT if files is None else files))
        errors: list[str] = []
        server = PreviewServer(vault, port=0, use_cache=use_cache, index_search=index_search,
                               report_error=errors.append)
        server.build()
        server.start()
        handle = Live(vault, server)
        handle.errors = errors
        started.append(handle)
        return handle

    yield factory
    for handle in started:
        handle.server.stop()
