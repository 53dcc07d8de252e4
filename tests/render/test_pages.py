"""The pages of the resource platform, read from a small built vault."""

from __future__ import annotations

import re

import pytest

from tests.conftest import write_vault
from cartel.build import build_site

VAULT = {
    "cartel.toml": ('[site]\ntitle = "Patrimoine en ligne"\ndescription = "Des réponses pour les petites équipes."\n\n'
                    '[types]\n"Questions" = "question"\n"Ressources" = "resource"\n'),
    "Thèmes/Conservation.md": ("---\neleventyNavigation:\n  key: conservation\n  title: Conservation\n---\n# Conservation\n\n"
                               "Protéger les objets de la lumière, de l'humidité et des mains trop pressées.\n"),
    "Thèmes/Publics.md": "---\neleventyNavigation: {key: publics, title: Publics}\n---\n# Publics\n\nAccueillir tout le monde.\n",
    "Questions/Lumière.md": (
        "---\ndate: 2023-02-01\neleventyNavigation:\n  key: q-lumiere\n  parent: conservation\n---\n"
        "# Combien de lumière pour un textile?\n\n"
        "Cinquante lux au plus, et pas plus de quelques mois par an: la lumière abîme les fibres sans retour.\n\n"
        "1. [[Guide de l'éclairage|Le guide]]\n   La référence, avec des **tableaux** de valeurs par matériau.\n"
        "1. [[Textile Light Survey]]\n   Une enquête menée dans [[Vitrines basses|vingt musées]].\n"
        "2. [[Note absente]]\n   Pas encore écrite.\n\n"
        "Voir également: [[Humidité]], [[Question inconnue]]\n"),
    "Questions/Humidité.md": (
        "---\ndate: 2022-05-13\neleventyNavigation:\n  key: q-humidite\n  parent: conservation\n---\n"
        "# Quelle humidité dans une réserve?\n\nEntre 45 et 55 %, sans variations brusques.\n\n"
        "1. [[Textile Light Survey]]\n   Aussi des mesures d'humidité.\n"),
    "Ressources/Guide de l'éclairage.md": (
        "---\ntags: ressource rapport\ndate: 2020-09-30\n---\n"
        "# [Guide de l'éclairage muséal](https://www.eclairage-musees.example.ch/guide)\n\n"
        "Un guide pratique qui donne, pour chaque matériau, la lumière qu'il supporte.\n\n"
        "## A retenir\n- Mesurer avant d'éclairer.\n- Les LED chauffent peu.\n\n## Contexte\nÉcrit par un réseau de conservateurs.\n"),
    "Ressources/Textile Light Survey.md": (
        "---\ntags: [ressource, english, projet]\n---\n# [Textile Light Survey](https://survey.example.org/textiles)\n\n"
        "A survey of light levels in twenty museums.\n"),
    "Ressources/Vitrines basses.md": "---\ntags: ressource\n---\n# Vitrines basses\n\nCiter la [[Lumière|question]] ici.\n",
}


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    base = tmp_path_factory.mktemp("pages")
    vault = write_vault(base / "vault", VAULT)
    build_site(vault, base / "out")
    return base / "out"


def page(out, url: str) -> str:
    return (out / url.strip("/") / "index.html").read_text(encoding="utf-8") if url != "/" else (out / "index.html").read_text(encoding="utf-8")


def main(html: str) -> str:
    return html.split('<main id="contenu"')[1].split("</main>")[0]


def test_question_page_shows_ranked_resources_as_cards(out):
    html = main(page(out, "/questions/lumiere/"))
    lead = html.index("Cinquante lux au plus")
    cards = re.findall(r'<li class="card">(.*?)</li>', html, re.S)
    assert lead < html.index('<ol class="cards"') and len(cards) == 3
    first, second, third = cards
    assert '<span class="rank" aria-hidden="true">1</span>' in first
    assert '<a href="/ressources/guide-de-l-eclairage/">Guide de l&#39;éclairage muséal</a>' in first
    assert "La référence, avec des <strong>tableaux</strong> de valeurs par matériau." in first
    assert '<span class="domain">eclairage-musees.example.ch</span>' in first and '<span class="badge">rapport</span>' in first
    assert "ressource</span>" not in first                       # the type tag is not a badge
    assert '<span class="rank" aria-hidden="true">2</span>' in second   # numbering 1, 1, 2 as written is ignored
    assert '<span class="badge">en anglais</span>' in second and '<span class="badge">projet</span>' in second
    assert 'href="/ressources/vitrines-basses/">vingt musées</a>' in second   # links inside a summary resolve
    assert '<span class="unresolved"' in third and "Note absente" in third
    assert "1. [[" not in html and "<ol>\n<li>" not in html      # the list itself is gone


