"""The Atom feed, sitemap, robots.txt and sharing tags."""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from cartel.build import build_site
from cartel.feed import parse_git_log
from tests.conftest import write_vault

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
TOML = '[site]\ntitle = "Réseau des musées"\nbase_url = "https://musees.example.org"\nimage = "/images/partage.png"\n'


def entries(output) -> list[tuple[str, str | None]]:
    root = ET.fromstring((output / "feed.xml").read_bytes())
    return [(e.findtext(f"{ATOM}title"), e.findtext(f"{ATOM}updated")) for e in root.findall(f"{ATOM}entry")]


def test_feed_lists_questions_and_resources_newest_first_undated_last(build_vault):
    built = build_vault({
        "cartel.toml": TOML,
        "Ancienne.md": "---\ntags: question\ndate: 2021-03-02\n---\n# Ancienne question?\n\nUne réponse brève.\n",
        "Récente.md": "---\ntags: ressource\ndate: 2024-11-20\n---\n# Ressource récente\n\nUn rapport de l'année.\n",
        "Sans date.md": "---\ntags: question\n---\n# Question sans date?\n\nRéponse.\n",
        "Page.md": "---\ndate: 2025-01-01\n---\n# Une page\n",
    })
    assert entries(built.output) == [("Ressource récente", "2024-11-20T00:00:00Z"),
                                     ("Ancienne question?", "2021-03-02T00:00:00Z"),
                                     ("Question sans date?", None)]
    root = ET.fromstring((built.output / "feed.xml").read_bytes())
    assert root.findtext(f"{ATOM}updated") == "2024-11-20T00:00:00Z"
    first = root.find(f"{ATOM}entry")
    assert first.find(f"{ATOM}link").get("href") == "https://musees.example.org/recente/"
    assert first.findtext(f"{ATOM}summary") == "Un rapport de l'année."
    assert first.findtext(f"{ATOM}id") == "https://musees.example.org/recente/"


def dated_questions(count: int) -> dict[str, str]:
    """`count` questions dated a day apart, `Q000` the oldest."""
    first = datetime.date(2024, 1, 1)
    return {f"Q{i:03}.md": f"---\ntags: question\ndate: {first + datetime.timedelta(days=i)}\n---\n# Question {i:03}?\n\nRéponse.\n"
            for i in range(count)}


def test_the_feed_keeps_its_50_newest_entries_by_default(build_vault):
    built = build_vault({"cartel.toml": TOML, **dated_questions(52)})
    assert [title for title, _ in entries(built.output)] == [f"Question {i:03}?" for i in range(51, 1, -1)]


def test_feed_entries_sets_how_many_the_feed_keeps_and_0_keeps_all(build_vault):
    notes = {"Ancienne.md": "---\ntags: question\ndate: 2021-03-02\n---\n# Ancienne question?\n\nRéponse.\n",
             "Récente.md": "---\ntags: ressource\ndate: 2024-11-20\n---\n# Ressource récente\n\nUn rapport.\n",
             "Sans date.md": "---\ntags: question\n---\n# Question sans date?\n\nRéponse.\n"}
    one = build_vault({"cartel.toml": TOML + "[build]\nfeed_entries = 1\n", **notes}, "one")
    assert entries(one.output) == [("Ressource récente", "2024-11-20T00:00:00Z")]
    every = build_vault({"cartel.toml": TOML + "[build]\nfeed_entries = 0\n", **notes}, "every")
    assert [title for title, _ in entries(every.output)] == ["Ressource récente", "Ancienne question?", "Question sans date?"]
    wrong = build_vault({"cartel.toml": TOML + "[build]\nfeed_entries = -3\n", **notes}, "wrong")
    assert [d.message for d in wrong.result.diagnostics if d.rule == "config-invalid"] == [
        "[build] feed_entries = -3 is not valid; the default (50) is used"]
    assert len(entries(wrong.output)) == 3


