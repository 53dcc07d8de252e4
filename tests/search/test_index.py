"""The search index a build writes: what it holds, what it leaves out, and that it is reproducible."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cartel.search import Frames, PagefindError, PagefindService, Record, bundle_files, record_request, ui_strings
from tests.conftest import DEMO, tree_bytes
from tests.search.conftest import SMALL_VAULT, build_small, read_fragments


def by_url(output: Path) -> dict[str, dict]:
    return {f["url"]: f for f in read_fragments(output)}


def test_bundle_is_french_and_lean(small_site):
    bundle = small_site / "pagefind"
    entry = json.loads((bundle / "pagefind-entry.json").read_text())
    assert list(entry["languages"]) == ["fr"]
    assert (bundle / "pagefind.js").is_file() and (bundle / "wasm.fr.pagefind").is_file()
    names = {p.name for p in bundle.iterdir()}
    assert not any(n.startswith(("pagefind-ui", "pagefind-component-ui", "pagefind-modular-ui", "pagefind-worker",
                                 "pagefind-highlight", "wasm.unknown")) for n in names)
    strings = json.loads((small_site / "_cartel" / "search-strings.json").read_text(encoding="utf-8"))
    assert strings["search_no_result"] == "Aucun résultat pour « {q} »." and strings["type_question"] == "Question"


def test_every_note_and_named_directory_row_is_a_record_and_nothing_else(small_site):
    urls = set(by_url(small_site))
    notes = {"/", "/questions/comment-batir-une-strategie-numerique/", "/questions/faut-il-ouvrir-un-compte-sur-chaque-reseau/",
             "/ressources/guide-pratique-de-la-strategie-numerique/", "/ressources/reseaux-sociaux-au-musee/",
             "/ressources/fichier-obscur/"}
    rows = {"/annuaire/?q=Atelier%20Girouette", "/annuaire/?q=Fondation%20S%C3%A9maphore"}
    assert urls == notes | rows


def test_record_has_the_real_title_type_tags_and_summary(small_site):
    fragments = by_url(small_site)
    carnet = fragments["/ressources/fichier-obscur/"]
    assert carnet["meta"]["title"] == "Carnet des herbiers numérisés"
    assert carnet["meta"]["type"] == "resource" and carnet["filters"]["type"] == ["resource"]
    guide = fragments["/ressources/guide-pratique-de-la-strategie-numerique/"]
    assert sorted(guide["filters"]["tag"]) == ["rapport", "ressource"]
    assert guide["meta"]["summary"].startswith("Ce guide propose une méthode de boussolage éditorial")
    question = fragments["/questions/comment-batir-une-strategie-numerique/"]
    assert question["filters"]["type"] == ["question"] and question["meta"]["title"] == "Comment bâtir une stratégie numérique?"


def test_only_the_main_content_is_indexed(small_site):
    guide = by_url(small_site)["/ressources/guide-pratique-de-la-strategie-numerique/"]["content"]
    assert "boussolage" in guide and "inventaire des outils" in guide
    # Menu, header search box, footer, the type label and the backlinks list stay out.
    for outside in ("Navigation principale", "Rechercher", "Site publié avec cartel", "Mentionné dans", "Apparaît dans",
                    "Ressource.", "Comment bâtir une stratégie numérique"):
        assert outside not in guide, outside
    assert "Apparaît dans" in (small_site / "ressources/guide-pratique-de-la-strategie-numerique/index.html").read_text()


def test_directory_rows_link_to_the_filtered_directory(small_site):
    row = by_url(small_site)["/annuaire/?q=Atelier%20Girouette"]
    assert row["meta"] == {"title": "Atelier Girouette", "type": "directory", "summary": "Vevey · Agence · Cartographie des publics"}
    assert row["filters"] == {"type": ["directory"]}
    assert "Cartographie des publics" in row["content"] and "girouette.example.ch" not in row["content"]


def test_index_is_deterministic(tmp_path):
    """Same vault, same bytes: Pagefind's filter order varies between runs, cartel sorts it."""
    builds = [tree_bytes(build_small(tmp_path / name) / "pagefind") for name in "abcd"]
    assert all(build == builds[0] for build in builds)


