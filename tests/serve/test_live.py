"""`cartel serve` end to end: a real server on a free port, real files edited, reload events, served HTML."""

from __future__ import annotations

import re

from cartel.build import build_site
from tests.serve.conftest import ATELIER_URL, GUIDE_URL, PHOTO_URL, QUESTION_URL, VAULT

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def test_edited_note_reloads_with_its_new_text(live):
    site = live()
    page = site.change(ATELIER_URL, lambda: site.write("Pages/Atelier du jeudi.md",
                                                       "# Atelier du jeudi\n\nCette semaine, on classe les diapositives.\n"))
    assert "on classe les diapositives" in page
    assert "on relit les notes" not in page
    assert 'src="/_cartel/live.js"' in page


def test_new_title_reaches_the_pages_that_list_the_note(live):
    site = live()
    assert "Numériser une collection" in site.html(GUIDE_URL)  # "Apparaît dans" on the resource
    question = VAULT["Questions/Numériser une collection.md"].replace("# Numériser une collection", "# Numériser ses fonds")
    page = site.change(GUIDE_URL, lambda: site.write("Questions/Numériser une collection.md", question))
    assert "Numériser ses fonds" in page
    assert site.wait_until(lambda: "Numériser ses fonds" in site.html("/questions/"))


def test_created_note_resolves_links_that_were_unresolved(live):
    site = live()
    assert re.search(r'class="unresolved"[^>]*>Fiche à venir<', site.html(PHOTO_URL))
    page = site.change(PHOTO_URL, lambda: site.write("Ressources/Fiche à venir.md", "# Fiche à venir\n\nBientôt une fiche sur les cadres.\n"))
    assert 'href="/ressources/fiche-a-venir/"' in page
    assert "Bientôt une fiche" in site.html("/ressources/fiche-a-venir/")


def test_deleted_note_leaves_unresolved_links_and_no_page(live):
    site = live()
    assert 'href="/ressources/guide-de-numerisation/"' in site.html(PHOTO_URL)
    page = site.change(PHOTO_URL, lambda: (site.vault / "Ressources/Guide de numérisation.md").unlink())
    assert 'href="/ressources/guide-de-numerisation/"' not in page
    assert re.search(r'class="unresolved"[^>]*>Guide de numérisation<', page)
    assert site.request(GUIDE_URL)[0] == 404


def test_renamed_note_moves_to_its_new_url(live):
    site = live()
    old, new = site.vault / "Pages/Atelier du jeudi.md", site.vault / "Pages/Atelier du vendredi.md"
    site.change(ATELIER_URL, lambda: old.rename(new))
    assert site.request(ATELIER_URL)[0] == 404
    assert site.wait_until(lambda: site.request("/pages/atelier-du-vendredi/")[0] == 200)
    assert "on relit les notes" in site.html("/pages/atelier-du-vendredi/")


def test_added_image_is_served_and_embedded(live):
    site = live()
    note = "# Atelier du jeudi\n\n![[banc-de-reproduction.png|Le banc de reproduction]]\n"
    site.write("Pages/Atelier du jeudi.md", note)
    assert site.wait_until(lambda: re.search(r'class="unresolved"[^>]*>Le banc de reproduction<', site.html(ATELIER_URL)))
    page = site.change(ATELIER_URL, lambda: site.write("images/banc-de-reproduction.png", PNG))
    assert '<img src="/images/banc-de-reproduction.png" alt="Le banc de reproduction"' in page
    status, headers, body = site.request("/images/banc-de-reproduction.png")
    assert (status, headers["content-type"], body) == (200, "image/png", PNG)


def test_csv_change_updates_the_directory_page(live):
    site = live()
    assert "Atelier Lumière" in site.html("/annuaire/")
    rows = VAULT["_data/acteurs.csv"] + "Studio Archives;https://archives.example.ch;Genève\n"
    page = site.change("/annuaire/", lambda: site.write("_data/acteurs.csv", rows))
    assert "Studio Archives" in page


def test_new_tag_gets_its_page(live):
    site = live()
    assert site.request("/tags/diapositives/")[0] == 404
    site.change("/tags/diapositives/", lambda: site.write("Pages/Atelier du jeudi.md", "# Atelier du jeudi\n\nTri des #diapositives.\n"))
    assert "Atelier du jeudi" in site.html("/tags/diapositives/")


def test_broken_front_matter_shows_an_overlay_and_the_site_keeps_working(live):
    site = live()
    broken = '---\ntags: [ressource\ntitle: "pas fermé\n---\n# Photographier les objets\n\nTexte en cours.\n'
    page = site.change(PHOTO_URL, lambda: site.write("Ressources/Photographier les objets.md", broken))
    overlay = re.search(r'<aside id="cartel-overlay".*?</aside>', page, re.S)
    assert overlay, "no overlay on the page of a note that cannot be read"
    assert "yaml-invalid" in overlay.group(0) and "Ressources/Photographier les objets.md:" in overlay.group(0)
    assert "Texte en cours." in page
    assert 'id="cartel-overlay"' not in site.html(GUIDE_URL)
    assert site.request("/")[0] == 200
    fixed = site.change(PHOTO_URL, lambda: site.write("Ressources/Photographier les objets.md",
                                                      "---\ntags: ressource\n---\n# Photographier les objets\n\nTexte relu.\n"))
    assert "Texte relu." in fixed and 'id="cartel-overlay"' not in fixed
    assert site.errors == []


