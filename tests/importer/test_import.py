"""`cartel import` end to end: fixture files in, draft notes in a real vault out."""

from __future__ import annotations

import hashlib
import re
import shutil
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from cartel.build import build_site
from cartel.check import check_vault
from cartel.cli import main
from cartel.config import load_config
from cartel.diagnostics import Severity
from cartel.importer import ImportOptions, import_documents
from cartel.importer.command import LABEL_WIDTH
from cartel.model import parse_resource, resource_context
from cartel.parse import parse_note
from cartel.parse.frontmatter import read_front_matter
from cartel.scan import scan_vault
from tests.conftest import write_vault

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def vault(tmp_path):
    return write_vault(tmp_path / "vault", {"index.md": "# Accueil\n"})


def run(paths, vault, **options):
    return import_documents([str(p) for p in paths], vault, ImportOptions(**options))


def imported(vault: Path, report, index: int = 0) -> tuple[dict, str, str]:
    """(front matter, body, whole text) of the note a row wrote."""
    text = (vault / report.rows[index].target).read_text(encoding="utf-8")
    front = read_front_matter(text, "note.md")
    assert front.kind == "yaml" and not front.diagnostics
    return front.meta, front.body, text


def note_of(vault: Path, target: str):
    config = load_config(vault)
    source = next(s for s in scan_vault(config).sources if s.path == target)
    return parse_note(source, config)


def quoted_lines(text: str) -> list[str]:
    return text.split("> [!quote]- Texte original\n", 1)[1].rstrip("\n").split("\n")


# -- plain text ------------------------------------------------------------

def test_blogger_post_date_title_sources_author_and_removals(vault):
    report = run([FIXTURES / "blogger_post.txt"], vault)
    row = report.rows[0]
    assert row.action == "created" and row.target == "Brouillon/Les petits musées et la photographie en salle.md"
    assert (row.title, row.date, row.type, row.format) == (
        "Les petits musées et la photographie en salle", "2014-03-12", "resource", "text")
    meta, body, text = imported(vault, report)
    assert meta["type"] == "resource" and meta["date"] == "2014-03-12" and meta["tags"] == ["ressource"]
    assert meta["author"] == "Jeanne Martin"
    assert meta["imported_from"].endswith("fixtures/blogger_post.txt")
    assert meta["import_hash"] == hashlib.sha256((FIXTURES / "blogger_post.txt").read_bytes()).hexdigest()
    assert body.startswith("\n# Les petits musées et la photographie en salle\n\nRésumé à compléter: Pendant longtemps,")
    assert ("- [Site du Journal des musées. La photo en salle, une question de confiance]"
            "(http://journal-des-musees.example.org/2014/02/photo-en-salle/), publié le 3 février 2014, "
            "consulté le 12 mars 2014") in body
    # The URL on the line after its entry still belongs to it.
    assert ("[Site de l'Association des conservateurs. Recommandations sur la photographie]"
            "(http://conservateurs.example.ch/recommandations-photo.html), publié le 20 novembre 2013") in body
    removed = "\n".join(row.removed)
    for furniture in ("Aucun commentaire", "Publier un commentaire", "BlogThis!", "Publié par Jeanne Martin"):
        assert furniture in removed
    # Removed from the reading, kept in the original.
    assert "> Aucun commentaire:" in text


def test_wordpress_post_handles_hashtags_and_comment_form(vault):
    report = run([FIXTURES / "wordpress_post.txt"], vault)
    row = report.rows[0]
    assert row.title == "Le tiers-lieu au musée : une idée qui fait son chemin"
    assert row.date == "" and any("no date" in w for w in row.warnings)
    assert [r.split(": ", 1)[1] for r in row.removed] == [
        "'Leave a Reply' (comment section)",
        "'Your email address will not be published. Required fields a…' (comment section)",
        "'Comment' (comment section)", "'Name *' (comment section)"]
    meta, body, _ = imported(vault, report)
    assert "date" not in meta and "source" not in meta
    assert "# Le tiers-lieu au musée : une idée qui fait son chemin\n" in body
    assert ("[@museedulac](http://twitter.com/museedulac) (Musée du Lac), "
            "[@atelier_patrimoine](https://twitter.com/atelier_patrimoine) (Atelier du patrimoine)") in body
    assert "- [tiers-lieux.example.org](http://tiers-lieux.example.org/dossier/musees/)" in body
    assert "- [example.net](http://www.example.net/culture/musees-lieux-de-vie,1234.php)" in body
    # The summary skips the one-line subheading and starts with the prose.
    assert "Résumé à compléter: Le mot tiers-lieu est partout. Il désigne" in body