def test_language_follows_the_site(tmp_path):
    files = dict(SMALL_VAULT)
    files["cartel.toml"] = files["cartel.toml"].replace('language = "fr"', 'language = "en"')
    output = build_small(tmp_path, files)
    entry = json.loads((output / "pagefind" / "pagefind-entry.json").read_text())
    assert list(entry["languages"]) == ["en"]
    assert json.loads((output / "_cartel/search-strings.json").read_text())["search_see_all"] == "See all results"


def test_a_vault_without_directory_file_still_gets_an_index(build_vault):
    built = build_vault({"Note.md": "# Une note\n\nDu texte sur les herbiers.\n"})
    [fragment] = read_fragments(built.output)
    assert fragment["url"] == "/note/" and fragment["meta"]["type"] == "page"


def test_search_page_works_without_javascript_as_far_as_a_message(small_site):
    html = (small_site / "recherche" / "index.html").read_text(encoding="utf-8")
    assert 'id="search-page"' in html and 'action="/recherche/"' in html and 'name="q"' in html
    assert "La recherche fonctionne avec JavaScript" in html and 'href="/questions/"' in html


def test_every_page_loads_only_the_small_loader(small_site):
    html = (small_site / "questions/comment-batir-une-strategie-numerique/index.html").read_text(encoding="utf-8")
    assert html.count('<script src="/_cartel/search.js" defer></script>') == 1
    assert "pagefind" not in re.sub(r"data-pagefind-[a-z]+", "", html).replace("/pagefind/", "")
    loader = (small_site / "_cartel" / "search.js").read_text()
    assert len(loader.encode()) < 1500 and "/pagefind/pagefind.js" not in loader


def test_note_page_budget_on_the_demo(tmp_path):
    """A note page's HTML + CSS + JS loaded up front stays under 40 KB uncompressed."""
    from cartel.build import build_site

    if not DEMO.is_dir():
        pytest.skip("examples/demo is not there yet")
    output = tmp_path / "demo"
    build_site(DEMO, output, use_cache=False)
    pages = sorted((output / "questions").glob("*/index.html")) + sorted((output / "ressources").glob("*/index.html"))
    assert pages
    for page in pages:
        html = page.read_text(encoding="utf-8")
        linked = re.findall(r'<link rel="stylesheet" href="([^"?]+)', html) + re.findall(r'<script src="([^"?]+)', html)
        total = len(html.encode()) + sum((output / url.lstrip("/")).stat().st_size for url in linked)
        assert total < 40_000, (page, total)


def test_bundle_files_keeps_only_what_pagefind_js_fetches():
    files = {"pagefind.js": b"", "pagefind-entry.json": json.dumps({"languages": {"fr": {"wasm": "fr"}}}).encode(),
             "pagefind.fr_1.pf_meta": b"", "wasm.fr.pagefind": b"", "wasm.unknown.pagefind": b"", "index/fr_1.pf_index": b"",
             "fragment/fr_1.pf_fragment": b"", "filter/fr_1.pf_filter": b"", "pagefind-ui.js": b"", "pagefind-ui.css": b"",
             "pagefind-worker.js": b"", "pagefind-highlight.js": b"", "pagefind-component-ui.js": b""}
    assert sorted(bundle_files(files)) == ["filter/fr_1.pf_filter", "fragment/fr_1.pf_fragment", "index/fr_1.pf_index",
                                           "pagefind-entry.json", "pagefind.fr_1.pf_meta", "pagefind.js", "wasm.fr.pagefind"]


def test_record_request_uses_the_language_code():
    request = record_request(3, Record("/annuaire/?q=A", "A", "A. Sion", "Sion"), "fr-CH")
    assert request["language"] == "fr" and request["index_id"] == 3 and request["filters"] == {"type": ["directory"]}


def test_a_missing_binary_is_a_clear_error(tmp_path):
    with pytest.raises(PagefindError, match="cannot start Pagefind"):
        with PagefindService(tmp_path / "no-such-pagefind"):
            pass


def test_a_service_error_is_raised_not_hung():
    with PagefindService() as service:
        with pytest.raises(PagefindError, match="Pagefind failed"):
            service.request({"type": "AddFile", "index_id": 42, "url": "/x/", "file_contents": "<p>x</p>", "file_path": None})


