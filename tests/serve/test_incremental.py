"""Incremental builds give the bytes a clean build gives; the cache keeps only what is safe to reuse."""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cartel.build import build_site
from cartel.cache import CACHE_DIR, FORMAT, Store, note_page_keys, open_cache, render_salt, value_digest
from cartel.cli import main
from cartel.config import load_config
from cartel.emit import file_digest
from cartel.link import link_site
from cartel.parse import parse_note
from cartel.render import Page, SiteRenderer, render_site
from cartel.scan import scan_vault
from cartel.serve.live import LiveSite
from tests.conftest import tree_bytes, write_vault
from tests.serve.conftest import GUIDE_URL, PHOTO_URL, VAULT

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")
TREE_ONLY = ("pagefind/", "_cartel/search-strings.json", ".cartel-output")


def differences(a: dict[str, bytes], b: dict[str, bytes]) -> list[str]:
    """The paths whose presence or bytes differ."""
    return sorted(name for name in set(a) | set(b) if a.get(name) != b.get(name))


# -- random edits ---------------------------------------------------------------

NAMES = ["Guide de numérisation", "Photographier les objets", "Fiche à venir", "Numériser une collection",
         "Atelier du jeudi", "Inventaire des réserves"]
FOLDERS = ["Ressources", "Questions", "Pages", "Brouillon"]
name = st.sampled_from(NAMES)
note_path = st.builds(lambda folder, n: f"{folder}/{n}.md", st.sampled_from(FOLDERS), name)
front_matter = st.sampled_from([
    "", "---\ntags: ressource\n---\n", "---\ntags: question\n---\n", "---\ntitle: Un autre titre\ntags: [atelier, vaud]\n---\n",
    "---\neleventyNavigation:\n  key: racine\n  title: Racine des ateliers\n---\n",
    "---\neleventyNavigation:\n  key: branche\n  parent: racine\n---\n", "---\nparent: \"[[Atelier du jeudi]]\"\n---\n",
    "---\ntags: [ouvert\ntitle: \"pas fermé\n---\n", "---\ndate: 2023-04-05\npermalink: /page-fixe/\n---\n",
    "---\naliases: [Surnom]\n---\n"])
fragment = st.one_of(
    st.builds(lambda n: f"Voir [[{n}]].", name),
    st.builds(lambda n: f"Lire [[{n}|ce texte]] puis [[{n}#A retenir]].", name),
    st.builds(lambda n: f"![[{n}]]", name),
    st.just("![[photo.png|Une photographie]]"),
    st.sampled_from(["Une phrase simple sur les réserves du musée, assez longue pour un résumé.", "#atelier et #vaud",
                     "## A retenir\n\n- Un point.\n- Un autre point.", "## Contexte\n\nUn contexte rapide.",
                     "> [!note] Attention\n> Un encadré.", "Texte ==surligné== et %%caché%%."]),
    st.builds(lambda a, b: f"1. [[{a}]]\n   Un premier résumé.\n2. [[{b}]]\n   Un second résumé.", name, name),
)
note_text = st.builds(lambda fm, title, parts: fm + (f"# {title}\n\n" if title else "") + "\n\n".join(parts) + "\n",
                      front_matter, st.one_of(st.just(""), name), st.lists(fragment, max_size=4))
operation = st.one_of(
    st.tuples(st.just("write"), note_path, note_text),
    st.tuples(st.just("delete"), note_path),
    st.tuples(st.just("rename"), note_path, note_path),
    st.tuples(st.just("image"), st.booleans()),
    st.tuples(st.just("csv"), st.lists(st.sampled_from(["Studio Nord;https://nord.example.ch;Lausanne",
                                                        "Atelier Sud;https://sud.example.ch;Genève",
                                                        "Sans adresse;;Sion"]), max_size=3)),
)