def test_question_page_lists_related_questions_after_the_cards(out):
    html = main(page(out, "/questions/lumiere/"))
    related = html.split('class="related"')[1].split("</section>")[0]
    assert html.index('class="cards"') < html.index('class="related"')
    assert '<a href="/questions/humidite/">Quelle humidité dans une réserve?</a>' in related
    assert '<span class="unresolved"' in related and "Question inconnue" in related
    assert "Voir également" not in html


def test_resource_page_source_link_appears_in_and_mentions(out):
    html = main(page(out, "/ressources/textile-light-survey/"))
    assert '<h1 id="textile-light-survey">Textile Light Survey</h1>' in html
    assert re.search(r'<a class="source-link" href="https://survey.example.org/textiles">Consulter la ressource', html)
    assert '<span class="domain">survey.example.org</span>' in html
    appears = html.split('class="appears-in"')[1].split("</aside>")[0]
    assert re.findall(r'<a href="([^"]+)">', appears) == ["/questions/humidite/", "/questions/lumiere/"]
    assert "rang 1 sur 1" in appears and "rang 2 sur 3" in appears
    assert 'class="backlinks"' not in html                        # both backlinks are rankings, listed once
    vitrines = main(page(out, "/ressources/vitrines-basses/"))
    assert "Apparaît dans" not in vitrines
    assert '<a href="/questions/lumiere/">Combien de lumière pour un textile?</a>' in vitrines.split('class="backlinks"')[1]


def test_resource_page_keeps_key_points_context_tags_and_date(out):
    html = main(page(out, "/ressources/guide-de-l-eclairage/"))
    assert "<h2 id=\"a-retenir\">A retenir</h2>" in html and "<li>Mesurer avant d'éclairer.</li>" in html
    assert "Écrit par un réseau de conservateurs." in html
    assert '<time datetime="2020-09-30">30 septembre 2020</time>' in html
    assert 'href="/tags/rapport/"' in html


def test_breadcrumbs_follow_the_navigation(out):
    trail = page(out, "/questions/lumiere/").split('class="breadcrumbs')[1].split("</nav>")[0]
    assert re.findall(r'<a href="([^"]+)">', trail) == ["/", "/themes/conservation/"]


def test_theme_page_lists_its_children(out):
    html = main(page(out, "/themes/conservation/"))
    children = html.split('class="children"')[1].split("</section>")[0]
    assert re.findall(r'<a href="([^"]+)">', children) == ["/questions/lumiere/", "/questions/humidite/"]
    assert "3 ressources" in children and "Cinquante lux au plus" in children


def test_home_without_index_lists_themes_with_their_questions(out):
    html = main(page(out, "/"))
    assert "<h1>Patrimoine en ligne</h1>" in html and "Des réponses pour les petites équipes." in html
    themes = re.findall(r'<section class="theme".*?</section>', html, re.S)
    assert [re.search(r'<h3[^>]*><a href="([^"]+)"', t).group(1) for t in themes] == ["/themes/conservation/", "/themes/publics/"]
    assert 'href="/questions/humidite/"' in themes[0] and "<li>" not in themes[1]
    assert 'href="/questions/">Toutes les questions</a> <span class="meta">(2)</span>' in html


def test_all_questions_and_resources_a_to_z_and_by_date(out):
    html = main(page(out, "/ressources/"))
    a_to_z, by_date = html.split("<section")[1:3]
    assert "De A à Z <span class=\"count\">(3)</span>" in a_to_z
    assert re.findall(r'<a href="(/ressources/[^"]+)">', a_to_z) == [
        "/ressources/guide-de-l-eclairage/", "/ressources/textile-light-survey/", "/ressources/vitrines-basses/"]
    assert "Par date <span class=\"count\">(1)</span>" in by_date   # one dated; the undated follow, marked
    assert "30 septembre 2020" in by_date and by_date.count("sans date") == 2
    questions = main(page(out, "/questions/"))
    dates = questions.split("Par date")[1]
    assert dates.index("/questions/lumiere/") < dates.index("/questions/humidite/")


