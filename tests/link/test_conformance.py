"""Link-resolution conformance table: Obsidian's rules, case by case.

Each case is one note, placed in a folder of the shared layout below, whose
body is one link. The built page must point where the table says (or show
the link as unresolved / draft text), and the link stage must report it.
"""

from __future__ import annotations

import re
import unicodedata

import pytest

from cartel.build import build_site
from tests.conftest import write_vault

LAYOUT = {
    "Notes/Alpha.md": "# Alpha\n\nTexte.\n\n## Première section\n\nUn paragraphe à citer. ^bloc1\n\n## Deuxième\n\nFin.\n",
    "Notes/Sub/Beta.md": "# Beta (Notes/Sub)\n",
    "Notes/Zeta.md": "# Zeta (Notes)\n",
    "Autre/Beta.md": "# Beta (Autre)\n",
    "Autre/Gamma.md": "# Gamma\n",
    "Café crème.md": "# Café crème\n",
    "Q&A.md": "# Questions et réponses\n",
    "L'apostrophe.md": "# L'apostrophe\n",
    "100% sûr.md": "# Cent pour cent\n",
    "Pourquoi ?.md": "# Pourquoi\n",
    "C# notes.md": "# Notes sur C#\n",
    unicodedata.normalize("NFD", "Théâtre.md"): "# Théâtre\n",
    "Deep/A/B/Delta.md": "# Delta profond\n",
    "Other/B/Delta.md": "# Delta court\n",
    "Zeta.md": "# Zeta (racine)\n",
    "X/Eta.md": "# Eta X\n",
    "Y/Eta.md": "# Eta Y\n",
    "Brouillon/Draft.md": "# Brouillon\n",
    "images/pic.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 16,
    "docs/file.pdf": b"%PDF-1.4\n%%EOF\n",
}

# (case id, folder of the linking note, link as written, expected href, or "unresolved" / "draft")
CASES = [
    ("plain", "Notes", "[[Alpha]]", "/notes/alpha/"),
    ("lower-case", "Notes", "[[alpha]]", "/notes/alpha/"),
    ("upper-case", "Notes", "[[ALPHA]]", "/notes/alpha/"),
    ("trailing-md", "Notes", "[[Alpha.md]]", "/notes/alpha/"),
    ("spaces-inside", "Notes", "[[ Alpha ]]", "/notes/alpha/"),
    ("alias-text", "Notes", "[[Alpha|un autre texte]]", "/notes/alpha/"),
    ("heading", "Notes", "[[Alpha#Première section]]", "/notes/alpha/#premiere-section"),
    ("heading-other-case", "Notes", "[[Alpha#première SECTION]]", "/notes/alpha/#premiere-section"),
    ("heading-and-alias", "Notes", "[[Alpha#Deuxième|la suite]]", "/notes/alpha/#deuxieme"),
    ("block", "Notes", "[[Alpha#^bloc1]]", "/notes/alpha/#^bloc1"),
    ("missing-heading", "Notes", "[[Alpha#Absente]]", "/notes/alpha/"),
    ("same-note-heading", "Notes", "[[#Locale]]\n\n## Locale\n", "#locale"),
    ("accents", "", "[[Café crème]]", "/cafe-creme/"),
    ("accents-upper", "", "[[CAFÉ CRÈME]]", "/cafe-creme/"),
    ("accents-nfd-link", "", unicodedata.normalize("NFD", "[[Café crème]]"), "/cafe-creme/"),
    ("nfd-file-name", "", "[[Théâtre]]", "/theatre/"),
    ("accents-stripped-is-other-name", "", "[[Cafe creme]]", "unresolved"),
    ("ampersand", "", "[[Q&A]]", "/q-a/"),
    ("apostrophe", "", "[[L'apostrophe]]", "/l-apostrophe/"),
    ("percent", "", "[[100% sûr]]", "/100-sur/"),
    ("question-mark", "", "[[Pourquoi ?]]", "/pourquoi/"),
    ("hash-in-name", "", "[[C# notes]]", "/c-notes/"),
    ("shortest-path-wins", "Notes", "[[Beta]]", "/autre/beta/"),
    ("same-folder-wins", "Autre", "[[Beta]]", "/autre/beta/"),
    ("same-folder-wins-deep", "Notes/Sub", "[[Beta]]", "/notes/sub/beta/"),
    ("path-suffix", "", "[[Sub/Beta]]", "/notes/sub/beta/"),
    ("full-path", "", "[[Notes/Sub/Beta]]", "/notes/sub/beta/"),
    ("full-path-lower", "", "[[notes/sub/beta]]", "/notes/sub/beta/"),
    ("other-folder-path", "Notes", "[[Autre/Beta]]", "/autre/beta/"),
    ("path-suffix-deep", "", "[[A/B/Delta]]", "/deep/a/b/delta/"),
    ("path-suffix-shortest", "", "[[B/Delta]]", "/other/b/delta/"),
    ("root-same-folder", "", "[[Zeta]]", "/zeta/"),
    ("sub-same-folder", "Notes", "[[Zeta]]", "/notes/zeta/"),
    ("tie-is-reported", "", "[[Eta]]", "/x/eta/"),
    ("draft", "", "[[Draft]]", "draft"),
    ("unresolved", "", "[[Nulle part]]", "unresolved"),
    ("unresolved-alias", "Notes", "[[Nulle part|texte]]", "unresolved"),
    ("escape-attempt", "Notes", "[[../../etc/passwd]]", "unresolved"),
    ("image-embed", "Notes", "![[pic.png]]", "/images/pic.png"),
    ("pdf-link", "Notes", "[[file.pdf]]", "/docs/file.pdf"),
    ("md-relative", "Notes", "[texte](Alpha.md)", "/notes/alpha/"),
    ("md-parent", "Notes/Sub", "[texte](../Alpha.md)", "/notes/alpha/"),
    ("md-percent-encoded", "", "[texte](Q%26A.md)", "/q-a/"),
    ("md-vault-rooted", "Notes", "[image](/images/pic.png)", "/images/pic.png"),
    ("md-image-vault-rooted", "Notes", "![un schéma](/images/pic.png)", "/images/pic.png"),
    ("md-heading", "Notes", "[texte](<Alpha.md#Première section>)", "/notes/alpha/#premiere-section"),
    ("md-escape-attempt", "Notes", "[texte](../../../etc/passwd)", "unresolved"),
    ("external-untouched", "Notes", "[site](https://example.org/a?b=1)", "https://example.org/a?b=1"),
]