def apply(vault: Path, op) -> list[Path]:
    """Carry out one edit on the vault; return the paths a watcher would report."""
    kind = op[0]
    if kind == "write":
        path = vault / op[1]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(op[2], encoding="utf-8")
        return [path]
    if kind == "delete":
        path = vault / op[1]
        if path.exists():
            path.unlink()
        return [path]
    if kind == "rename":
        old, new = vault / op[1], vault / op[2]
        if old.exists() and not new.exists():
            new.parent.mkdir(parents=True, exist_ok=True)
            old.rename(new)
        return [old, new]
    if kind == "image":
        path = vault / "images" / "photo.png"
        if op[1]:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(PNG)
        elif path.exists():
            path.unlink()
        return [path]
    path = vault / "_data" / "acteurs.csv"
    path.write_text("Nom;URL;Localisation\n" + "".join(row + "\n" for row in op[1]), encoding="utf-8")
    return [path]


# Each example runs several real builds (Pagefind included): a dozen by default, more with CARTEL_EXAMPLES=200.
@settings(max_examples=int(os.environ.get("CARTEL_EXAMPLES", "12")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(operation, st.booleans()), min_size=1, max_size=5))
def test_incremental_build_and_preview_equal_a_clean_build(edits):
    with tempfile.TemporaryDirectory(prefix="cartel-incremental-") as folder:
        root = Path(folder)
        vault = write_vault(root / "vault", VAULT)
        build_site(vault, root / "incremental")
        live = LiveSite(vault)
        live.full()
        for op, build_now in edits:
            changed = apply(vault, op)
            list(live.apply(changed))
            if build_now:
                build_site(vault, root / "incremental")
        build_site(vault, root / "incremental")
        build_site(vault, root / "clean", use_cache=False)
        clean = tree_bytes(root / "clean")
        assert differences(tree_bytes(root / "incremental"), clean) == []
        served = live.snapshot.files
        assert differences(served, {k: v for k, v in clean.items() if not k.startswith(TREE_ONLY)}) == []


# -- what the cache reuses --------------------------------------------------------

def test_nothing_changed_build_reuses_the_output_and_reports_the_same(tmp_path):
    vault = write_vault(tmp_path / "vault", VAULT)
    first = build_site(vault, tmp_path / "out")
    inode = os.stat(tmp_path / "out").st_ino
    second = build_site(vault, tmp_path / "out")
    assert os.stat(tmp_path / "out").st_ino == inode  # no new tree was swapped in
    assert (second.pages, second.diagnostics) == (first.pages, first.diagnostics)
    (vault / "Pages" / "Atelier du jeudi.md").write_text("# Atelier du jeudi\n\nNouveau.\n", encoding="utf-8")
    build_site(vault, tmp_path / "out")
    assert os.stat(tmp_path / "out").st_ino != inode
    assert "Nouveau." in (tmp_path / "out" / "pages" / "atelier-du-jeudi" / "index.html").read_text(encoding="utf-8")


def test_removed_output_is_rebuilt_even_when_inputs_are_unchanged(tmp_path):
    vault = write_vault(tmp_path / "vault", VAULT)
    build_site(vault, tmp_path / "out")
    before = tree_bytes(tmp_path / "out")
    shutil.rmtree(tmp_path / "out")
    build_site(vault, tmp_path / "out")
    assert differences(tree_bytes(tmp_path / "out"), before) == []


def _site(vault: Path):
    config = load_config(vault)
    scanned = scan_vault(config)
    notes = [parse_note(s, config) for s in scanned.sources if s.kind == "note"]
    return config, link_site(notes, scanned.sources, config)


def _rendered(cache, site) -> set[str]:
    """Render through the cache; return the notes it had to render."""
    done: set[str] = set()

    def render(site, reuse=None, renderer=None, keep=None):
        def counting(note):
            page = reuse(note) if reuse else None
            if page is None:
                done.add(note.path)
            return page
        return render_site(site, reuse=counting, renderer=renderer, keep=keep)

    for _ in cache.render(site, render):  # pages are rendered as they are asked for
        pass
    return done