@given(st.lists(st.binary().map(lambda b: b.replace(b",", b"")), max_size=8), st.data())
@settings(max_examples=300, deadline=None)
def test_frames_come_out_whole_however_the_stream_is_cut(frames, data):
    stream = b"".join(frame + b"," for frame in frames) + data.draw(st.binary(max_size=5).map(lambda b: b.replace(b",", b"")))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=12)))
    reader, out = Frames(), []
    for start, end in zip([0, *cuts], [*cuts, len(stream)]):
        out += reader.feed(stream[start:end])
    assert out == frames


def test_frames_search_each_byte_once():
    searched = []

    class Counting(bytearray):
        def find(self, sub, start=0, *args):
            searched.append(len(self) - start)
            return super().find(sub, start, *args)

    reader = Frames()
    reader.buffer = Counting()
    for _ in range(100):  # one frame of 100 chunks, as a large answer comes
        assert reader.feed(b"x" * 1000) == []
    assert reader.feed(b"x,") == [b"x" * 100_001]
    assert sum(searched) <= 100_002 + 100


def test_ui_strings_cover_english():
    assert json.loads(ui_strings("en"))["search_no_result"] == "No result for “{q}”."


def test_pagefind_is_found_where_its_python_package_looks_for_it(tmp_path, monkeypatch):
    import subprocess
    import sys

    import cartel.search
    from pagefind.service import get_executable

    monkeypatch.delenv("PAGEFIND_BINARY_PATH", raising=False)
    assert cartel.search.find_executable() == Path(get_executable())  # the binary pagefind-bin installs
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(tmp_path / "mon-pagefind"))
    assert cartel.search.find_executable() == tmp_path / "mon-pagefind"
    monkeypatch.delenv("PAGEFIND_BINARY_PATH")
    monkeypatch.setattr(cartel.search, "_BINARY_PACKAGES", ("pas_de_pagefind_ici",))
    on_path = tmp_path / "bin" / "pagefind"
    on_path.parent.mkdir()
    on_path.write_text("#!/bin/sh\n", encoding="utf-8")
    on_path.chmod(0o755)
    monkeypatch.setenv("PATH", str(on_path.parent))
    assert cartel.search.find_executable() == on_path
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PagefindError, match="pip install pagefind-bin"):
        cartel.search.find_executable()
    looked_up = subprocess.run([sys.executable, "-c", "import sys; from cartel.search import find_executable; "
                                "find_executable(); print(sorted({'asyncio', 'pagefind.service'} & set(sys.modules)))"],
                               capture_output=True, text=True, check=True)
    assert looked_up.stdout.strip() == "[]"  # without the service module and its asyncio (30 ms of each build)


def test_a_missing_pagefind_is_a_diagnostic_not_a_crash(tmp_path, monkeypatch):
    import cartel.search

    def missing():
        raise PagefindError("the Pagefind binary was not found: pip install pagefind-bin")

    monkeypatch.setattr(cartel.search, "find_executable", missing)
    from cartel.build import build_site
    from tests.conftest import write_vault

    vault = write_vault(tmp_path / "v", {"A.md": "# A\n\nUn texte.\n"})
    result = build_site(vault, tmp_path / "out", use_cache=False)
    assert [d.rule for d in result.diagnostics] == ["search-index-failed"]
    assert (tmp_path / "out" / "a" / "index.html").is_file()
    assert not (tmp_path / "out" / "pagefind").exists()


def test_a_sharded_index_reindexes_only_the_shard_of_the_changed_note(tmp_path, monkeypatch):
    import cartel.search
    from cartel.build import build_site
    from tests.conftest import write_vault

    files = dict(SMALL_VAULT, **{"cartel.toml": SMALL_VAULT["cartel.toml"] + "\n[build]\nsearch_shard_size = 2\n"})
    vault = write_vault(tmp_path / "vault", files)
    indexed: list[int] = []
    real = cartel.search.index_files

    def index_files(service, index_id, sent, *rest):  # every shard made, begun during parse or after link
        indexed.append(len(sent))
        return real(service, index_id, sent, *rest)

    monkeypatch.setattr(cartel.search, "index_files", index_files)
    build_site(vault, tmp_path / "out")
    shards = len(indexed)
    assert shards >= 4
    note = vault / "Ressources" / "fichier-obscur.md"
    note.write_text(note.read_text(encoding="utf-8") + "\nUne planche de lichens ajoutée en novembre.\n", encoding="utf-8")
    indexed.clear()
    build_site(vault, tmp_path / "out")
    assert len(indexed) == 1  # the other shards came from the cache
    build_site(vault, tmp_path / "clean", use_cache=False)
    assert len(indexed) == 1 + shards
    assert tree_bytes(tmp_path / "out") == tree_bytes(tmp_path / "clean")
    assert "lichens" in json.dumps(read_all_fragments(tmp_path / "out"), ensure_ascii=False)


