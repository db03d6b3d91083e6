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


def test_the_rules_a_pack_states_are_the_plans_own() -> None:
    """The Notes sheet's rules come from the plan's rag: settings, never a copy that drifts."""
    from tracker.plan.rag_settings import ObjectiveRollUp, RagSettings
    from tracker.wording import rules_text

    rules = dict(rules_text(RagSettings(), 5))
    assert "more than 30 points behind the progress expected by now: Red" in rules["actions"]
    assert "more than 15 points behind: Amber" in rules["actions"]
    assert "([c], counts from 1 to 4)" in rules["KPIs"]
    assert "objective's actions and KPIs that can be rated" in rules["objectives"]
    share = RagSettings(
        amber_behind=10,
        red_behind=20,
        objectives=ObjectiveRollUp(rule="share", include=["actions"], red_share=40),
    )
    rules = dict(rules_text(share, 10))
    assert "more than 20 points" in rules["actions"] and "more than 10 points" in rules["actions"]
    assert "counts from 1 to 9" in rules["KPIs"]
    assert rules["objectives"].startswith(
        "Rolled up from the objective's rated actions: Red when 40%"
    )