def test_one_note_changed_renders_again_only_its_neighbourhood(tmp_path):
    vault = write_vault(tmp_path / "vault", VAULT)
    config, site = _site(vault)
    cache = open_cache(vault, config)
    assert _rendered(cache, site) == {n.path for n in site.notes}
    assert _rendered(cache, site) == set()
    (vault / "Ressources" / "Guide de numérisation.md").write_text(
        "---\ntags: ressource\n---\n# Guide de numérisation\n\nUn guide revu de fond en comble pour les petites équipes.\n",
        encoding="utf-8")
    config, site = _site(vault)
    assert _rendered(open_cache(vault, config), site) == {
        "Ressources/Guide de numérisation.md",      # itself
        "Questions/Numériser une collection.md",    # ranks it
        "Ressources/Photographier les objets.md",   # links to it
    }


def test_page_keys_follow_titles_links_and_backlinks(tmp_path):
    vault = write_vault(tmp_path / "vault", VAULT)
    _, site = _site(vault)
    salt = render_salt("x", SiteRenderer(site).site_ctx)
    before = note_page_keys(site, salt)
    assert note_page_keys(_site(vault)[1], salt) == before  # a key is a digest of values, not of objects
    assert set(note_page_keys(site, render_salt("y", SiteRenderer(site).site_ctx)).values()).isdisjoint(before.values())
    (vault / "Pages" / "Atelier du jeudi.md").write_text("# Atelier du jeudi\n\nVoir [[Photographier les objets]].\n",
                                                       encoding="utf-8")
    _, site = _site(vault)
    after = note_page_keys(site, salt)
    changed = {path for path in after if after[path] != before.get(path)}
    assert changed == {"Pages/Atelier du jeudi.md", "Ressources/Photographier les objets.md"}  # new backlink


def test_a_cache_signed_by_someone_else_is_ignored(tmp_path):
    vault = write_vault(tmp_path / "vault", VAULT)
    config, site = _site(vault)
    keys = note_page_keys(site, render_salt(open_cache(vault, config).site_fp, SiteRenderer(site).site_ctx))
    forged = Page(PHOTO_URL, "<html><script>alert('cache')</script></html>".encode(), "Ressources/Photographier les objets.md")
    folder = vault / CACHE_DIR / FORMAT
    name = keys["Ressources/Photographier les objets.md"]
    foreign = Store(folder, b"k" * 32)
    foreign.save("render", name, forged)
    foreign.save("render-head", name, (forged.url, forged.source, forged.kind, file_digest(forged.data), len(forged.data)))
    foreign.flush()
    build_site(vault, tmp_path / "out")
    page = (tmp_path / "out" / PHOTO_URL.strip("/") / "index.html").read_text(encoding="utf-8")
    assert "alert('cache')" not in page and "Une lumière diffuse" in page
    mine = open_cache(vault, config).store
    assert isinstance(mine.load("render", name), Page)  # the build replaced the forged entry with its own
    mine.close()
    with sqlite3.connect(folder / Store.FILE) as db:  # a signed entry, altered; another, moved to a new name
        data = db.execute("SELECT data FROM entries WHERE kind = 'render' AND name = ?", (name,)).fetchone()[0]
        db.execute("UPDATE entries SET data = ? WHERE kind = 'render' AND name = ?", (data[:-10] + b"0123456789", name))
        db.execute("UPDATE entries SET data = 'du texte' WHERE kind = 'search'")  # not even bytes
        db.execute("INSERT INTO entries SELECT kind, 'autre', mac, data FROM entries WHERE kind = 'builds'")
    again = Store(folder, mine.key)
    assert again.load("render", name) is None and again.load("builds", "autre") is None
    assert all(again.load("search", n) is None for n in again.names("search"))
    assert again.names("builds") - {"autre"} and all(again.load("builds", n) for n in again.names("builds") - {"autre"})