def git(vault, *args, date: str):
    env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date, "GIT_AUTHOR_NAME": "Éditrice",
           "GIT_AUTHOR_EMAIL": "e@example.org", "GIT_COMMITTER_NAME": "Éditrice", "GIT_COMMITTER_EMAIL": "e@example.org",
           "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(vault)}
    subprocess.run(["git", *args], cwd=vault, env=env, check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_undated_notes_take_the_date_of_their_first_commit(tmp_path):
    vault = write_vault(tmp_path / "vault", {
        "cartel.toml": TOML,
        "Questions/Première.md": "---\ntags: question\n---\n# Première question?\n\nRéponse.\n",
    })
    git(vault, "init", "-q", date="2022-01-10T09:00:00+01:00")
    git(vault, "add", ".", date="2022-01-10T09:00:00+01:00")
    git(vault, "commit", "-q", "-m", "premier", date="2022-01-10T09:00:00+01:00")
    (vault / "Questions" / "Première.md").write_text("---\ntags: question\n---\n# Première question?\n\nRéponse revue.\n",
                                                    encoding="utf-8")
    (vault / "Questions" / "Seconde.md").write_text("---\ntags: question\n---\n# Seconde question?\n\nRéponse.\n",
                                                   encoding="utf-8")
    git(vault, "add", ".", date="2023-06-01T12:00:00+02:00")
    git(vault, "commit", "-q", "-m", "second", date="2023-06-01T12:00:00+02:00")
    (vault / "Questions" / "Pas encore commise.md").write_text("---\ntags: question\n---\n# Brouillon?\n\nRéponse.\n",
                                                              encoding="utf-8")
    build_site(vault, tmp_path / "out")
    assert entries(tmp_path / "out") == [("Seconde question?", "2023-06-01T10:00:00Z"),
                                         ("Première question?", "2022-01-10T08:00:00Z"),  # first commit, not the last
                                         ("Brouillon?", None)]
    git(vault, "add", ".", date="2024-02-03T08:00:00+01:00")   # the history read at the last HEAD is not reused
    git(vault, "commit", "-q", "-m", "troisième", date="2024-02-03T08:00:00+01:00")
    build_site(vault, tmp_path / "out")                        # no file changed, but the commit dates the draft
    assert entries(tmp_path / "out")[0] == ("Brouillon?", "2024-02-03T07:00:00Z")


def test_git_log_parsing_keeps_the_oldest_date_and_nfc_names():
    output = ("\x012024-05-01T10:00:00+02:00\x00\nA.md\x00\x01"
              "2020-01-01T00:00:00+00:00\x00\nA.md\x00Cafe\u0301.md\x00").encode()
    assert parse_git_log(output) == {"A.md": "2020-01-01T00:00:00+00:00", "Café.md": "2020-01-01T00:00:00+00:00"}


def test_without_git_or_base_url_the_feed_still_builds(build_vault):
    built = build_vault({"Q.md": "---\ntags: question\n---\n# Q?\n\nRéponse.\n"})
    root = ET.fromstring((built.output / "feed.xml").read_bytes())
    assert root.find(f"{ATOM}entry").findtext(f"{ATOM}id") == "urn:cartel:q"
    html = built.html("/q/")
    assert 'rel="canonical"' not in html and "og:title" not in html          # sharing tags need base_url
    assert 'type="application/atom+xml"' in html


def test_sitemap_robots_canonical_and_sharing_tags(build_vault):
    built = build_vault({
        "cartel.toml": TOML,
        "images/partage.png": b"\x89PNG site",
        "images/vitrine.png": b"\x89PNG note",
        "Questions/Vitrines.md": ("---\ntags: question\ndate: 2023-04-05\n---\n# Comment éclairer une vitrine?\n\n"
                                  "Avec des sources froides, loin des objets & des textiles.\n\n![[vitrine.png|Une vitrine]]\n"),
        "Ressources/Guide.md": "---\ntags: ressource\n---\n# [Guide](https://guide.example.org)\n\nUn guide de l'éclairage muséal.\n",
    })
    sitemap = (built.output / "sitemap.xml").read_text(encoding="utf-8")
    assert "<loc>https://musees.example.org/questions/vitrines/</loc><lastmod>2023-04-05</lastmod>" in sitemap
    assert "404" not in sitemap
    assert "Sitemap: https://musees.example.org/sitemap.xml" in (built.output / "robots.txt").read_text()
    html = built.html("/questions/vitrines/")
    assert '<link rel="canonical" href="https://musees.example.org/questions/vitrines/">' in html
    assert '<meta property="og:description" content="Avec des sources froides, loin des objets &amp; des textiles.">' in html
    assert '<meta property="og:image" content="https://musees.example.org/images/vitrine.png">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    guide = built.html("/ressources/guide/")
    assert '<meta property="og:image" content="https://musees.example.org/images/partage.png">' in guide
    assert '<meta name="description" content="Un guide de l&#39;éclairage muséal.">' in guide
    assert (built.output / "_cartel" / "favicon.svg").is_file() and 'rel="icon"' in html


def test_a_sitemap_beyond_the_protocols_limit_becomes_an_index_of_sitemaps(build_vault):
    from cartel.build import load_site
    from cartel.emit import sitemaps
    from cartel.render import PageInfo

    built = build_vault({"cartel.toml": TOML, **dated_questions(5)})
    whole = ET.fromstring((built.output / "sitemap.xml").read_bytes())
    locs = [loc.text for loc in whole.iter(f"{SITEMAP}loc")]
    assert whole.tag == f"{SITEMAP}urlset" and len(locs) > 5
    _, _, site = load_site(built.vault)
    pages = tuple(PageInfo(loc.removeprefix("https://musees.example.org")) for loc in locs)
    files = sitemaps(site, pages, per_file=2)
    index = ET.fromstring(files["sitemap.xml"])
    parts = [loc.text for loc in index.iter(f"{SITEMAP}loc")]
    count = (len(locs) + 1) // 2
    assert index.tag == f"{SITEMAP}sitemapindex"
    assert parts == [f"https://musees.example.org/sitemap-{n}.xml" for n in range(1, count + 1)]
    assert sorted(files) == sorted(["sitemap.xml"] + [f"sitemap-{n}.xml" for n in range(1, count + 1)])
    held = [[loc.text for loc in ET.fromstring(files[f"sitemap-{n}.xml"]).iter(f"{SITEMAP}loc")] for n in range(1, count + 1)]
    assert all(len(urls) <= 2 for urls in held) and sum(held, []) == locs
    assert b"<lastmod>2024-01-01</lastmod>" in b"".join(files.values())
    assert sitemaps(site, pages)["sitemap.xml"] == (built.output / "sitemap.xml").read_bytes()
