"""Red flags graded by urgency (red-flags 2.0.0): worked cases for each grade, the
combinations that raise a grade and the age boundary, each with its source above it; and the
graded ``collect`` policy of the engine that carries the grade."""

from __future__ import annotations

import datetime as dt

import pytest

from painpath.core.rules import (
    AxisResult,
    Classification,
    RuleSetError,
    builtin_rulesets,
    classify,
    load_ruleset_text,
)

AS_OF = dt.date(2025, 3, 1)


def red_flags(**episode: object) -> AxisResult:
    result = classify(episode, as_of=AS_OF, rulesets=[builtin_rulesets()["red-flags"]])
    return result["red_flags"]


def test_the_grades_are_ordered_most_severe_first_and_two_are_urgent() -> None:
    ruleset = builtin_rulesets()["red-flags"]
    assert ruleset.version == "2.2.0"
    assert ruleset.grades == ("emergency", "urgent", "review")
    assert ruleset.urgent_results == {"emergency", "urgent"}


@pytest.mark.parametrize(
    "answer",
    ["saddle_anaesthesia", "bladder_or_bowel_dysfunction", "sexual_dysfunction"],
)
def test_each_cauda_equina_symptom_alone_is_an_emergency(answer: str) -> None:
    # BASS 2018 (as quoted by NHS Cornwall): any disturbance of bladder or bowel, saddle or
    # genital sensory disturbance, or new sexual dysfunction is a suspected cauda equina
    # syndrome — emergency referral; Finucane 2020: same-day.
    axis = red_flags(red_flags={answer: True})
    assert (axis.result, axis.fired, axis.urgent) == ("emergency", ("cauda_equina",), True)
    assert axis.grade_rank == 0


def test_a_leg_getting_weaker_is_a_progressive_deficit_not_cauda_equina() -> None:
    # Finucane 2020: a progressive neurological deficit needs same-day assessment; it is not
    # by itself a sign of cauda equina (issue 10).
    axis = red_flags(red_flags={"progressive_leg_weakness": True})
    assert axis.result == "emergency"
    assert axis.fired == ("progressive_neurological_deficit",)
    assert "cauda equina" not in axis.findings[0]


def test_an_answer_to_the_retired_combined_question_still_counts() -> None:
    # Episodes answered before 2.0.0 keep their answer; it is read as the deficit it named.
    axis = red_flags(red_flags={"bilateral_or_progressive_neuro_deficit": True})
    assert (axis.result, axis.fired) == ("emergency", ("progressive_or_bilateral_deficit",))


def test_fever_with_a_risk_factor_raises_the_grade_to_an_emergency() -> None:
    # Finucane 2020 / NHS red flags: fever with IV drug use, immunosuppression or a recent
    # infection is a suspected spinal infection; either alone is of low value.
    together = red_flags(red_flags={"fever_or_systemic_illness": True, "immunosuppression": True})
    alone = red_flags(red_flags={"fever_or_systemic_illness": False, "immunosuppression": True})
    assert (together.result, together.fired) == ("emergency", ("spinal_infection",))
    assert (alone.result, alone.fired) == ("review", ("infection_risk_without_fever",))


def test_significant_trauma_is_an_emergency_only_while_the_pain_is_new() -> None:
    # NHS red flags: fracture after major trauma. "New" is painpath's acute window, under 6
    # weeks (Oliveira 2018): 5 weeks and 6 days is new, 6 weeks is not.
    new = red_flags(onset_date="2025-01-19", red_flags={"significant_trauma": True})
    six_weeks = red_flags(onset_date="2025-01-18", red_flags={"significant_trauma": True})
    unknown = red_flags(red_flags={"significant_trauma": True})
    assert (new.result, new.fired) == ("emergency", ("fracture_after_trauma",))
    assert (six_weeks.result, six_weeks.fired) == ("review", ("trauma_not_new",))
    # A missing duration never lowers the grade.
    assert (unknown.result, unknown.fired) == ("emergency", ("fracture_after_trauma",))


@pytest.mark.parametrize(
    ("answer", "rule"),
    [
        # Henschke 2013 (Cochrane): a history of cancer is the one red flag that raises the
        # probability of malignancy on its own; unexplained weight loss less so.
        ("history_of_cancer", "cancer_history"),
        ("unexplained_weight_loss", "unexplained_weight_loss"),
        # NHS red flags: structural deformity (fracture or malignancy).
        ("structural_deformity", "structural_deformity"),
    ],
)
def test_these_findings_alone_are_urgent(answer: str, rule: str) -> None:
    axis = red_flags(age=35, red_flags={answer: True})
    assert (axis.result, axis.fired, axis.urgent) == ("urgent", (rule,), True)
    assert axis.grade_rank == 1