EXPECTED_DIAGNOSTICS = {
    "missing-heading": "link-anchor-missing",
    "accents-stripped-is-other-name": "link-unresolved",
    "tie-is-reported": "link-ambiguous",
    "draft": "link-draft",
    "unresolved": "link-unresolved",
    "unresolved-alias": "link-unresolved",
    "escape-attempt": "link-unresolved",
    "md-escape-attempt": "link-unresolved",
}

FIRST_TARGET = re.compile(r'<(?:a|img)\b[^>]*?(?:href|src)="([^"]+)"|<figure class="pdf"><object data="([^"]+)"'
                          r'|<span class="(unresolved|draft-link)"')


def _case_path(case_id: str, folder: str) -> str:
    return f"{folder}/case-{case_id}.md" if folder else f"case-{case_id}.md"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("conformance")
    files = dict(LAYOUT)
    for case_id, folder, link, _ in CASES:
        files[_case_path(case_id, folder)] = f"# Cas {case_id}\n\n{link}\n"
    vault = write_vault(root / "vault", files)
    result = build_site(vault, root / "out")
    return root / "out", result


def test_table_has_at_least_forty_cases():
    assert len(CASES) >= 40
    assert len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case_id,folder,link,expected", CASES, ids=[c[0] for c in CASES])
def test_link_resolves_as_obsidian_does(built, case_id, folder, link, expected):
    out, result = built
    url = "/" + "/".join(
        __import__("cartel.slug", fromlist=["slugify"]).slugify(p) for p in _case_path(case_id, folder)[:-3].split("/")) + "/"
    html = (out / url.strip("/") / "index.html").read_text(encoding="utf-8")
    body = html.split('<div class="note-body">', 1)[1]
    body = body.split("</h1>", 1)[1]  # skip the case's own heading
    match = FIRST_TARGET.search(body)
    assert match, f"no link rendered in {body[:300]}"
    href, pdf, span = match.groups()
    if expected == "unresolved":
        assert span == "unresolved"
    elif expected == "draft":
        assert span == "draft-link"
    else:
        assert (href or pdf) == expected.replace("&", "&amp;")


@pytest.mark.parametrize("case_id,rule", sorted(EXPECTED_DIAGNOSTICS.items()))
def test_problem_cases_are_reported(built, case_id, rule):
    _, result = built
    folder = next(c[1] for c in CASES if c[0] == case_id)
    path = _case_path(case_id, folder)
    found = [d for d in result.diagnostics if d.path == path]
    assert [d.rule for d in found] == [rule]
    assert found[0].line == 3 and found[0].hint


def test_clean_cases_report_nothing(built):
    _, result = built
    noisy = {_case_path(c[0], c[1]) for c in CASES if c[0] not in EXPECTED_DIAGNOSTICS}
    assert [d for d in result.diagnostics if d.path in noisy] == []