def test_a_cached_sharded_index_is_read_from_the_cache_as_it_is_written(tmp_path):
    from cartel.build import build_site, load_site
    from cartel.cache import open_cache
    from cartel.search import index_site, search_index
    from tests.conftest import write_vault

    files = dict(SMALL_VAULT, **{"cartel.toml": SMALL_VAULT["cartel.toml"] + "\n[build]\nsearch_shard_size = 2\n"})
    vault = write_vault(tmp_path / "vault", files)
    build_site(vault, tmp_path / "out")
    config, _, site = load_site(vault)
    plain = search_index(site)
    memo = open_cache(vault, config).memo("search")
    read: list[str] = []
    real_load = memo.load
    memo.load = lambda name: read.append(name) or real_load(name)
    bundle = index_site(site, memo)
    assert len(bundle.shards) >= 4 and bundle.held == {}  # no shard's files held between indexing and writing
    assert read and all(name.endswith("/entry") for name in read)  # looked up by their entry files alone
    assert dict(bundle.files()) == plain
    lost = bundle.keys[bundle.shards[1].index]
    memo.store.keep_only("search", set(bundle.keys.values()) - {lost})  # let go of meanwhile: indexed again
    assert memo.load(lost) is None and dict(bundle.files()) == plain


def read_all_fragments(output: Path) -> list[dict]:
    """The fragments of every shard of a sharded index."""
    import gzip

    return [json.loads(gzip.decompress(p.read_bytes())[len(b"pagefind_dcd"):])
            for p in sorted((output / "pagefind").rglob("*.pf_fragment"))]


def test_the_preview_reuses_the_shards_of_the_last_build(tmp_path, monkeypatch):
    import cartel.search
    from cartel.build import build_site
    from cartel.serve.live import LiveSite
    from cartel.serve.watch import search_files
    from tests.conftest import write_vault

    files = dict(SMALL_VAULT, **{"cartel.toml": SMALL_VAULT["cartel.toml"] + "\n[build]\nsearch_shard_size = 2\n"})
    vault = write_vault(tmp_path / "vault", files)
    build_site(vault, tmp_path / "out")
    indexed: list[int] = []
    real = cartel.search.build_index

    def build_index(config, requests, *rest):
        requests = list(requests)
        indexed.append(len(requests))
        return real(config, requests, *rest)

    monkeypatch.setattr(cartel.search, "build_index", build_index)
    live = LiveSite(vault)
    live.full()
    preview = search_files(vault, live.snapshot)
    assert indexed == []  # every shard came from the build's cache
    built = tree_bytes(tmp_path / "out")
    assert preview == {name: built[name] for name in preview}
    assert set(preview) == {name for name in built if name.startswith("pagefind/") or name == "_cartel/search-strings.json"}


WORDS = st.text(alphabet="abcdeéèfghijklmnoprstuvwxyzàçœ", min_size=3, max_size=10)


@given(st.lists(st.tuples(st.sampled_from(["", "# ", "## ", "- ", "1. ", "> ", "**", "*"]), st.lists(WORDS, min_size=1, max_size=6)),
                min_size=1, max_size=8),
       st.lists(WORDS, max_size=3))