def test_osteoporosis_or_steroids_is_urgent_with_new_pain_and_for_review_with_old() -> None:
    # NHS red flags: osteoporosis or corticosteroids with new (sudden) back pain.
    new = red_flags(
        reported_duration={"value": 10, "unit": "days"},
        red_flags={"osteoporosis_or_long_term_steroids": True},
    )
    old = red_flags(
        reported_duration={"value": 3, "unit": "years"},
        red_flags={"osteoporosis_or_long_term_steroids": True},
    )
    assert (new.result, new.fired) == ("urgent", ("osteoporotic_fracture",))
    assert (old.result, old.fired) == ("review", ("osteoporosis_pain_not_new",))


@pytest.mark.parametrize(
    ("age", "grade", "rule"), [(49, "review", "night_pain"), (50, "urgent", "night_pain_from_50")]
)
def test_night_pain_is_urgent_from_the_50th_birthday(age: int, grade: str, rule: str) -> None:
    # Finucane 2020 / NHS red flags: night pain and age over 50 are each of low value alone;
    # together they raise the suspicion of malignancy. painpath counts from age 50.
    axis = red_flags(age=age, red_flags={"constant_night_pain": True})
    assert (axis.result, axis.fired) == (grade, (rule,))
    assert axis.urgent is (grade == "urgent")


def test_age_alone_is_no_red_flag_and_night_pain_without_an_age_says_so() -> None:
    assert red_flags(age=80, red_flags={"history_of_cancer": False}).fired == ()
    axis = red_flags(red_flags={"constant_night_pain": True})
    assert (axis.result, axis.fired) == ("review", ("night_pain_age_unknown",))


def test_the_most_severe_grade_wins_and_every_finding_is_listed() -> None:
    axis = red_flags(
        age=62,
        red_flags={
            "history_of_cancer": True,
            "constant_night_pain": True,
            "inflammatory_features": True,
            "saddle_anaesthesia": True,
        },
    )
    assert axis.result == "emergency"
    assert axis.fired == (
        "cauda_equina",
        "cancer_history",
        "night_pain_from_50",
        "inflammatory_disease",
    )
    assert len(axis.findings) == 4
    # Each fired rule's trace step names its own grade.
    grades = {step.rule: step.result for step in axis.trace if step.outcome == "fired"}
    assert grades == {
        "cauda_equina": "emergency",
        "cancer_history": "urgent",
        "night_pain_from_50": "urgent",
        "inflammatory_disease": "review",
    }


def test_nothing_fired_with_questions_unanswered_is_incomplete_not_graded() -> None:
    axis = red_flags(red_flags={"history_of_cancer": False})
    assert (axis.result, axis.grade_rank, axis.urgent) == ("incomplete", None, False)
    assert "rf_saddle_anaesthesia" in axis.needs
    # The retired question is never needed.
    assert "rf_bilateral_or_progressive_neuro_deficit" not in axis.needs


def test_the_grades_are_stored_and_read_back_and_older_rows_have_none() -> None:
    result = classify({"red_flags": {"structural_deformity": True}}, as_of=AS_OF)
    stored = result.as_dict()
    assert stored["axes"]["red_flags"]["grades"] == ["emergency", "urgent", "review"]
    assert Classification.from_dict(stored) == result
    # A red-flags 1.0.0 row: one "urgent" for every finding, no grade order.
    old = dict(stored["axes"]["red_flags"], version="1.0.0", result="urgent")
    del old["grades"]
    axis = AxisResult.from_dict("red_flags", old)
    assert (axis.grades, axis.grade_rank) == ((), None)


GRADED = """
id: graded
version: 1.0.0
axis: graded
title: Graded
sources: [{id: s, citation: "A source"}]
licence: "test"
inputs: [rf_history_of_cancer]
results: {high: High, low: Low, none: None, incomplete: Incomplete, unknown: Unknown}
policy: collect
collect: {any: [high, low], none: none, unknown: incomplete}
rules:
  - id: cancer
    finding: Cancer
    when: "rf_history_of_cancer"
"""


def test_a_graded_rule_set_needs_a_grade_on_every_rule() -> None:
    with pytest.raises(RuleSetError, match="grade"):
        load_ruleset_text(GRADED)
    with pytest.raises(RuleSetError, match=r"not one of collect\.any"):
        load_ruleset_text(GRADED + "    result: none\n")
    ruleset = load_ruleset_text(GRADED + "    result: low\n")
    assert (ruleset.grades, ruleset.collect["any"]) == (("high", "low"), "high")


def test_an_ungraded_collect_rule_still_gives_no_result() -> None:
    ungraded = GRADED.replace("any: [high, low]", "any: high") + "    result: low\n"
    with pytest.raises(RuleSetError, match="not a 'result'"):
        load_ruleset_text(ungraded)