def test_two_processes_share_the_store(tmp_path):
    """A preview and a build of the same vault each open the store: what one commits, the other reads."""
    key = b"k" * 32
    build, preview = Store(tmp_path, key), Store(tmp_path, key)
    build.save("render", "page", {"html": "<p>un</p>"})
    assert preview.load("render", "page") is None          # not committed yet
    build.flush()
    assert preview.load("render", "page") == {"html": "<p>un</p>"}
    preview.save("render", "page", {"html": "<p>deux</p>"})
    preview.keep_only("render", {"page"})
    preview.flush()
    assert build.load("render", "page") == {"html": "<p>deux</p>"} and build.names("render") == {"page"}
    for count in range(Store.COMMIT_EVERY):                 # a long build commits as it goes
        build.save("parse", f"note-{count}", count)
    assert preview.names("parse") == {f"note-{count}" for count in range(Store.COMMIT_EVERY)}


@settings(max_examples=40, deadline=None)
@given(names=st.lists(st.sampled_from(["a", "b", "c", "altérée", "absente", "d' e"]), max_size=12),
       per_query=st.integers(1, 5))
def test_entries_read_together_are_what_reading_each_gives(names, per_query):
    """`load_many` gives, in order, what `load` gives for each name: stored, absent, asked twice, or altered."""
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder), b"k" * 32)
        for name in ("a", "b", "c", "altérée", "d' e"):
            store.save("parse", name, {"note": name, "liens": [name] * 3})
        store.save("render", "absente", "une page, pas une note")  # another kind, same name
        store.flush()
        with closing(sqlite3.connect(Path(folder) / Store.FILE)) as db, db:  # signed, then altered
            db.execute("UPDATE entries SET data = ? WHERE name = 'altérée'", (b"\x80\x05K\x01.",))
        assert list(store.load_many("parse", names, per_query)) == [store.load("parse", name) for name in names]
        assert store.load("parse", "altérée") is None and store.load("parse", "a") == {"note": "a", "liens": ["a"] * 3}
        store.close()


def test_the_shard_files_of_the_earlier_store_go_after_a_build(tmp_path):
    vault = write_vault(tmp_path / "vault", VAULT)
    folder = vault / CACHE_DIR / FORMAT
    build_site(vault, tmp_path / "out")
    for kind in ("parse", "render", "search", "builds", "trees", "tree"):  # what cartel wrote before store.db
        (folder / kind).mkdir()
        (folder / kind / "00").write_bytes(b"cartel1\n" + b"\0" * 64)
    (vault / "index.md").write_text("# Accueil\n\nDe retour.\n", encoding="utf-8")
    build_site(vault, tmp_path / "out")
    assert sorted(p.name for p in folder.iterdir()) == ["output-trees", "pagefind", Store.FILE]  # closed: no log left open
    assert "De retour." in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")


def test_a_damaged_cache_is_made_afresh(tmp_path):
    vault = write_vault(tmp_path / "vault", VAULT)
    build_site(vault, tmp_path / "out")
    store = vault / CACHE_DIR / FORMAT / Store.FILE
    store.write_bytes(b"pas une base de donnees" * 100)
    result = build_site(vault, tmp_path / "out")
    assert result.pages and (tmp_path / "out" / PHOTO_URL.strip("/") / "index.html").is_file()
    with sqlite3.connect(store) as db:
        parsed = db.execute("SELECT count(*) FROM entries WHERE kind = 'parse'").fetchone()[0]
    assert parsed == sum(1 for name in VAULT if name.endswith(".md"))


def test_no_cache_writes_nothing_in_the_vault(tmp_path):
    vault = write_vault(tmp_path / "vault", VAULT)
    result = CliRunner().invoke(main, ["build", str(vault), "-o", str(tmp_path / "out"), "--no-cache"])
    assert result.exit_code in (0, 1), result.output
    assert not (vault / CACHE_DIR).exists()
    assert (tmp_path / "out" / GUIDE_URL.strip("/") / "index.html").is_file()