@settings(max_examples=150, deadline=None)
def test_a_note_record_holds_every_word_of_the_note_and_no_markup(blocks, tags):
    from cartel.search import note_record
    from tests.platform.helpers import site as linked_site

    lines = [f"{mark}{' '.join(words)}{mark if mark in ('**', '*') else ''}" for mark, words in blocks]
    front = f"---\ntags: [{', '.join(tags)}]\n---\n" if tags else ""
    linked = linked_site({"Notes/N.md": front + "\n\n".join(lines) + "\n"})
    [note] = linked.notes
    record = note_record(linked, note)
    words = set(record.content.replace("#", " ").split())
    assert {word for _, ws in blocks for word in ws} <= words
    assert not any(mark in record.content for mark in ("**", "# ", "- ", "1. ", "> "))
    assert record.tags == note.tags and record.title == note.title and record.url == linked.urls[note.path]


# -- the index begun while notes are parsed -------------------------------------

def _bundle_after_link(vault: Path) -> dict[str, bytes]:
    """The search bundle made the plain way, from the linked site: what an early index must equal."""
    from cartel.build import load_site
    from cartel.search import search_index

    _, _, site = load_site(vault)
    return search_index(site)


def _built_bundle(output: Path) -> dict[str, bytes]:
    return {name: data for name, data in tree_bytes(output).items()
            if name.startswith("pagefind/") or name == "_cartel/search-strings.json"}


@pytest.mark.parametrize("extra, early", [
    ({}, True),
    ({"Ressources/Brouillon.md": "---\ndraft: true\n---\n# Brouillon\n\nPas encore publié.\n"}, True),
    ({"Ressources/Réseaux sociaux au musée!.md": "# Homonyme\n\nMême adresse que la ressource sur les réseaux.\n"}, False),
    ({"Ressources/Renommée.md": "---\nslug: guide-pratique-de-la-strategie-numerique\n---\n# Renommée\n\nUne adresse déjà prise.\n"}, False),
])
def test_the_index_begun_during_parse_equals_the_index_made_after_link(tmp_path, monkeypatch, extra, early):
    import cartel.search
    from cartel.build import build_site
    from tests.conftest import write_vault

    vault = write_vault(tmp_path / "vault", {**SMALL_VAULT, **extra})
    after_link: list[int] = []
    real = cartel.search.index_site
    monkeypatch.setattr(cartel.search, "index_site", lambda site, *rest: after_link.append(1) or real(site, *rest))
    result = build_site(vault, tmp_path / "out", use_cache=False)
    assert "search-index-failed" not in [d.rule for d in result.diagnostics]
    assert (after_link == []) is early  # a URL only link can give (a collision) sends the index back to after link
    expected = _bundle_after_link(vault)
    assert _built_bundle(tmp_path / "out") == expected


def test_a_cached_build_with_one_note_changed_indexes_early_and_equals_a_clean_build(tmp_path, monkeypatch):
    import cartel.search
    from cartel.build import build_site
    from tests.conftest import write_vault

    vault = write_vault(tmp_path / "vault", SMALL_VAULT)
    build_site(vault, tmp_path / "out")
    started: list[int] = []
    real = cartel.search.EarlyIndex._feed
    monkeypatch.setattr(cartel.search.EarlyIndex, "_feed", lambda self: started.append(1) or real(self))
    build_site(vault, tmp_path / "out")  # nothing changed: nothing parsed, no index begun
    (vault / "plan.pdf").write_bytes(b"%PDF-1.4 plan")
    build_site(vault, tmp_path / "out")  # a new file, no note changed: notes and index from the cache
    assert started == []
    note = vault / "Ressources" / "fichier-obscur.md"
    note.write_text(note.read_text(encoding="utf-8") + "\nUne planche de lichens ajoutée en novembre.\n", encoding="utf-8")
    build_site(vault, tmp_path / "out")
    assert started == [1]
    build_site(vault, tmp_path / "clean", use_cache=False)
    assert tree_bytes(tmp_path / "out") == tree_bytes(tmp_path / "clean")
    assert "lichens" in json.dumps(read_all_fragments(tmp_path / "out"), ensure_ascii=False)


