"""End to end: vaults in, sites out."""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from click.testing import CliRunner

import cartel.build
from cartel.build import build_site
from cartel.cli import main
from cartel.emit import MARKER, OutputRefused
from tests.conftest import DEMO, tree_bytes, write_vault

HREF = re.compile(r'(?:href|src|data)="([^"]+)"')


def _internal_targets(html: str):
    for value in HREF.findall(html):
        value = value.replace("&amp;", "&")
        if value.startswith("/") and not value.startswith("//"):
            yield unquote(urlsplit(value).path)


def _exists(out: Path, path: str) -> bool:
    target = out / path.lstrip("/")
    return (target / "index.html").is_file() if path.endswith("/") else target.is_file()


def test_demo_builds_and_every_internal_link_exists(tmp_path):
    result = build_site(DEMO, tmp_path / "out", use_cache=False)
    assert result.count(cartel.build.Severity.ERROR) == 0
    assert result.pages >= 45
    broken = []
    for page in (tmp_path / "out").rglob("*.html"):
        for target in _internal_targets(page.read_text(encoding="utf-8")):
            if not _exists(tmp_path / "out", target):
                broken.append((page.relative_to(tmp_path / "out").as_posix(), target))
    assert broken == []


def test_demo_fragments_point_at_existing_anchors(tmp_path):
    build_site(DEMO, tmp_path / "out", use_cache=False)
    out = tmp_path / "out"
    checked, missing = 0, []
    for page in out.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        for value in HREF.findall(html):
            value = value.replace("&amp;", "&")
            if "#" not in value or not (value.startswith("/") or value.startswith("#")) or value.endswith("#"):
                continue
            path, fragment = value.split("#", 1)
            target = page if not path else (out / unquote(path).lstrip("/") / "index.html")
            if not target.is_file():
                continue
            checked += 1
            if f'id="{unquote(fragment)}"' not in target.read_text(encoding="utf-8"):
                missing.append((page.relative_to(out).as_posix(), value))
    assert checked >= 5 and missing == []


def test_demo_has_the_deliberate_quirk_reports_only(tmp_path):
    result = build_site(DEMO, tmp_path / "out", use_cache=False)
    rules = sorted(d.rule for d in result.diagnostics)
    assert rules.count("link-unresolved") == 3
    assert rules.count("link-draft") == 1
    assert "encoding" in rules and "yaml-invalid" in rules


def test_two_builds_are_byte_identical(tmp_path):
    build_site(DEMO, tmp_path / "a", use_cache=False)
    build_site(DEMO, tmp_path / "b", use_cache=False)
    a, b = tree_bytes(tmp_path / "a"), tree_bytes(tmp_path / "b")
    assert sorted(a) == sorted(b)
    assert [name for name in a if a[name] != b[name]] == []


def test_failed_build_leaves_previous_output_untouched(tmp_path, monkeypatch):
    vault = write_vault(tmp_path / "v", {"A.md": "# A\n", "C.md": "# C\n\nVoir [[A]].\n"})
    out = tmp_path / "out"
    build_site(vault, out)
    (vault / "A.md").write_text("# A revue\n", encoding="utf-8")
    build_site(vault, out)  # the first output is now the spare copy that the next build updates in place
    before = tree_bytes(out)
    (vault / "B.md").write_text("# B\n", encoding="utf-8")

    def explode(*args, **kwargs):
        raise RuntimeError("build failed")

    real_write = cartel.emit._write
    writes = []

    def write_twice_then_fail(path, data):  # the spare copy is left half updated
        writes.append(path)
        if len(writes) > 2:
            raise OSError("disk full")
        return real_write(path, data)

    for name, replacement in (("iter_pages", explode), ("_write", write_twice_then_fail), ("swap_in", explode)):
        monkeypatch.setattr(cartel.build if name == "iter_pages" else cartel.emit, name, replacement)
        with pytest.raises((RuntimeError, OSError)):
            build_site(vault, out)
        monkeypatch.undo()
        assert tree_bytes(out) == before, name
    assert len(writes) == 3
    assert [p.name for p in tmp_path.iterdir() if ".tmp-" in p.name] == []
    build_site(vault, out)
    build_site(vault, tmp_path / "clean", use_cache=False)
    assert tree_bytes(out) == tree_bytes(tmp_path / "clean")


