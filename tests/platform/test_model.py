"""The question and resource parsers on the quirks of real notes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cartel.model import clean_summary, domain_of, parse_question, parse_resource, resource_context
from tests.platform.helpers import note

QUESTION_TABS = """---
tags: question
---
# Qu'est-ce qu'une politique des collections en ligne?

Une politique des collections en ligne dit quelles images le musée publie, sous quelle licence et à quel rythme.
Elle se discute avec la conservation avant d'ouvrir le premier album.

1. [[Guide des licences ouvertes|Le guide des licences]]
\t- La référence pour choisir entre domaine public et licence ouverte.
1. [[ Carnet de numérisation ]]
\t- Un retour d'expérience sur six mois de prises de vue.
2. [[Inventaire partagé]]
\t- Un modèle de tableau pour suivre la publication.
1. [[Charte éditoriale des cartels]]
\t- Pour rédiger les légendes en ligne.

Voir également: [[Comment photographier une collection]], [[Pourquoi ouvrir ses données]]
"""

QUESTION_NEXT_LINE = """# Comment préparer une visite en ligne?

Une visite en ligne se prépare comme une exposition: un propos, un parcours, des objets choisis.

1. [[Parcours numériques]]
   Six parcours commentés, du plus simple au plus ambitieux.
2. [[Visite guidée en direct]]
   Le compte rendu d'une visite diffusée en direct, avec les questions du public.
3. [[Grille de préparation]] - une liste de contrôle en une page.

## Ressources similaires

- [[Comment filmer une salle]]
- [[Faut-il une application de visite]]
"""


def test_numbering_as_written_is_ignored_rank_is_position():
    question = parse_question(note(QUESTION_TABS))
    assert [item.rank for item in question.ranked] == [1, 2, 3, 4]
    assert [item.number for item in question.ranked] == [1, 1, 2, 1]
    links = note(QUESTION_TABS).body.links
    assert [links[item.link].target for item in question.ranked] == [
        "Guide des licences ouvertes", "Carnet de numérisation", "Inventaire partagé", "Charte éditoriale des cartels"]


def test_tab_indented_sub_bullet_is_the_summary():
    question = parse_question(note(QUESTION_TABS))
    assert question.ranked[0].summary == "La référence pour choisir entre domaine public et licence ouverte."
    assert question.ranked[3].summary == "Pour rédiger les légendes en ligne."


def test_summary_on_the_next_line_indented_and_after_a_dash():
    question = parse_question(note(QUESTION_NEXT_LINE))
    assert [item.summary for item in question.ranked] == [
        "Six parcours commentés, du plus simple au plus ambitieux.",
        "Le compte rendu d'une visite diffusée en direct, avec les questions du public.",
        "une liste de contrôle en une page.",
    ]


def test_lead_is_the_text_before_the_list_without_see_also():
    question = parse_question(note(QUESTION_TABS))
    assert question.lead.startswith("Une politique des collections en ligne dit")
    assert "Elle se discute avec la conservation" in question.lead
    assert "Voir également" not in question.lead


def test_related_questions_from_a_paragraph_or_under_a_heading():
    tabs = note(QUESTION_TABS)
    related = [tabs.body.links[i].target for i in parse_question(tabs).related]
    assert related == ["Comment photographier une collection", "Pourquoi ouvrir ses données"]
    heading = note(QUESTION_NEXT_LINE)
    question = parse_question(heading)
    assert [heading.body.links[i].target for i in question.related] == ["Comment filmer une salle", "Faut-il une application de visite"]
    assert len(question.ranked) == 3  # the list under "Ressources similaires" is not ranked
    assert len(question.related_ranges) == 1


def test_a_question_whose_only_list_is_see_also_ranks_nothing():
    text = "# Pourquoi?\n\nParce que.\n\n## Voir également\n\n- [[Autre question]]\n- [[Encore une]]\n"
    question = parse_question(note(text))
    assert question.ranked == () and len(question.related) == 2


def test_summary_byte_range_covers_the_text_after_the_link():
    parsed = note(QUESTION_NEXT_LINE)
    item = parse_question(parsed).ranked[0]
    text = parsed.body.text.encode("utf-8")[item.start:item.end].decode("utf-8")
    assert "Six parcours commentés" in text and "[[" not in text


RESOURCE_BOLD = """---
tags: ressource rapport
---
# **[Numériser sans se ruiner](https://www.exemple-patrimoine.ch/numeriser)**

Un rapport sur la numérisation des petites collections avec du matériel de photographe amateur.

## A retenir
- Une table de reproduction bricolée suffit pour les objets plats.
- La lumière compte plus que l'appareil.
  - Deux lampes identiques à 45 degrés.

## Contexte
Écrit par une association de bénévoles en 2021.
"""


def test_resource_source_from_a_bold_heading_and_key_points():
    resource = parse_resource(parsed := note(RESOURCE_BOLD, "Ressources/R.md"))
    assert resource.source_url == "https://www.exemple-patrimoine.ch/numeriser"
    assert domain_of(resource.source_url) == "exemple-patrimoine.ch"
    assert resource.summary.startswith("Un rapport sur la numérisation")
    assert resource.key_points == ("Une table de reproduction bricolée suffit pour les objets plats.",
                                   "La lumière compte plus que l'appareil. Deux lampes identiques à 45 degrés.")
    assert resource_context(parsed) == "Écrit par une association de bénévoles en 2021."
    assert resource.has_key_points


def test_resource_without_key_points_and_with_a_source_key():
    text = ("---\ntags: ressource\nsource: https://archives.exemple.org/fonds\n---\n# Fonds photographique\n\n"
            "Un fonds de plaques de verre décrit pièce par pièce.\n\nUn second paragraphe.\n")
    resource = parse_resource(note(text, "Ressources/F.md"))
    assert resource.source_url == "https://archives.exemple.org/fonds" and resource.source_link == -1
    assert resource.summary == "Un fonds de plaques de verre décrit pièce par pièce."
    assert resource.key_points == () and not resource.has_key_points


def test_an_image_alone_is_neither_lead_nor_summary():
    question = parse_question(note("# Q?\n\n![[plan.png|Plan des salles]]\n\nLa réponse tient en une phrase.\n"))
    assert question.lead == "La réponse tient en une phrase."
    resource = parse_resource(note("# [R](https://r.example.org)\n\n![[couverture.png]]\n\nLe résumé.\n", "Ressources/R.md"))
    assert resource.summary == "Le résumé."


def test_a_source_key_that_is_not_a_web_address_is_ignored():
    text = "---\nsource: le catalogue papier\n---\n# Catalogue\n\nTexte.\n"
    assert parse_resource(note(text, "Ressources/C.md")).source_url == ""


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=9), min_size=1, max_size=8))
def test_rank_is_the_position_whatever_the_numbers(numbers):
    lines = ["# Question?", "", "Réponse courte.", ""]
    lines += [f"{n}. [[Ressource {i}]]\n   Résumé {i}." for i, n in enumerate(numbers)]
    parsed = note("\n".join(lines) + "\n")
    question = parse_question(parsed)
    assert [item.rank for item in question.ranked] == list(range(1, len(numbers) + 1))
    assert [parsed.body.links[item.link].target for item in question.ranked] == [f"Ressource {i}" for i in range(len(numbers))]
    assert [item.summary for item in question.ranked] == [f"Résumé {i}." for i in range(len(numbers))]


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80))
def test_clean_summary_is_one_stripped_line(text):
    cleaned = clean_summary(text)
    assert "\n" not in cleaned and cleaned == cleaned.strip()
