"""A note never takes the URL of a page cartel generates (a tag page, a directory): it is moved aside, with a diagnostic."""

from __future__ import annotations

from cartel.build import build_site
from tests.conftest import write_vault


def test_a_note_at_a_tag_or_directory_url_is_moved_aside_not_overwritten(tmp_path):
    vault = write_vault(tmp_path / "v", {
        "Tags/rapport.md": "# Ma page rapport\n\nTexte de la note.\n",
        "cartel.toml": '[[directory]]\nsource = "_data/acteurs.csv"\ntitle = "Prestataires"\nurl = "prestataires"\n',
        "Prestataires.md": "# Prestataires\n\nUne note du même nom que l'annuaire.\n",
        "Etude.md": "---\ntags: rapport\n---\n# Étude\n\nUn rapport.\n",
        "_data/acteurs.csv": "Nom;URL\nAtelier;https://atelier.example.ch\n",
    })
    result = build_site(vault, tmp_path / "out", use_cache=False)
    moved = {d.path: d.message for d in result.diagnostics if d.rule == "url-collision"}
    assert set(moved) == {"Tags/rapport.md", "Prestataires.md"}
    out = tmp_path / "out"
    assert "Étude" in (out / "tags" / "rapport" / "index.html").read_text(encoding="utf-8")
    assert "Texte de la note." in (out / "tags" / "rapport-2" / "index.html").read_text(encoding="utf-8")
    assert "Atelier" in (out / "prestataires" / "index.html").read_text(encoding="utf-8")
    assert "Une note du même nom" in (out / "prestataires-2" / "index.html").read_text(encoding="utf-8")
