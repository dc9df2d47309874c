"""DN4 and DN4-interview (Bouhassira D et al. Pain 2005;114:29–36).

No published worked example (a filled-in form with its score) was found for the DN4: the paper
gives the items, the yes = 1 / no = 0 scoring and the cut-offs. The examples below are
hand-computed from that rule and marked as such; the cut-offs are the paper's.
"""

import pytest

from painpath.core.errors import InvalidAnswer, TooManyMissing
from painpath.core.instruments import get
from painpath.core.outcomes import change


def dn4(yes: set[int], n: int = 10) -> dict[str, int | None]:
    return {f"dn4q{i}": int(i in yes) for i in range(1, n + 1)}


def test_hand_computed_the_score_counts_the_yes_answers_by_part() -> None:
    # Hand-computed from Bouhassira 2005's rule (yes = 1, no = 0), not a published example:
    # burning, electric shocks, numbness (interview 3) + hypoaesthesia to pinprick, brushing
    # (examination 2) = 5.
    result = get("dn4").score(dn4({1, 3, 6, 9, 10}))
    assert result.score == 5
    assert result.subscales == {"interview": 3.0, "examination": 2.0}
    assert result.band == "neuropathic pain likely"


@pytest.mark.parametrize(
    ("yes", "band"),
    [
        # Bouhassira 2005: a DN4 total of 4 of 10 or more is the cut-off.
        (set(), "below cut-off"),
        ({1, 2, 3}, "below cut-off"),
        ({1, 2, 3, 8}, "neuropathic pain likely"),
        (set(range(1, 11)), "neuropathic pain likely"),
    ],
)
def test_dn4_cut_off_four_both_sides(yes: set[int], band: str) -> None:
    result = get("dn4").score(dn4(yes))
    assert result.score == len(yes)
    assert result.band == band


@pytest.mark.parametrize(
    ("yes", "band"),
    [
        # Bouhassira 2005: the seven interview items alone, cut-off 3 of 7.
        ({4, 5}, "below cut-off"),
        ({4, 5, 7}, "neuropathic pain likely"),
        (set(range(1, 8)), "neuropathic pain likely"),
    ],
)
def test_dn4_interview_cut_off_three_both_sides(yes: set[int], band: str) -> None:
    result = get("dn4i").score(dn4(yes, n=7))
    assert result.score == len(yes)
    assert result.band == band


def test_the_patients_interview_answers_are_the_first_seven_of_the_clinicians_dn4() -> None:
    # The separation painpath chose: the patient answers dn4i; the clinician adds the three
    # examination items under the same codes and scores dn4.
    interview = dn4({1, 4, 5}, n=7)
    assert get("dn4i").score(interview).score == 3
    full = get("dn4").score(interview | {"dn4q8": 1, "dn4q9": 0, "dn4q10": 0})
    assert (full.score, full.subscales["interview"], full.subscales["examination"]) == (4, 3, 1)


def test_examination_items_are_not_dn4_interview_items() -> None:
    with pytest.raises(InvalidAnswer) as raised:
        get("dn4i").score(dn4({1}, n=7) | {"dn4q8": 1})
    assert raised.value.item == "dn4q8"
    assert "unknown answer code 'dn4q8'" in str(raised.value)


def test_an_unanswered_item_is_not_a_no() -> None:
    with pytest.raises(TooManyMissing) as raised:
        get("dn4").score(dn4({1, 2, 3, 4}) | {"dn4q10": None})
    assert raised.value.item == "dn4q10"
    assert "at most 0" in str(raised.value)
    assert "Bouhassira 2005" in str(raised.value)


@pytest.mark.parametrize(("value", "fragment"), [(2, "out of range 0–1"), (0.5, "not a whole")])
def test_bad_answers_are_refused_naming_the_item(value: object, fragment: str) -> None:
    answers: dict[str, object] = dict(dn4(set()))
    answers["dn4q9"] = value
    with pytest.raises(InvalidAnswer) as raised:
        get("dn4").score(answers)
    assert fragment in str(raised.value)
    assert raised.value.item == "dn4q9"


@pytest.mark.parametrize("code", ["dn4", "dn4i"])
def test_no_mic_is_cited_for_a_screening_tool(code: str) -> None:
    verdict = change(code, 6 if code == "dn4" else 5, 2)
    assert verdict.improvement == (4 if code == "dn4" else 3)
    assert verdict.reached_mic_absolute is None
    assert verdict.reached_mic_relative is None
