"""CSV directories: BOM or not, `;` or `,`, bad rows reported with their CSV line, the page in static HTML."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from cartel.config import DirectoryConfig
from cartel.directory import normal_url, read_directory, sniff_delimiter

CONFIG = DirectoryConfig(source="_data/acteurs.csv", title="Annuaire des acteurs",
                         facets=("Canton", "Domaine 1", "Domaine 2"))
HEADER = "Nom;URL;Canton;Domaine 1;Domaine 2\n"


def read(text: str, config: DirectoryConfig = CONFIG):
    return read_directory(config, text, "_data/acteurs.csv")


def test_semicolons_with_bom_and_commas_without_read_the_same():
    rows_semicolon = "\ufeff" + HEADER + "Atelier Lumen;https://lumen.example.ch;Vaud;Éclairage;Scénographie\n"
    rows_comma = HEADER.replace(";", ",") + "Atelier Lumen,https://lumen.example.ch,Vaud,Éclairage,Scénographie\n"
    a, problems_a = read(rows_semicolon)
    b, problems_b = read(rows_comma)
    assert problems_a == problems_b == []
    assert a.columns == b.columns == ("Nom", "URL", "Canton", "Domaine 1", "Domaine 2")
    assert a.rows == b.rows
    assert a.rows[0].name == "Atelier Lumen" and a.rows[0].url == "https://lumen.example.ch" and a.rows[0].line == 2


def test_bad_rows_are_reported_with_their_csv_line():
    text = (HEADER
            + "Atelier Lumen;https://lumen.example.ch;Vaud;Éclairage;\n"     # line 2: fine
            + ";https://sans-nom.example.ch;Valais;Textile;\n"              # line 3: no name
            + "Musée du Rail;pas une adresse;Berne;Transports;\n"           # line 4: malformed URL
            + "\n"                                                          # line 5: blank, skipped
            + '"Fondation ""Les Charmilles""";https://charmilles.example.ch;"Genève\nrive droite";Jardins;\n'  # lines 6-7
            + "Trop court;https://court.example.ch\n"                       # line 8: too few fields
            + "Musée du Sel;www.sel.example.ch;Vaud;Sel;Mines;en trop\n")   # line 9: too many, URL without https
    directory, problems = read(text)
    found = sorted((d.line, d.rule) for d in problems)
    assert found == [(3, "directory-row-name"), (4, "directory-row-url"), (8, "directory-row-columns"),
                     (9, "directory-row-columns")]
    assert all(d.path == "_data/acteurs.csv" and d.hint for d in problems)
    names = [row.name for row in directory.rows]
    assert names == ["Atelier Lumen", "Musée du Rail", 'Fondation "Les Charmilles"', "Trop court", "Musée du Sel"]
    by_name = {row.name: row for row in directory.rows}
    assert by_name["Musée du Rail"].url == ""
    assert by_name['Fondation "Les Charmilles"'].line == 6
    assert by_name["Musée du Sel"].url == "https://www.sel.example.ch"
    assert by_name["Trop court"].cells == ("Trop court", "https://court.example.ch", "", "", "")


def test_numbered_facet_columns_make_one_facet():
    text = HEADER + "A;https://a.example.ch;Vaud;Textile;Papier\nB;https://b.example.ch;Jura;Papier;\n"
    directory, _ = read(text)
    assert [(f.label, f.columns, f.values) for f in directory.facets] == [
        ("Canton", (2,), ("Jura", "Vaud")), ("Domaine", (3, 4), ("Papier", "Textile"))]


def test_missing_columns_are_reported():
    directory, problems = read("Titre;Lien\nA;https://a.example.ch\n")
    assert directory is None
    assert [d.rule for d in problems] == ["directory-column-missing", "directory-column-missing"]
    _, facet_problems = read(HEADER.replace("Canton", "Région") + "A;https://a.example.ch;Vaud;X;Y\n")
    assert [d.rule for d in facet_problems] == ["directory-column-missing"] and "Canton" in facet_problems[0].message


def test_an_unclosed_quote_is_reported_on_its_line():
    directory, problems = read(HEADER + 'A;"https://a.example.ch;Vaud;X;Y\nB;https://b.example.ch;Vaud;X;Y\n')
    assert [row.name for row in directory.rows] == ["A"]
    columns = next(d for d in problems if d.rule == "directory-row-columns")
    assert columns.line == 2 and "quote" in columns.hint


