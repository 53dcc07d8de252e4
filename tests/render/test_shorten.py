"""`shorten`: a summary cut at a word, the same whether the text is short or thousands of characters long."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from cartel.render import shorten

WORDS = st.lists(st.one_of(st.text(alphabet="abcdéœ’", min_size=1, max_size=12),
                           st.text(alphabet=" \t\n\u00a0\u2009", min_size=1, max_size=40)), max_size=120).map("".join)


def _collapsed_then_cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rsplit(" ", 1)[0] + "…"


@settings(max_examples=500, deadline=None)
@given(WORDS, st.integers(min_value=4, max_value=300))
def test_a_long_text_is_cut_as_its_collapsed_whole_would_be(text, limit):
    assert shorten(text, limit) == _collapsed_then_cut(text, limit)


def test_a_lead_is_cut_at_a_word_with_an_ellipsis():
    lead = "Une stratégie   numérique\n" + "commence par les publics du musée. " * 200
    cut = shorten(lead, 60)
    assert cut == "Une stratégie numérique commence par les publics du…" and len(cut) <= 60