def test_a_cached_build_begins_the_index_with_its_first_note_whichever_note_changed(tmp_path, monkeypatch):
    import cartel.search
    from cartel.build import build_site
    from tests.conftest import write_vault

    vault = write_vault(tmp_path / "vault", SMALL_VAULT)
    build_site(vault, tmp_path / "out")
    begun: list[bool] = []  # for each note offered: whether Pagefind had been started by then
    real = cartel.search.EarlyIndex.add

    def add(self, note, changed, parsed=True):
        real(self, note, changed, parsed)
        begun.append(self.thread is not None)

    monkeypatch.setattr(cartel.search.EarlyIndex, "add", add)
    last = sorted(vault.rglob("*.md"), key=lambda path: path.relative_to(vault).as_posix())[-1]
    last.write_text(last.read_text(encoding="utf-8") + "\nUne phrase ajoutée à la dernière note.\n", encoding="utf-8")
    build_site(vault, tmp_path / "out")
    assert len(begun) > 3 and all(begun)  # not only once the changed note, the last one, came out of parse
    build_site(vault, tmp_path / "clean", use_cache=False)
    assert tree_bytes(tmp_path / "out") == tree_bytes(tmp_path / "clean")


def test_the_early_index_runs_at_low_priority_only_when_it_starts_with_a_parsed_note(tmp_path, monkeypatch):
    """A build that parses yields the other core to the pages; one that takes its notes from the cache waits on the
    index last, which then runs at normal priority."""
    import threading

    import cartel.search
    from cartel.build import build_site
    from tests.conftest import write_vault

    lowered: list[str] = []
    real = cartel.search.lower_thread_priority
    monkeypatch.setattr(cartel.search, "lower_thread_priority",
                        lambda *a: lowered.append(threading.current_thread().name) or real(*a))
    vault = write_vault(tmp_path / "vault", SMALL_VAULT)
    build_site(vault, tmp_path / "out")  # every note parsed
    assert "cartel-early-index" in lowered
    lowered.clear()
    note = vault / "Ressources" / "fichier-obscur.md"
    note.write_text(note.read_text(encoding="utf-8") + "\nUne planche de lichens ajoutée en novembre.\n", encoding="utf-8")
    build_site(vault, tmp_path / "out")  # the first notes from the cache
    assert "cartel-early-index" not in lowered and "cartel-search" in lowered
    build_site(vault, tmp_path / "clean", use_cache=False)
    assert tree_bytes(tmp_path / "out") == tree_bytes(tmp_path / "clean")


def test_a_kept_shard_is_indexed_again_when_a_setting_changes_what_parse_makes_of_a_note(tmp_path):
    """A note's part of a shard's key is its source, not its text: the cache's fingerprint of code and settings
    stands for what parse made of it. Here `[types]` turns an untagged note from a resource into a question: same
    sources, another record."""
    from cartel.build import build_site, load_site
    from cartel.search import shard_key, split_shards
    from tests.conftest import write_vault

    settings = SMALL_VAULT["cartel.toml"].replace('[types]\n', '[types]\n"Fiches" = "resource"\n')
    files = dict(SMALL_VAULT, **{"cartel.toml": settings,
                                 "Fiches/Herbier partagé.md": "# Herbier partagé\n\nTrois musées numérisent un herbier.\n"})
    vault = write_vault(tmp_path / "vault", files)
    build_site(vault, tmp_path / "out")
    (vault / "cartel.toml").write_text(settings.replace('"Fiches" = "resource"', '"Fiches" = "question"'),
                                       encoding="utf-8")
    build_site(vault, tmp_path / "out")
    build_site(vault, tmp_path / "clean", use_cache=False)
    assert tree_bytes(tmp_path / "out") == tree_bytes(tmp_path / "clean")
    kinds = {fragment["meta"]["title"]: fragment["meta"]["type"] for fragment in read_all_fragments(tmp_path / "out")}
    assert kinds["Herbier partagé"] == "question"

    _, _, site = load_site(vault)
    shard = split_shards(site, 1)[0]
    assert shard_key(site, shard, {}, 1, "code and settings") == shard_key(site, shard, {}, 1, "code and settings")
    assert shard_key(site, shard, {}, 1, "code and settings") != shard_key(site, shard, {}, 1, "other settings")


def _sharded_vault(tmp_path: Path) -> Path:
    """The small vault cut into shards of about two pages and records each."""
    from tests.conftest import write_vault

    return write_vault(tmp_path / "vault", {
        **SMALL_VAULT, "cartel.toml": SMALL_VAULT["cartel.toml"] + "\n[build]\nsearch_shard_size = 2\n",
        "Brouillon/Idée.md": "# Idée\n\nUn brouillon, qui ne compte pas dans l'index.\n"})