def test_english_text_with_source_line_becomes_a_linked_english_resource(vault):
    report = run([FIXTURES / "english_article.txt"], vault)
    row = report.rows[0]
    assert row.warnings == () and row.date == "2021-09-30"
    meta, body, _ = imported(vault, report)
    assert meta["tags"] == ["ressource", "english"]
    assert meta["source"] == "https://heritage-notes.example.com/2021/09/open-storage"
    resource = parse_resource(imported_note := note_of(vault, row.target))
    assert resource.source_url == meta["source"] and resource.source_link == 0
    assert resource.key_points == ("À compléter",)
    assert resource.summary.startswith("Résumé à compléter: Most museums show only a small part")
    assert "Publication: heritage-notes.example.com." in resource_context(imported_note)
    assert "Share this:" in "\n".join(row.removed) and "Like Loading..." in "\n".join(row.removed)


def test_german_text_gets_the_german_tag_and_its_publication_date(vault):
    report = run([FIXTURES / "german_note.txt"], vault)
    meta, _, _ = imported(vault, report)
    assert meta["tags"] == ["ressource", "german"] and meta["date"] == "2019-05-04"
    assert meta["title"] == "Das digitale Inventar im kleinen Museum"


def test_every_line_of_the_original_is_kept_in_the_callout(vault):
    source = FIXTURES / "wordpress_post.txt"
    report = run([source], vault)
    _, _, text = imported(vault, report)
    original = source.read_text(encoding="utf-8").rstrip("\n").split("\n")
    quoted = quoted_lines(text)
    assert len(quoted) == len(original)
    for line, kept in zip(original, quoted):
        assert kept == (f"> {line}".rstrip() if line.strip() else ">")


def test_text_imported_as_a_question(vault):
    report = run([FIXTURES / "german_note.txt"], vault, note_type="question", into="Questions")
    row = report.rows[0]
    assert (row.type, row.target) == ("question", "Questions/Das digitale Inventar im kleinen Museum.md")
    meta, body, _ = imported(vault, report)
    assert meta["type"] == "question" and meta["tags"] == ["question", "german"]
    assert body.startswith("\n# Das digitale Inventar im kleinen Museum\n\nRéponse à compléter: Ein digitales Inventar")
    note = note_of(vault, row.target)
    assert note.type == "question" and note.title == "Das digitale Inventar im kleinen Museum"


# -- HTML ------------------------------------------------------------------