@pytest.mark.parametrize("stage", ["link_site", "iter_pages"])  # before and after link hands the index to a thread
def test_a_failed_build_stops_the_search_index_it_started(tmp_path, monkeypatch, stage):
    started = tmp_path / "started"
    fake = tmp_path / "bin" / "pagefind"  # a Pagefind that never answers: only cancelling stops it
    fake.parent.mkdir()
    fake.write_text(f"#!/bin/sh\ntouch '{started}'\nexec sleep 300\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(fake))
    vault = write_vault(tmp_path / "v", {"A.md": "# A\n"})

    def explode(*args, **kwargs):  # once the index is being made
        deadline = time.monotonic() + 10
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.02)
        raise RuntimeError(f"{stage} failed")

    monkeypatch.setattr(cartel.build, stage, explode)
    with pytest.raises(RuntimeError):
        build_site(vault, tmp_path / "out", use_cache=False)
    deadline = time.monotonic() + 10
    while _running_children("sleep") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _running_children("sleep") == []


def _running_children(name: str) -> list[int]:
    """This process's children running `name` (zombies excluded)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "comm").read_text().strip()
        except OSError:
            continue
        if fields[1] == str(os.getpid()) and fields[0] != "Z" and command == name:
            found.append(int(stat.parent.name))
    return found


def test_next_build_clears_what_a_killed_build_left_and_nothing_else(tmp_path):
    vault = write_vault(tmp_path / "v", {"A.md": "# A\n"})
    out = tmp_path / "out"
    build_site(vault, out)
    (tmp_path / ".out.tmp-killedbeforemarker").mkdir()          # killed between mkdtemp and the marker
    marked = tmp_path / ".out.old-4242"                         # killed after the swap, in the removal
    shutil.copytree(out, marked)
    shutil.rmtree(marked / "a")
    foreign = tmp_path / ".out.tmp-not-ours"                    # same name pattern, someone else's files
    foreign.mkdir()
    (foreign / "mine.txt").write_text("à garder", encoding="utf-8")
    build_site(vault, out)                                      # nothing changed: no new staging either
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.tmp-not-ours", "out", "v"]
    assert (foreign / "mine.txt").read_text(encoding="utf-8") == "à garder"


def test_output_that_is_the_vault_is_refused(tmp_path):
    vault = write_vault(tmp_path / "v", {"A.md": "# A\n"})
    with pytest.raises(OutputRefused):
        build_site(vault, vault)
    with pytest.raises(OutputRefused):
        build_site(vault, tmp_path)
    assert (vault / "A.md").read_text(encoding="utf-8") == "# A\n"


def test_non_empty_folder_not_made_by_cartel_is_refused(tmp_path):
    vault = write_vault(tmp_path / "v", {"A.md": "# A\n"})
    precious = write_vault(tmp_path / "docs", {"mine.txt": "à garder"})
    runner = CliRunner()
    result = runner.invoke(main, ["build", str(vault), "-o", str(precious)], env={"COLUMNS": "60"})
    assert result.exit_code == 2
    [message] = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert "not created by cartel" in message and message.endswith("choose an empty or new folder")  # one line, uncut
    assert (precious / "mine.txt").read_text(encoding="utf-8") == "à garder"
    build_site(vault, tmp_path / "fresh")
    assert (tmp_path / "fresh" / MARKER).is_file()
    build_site(vault, tmp_path / "fresh")  # a folder cartel made is replaced


def test_exit_codes_and_strict(tmp_path):
    runner = CliRunner()
    good = write_vault(tmp_path / "good", {"A.md": "# A\n"})
    warned = write_vault(tmp_path / "warned", {"A.md": "# A\n[[Absente]]\n"})
    assert runner.invoke(main, ["build", str(good)]).exit_code == 0
    assert runner.invoke(main, ["build", str(warned)]).exit_code == 0
    strict = runner.invoke(main, ["build", str(warned), "--strict"])
    assert strict.exit_code == 1
    assert "A.md:2:1: warning[link-unresolved]" in strict.output
    assert re.search(r"\d+ pages written to .*, 1 warning, 0 errors, [\d.]+ s", strict.output)
    assert runner.invoke(main, ["build", str(tmp_path / "missing")]).exit_code == 2
    assert runner.invoke(main, ["frobnicate"]).exit_code == 2


def test_version_and_help():
    runner = CliRunner()
    assert runner.invoke(main, ["--version"]).output.startswith("cartel, version ")
    help_text = runner.invoke(main, ["--help"]).output
    for command in ("build", "new"):
        assert re.search(rf"^  {command}\s+\S", help_text, re.M)


def test_new_vault_builds_clean(tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["new", str(tmp_path / "site")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "site" / "cartel.toml").is_file()
    assert (tmp_path / "site" / "Modèles" / "Question.md").is_file()
    assert (tmp_path / "site" / "Modèles" / "Ressource.md").is_file()
    notes = [p for p in (tmp_path / "site").rglob("*.md") if "Modèles" not in p.parts]
    assert len(notes) == 3
    ignored = (tmp_path / "site" / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "_site/" in ignored and ".cartel-cache/" in ignored  # what cartel writes stays out of the editors' history
    built = build_site(tmp_path / "site", tmp_path / "out")
    assert built.diagnostics == ()
    assert not (tmp_path / "out" / ".gitignore").exists()
    again = runner.invoke(main, ["new", str(tmp_path / "site")])
    assert again.exit_code == 2


def test_new_prints_commands_that_work_when_pasted_into_a_shell(tmp_path):
    import shlex
    import subprocess
    import sys

    folder = tmp_path / "Mon site d'essai"
    result = CliRunner().invoke(main, ["new", str(folder)])
    assert result.exit_code == 0 and str(folder) in result.output.splitlines()[0]
    build = next(line.split(":  ", 1)[1].strip() for line in result.output.splitlines() if "build the site" in line)
    assert shlex.split(build) == ["cartel", "build", str(folder)]
    shell = subprocess.run(["sh", "-c", build.replace("cartel", f"{shlex.quote(sys.executable)} -m cartel", 1)],
                           capture_output=True, text=True, timeout=120)
    assert shell.returncode == 0, shell.stderr
    assert (folder / "_site" / "index.html").is_file()


def test_assets_are_copied_and_cartel_toml_is_not(tmp_path):
    vault = write_vault(tmp_path / "v", {"cartel.toml": "[site]\ntitle = 'T'\n", "A.md": "![[Photo du musée.PNG|Une salle]]\n",
                                         "img/Photo du musée.PNG": b"\x89PNG fake"})
    build_site(vault, tmp_path / "out")
    assert (tmp_path / "out" / "img" / "photo-du-musee.png").read_bytes() == b"\x89PNG fake"
    assert not (tmp_path / "out" / "cartel.toml").exists()
    assert '<img src="/img/photo-du-musee.png" alt="Une salle"' in (tmp_path / "out" / "a" / "index.html").read_text()


def test_bad_build_numbers_in_the_config_are_reported_and_defaults_used(tmp_path):
    vault = write_vault(tmp_path / "v", {"cartel.toml": '[build]\nmax_embed_depth = "deux"\nsearch_shard_size = 0\n',
                                         "A.md": "# A\n\n![[B]]\n", "B.md": "# B\n\nTexte repris.\n"})
    result = build_site(vault, tmp_path / "out", use_cache=False)
    assert sorted(d.message for d in result.diagnostics if d.rule == "config-invalid") == [
        "[build] max_embed_depth = 'deux' is not valid; the default (5) is used",
        "[build] search_shard_size = 0 is not valid; the default (5000) is used"]
    assert "Texte repris." in (tmp_path / "out" / "a" / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("raw, position, message", [
    (b'[site]\ntitle = "x\n', (2, 11), "cartel.toml cannot be read: Illegal character"),
    (b"[site\n", (1, 6), "cartel.toml cannot be read: Expected ']'"),
    (b"a = 1\n\nb = [1,\n", (3, 1), "cartel.toml cannot be read: Invalid value (at end of document)"),
    (b'[site]\ntitle = "caf\xe9"\n', (2, 13), "cartel.toml is not UTF-8"),
    (b'\xef\xbb\xbf[site]\ntitle = "caf\xe9"\n', (2, 13), "cartel.toml is not UTF-8"),
])
def test_an_unreadable_config_is_reported_where_it_goes_wrong(tmp_path, raw, position, message):
    from cartel.config import load_config

    vault = write_vault(tmp_path / "v", {"cartel.toml": raw})
    [problem] = load_config(vault).diagnostics
    assert (problem.path, problem.rule, (problem.line, problem.column)) == ("cartel.toml", "config-invalid", position)
    assert problem.message.startswith(message)
    assert ("UTF-8" in problem.hint) == ("UTF-8" in message)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["[site]", "title = 'T'", 'title = "', "[", "a = [1,", "= 2", "x = 1", "é", "café = <latin-1>",
                                 "\t", "", "[[t]]", "b = {", "c = 1979-05-27"]), max_size=8))
def test_a_config_that_cannot_be_read_is_reported_on_one_of_its_lines(tmp_path_factory, lines):
    from cartel.config import load_config

    raw = "\n".join(lines).encode("utf-8").replace(b"<latin-1>", "é".encode("latin-1"))  # a byte that is not UTF-8
    vault = write_vault(tmp_path_factory.mktemp("v"), {"cartel.toml": raw})
    for problem in (d for d in load_config(vault).diagnostics if d.message.startswith(("cartel.toml cannot be read", "cartel.toml is not UTF-8"))):
        assert 1 <= problem.line <= max(len(lines), 1)
        written = raw.split(b"\n")[problem.line - 1].decode("utf-8", "replace")
        assert 1 <= problem.column <= len(written) + 1


def test_config_problems_point_at_the_line_that_sets_the_value(tmp_path):
    from cartel.check import check_vault

    toml = ('[site]\ntitle = "T"\n\n[check]\ndisable = ["nope"]\nfoo = 1\n[check.severity]\nlink-unresolved = "grave"\n'
            '[build]\nfeed_entries = -1\n[types]\n"Q" = "quiz"\n[[directory]]\ntitle = "x"\n[[directory]]\n'
            'source = "absent.csv"\n[extra]\n')
    vault = write_vault(tmp_path / "v", {"cartel.toml": toml, "A.md": "# A\n"})
    found = {(d.rule, d.line) for d in check_vault(vault, use_cache=False).diagnostics if d.path == "cartel.toml"}
    assert found == {("config-unknown-rule", 5), ("config-unknown-key", 6), ("config-invalid", 8), ("config-invalid", 10),
                     ("config-invalid", 12), ("config-invalid", 13), ("directory-missing", 16), ("config-unknown-key", 17)}


@pytest.mark.parametrize("written, kept, problem", [
    ("https://musees.example.org/", "https://musees.example.org", None),
    ("http://localhost:8000", "http://localhost:8000", None),
    ("musees.example.org", "", "is not a web site's address"),
    ("https://example.org/musees/", "", "has a path"),
    ("https://musees example.org", "", "is not a web site's address"),
])
def test_base_url_is_the_root_of_a_web_site_or_nothing_absolute_is_written(tmp_path, written, kept, problem):
    vault = write_vault(tmp_path / "v", {"cartel.toml": f'[site]\n\nbase_url = "{written}"\n', "A.md": "# A\n\nTexte.\n"})
    result = build_site(vault, tmp_path / "out", use_cache=False)
    found = [d for d in result.diagnostics if d.rule == "config-invalid"]
    assert [(d.line, problem in d.message) for d in found] == ([(3, True)] if problem else [])
    sitemap = (tmp_path / "out" / "sitemap.xml").read_text(encoding="utf-8")
    assert f"<loc>{kept}/a/</loc>" in sitemap
    assert (f'<link rel="canonical" href="{kept}/a/">' in (tmp_path / "out" / "a" / "index.html").read_text()) == bool(kept)


def test_build_reports_bad_check_settings_as_check_does(tmp_path):
    from cartel.check import check_vault

    vault = write_vault(tmp_path / "v", {"cartel.toml": '[check]\ndisable = ["nope"]\n[check.severity]\nlink-unresolved = "grave"\n',
                                         "A.md": "# A\n\nVoir [[Absente]].\n"})
    built = {(d.rule, d.message) for d in build_site(vault, tmp_path / "out", use_cache=False).diagnostics
             if d.rule.startswith("config-")}
    checked = {(d.rule, d.message) for d in check_vault(vault, use_cache=False).diagnostics if d.rule.startswith("config-")}
    assert built == checked and {rule for rule, _ in built} == {"config-invalid", "config-unknown-rule"}


def test_the_notes_bytes_and_text_are_let_go_once_parsed(tmp_path, monkeypatch):
    import gc
    import weakref

    vault = write_vault(tmp_path / "v", {"A.md": "# A\n\nUn texte.\n", "B.md": "# B\n\n[[A]]\n"})
    sources: list[weakref.ref] = []
    alive_at_link: list[str] = []
    real_scan, real_link = cartel.build.scan_vault, cartel.build.link_site

    def scan(*args):
        scanned = real_scan(*args)
        sources.extend(weakref.ref(s) for s in scanned.sources if s.kind == "note")
        return scanned

    def link(*args):
        gc.collect()
        alive_at_link.extend(ref().path for ref in sources if ref() is not None)
        return real_link(*args)

    monkeypatch.setattr(cartel.build, "scan_vault", scan)
    monkeypatch.setattr(cartel.build, "link_site", link)
    build_site(vault, tmp_path / "out", use_cache=False)
    assert len(sources) == 2
    assert alive_at_link == []  # a 100,000-note vault's text is 1 GB in memory


def test_each_page_is_let_go_once_written(tmp_path, monkeypatch):
    import gc
    import weakref

    vault = write_vault(tmp_path / "v", {f"N{i}.md": f"# Note {i}\n\nVoir [[N{(i + 1) % 6}]].\n" for i in range(6)})
    pages: list[weakref.ref] = []
    alive_when_rendered: list[int] = []
    real_iter_pages = cartel.build.iter_pages

    def iter_pages(*args, **kwargs):
        for page in real_iter_pages(*args, **kwargs):
            gc.collect()
            alive_when_rendered.append(sum(1 for ref in pages if ref() is not None))
            pages.append(weakref.ref(page))
            yield page

    monkeypatch.setattr(cartel.build, "iter_pages", iter_pages)
    built = build_site(vault, tmp_path / "out", use_cache=False)
    assert len(pages) == built.pages > 6
    # When a page is rendered, the one before it may still be held, never more: a site's HTML is not all in memory.
    assert max(alive_when_rendered) <= 1
    assert (tmp_path / "out" / "n5" / "index.html").read_text(encoding="utf-8").count("Note 5") >= 1


def test_scan_keeps_a_notes_bytes_not_its_text(tmp_path):
    from cartel.config import load_config
    from cartel.scan import scan_vault, source_text

    vault = write_vault(tmp_path / "v", {"Vieux.md": "# Café à l'été\r\n".encode("cp1252"), "a.csv": "nom\nMusée\n"})
    sources = {s.path: s for s in scan_vault(load_config(vault)).sources}
    assert sources["Vieux.md"].text == "" and sources["Vieux.md"].data
    assert source_text(sources["Vieux.md"]) == "# Café à l'été\n"  # decoded as scan decodes: cp1252, line ends
    assert sources["a.csv"].text == source_text(sources["a.csv"]) == "nom\nMusée\n"


def test_a_vault_built_with_packed_notes_is_the_same_site(tmp_path, monkeypatch):
    from cartel.parse.packed import PackedBody

    vault = tmp_path / "demo"
    shutil.copytree(DEMO, vault, ignore=shutil.ignore_patterns(".cartel-cache", "_site"))
    build_site(vault, tmp_path / "held", use_cache=False)
    config = vault / "cartel.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n[build]\npack_notes_from = 1\n", encoding="utf-8")
    bodies: list[type] = []
    real_link = cartel.build.link_site

    def link(notes, *args):
        bodies.extend(type(note.body) for note in notes)
        return real_link(notes, *args)

    monkeypatch.setattr(cartel.build, "link_site", link)
    packed = build_site(vault, tmp_path / "packed", use_cache=False)
    assert set(bodies) == {PackedBody} and len(bodies) > 20
    assert not [d for d in packed.diagnostics if d.path == "cartel.toml"]
    assert tree_bytes(tmp_path / "packed") == tree_bytes(tmp_path / "held")
    for attempt in ("first", "again"):  # with the build cache: notes parsed, then notes read from the cache
        bodies.clear()
        build_site(vault, tmp_path / attempt)
        assert set(bodies) == {PackedBody} and len(bodies) > 20
        assert tree_bytes(tmp_path / attempt) == tree_bytes(tmp_path / "held")


def test_the_cache_stores_notes_as_the_build_keeps_them_whoever_parsed_them(tmp_path):
    from cartel.cache import open_cache
    from cartel.config import load_config
    from cartel.parse.markdown import Body
    from cartel.parse.packed import PackedBody

    def stored_bodies(vault: Path) -> set[type]:
        store = open_cache(vault, load_config(vault)).store
        try:
            return {type(store.load("parse", name).body) for name in store.names("parse")}
        finally:
            store.close()

    vault = tmp_path / "demo"
    shutil.copytree(DEMO, vault, ignore=shutil.ignore_patterns(".cartel-cache", "_site"))
    cartel.build.load_site(vault, use_cache=True)  # as `cartel check` parses: notes kept as parsed
    assert stored_bodies(vault) == {Body}
    config = vault / "cartel.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n[build]\npack_notes_from = 1\n", encoding="utf-8")
    _, _, site = cartel.build.load_site(vault, use_cache=True)
    assert {type(note.body) for note in site.notes} == {Body}  # check still reads them as parsed
    assert stored_bodies(vault) == {PackedBody}  # the build that comes next loads them packed
    build_site(vault, tmp_path / "from-check")
    build_site(vault, tmp_path / "clean", use_cache=False)
    assert tree_bytes(tmp_path / "from-check") == tree_bytes(tmp_path / "clean")


def test_a_build_gives_the_heap_back_to_the_collector_and_leaves_a_caller_s_freeze_alone(tmp_path, monkeypatch):
    import gc

    vault = write_vault(tmp_path / "vault", {"a.md": "# A\n\nVoir [[b]].\n", "b.md": "# B\n"})
    frozen_during: list[int] = []
    real_link = cartel.build.link_site
    monkeypatch.setattr(cartel.build, "link_site", lambda *a: frozen_during.append(gc.get_freeze_count()) or real_link(*a))
    gc.unfreeze()
    build_site(vault, tmp_path / "one", use_cache=False)
    assert frozen_during[-1] > 0  # the parsed notes were left alone while the site was linked
    assert gc.get_freeze_count() == 0
    gc.freeze()  # a caller's own freeze
    try:
        before = gc.get_freeze_count()
        build_site(vault, tmp_path / "two", use_cache=False)
        # nothing more frozen (a frozen object that died meanwhile leaves the count)
        assert frozen_during[-1] <= before and gc.get_freeze_count() <= before
    finally:
        gc.unfreeze()
    assert tree_bytes(tmp_path / "one") == tree_bytes(tmp_path / "two")


def test_check_holds_its_notes_as_a_build_does_and_gives_the_collector_back(tmp_path, monkeypatch):
    import gc

    from cartel.check import check_vault

    vault = write_vault(tmp_path / "vault", {"a.md": "# A\n\nVoir [[b]] et [[manque]].\n", "b.md": "# B\n"})
    seen: list[tuple[int, tuple[int, ...]]] = []
    real_link = cartel.build.link_site
    monkeypatch.setattr(cartel.build, "link_site", lambda *a: seen.append((gc.get_freeze_count(), gc.get_threshold())) or real_link(*a))
    gc.unfreeze()
    thresholds = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    try:
        result = check_vault(vault, use_cache=False)
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*thresholds)
    assert seen[-1][0] > 0 and seen[-1][1] == cartel.COLLECTOR_THRESHOLDS  # the notes were left alone
    assert gc.get_freeze_count() == 0
    assert [d.rule for d in result.diagnostics if d.path == "a.md"] == ["link-unresolved"]


def test_a_build_s_heap_settles_every_so_many_notes_kept_with_the_command_s_collector():
    import gc

    gc.unfreeze()
    thresholds = gc.get_threshold()
    gc.set_threshold(700, 10, 10)  # Python's own, as a caller from Python has them
    with cartel.build.LongLivedHeap() as heap:
        assert gc.get_threshold() == cartel.COLLECTOR_THRESHOLDS
        keep = heap.settling(lambda note: ("kept", note), every=2)
        assert keep("a") == ("kept", "a") and gc.get_freeze_count() == 0
        assert keep("b") == ("kept", "b") and gc.get_freeze_count() > 0  # the second note kept settles the heap
    assert gc.get_freeze_count() == 0 and gc.get_threshold() == (700, 10, 10)  # all given back at the end
    gc.freeze()  # a caller's own freeze: nothing more is frozen, and the collector is left as it is
    try:
        before = gc.get_freeze_count()
        with cartel.build.LongLivedHeap() as heap:
            keep = heap.settling(lambda note: note, every=1)
            assert [keep(n) for n in range(3)] == [0, 1, 2] and gc.get_freeze_count() <= before
            assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.unfreeze()
    gc.set_threshold(0)  # a caller that turned automatic collection off
    try:
        with cartel.build.LongLivedHeap() as heap:
            heap.settled()
            assert gc.get_threshold()[0] == 0 and gc.get_freeze_count() == 0
    finally:
        gc.set_threshold(*thresholds)