def _record_search_steps(monkeypatch) -> list[tuple[str, ...]]:
    """What a build does for its index, in order: each note's record sent early, link, each shard made."""
    import cartel.build
    import cartel.search

    steps: list[tuple[str, ...]] = []
    offer, link, index_files = cartel.search.EarlyIndex._offer, cartel.build.link_site, cartel.search.index_files
    monkeypatch.setattr(cartel.search.EarlyIndex, "_offer",
                        lambda self, note, *rest, **named: steps.append(("early", note.path)) or offer(self, note, *rest, **named))
    monkeypatch.setattr(cartel.build, "link_site", lambda *args: steps.append(("link",)) or link(*args))
    monkeypatch.setattr(cartel.search, "index_files",
                        lambda service, index_id, sent, *rest: steps.append(("shard",)) or index_files(service, index_id, sent, *rest))
    return steps


def test_a_cached_sharded_build_begins_the_changed_note_s_shard_during_parse(tmp_path, monkeypatch):
    from cartel.build import build_site, load_site
    from cartel.search import shard_of, site_shard_count

    vault = _sharded_vault(tmp_path)
    build_site(vault, tmp_path / "out")
    steps = _record_search_steps(monkeypatch)
    changed = "Ressources/fichier-obscur.md"
    note = vault / changed
    note.write_text(note.read_text(encoding="utf-8") + "\nUne planche de lichens ajoutée en novembre.\n", encoding="utf-8")
    build_site(vault, tmp_path / "out")
    _, _, site = load_site(vault)
    count = site_shard_count(site)
    assert count >= 4
    early = [step[1] for step in steps[:steps.index(("link",))]]
    shard = shard_of(site.urls[changed], count)
    assert changed in early  # sent to Pagefind before link, with the notes of its shard and none other
    assert early == [n.path for n in site.notes if shard_of(site.urls[n.path], count) == shard]
    assert steps.count(("shard",)) == 1  # the other shards came from the cache
    build_site(vault, tmp_path / "clean", use_cache=False)
    assert tree_bytes(tmp_path / "out") == tree_bytes(tmp_path / "clean")
    assert "lichens" in json.dumps(read_all_fragments(tmp_path / "out"), ensure_ascii=False)


def test_a_sharded_build_that_parses_many_notes_afresh_makes_its_shards_after_link(tmp_path, monkeypatch):
    import cartel.search
    from cartel.build import build_site

    vault = _sharded_vault(tmp_path)
    build_site(vault, tmp_path / "out")
    monkeypatch.setattr(cartel.search, "EARLY_CHANGES", 1)
    steps = _record_search_steps(monkeypatch)
    close = cartel.search.EarlyIndex.close
    monkeypatch.setattr(cartel.search.EarlyIndex, "close", lambda self: steps.append(("stopped",)) or close(self))
    for path in ("Ressources/fichier-obscur.md", "Ressources/Réseaux sociaux au musée.md"):
        (vault / path).write_text((vault / path).read_text(encoding="utf-8") + "\nUne phrase de plus.\n", encoding="utf-8")
    build_site(vault, tmp_path / "out")
    link = steps.index(("link",))
    assert ("early", "Ressources/Réseaux sociaux au musée.md") in steps[:link]  # begun with the first note parsed
    assert ("stopped",) in steps[:link]  # afresh, stopped at the second
    assert ("early", "Ressources/fichier-obscur.md") not in steps and ("shard",) in steps[link:]
    build_site(vault, tmp_path / "clean", use_cache=False)
    assert tree_bytes(tmp_path / "out") == tree_bytes(tmp_path / "clean")


def test_the_index_begun_during_parse_is_cut_into_as_many_shards_as_the_site_s(tmp_path):
    from cartel.build import index_size, load_site
    from cartel.search import EarlyIndex, site_shard_count

    vault = _sharded_vault(tmp_path)
    config, scanned, site = load_site(vault)
    rows = sum(len(d.rows) for d in site.directories)
    assert rows > 0 and any(s.kind == "note" and s.draft for s in scanned.sources)
    assert index_size(config, scanned) == len(site.notes) + rows  # the rows count, the drafts do not
    assert EarlyIndex(config, index_size(config, scanned), cached=True).count == site_shard_count(site)