def test_html_article_metadata_links_and_no_comments(vault, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("import must not touch the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    report = run([FIXTURES / "article.html"], vault)
    row = report.rows[0]
    assert (row.action, row.format, row.title, row.date) == ("created", "html", "Les audioguides faits maison", "2020-06-18")
    assert row.warnings == ()
    meta, body, _ = imported(vault, report)
    assert meta["source"] == "https://carnet-mediateurs.example.org/2020/06/audioguides-faits-maison/"
    assert meta["author"] == "Lucie Fontaine"
    assert body.startswith("\n# [Les audioguides faits maison](https://carnet-mediateurs.example.org/2020/06/")
    assert "Auteur: Lucie Fontaine. Date: 18 juin 2020. Publication: Le carnet des médiateurs." in body
    assert "- [Musée de la vigne](https://www.example.ch/musee-de-la-vigne)" in body
    assert "- [l'association Culture accessible](https://accessibilite.example.org/audio)" in body
    for furniture in ("Leave a Reply", "Required fields", "Archives", "Tous droits réservés"):
        assert furniture not in body


def test_html_blog_page_date_header_and_sources(vault):
    report = run([FIXTURES / "blog_with_sources.html"], vault)
    row = report.rows[0]
    assert (row.title, row.date) == ("Prêter ses œuvres : ce que change le numérique", "2016-10-07")
    _, body, text = imported(vault, report)
    assert ("- [Site de la Revue des régisseurs. Le constat d'état à l'ère numérique]"
            "(http://regisseurs.example.org/constat-numerique), publié le 15 septembre 2016, "
            "consulté le 6 octobre 2016") in body
    assert "Résumé à compléter: Les demandes de prêt entre musées" in body
    # Paragraphs of the page stay paragraphs in the quoted original.
    assert "partagées. Les constats d'état se font avec des photographies en haute définition, ce qui facilite " \
           "le suivi des œuvres fragiles.\n>\n> Pour les petites institutions" in text


def test_html_page_without_text_is_a_warned_draft_not_a_crash(vault, tmp_path):
    broken = tmp_path / "broken.htm"
    broken.write_bytes(b"\xff\xfe<html><body><p>\x00\x01</p")
    report = run([FIXTURES / "almost_empty.html", broken], vault)
    assert [r.action for r in report.rows] == ["created", "created"]
    assert "main text not found: the whole text of the page was kept" in report.rows[0].warnings
    assert "the page has no title: file name used" in report.rows[0].warnings
    assert report.rows[0].target == "Brouillon/almost_empty.md"


# -- Markdown --------------------------------------------------------------

def test_markdown_yaml_question_keeps_its_body_byte_for_byte(vault):
    source = FIXTURES / "question_yaml.md"
    report = run([source], vault)
    row = report.rows[0]
    assert (row.type, row.format, row.date) == ("question", "markdown", "2021-04-02")
    assert row.target == "Brouillon/Comment accueillir les visiteurs en fauteuil roulant.md"
    meta, body, _ = imported(vault, report)
    assert meta["type"] == "question" and meta["tags"] == ["question"]
    assert meta["title"] == "Comment accueillir les visiteurs en fauteuil roulant ?"
    assert meta["layout"] == "layouts/post.njk" and meta["date"] == "2021-04-02"
    assert body == read_front_matter(source.read_text(encoding="utf-8"), "x").body
    assert "title 'MuséoNum' replaced by the first heading" in row.warnings


def test_pseudo_header_saved_as_text_becomes_yaml(vault):
    source = FIXTURES / "pseudo_header_note.txt"
    report = run([source], vault)
    row = report.rows[0]
    assert (row.type, row.format, row.date) == ("question", "markdown", "2021-04-03")
    assert "read as a Markdown note (it has a note's header)" in row.warnings
    meta, body, text = imported(vault, report)
    assert text.startswith("---\ntype: question\ntitle: \"Faut-il ouvrir le musée le lundi ?\"\ndate: 2021-04-03\n"
                           "tags: [question]\n")
    assert body == source.read_text(encoding="utf-8").split("---------\n", 1)[1]


def test_markdown_without_header_gets_one_and_keeps_crlf_bytes(vault):
    source = FIXTURES / "no_header.md"
    report = run([source], vault, note_type="resource")
    data = (vault / report.rows[0].target).read_bytes()
    header, body = data.split(b"---\n", 2)[1:]
    assert body == source.read_bytes()
    assert b"type: resource\n" in header and b'title: "Les maquettes tactiles"\n' in header
    assert b"tags: [ressource]\n" in header


def test_type_option_overrides_a_note_and_says_so(vault):
    report = run([FIXTURES / "question_yaml.md"], vault, note_type="resource")
    meta, _, _ = imported(vault, report)
    assert meta["type"] == "resource" and meta["tags"] == ["question", "ressource"]
    assert "the note says it is a question; --type made it a resource" in report.rows[0].warnings


# -- never overwrite, duplicates, dry run -------------------------------------

def test_an_existing_name_gets_a_numbered_suffix_and_is_untouched(vault):
    existing = vault / "Brouillon" / "Les petits musées et la photographie en salle.md"
    existing.parent.mkdir()
    existing.write_text("mon brouillon à moi\n", encoding="utf-8")
    (vault / "Brouillon" / "les petits musées et la photographie en salle 2.md").write_text("autre\n", encoding="utf-8")
    report = run([FIXTURES / "blogger_post.txt"], vault)
    assert report.rows[0].target == "Brouillon/Les petits musées et la photographie en salle 3.md"
    assert existing.read_text(encoding="utf-8") == "mon brouillon à moi\n"
    assert not [p for p in existing.parent.iterdir() if p.name.startswith(".")]


def test_importing_the_same_bytes_twice_is_detected_even_after_the_note_moved(vault, tmp_path):
    first = run([FIXTURES / "blogger_post.txt"], vault)
    moved = vault / "Ressources" / "Photo en salle.md"
    moved.parent.mkdir()
    (vault / first.rows[0].target).rename(moved)
    copy = tmp_path / "copie.txt"
    shutil.copyfile(FIXTURES / "blogger_post.txt", copy)
    again = run([FIXTURES / "blogger_post.txt", copy], vault)
    assert [r.action for r in again.rows] == ["duplicate", "duplicate"]
    assert again.rows[0].target == "Ressources/Photo en salle.md"
    assert not (vault / "Brouillon").exists() or not list((vault / "Brouillon").iterdir())


def test_the_same_document_twice_in_one_run_is_written_once(vault, tmp_path):
    copy = tmp_path / "copie.txt"
    shutil.copyfile(FIXTURES / "german_note.txt", copy)
    report = run([FIXTURES / "german_note.txt", copy], vault)
    assert [r.action for r in report.rows] == ["created", "duplicate"]


def test_dry_run_writes_nothing_and_plans_distinct_names(vault, tmp_path):
    twin = tmp_path / "autre.txt"
    twin.write_text("Les petits musées et la photographie en salle\n\nUn autre texte, sur le même sujet, écrit plus tard.\n",
                    encoding="utf-8")
    before = sorted(p.relative_to(vault) for p in vault.rglob("*"))
    report = run([FIXTURES / "blogger_post.txt", twin], vault, dry_run=True)
    assert sorted(p.relative_to(vault) for p in vault.rglob("*")) == before
    assert [r.action for r in report.rows] == ["would create", "would create"]
    assert [r.target for r in report.rows] == ["Brouillon/Les petits musées et la photographie en salle.md",
                                               "Brouillon/Les petits musées et la photographie en salle 2.md"]


def test_folders_are_walked_and_bad_paths_reported(vault, tmp_path):
    folder = tmp_path / "lot"
    (folder / "sous-dossier").mkdir(parents=True)
    (folder / ".cache").mkdir()
    shutil.copyfile(FIXTURES / "german_note.txt", folder / "sous-dossier" / "a.txt")
    shutil.copyfile(FIXTURES / "english_article.txt", folder / ".cache" / "b.txt")
    (folder / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / "doc.pdf").write_bytes(b"%PDF")
    report = run([folder, tmp_path / "doc.pdf", tmp_path / "absent.txt"], vault)
    assert [(Path(r.source).name, r.action) for r in report.rows] == [
        ("a.txt", "created"), ("doc.pdf", "failed"), ("absent.txt", "failed")]
    assert "not a file cartel imports (.pdf)" in report.rows[1].warnings[0]


def test_drafts_folder_comes_from_the_config_and_into_cannot_leave_the_vault(tmp_path):
    vault = write_vault(tmp_path / "v", {"cartel.toml": '[vault]\ndrafts = ["A trier/**"]\n'})
    report = run([FIXTURES / "german_note.txt"], vault)
    assert report.rows[0].target == "A trier/Das digitale Inventar im kleinen Museum.md"
    escaped = run([FIXTURES / "english_article.txt"], vault, into="../dehors")
    assert escaped.rows[0].action == "failed" and not (tmp_path / "dehors").exists()


def test_windows_1252_text_is_read_with_a_warning(vault, tmp_path):
    old = tmp_path / "ancien.txt"
    old.write_bytes("Le musée d'été\n\nUne exposition très réussie, où l'on apprend beaucoup sur les métiers d'autrefois.\n"
                    .encode("cp1252"))
    report = run([old], vault)
    assert report.rows[0].title == "Le musée d'été"
    assert any("Windows-1252" in w for w in report.rows[0].warnings)


# -- the vault builds ------------------------------------------------------

def test_imported_notes_build_with_only_to_complete_reports(tmp_path):
    vault = write_vault(tmp_path / "v", {"index.md": "# Accueil\n"})
    texts = [FIXTURES / n for n in ("blogger_post.txt", "wordpress_post.txt", "english_article.txt",
                                    "german_note.txt", "article.html", "blog_with_sources.html", "no_header.md")]
    report = run(texts, vault, into="Ressources")
    assert [r.action for r in report.rows] == ["created"] * len(texts)
    result = build_site(vault, tmp_path / "out")
    targets = {r.target for r in report.rows}
    assert not [d for d in result.diagnostics if d.path in targets and d.severity is Severity.ERROR]
    # What `cartel check` asks of the editor: what only they can add (the source link, a question that
    # ranks the resource), what the original cites (http:// links, an old date), and the typography of
    # the summary taken from the article (fixed by `cartel check --fix`).
    checked = [d for d in check_vault(vault, use_cache=False).diagnostics if d.path in targets]
    assert {d.rule for d in checked} == {"resource-no-source", "resource-orphan", "link-http", "resource-stale",
                                         "style-punctuation-space"}
    assert not [d for d in checked if d.severity is Severity.ERROR]
    page = (tmp_path / "out" / "ressources" / "les-petits-musees-et-la-photographie-en-salle" / "index.html"
            ).read_text(encoding="utf-8")
    # The hashtag of the original text is shown, not turned into a tag of the note.
    assert "#photomusee" in page and "/tags/photomusee/" not in page
    assert not (tmp_path / "out" / "tags" / "photomusee").exists()
    assert "Texte original" in page


# -- the command -----------------------------------------------------------

def test_command_prints_the_report(vault):
    result = CliRunner().invoke(main, ["import", str(FIXTURES / "blogger_post.txt"), str(FIXTURES / "article.html"),
                                       "--vault", str(vault), "--dry-run"], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    assert "Dry run: nothing written" in result.output
    assert "Les petits musées et la photographie en salle" in result.output and "2020-06-18" in result.output
    assert "2 note(s) would be created, 0 duplicate(s) skipped, 0 failed." in result.output
    assert not (vault / "Brouillon").exists()


def test_command_report_is_a_block_per_file_that_fits_a_narrow_terminal(vault):
    expected = run([FIXTURES / "blogger_post.txt"], vault, dry_run=True).rows[0]
    args = ["import", str(FIXTURES / "blogger_post.txt"), "--vault", str(vault)]
    first = CliRunner().invoke(main, args, env={"COLUMNS": "60"})
    again = CliRunner().invoke(main, args, env={"COLUMNS": "60"})
    assert first.exit_code == 0 and again.exit_code == 0, first.output + again.output
    lines = first.output.splitlines()
    assert all(len(line) <= 60 and line == line.rstrip() for line in lines), first.output
    # Each fact on a line of its own, under a label; a long value goes on under itself, never under the labels.
    labels = [line[:LABEL_WIDTH].strip() for line in lines[lines.index("") + 1:-2] if line[:LABEL_WIDTH].strip()]
    assert labels[:5] == ["created", "from", "title", "date", "type"], first.output
    assert (labels.count("warning"), labels.count("removed")) == (len(expected.warnings), len(expected.removed)) == (1, 4)
    continued = [line for line in lines if line.startswith(" " * LABEL_WIDTH)]
    assert continued and all(line[LABEL_WIDTH] != " " for line in continued), first.output
    assert "0 note(s) created, 1 duplicate(s) skipped, 0 failed." in again.output
    assert any(re.match(r"duplicate +Brouillon/", line) for line in again.output.splitlines()), again.output
    dry = CliRunner().invoke(main, args + ["--dry-run"], env={"COLUMNS": "60"})
    assert "duplicate" in dry.output
    fresh = CliRunner().invoke(main, ["import", str(FIXTURES / "article.html"), "--vault", str(vault), "--dry-run"])
    assert any(re.match(r"would create +Brouillon/", line) for line in fresh.output.splitlines()), fresh.output


def test_command_exits_1_when_a_file_fails(vault, tmp_path):
    result = CliRunner().invoke(main, ["import", str(tmp_path / "absent.txt"), "--vault", str(vault)],
                                env={"COLUMNS": "400"})
    assert result.exit_code == 1
    assert "no such file or folder" in result.output


def test_header_keys_are_read_whatever_their_case_and_lists_are_kept(tmp_path):
    vault = write_vault(tmp_path / "v", {})
    note = tmp_path / "fiche.md"
    note.write_text("---\nTitle: Mon titre\nDate: 2021-04-02\nTags: [musee]\nsource:\n  - https://a.example.org/\n"
                    "  - https://b.example.org/\nLieu: Sion\n---\nUn texte sans titre.\n", encoding="utf-8")
    report = run([note], vault)
    meta, _, _ = imported(vault, report)
    assert (report.rows[0].title, str(meta["date"]), meta["source"]) == ("Mon titre", "2021-04-02",
                                                                         ["https://a.example.org/", "https://b.example.org/"])
    assert "musee" in meta["tags"] and meta["Lieu"] == "Sion"
    assert not any("no date" in w for w in report.rows[0].warnings)


@pytest.mark.parametrize("into", ["_site", ".cartel-cache", ".obsidian/notes", "Modèles", "lien"])
def test_drafts_never_go_where_cartel_does_not_look_or_deletes(tmp_path, into):
    vault = write_vault(tmp_path / "v", {"A.md": "# A\n"})
    build_site(vault, vault / "_site")
    elsewhere = tmp_path / "ailleurs"
    elsewhere.mkdir()
    (vault / "lien").symlink_to(elsewhere, target_is_directory=True)
    report = run([FIXTURES / "blogger_post.txt"], vault, into=into)
    assert report.rows[0].action == "failed" and report.rows[0].warnings[0].startswith("--into")
    assert list(elsewhere.iterdir()) == [] and not list((vault / "_site").glob("*.md"))


def test_an_existing_file_is_never_replaced_even_unannounced(tmp_path, monkeypatch):
    from cartel.importer import store

    (tmp_path / "A.md").write_text("à garder", encoding="utf-8")
    written = store.write_new_note(tmp_path, "A", "nouveau", set())  # the name set does not know A.md
    assert written.name != "A.md" and (tmp_path / "A.md").read_text(encoding="utf-8") == "à garder"

    def no_links(*args):
        raise OSError("no hard links here")

    monkeypatch.setattr(store.os, "link", no_links)
    again = store.write_new_note(tmp_path, "A", "encore", set())
    assert again.name not in ("A.md", written.name) and again.read_text(encoding="utf-8") == "encore"
    assert (tmp_path / "A.md").read_text(encoding="utf-8") == "à garder"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["A.md", written.name, again.name])


def test_duplicate_detection_reads_no_note_through_a_symbolic_link(tmp_path):
    vault = write_vault(tmp_path / "v", {"index.md": "# Accueil\n"})
    first = run([FIXTURES / "blogger_post.txt"], vault, into="Ressources")
    outside = tmp_path / "dehors.md"
    (vault / first.rows[0].target).rename(outside)       # the imported note now lives outside the vault...
    (vault / "lien.md").symlink_to(outside)               # ...and the vault only links to it
    again = run([FIXTURES / "blogger_post.txt"], vault, into="Ressources")
    assert again.rows[0].action == "created"              # the link was not read: not taken for an earlier import
