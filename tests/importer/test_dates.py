"""Property tests of `cartel.dates.parse_date` on the forms real posts use."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from cartel.dates import parse_date

FR_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
             "novembre", "décembre")
EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")
DE_MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
             "November", "Dezember")
FR_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")

dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31))
# Words around a date, without digits so that they cannot hold another date.
prose = st.text(alphabet=st.sampled_from("abcdéèàôç ,;:'-!?\n"), max_size=40)


def french_long(d: dt.date) -> str:
    day = "1er" if d.day == 1 else str(d.day)
    return f"{FR_DAYS[d.weekday()]} {day} {FR_MONTHS[d.month - 1]} {d.year}"


FORMS = {
    "iso": lambda d: d.isoformat(),
    "slashes": lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}",
    "dots": lambda d: f"{d.day}.{d.month}.{d.year}",
    "french": french_long,
    "french-capital": lambda d: french_long(d).upper(),
    "compact": lambda d: f"{d.year}{FR_MONTHS[d.month - 1].replace('é', 'e').replace('û', 'u')}{d.day}",
    "publication": lambda d: f"Publication : {d.day:02d}/{d.month:02d}/{d.year}",
    "english": lambda d: f"{EN_MONTHS[d.month - 1]} {d.day}, {d.year}",
    "english-day-first": lambda d: f"{d.day} {EN_MONTHS[d.month - 1]} {d.year}",
    "german": lambda d: f"{d.day}. {DE_MONTHS[d.month - 1]} {d.year}",
}


@given(dates, st.sampled_from(sorted(FORMS)))
def test_every_form_reads_back_the_same_date(date, form):
    assert parse_date(FORMS[form](date)) == date


@given(dates, st.sampled_from(sorted(FORMS)), prose, prose)
def test_a_date_is_found_inside_a_sentence(date, form, before, after):
    # A letter or a digit glued to the date would change its meaning; a space keeps it apart.
    assert parse_date(f"{before} {FORMS[form](date)} {after}") == date


@given(st.text(max_size=300))
@settings(max_examples=400)
def test_never_raises_and_returns_a_real_date_or_none(text):
    found = parse_date(text)
    assert found is None or isinstance(found, dt.date)


@given(st.integers(1, 31), st.integers(1, 12), st.integers(1900, 2099))
def test_impossible_day_month_pairs_are_not_dates(day, month, year):
    try:
        expected = dt.date(year, month, day)
    except ValueError:
        expected = None
    assert parse_date(f"{day:02d}/{month:02d}/{year}") == expected


def test_the_forms_of_the_issue():
    assert parse_date("lundi 25 novembre 2013") == dt.date(2013, 11, 25)
    assert parse_date("25/11/2013") == dt.date(2013, 11, 25)
    assert parse_date("2022-05-13") == dt.date(2022, 5, 13)
    assert parse_date("2022mai12") == dt.date(2022, 5, 12)
    assert parse_date("Publication : 13/11/2013") == dt.date(2013, 11, 13)


def test_text_without_a_full_date_has_none():
    assert parse_date("Le musée a ouvert en 2013, au mois de mai.") is None
    assert parse_date("1 200 musées labellisés") is None


@given(dates, dates, st.sampled_from(sorted(FORMS)), st.sampled_from(sorted(FORMS)))
def test_the_earliest_of_two_dates_wins_whatever_their_forms(first, second, form_a, form_b):
    assert parse_date(f"publié le {FORMS[form_a](first)}, consulté le {FORMS[form_b](second)}") == first


def test_an_impossible_date_does_not_hide_a_later_real_one():
    assert parse_date("31/02/2013 puis 28/02/2013") == dt.date(2013, 2, 28)
