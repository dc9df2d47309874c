"""TSK-17 and TSK-11.

No published worked example (a filled-in form with its total) was found for either version:
the examples below are hand-computed from the scoring rule (Miller, Kori & Todd 1991 as the
later papers give it: items 4, 8, 12, 16 reversed, sum 17–68; Woby et al. 2005: the eleven
kept items summed, 11–44) and marked as such.
"""

import pytest

from painpath.core.errors import InvalidAnswer, TooManyMissing
from painpath.core.instruments import get
from painpath.core.instruments.tsk import REVERSED, TSK11_ITEMS
from painpath.core.outcomes import change


def tsk(values: dict[int, int | None] | None = None, default: int = 1) -> dict[str, int | None]:
    values = values or {}
    return {f"tsk{i}": values.get(i, default) for i in range(1, 18)}


def tsk11(values: dict[int, int | None] | None = None, default: int = 1) -> dict[str, int | None]:
    return {code: v for code, v in tsk(values, default).items() if int(code[3:]) in TSK11_ITEMS}


@pytest.mark.parametrize(
    ("answers", "total"),
    [
        # Hand-computed: every answer 1 → 13 items × 1 + 4 reversed items × (5 − 1) = 29.
        (tsk(default=1), 29),
        # Hand-computed: every answer 4 → 13 × 4 + 4 × (5 − 4) = 56.
        (tsk(default=4), 56),
        # Hand-computed: the least fear the scale can show, 17: the reversed items 4, the
        # others 1.
        (tsk(dict.fromkeys(REVERSED, 4), default=1), 17),
        # Hand-computed: the most, 68: the reversed items 1, the others 4.
        (tsk(dict.fromkeys(REVERSED, 1), default=4), 68),
        # Hand-computed: items 1–17 answered 1, 2, 3, 4, 1, 2, …: the unreversed items
        # (1, 2, 3, 5, 6, 7, 9, 10, 11, 13, 14, 15, 17) sum to 1+2+3+1+2+3+1+2+3+1+2+3+1 = 25;
        # the reversed items 4, 8, 12, 16 are all answered 4 → 5 − 4 = 1 each, 4; total 29.
        (tsk({i: (i - 1) % 4 + 1 for i in range(1, 18)}), 29),
    ],
)
def test_tsk17_hand_computed_examples(answers: dict[str, int | None], total: int) -> None:
    assert get("tsk").score(answers).score == total


@pytest.mark.parametrize("item", REVERSED)
def test_each_reversed_item_counts_five_minus_its_answer(item: int) -> None:
    base = get("tsk").score(tsk(default=2)).score  # the item counts 5 − 2 = 3
    assert get("tsk").score(tsk({item: 4}, default=2)).score == base - 2  # counts 1
    assert get("tsk").score(tsk({item: 1}, default=2)).score == base + 1  # counts 4


@pytest.mark.parametrize(
    ("total", "band"),
    # Vlaeyen et al. 1995: a total above 37 is high fear of movement.
    [(17, "not high"), (37, "not high"), (38, "high"), (68, "high")],
)
def test_tsk17_cut_off_37_both_sides(total: int, band: str) -> None:
    # Start from the minimum (17) and raise unreversed items one step at a time.
    values: dict[int, int | None] = dict.fromkeys(REVERSED, 4)
    remaining = total - 17
    for item in (i for i in range(1, 18) if i not in REVERSED):
        values[item] = 1 + min(3, remaining)
        remaining -= min(3, remaining)
    if remaining:  # above 56: lower the reversed answers
        for item in REVERSED:
            values[item] = 4 - min(3, remaining)
            remaining -= min(3, remaining)
    result = get("tsk").score(tsk(values))
    assert result.score == total
    assert result.band == band


@pytest.mark.parametrize(
    ("answers", "total"),
    [
        # Hand-computed: every answer 1 → 11; every answer 4 → 44 (Woby 2005: range 11–44).
        (tsk11(default=1), 11),
        (tsk11(default=4), 44),
        # Hand-computed: the eleven items answered 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3 → 26.
        (tsk11({n: i % 4 + 1 for i, n in enumerate(TSK11_ITEMS)}), 26),
    ],
)
def test_tsk11_hand_computed_examples(answers: dict[str, int | None], total: int) -> None:
    result = get("tsk11").score(answers)
    assert result.score == total
    assert result.band is None  # no cut-off is cited for the TSK-11


def test_tsk11_is_the_tsk17_items_woby_kept_under_the_same_codes() -> None:
    # Woby 2005 left out the four reversed items and items 9 and 14.
    codes = [item.code for item in get("tsk11").items]
    assert codes == [f"tsk{n}" for n in (1, 2, 3, 5, 6, 7, 10, 11, 13, 15, 17)]
    # The same answers give both scores; answers to the other six items are not TSK-11 codes.
    with pytest.raises(InvalidAnswer, match="tsk4"):
        get("tsk11").score(tsk())


@pytest.mark.parametrize("code", ["tsk", "tsk11"])
def test_one_unanswered_item_gives_no_score(code: str) -> None:
    answers = tsk() if code == "tsk" else tsk11()
    answers["tsk10"] = None
    with pytest.raises(TooManyMissing, match="tsk10"):
        get(code).score(answers)


@pytest.mark.parametrize(("code", "value"), [("tsk", 0), ("tsk", 5), ("tsk11", 0), ("tsk11", 2.5)])
def test_answers_outside_one_to_four_are_refused(code: str, value: float) -> None:
    answers: dict[str, object] = dict(tsk() if code == "tsk" else tsk11())
    answers["tsk1"] = value
    with pytest.raises(InvalidAnswer, match="tsk1"):
        get(code).score(answers)


def test_the_mic_is_absolute_and_a_fall_is_improvement() -> None:
    # Woby 2005 (as reported): 4 points on the TSK-11, 5.5 on the TSK-17.
    assert change("tsk11", 30, 26).reached_mic_absolute is True
    assert change("tsk11", 30, 27).reached_mic_absolute is False
    assert change("tsk", 45, 39.5).reached_mic_absolute is True
    assert change("tsk", 45, 40).reached_mic_absolute is False
