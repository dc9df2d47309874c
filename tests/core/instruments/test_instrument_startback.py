import itertools

import numpy as np
import polars as pl
import pytest

from painpath.core.errors import InvalidAnswer, TooManyMissing
from painpath.core.instruments import get


def sbst(agree: set[int], bothersome: int = 0) -> dict[str, int | None]:
    answers: dict[str, int | None] = {f"sbst{i}": int(i in agree) for i in range(1, 9)}
    answers["sbst9"] = bothersome
    return answers


def keele(items: tuple[int, ...]) -> tuple[int, int, str]:
    """The Keele scoring chart, written out independently of the scorer."""
    positive = [*items[:8], 1 if items[8] in (3, 4) else 0]
    total, psychosocial = sum(positive), sum(positive[4:])
    if total <= 3:
        return total, psychosocial, "low"
    return total, psychosocial, "high" if psychosocial >= 4 else "medium"


@pytest.mark.parametrize(
    ("agree", "bothersome", "total", "psychosocial", "band"),
    [
        # Hill et al. 2008; Keele SBST scoring: overall ≤ 3 low; ≥ 4 medium unless the
        # psychosocial subscore (items 5–9) is ≥ 4, then high.
        (set(), 0, 0, 0, "low"),
        ({1, 2, 3}, 0, 3, 0, "low"),
        ({1, 2, 3}, 2, 3, 0, "low"),  # "moderately" bothersome is not positive
        ({1, 2, 3, 4}, 0, 4, 0, "medium"),
        ({1, 2, 3}, 3, 4, 1, "medium"),  # "very much" is positive
        ({1, 5, 6, 7}, 0, 4, 3, "medium"),
        ({5, 6, 7}, 4, 4, 4, "high"),  # "extremely" is positive; psychosocial 4
        ({5, 6, 7, 8}, 0, 4, 4, "high"),
        ({1, 2, 3, 4, 5, 6, 7}, 1, 7, 3, "medium"),
        (set(range(1, 9)), 4, 9, 5, "high"),
    ],
)
def test_risk_groups_at_every_boundary(
    agree: set[int], bothersome: int, total: int, psychosocial: int, band: str
) -> None:
    result = get("startback").score(sbst(agree, bothersome))
    assert result.score == total
    assert result.subscales["total"] == total
    assert result.subscales["psychosocial"] == psychosocial
    assert result.subscales["risk"] == {"low": 0, "medium": 1, "high": 2}[band]
    assert result.band == band


def test_all_1280_answer_patterns_match_the_keele_chart_in_both_scorers() -> None:
    scorer = get("startback")
    patterns = [
        (*binary, bother) for binary in itertools.product((0, 1), repeat=8) for bother in range(5)
    ]
    frame = scorer.score_matrix(np.array(patterns, dtype=np.float64))
    for row, items in enumerate(patterns):
        total, psychosocial, band = keele(items)
        single = scorer.score(dict(zip(scorer._codes, items, strict=True)))
        assert (single.score, single.subscales["psychosocial"], single.band) == (
            total,
            psychosocial,
            band,
        )
        assert frame["score"][row] == total
        assert frame["psychosocial"][row] == psychosocial
        assert frame["band"][row] == band


def test_the_columnar_band_comes_from_the_risk_group_not_the_total() -> None:
    frame = pl.DataFrame(
        {
            **{f"sbst{i}": [1, 1, 0] for i in range(1, 5)},
            **{f"sbst{i}": [0, 1, 1] for i in range(5, 9)},
            "sbst9": [0, 4, None],
        }
    )
    out = get("startback").score_frame(frame)
    assert out["score"].to_list() == [4.0, 9.0, None]
    assert out["risk"].to_list() == [1.0, 2.0, None]
    assert out["band"].cast(str).to_list() == ["medium", "high", None]
    assert "sbst9" in out["error"][2]


def test_a_missing_item_is_refused_naming_it_and_the_rule() -> None:
    answers = sbst({1, 2})
    answers["sbst6"] = None
    with pytest.raises(TooManyMissing) as raised:
        get("startback").score(answers)
    message = str(raised.value)
    assert "sbst6" in message
    assert "at most 0" in message
    assert "Keele" in message
    assert raised.value.item == "sbst6"


@pytest.mark.parametrize(
    ("code", "value", "fragment"),
    [
        ("sbst9", 5, "sbst9 = 5 is out of range 0–4"),
        ("sbst9", -1, "sbst9 = -1 is out of range 0–4"),
        ("sbst2", 2, "sbst2 = 2 is out of range 0–1"),
        ("sbst9", 2.5, "sbst9 = 2.5 is not a whole number"),
        ("sbst4", True, "sbst4 = True is not a number"),
        ("sbst4", "agree", "sbst4 = 'agree' is not a number"),
    ],
)
def test_bad_answers_are_refused_naming_the_item(code: str, value: object, fragment: str) -> None:
    answers: dict[str, object] = dict(sbst(set()))
    answers[code] = value
    with pytest.raises(InvalidAnswer) as raised:
        get("startback").score(answers)
    assert fragment in str(raised.value)
    assert raised.value.item == code


def test_a_screening_tool_has_no_mic() -> None:
    assert get("startback").mic is None