def test_half_saved_and_garbage_files_never_stop_the_server(live):
    site = live()
    full = "# Atelier du jeudi\n\nUne phrase complète avec des accents: été, à, où.\n".encode("utf-8")
    site.change(ATELIER_URL, lambda: site.write("Pages/Atelier du jeudi.md", full[: full.index("été".encode()) + 1]))
    site.change(ATELIER_URL, lambda: site.write("Pages/Atelier du jeudi.md", b"---\n\x00\xff\xfe[[[\n" * 50))
    assert site.request(ATELIER_URL)[0] == 200
    page = site.change(ATELIER_URL, lambda: site.write("Pages/Atelier du jeudi.md", full))
    assert "Une phrase complète" in page
    assert site.request(QUESTION_URL)[0] == 200
    assert site.errors == []


def test_page_loaded_before_a_change_reloads_when_it_listens_late(live):
    site = live()
    status, _, body = site.request(ATELIER_URL)
    version = re.search(rb'data-version="([0-9a-f]+)"', body).group(1).decode()
    site.write("Pages/Atelier du jeudi.md", "# Atelier du jeudi\n\nChangé avant l'écoute.\n")
    assert site.wait_until(lambda: "Changé avant" in site.html(ATELIER_URL))
    from tests.serve.conftest import Reload

    late = Reload(site.port, ATELIER_URL, version)
    try:
        assert late.wait(5)
    finally:
        late.close()


def test_unrelated_pages_are_not_told_to_reload(live):
    site = live()
    channel = site.listen(ATELIER_URL)
    try:
        guide = VAULT["Ressources/Guide de numérisation.md"].replace("la chaîne complète", "toute la chaîne")
        site.change(GUIDE_URL, lambda: site.write("Ressources/Guide de numérisation.md", guide))
        assert site.wait_until(lambda: "toute la chaîne" in site.request("/feed.xml")[2].decode())
        assert not channel.wait(1.0)  # the feed it links to changed, not the page
    finally:
        channel.close()


def test_page_reloads_when_an_image_it_shows_changes(live):
    site = live()
    site.write("images/plan.png", PNG)
    site.change(ATELIER_URL, lambda: site.write("Pages/Atelier du jeudi.md", "# Atelier du jeudi\n\n![[plan.png]]\n"))
    assert 'src="/images/plan.png"' in site.html(ATELIER_URL)
    site.change(ATELIER_URL, lambda: site.write("images/plan.png", PNG + b"\0"))
    assert site.request("/images/plan.png")[2] == PNG + b"\0"


def test_reload_script_only_in_the_preview(live, tmp_path):
    site = live()
    assert 'src="/_cartel/live.js"' in site.html("/")
    status, headers, script = site.request("/_cartel/live.js")
    assert status == 200 and headers["content-type"].startswith("text/javascript") and b"EventSource" in script
    result = build_site(site.vault, tmp_path / "built")
    for page in (tmp_path / "built").rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "_cartel/live.js" not in text and "cartel-overlay" not in text and "_cartel/events" not in text
    assert result.pages > 5


def test_search_index_follows_the_vault(live):
    site = live(index_search=True)
    assert site.wait_until(lambda: site.request("/pagefind/pagefind-entry.json")[0] == 200, timeout=60)
    _, _, before = site.request("/pagefind/pagefind-entry.json")
    site.write("Pages/Lexique.md", "# Lexique\n\nLe mot xylothèque désigne une collection de bois.\n")
    assert site.wait_until(lambda: site.request("/pagefind/pagefind-entry.json")[2] != before, timeout=60)


def test_config_change_rebuilds_every_page(live):
    site = live()
    config = (site.vault / "cartel.toml").read_text(encoding="utf-8").replace("Atelier numérique", "Atelier des collections")
    page = site.change(QUESTION_URL, lambda: site.write("cartel.toml", config))
    assert "Atelier des collections" in page
    assert "Atelier des collections" in site.html(ATELIER_URL)


def test_broken_config_is_a_banner_and_the_site_stays(live):
    site = live()
    page = site.change(ATELIER_URL, lambda: site.write("cartel.toml", "[site\ntitle = \n"))
    assert re.search(r'<aside id="cartel-overlay".*config-invalid', page, re.S)
    assert "on relit les notes" in page
    assert site.errors == []


def test_renamed_folder_moves_its_notes(live):
    site = live()
    site.change(ATELIER_URL, lambda: (site.vault / "Pages").rename(site.vault / "Rencontres"))
    assert site.request(ATELIER_URL)[0] == 404
    assert "on relit les notes" in site.html("/rencontres/atelier-du-jeudi/")


def test_a_rebuild_cut_short_is_finished_by_a_change_that_changes_nothing(tmp_path):
    from cartel.serve.live import LiveSite
    from tests.conftest import write_vault

    vault = write_vault(tmp_path / "v", {"A.md": "# Premier titre\n\nTexte.\n", "B.md": "# B\n\nVoir [[A]].\n"})
    live = LiveSite(vault)
    live.full()
    (vault / "A.md").write_text("# Titre changé\n\nTexte.\n", encoding="utf-8")
    steps = live.apply([vault / "A.md"])
    first = next(steps)      # the watcher stops here when newer events are waiting
    assert not first.final
    steps.close()
    assert b"Premier titre" in live.snapshot.files["b/index.html"]    # B's link text comes with the second step
    (vault / "tmp-4913").write_text("", encoding="utf-8")              # an editor's probe file, come and gone
    (vault / "tmp-4913").unlink()
    rest = list(live.apply([vault / "tmp-4913", vault / "A.md"]))    # A saved again unchanged
    assert [u.final for u in rest] == [True]
    assert b"Titre chang" in live.snapshot.files["b/index.html"] and live.snapshot.inputs
    assert list(live.apply([vault / "A.md"])) == []                   # nothing owed any more