def test_tag_pages_and_index(out):
    html = main(page(out, "/tags/english/"))
    assert '<a href="/ressources/textile-light-survey/">Textile Light Survey</a>' in html
    index = main(page(out, "/tags/"))
    assert '<a class="tag" href="/tags/ressource/">#ressource <span class="meta">(3)</span></a>' in index


def test_every_page_has_lang_skip_link_landmarks_and_one_h1(out):
    for path in sorted(out.rglob("*.html")):
        html = path.read_text(encoding="utf-8")
        assert '<html lang="fr">' in html, path
        if path.name == "404.html":
            continue
        assert '<a class="skip-link" href="#contenu">' in html and '<main id="contenu"' in html, path
        assert "<header" in html and "<footer" in html and "<nav" in html, path
        assert len(re.findall(r"<h1[ >]", html)) == 1, path
        for image in re.findall(r"<img [^>]*>", html):
            assert " alt=" in image, (path, image)


def test_a_vault_theme_overrides_one_template(tmp_path):
    files = {**VAULT, "theme/templates/partials/ranked.html": (
        '<div class="mes-cartes">{% for card in cards %}<p>{{ card.rank }}. {{ card.title }}</p>{% endfor %}</div>\n')}
    vault = write_vault(tmp_path / "vault", files)
    build_site(vault, tmp_path / "out")
    html = (tmp_path / "out" / "questions" / "lumiere" / "index.html").read_text(encoding="utf-8")
    assert '<div class="mes-cartes"><p>1. Guide de l&#39;éclairage muséal</p>' in html
    assert 'class="related"' in html                              # the other templates are cartel's



def test_an_edited_template_is_used_by_the_next_build_in_the_same_process(tmp_path):
    """The preview builds again and again in one process, where templates are compiled once: an edit to a
    template must still show in the next build."""
    template = "theme/templates/partials/ranked.html"
    files = {**VAULT, template: '<div class="avant">{{ cards | length }}</div>\n'}
    vault = write_vault(tmp_path / "vault", files)
    page = tmp_path / "out" / "questions" / "lumiere" / "index.html"
    build_site(vault, tmp_path / "out", use_cache=False)
    assert '<div class="avant">3</div>' in page.read_text(encoding="utf-8")
    (vault / template).write_text('<div class="apres">{{ cards | length }} fiches</div>\n', encoding="utf-8")
    build_site(vault, tmp_path / "out", use_cache=False)
    html = page.read_text(encoding="utf-8")
    assert '<div class="apres">3 fiches</div>' in html and "avant" not in html

def test_english_strings(tmp_path):
    files = {**VAULT, "cartel.toml": VAULT["cartel.toml"].replace('description', 'language = "en"\ndescription')}
    vault = write_vault(tmp_path / "vault", files)
    build_site(vault, tmp_path / "out")
    html = (tmp_path / "out" / "ressources" / "textile-light-survey" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in html and "Open the resource" in html and "Appears in" in html and "rank 2 of 3" in html
    question = (tmp_path / "out" / "questions" / "lumiere" / "index.html").read_text(encoding="utf-8")
    assert "Recommended resources" in question and '<span class="badge">in English</span>' in question


def test_templates_read_a_dict_s_keys_first_and_its_missing_keys_as_jinja_does(tmp_path):
    import jinja2

    from cartel.config import load_config
    from cartel.render import make_environment

    ours = make_environment(load_config(tmp_path))
    plain = jinja2.Environment(undefined=jinja2.ChainableUndefined, autoescape=True)
    source = ("{{ d.title }}|{{ d.meta }}|{{ d.meta.deeper is defined }}|{{ d.items is defined }}|"
              "{{ d.get('title') }}|{{ d.values is callable }}|{{ n.real }}")
    values = {"d": {"title": "Musée <b>", "values": "une clé qui cache la méthode"}, "n": 3}
    assert ours.from_string(source).render(values) == "Musée &lt;b&gt;||False|True|Musée &lt;b&gt;|False|3"
    # Where Jinja2 prefers a dict's attribute, cartel prefers its key; everywhere else, the same text.
    assert plain.from_string(source).render(values) == "Musée &lt;b&gt;||False|True|Musée &lt;b&gt;|True|3"
