"""The one rating vocabulary: every place that shows a rating knows every rating."""

from __future__ import annotations

from tracker.console import RAG_STYLES
from tracker.rag import ACTION_RATINGS, JSON_COUNT_ORDER, KPI_RATINGS, RATINGS, Rating


def test_every_rating_has_a_style_and_nothing_else_does() -> None:
    assert set(RAG_STYLES) == set(RATINGS)


def test_subsets_keep_the_display_order() -> None:
    assert ACTION_RATINGS == ("red", "amber", "green", "complete", "grey")
    assert KPI_RATINGS == ("red", "amber", "green", "grey", "contextual")
    assert sorted(JSON_COUNT_ORDER) == sorted(ACTION_RATINGS)


def test_rule_and_inputs_explain_but_do_not_change_equality() -> None:
    explained = Rating("red", "overdue", rule="overdue", inputs={"days": 3})
    assert explained == Rating("red", "overdue")
    assert explained.rule == "overdue" and explained.inputs == {"days": 3}