def test_clean_removes_the_cache_and_only_a_cache_cartel_made(tmp_path):
    vault = write_vault(tmp_path / "vault", VAULT)
    build_site(vault, tmp_path / "out")
    assert (vault / CACHE_DIR / "CACHEDIR.TAG").is_file()
    result = CliRunner().invoke(main, ["clean", str(vault)])
    assert result.exit_code == 0 and not (vault / CACHE_DIR).exists()
    (vault / CACHE_DIR).mkdir()
    (vault / CACHE_DIR / "mes-notes.md").write_text("à garder", encoding="utf-8")
    result = CliRunner().invoke(main, ["clean", str(vault)])
    assert result.exit_code == 2
    assert (vault / CACHE_DIR / "mes-notes.md").read_text(encoding="utf-8") == "à garder"
    build_site(vault, tmp_path / "out2")  # the build goes on without a cache and leaves the folder alone
    assert sorted(p.name for p in (vault / CACHE_DIR).iterdir()) == ["mes-notes.md"]


def test_cache_folder_that_is_a_link_is_not_followed(tmp_path):
    vault = write_vault(tmp_path / "vault", VAULT)
    outside = tmp_path / "ailleurs"
    outside.mkdir()
    (vault / CACHE_DIR).symlink_to(outside, target_is_directory=True)
    build_site(vault, tmp_path / "out")
    assert list(outside.iterdir()) == []
    assert CliRunner().invoke(main, ["clean", str(vault)]).exit_code == 2
    assert outside.is_dir()


_KEY_PARTS = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=12)),
                          lambda inner: st.lists(inner, max_size=4).map(tuple), max_leaves=20)


def _copied(value):
    """The same value rebuilt: new tuples, and new strings wherever Python makes new ones."""
    if isinstance(value, str):
        return "".join(list(value))
    if isinstance(value, tuple):
        return tuple(_copied(part) for part in value)
    return value


@settings(max_examples=200, deadline=None)
@given(_KEY_PARTS, _KEY_PARTS)
def test_a_value_digest_depends_on_the_value_alone(first, second):
    shared = ("même objet", 3)
    key = (first, shared, shared)  # the same objects twice, as page keys share their neighbours' facts
    assert value_digest(key) == value_digest(_copied(key))
    assert (value_digest((first,)) == value_digest((second,))) == ((first,) == (second,) and repr(first) == repr(second))


def test_the_preview_renders_a_generated_page_again_only_when_what_it_shows_changed(tmp_path, monkeypatch):
    import cartel.render.pages as pages

    vault = write_vault(tmp_path / "vault", VAULT)
    live = LiveSite(vault)
    live.full()
    rendered: list[str] = []
    tag_page, type_list = pages.tag_page, pages.type_list
    monkeypatch.setattr(pages, "tag_page", lambda renderer, tag, paths: rendered.append(tag) or tag_page(renderer, tag, paths))
    monkeypatch.setattr(pages, "type_list", lambda renderer, kind, *rest: rendered.append(kind) or type_list(renderer, kind, *rest))
    guide = vault / "Ressources" / "Guide de numérisation.md"
    guide.write_text(VAULT["Ressources/Guide de numérisation.md"] + "\nUn dernier mot, tout en bas.\n", encoding="utf-8")
    list(live.apply([guide]))
    assert rendered == []  # its title and summary are as they were
    assert "Un dernier mot" in live.snapshot.files[GUIDE_URL.strip("/") + "/index.html"].decode("utf-8")
    guide.write_text(VAULT["Ressources/Guide de numérisation.md"].replace("décrit la chaîne", "détaille la chaîne"),
                     encoding="utf-8")  # its summary, in the list of resources and the tag page
    list(live.apply([guide]))
    assert sorted(rendered) == ["resource", "ressource"]
    build_site(vault, tmp_path / "clean", use_cache=False)
    clean = tree_bytes(tmp_path / "clean")
    assert differences(live.snapshot.files, {k: v for k, v in clean.items() if not k.startswith(TREE_ONLY)}) == []