def test_urls_that_are_not_web_addresses():
    assert normal_url("https://musee.example.ch/a?b=1") == "https://musee.example.ch/a?b=1"
    assert normal_url("www.musee.example.ch") == "https://www.musee.example.ch"
    for bad in ("javascript:alert(1)", "musee", "http://", "ftp://musee.example.ch", "https://exa mple.ch", "mailto:a@b.ch",
                "https://user@evil.example"):
        assert normal_url(bad) == "", bad


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12), min_size=3, max_size=3),
                max_size=6), st.sampled_from([";", ","]))
def test_any_quoted_csv_reads_back_with_line_numbers(rows, delimiter):
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(["Nom", "URL", "Canton"])
    writer.writerows(rows)
    config = DirectoryConfig(source="x.csv", facets=("Canton",))
    directory, problems = read_directory(config, buffer.getvalue(), "x.csv")
    assert sniff_delimiter(buffer.getvalue()) == delimiter
    named = [r for r in rows if " ".join(r[0].split()) and any(c.strip() for c in r)]
    assert [row.name for row in directory.rows] == [" ".join(r[0].split()) for r in named]
    lines = [row.line for row in directory.rows]
    assert lines == sorted(lines) and all(line >= 2 for line in lines)
    assert all(d.rule in ("directory-row-name", "directory-row-url") for d in problems)


def test_directory_page_is_a_full_static_table(build_vault):
    built = build_vault({
        "cartel.toml": ('[site]\ntitle = "Musées du Jura"\n\n[[directory]]\nsource = "_data/acteurs.csv"\n'
                        'title = "Annuaire des acteurs"\nfacets = ["Canton", "Domaine 1", "Domaine 2"]\n'),
        "index.md": "# Accueil\n",
        "_data/acteurs.csv": ("\ufeff" + HEADER + "Atelier Lumen;https://lumen.example.ch;Vaud;Éclairage;Scénographie\n"
                              "Musée <du> Rail;pas une adresse;Berne;Transports;\n;https://x.example.ch;Jura;;\n").encode("utf-8"),
    })
    html = built.html("/annuaire/")
    assert '<a href="https://lumen.example.ch">Atelier Lumen</a>' in html
    assert "Musée &lt;du&gt; Rail" in html and "pas une adresse" not in html.split("<tbody>")[1].split("</tbody>")[0]
    assert len(re.findall(r"<tr[ >]", html.split("<tbody>")[1])) == 2      # the nameless row is left out
    assert 'data-f1="Éclairage|Scénographie"' in html                      # both numbered columns in one facet
    assert '<th scope="col">Domaine</th>' in html and "Éclairage, Scénographie" in html
    assert 'id="directory-tools" hidden' in html                           # controls appear with JavaScript only
    assert '<script src="/_cartel/directory.js" defer></script>' in html
    assert [(d.line, d.rule) for d in built.result.diagnostics if d.path == "_data/acteurs.csv"] == [
        (3, "directory-row-url"), (4, "directory-row-name")]
    assert 'href="/annuaire/"' in built.html("/")                           # in the menu


def test_a_declared_csv_that_is_missing_is_reported_the_default_is_not(build_vault):
    declared = build_vault({"cartel.toml": '[[directory]]\nsource = "_data/membres.csv"\n', "A.md": "# A\n"}, "declared")
    assert [d.rule for d in declared.result.diagnostics] == ["directory-missing"]
    default = build_vault({"A.md": "# A\n"}, "default")
    assert default.result.diagnostics == ()
    assert not (default.output / "annuaire").exists() and 'href="/annuaire/"' not in default.html("/a/")


def test_two_directories_get_two_pages(build_vault):
    built = build_vault({
        "cartel.toml": ('[[directory]]\nsource = "a.csv"\ntitle = "Musées"\n\n'
                        '[[directory]]\nsource = "b.csv"\ntitle = "Prestataires"\n'),
        "a.csv": "Nom;URL\nMusée A;https://a.example.ch\n", "b.csv": "Nom,URL\nAgence B,https://b.example.ch\n",
    })
    assert "Musée A" in built.html("/annuaire/") and "Agence B" in built.html("/prestataires/")
