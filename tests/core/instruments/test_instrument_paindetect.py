"""painDETECT (Freynhagen R et al. Curr Med Res Opin 2006;22:1911–20).

No published worked example (a filled-in form with its score) was found: the paper's scoring
sheet gives the item scores, the course and radiation points, the range −1…38 and the bands.
The extremes below are the paper's range; the other examples are hand-computed from the
scoring sheet's rule and marked as such.
"""

import json
from pathlib import Path

import pytest

from painpath.core.errors import InvalidAnswer, TooManyMissing
from painpath.core.instruments import get
from painpath.core.questionnaires import load, load_wording, wording_status


def pd(
    sensory: tuple[int, ...] = (0,) * 7, course: int = 1, radiating: int = 0
) -> dict[str, int | None]:
    answers: dict[str, int | None] = {f"pd{i}": v for i, v in enumerate(sensory, start=1)}
    return answers | {"pd_course": course, "pd_radiating": radiating}


def test_the_published_range_minus_one_to_38() -> None:
    # Freynhagen 2006: the total runs from −1 (no sensory symptom, persistent pain with
    # attacks, no radiation) to 38 (every sensory item 5, +1 for the course, +2 radiating).
    assert get("paindetect").score(pd(course=2)).score == -1
    assert get("paindetect").score(pd((5,) * 7, course=4, radiating=1)).score == 38


@pytest.mark.parametrize(
    ("course", "points"),
    # Freynhagen 2006, scoring sheet: persistent with slight fluctuations 0, persistent with
    # attacks −1, attacks without pain between +1, attacks with pain between +1.
    [(1, 0), (2, -1), (3, 1), (4, 1)],
)
def test_each_course_pattern_scores_its_points(course: int, points: int) -> None:
    result = get("paindetect").score(pd((2,) * 7, course=course))
    assert result.score == 14 + points
    assert result.subscales == {"sensory": 14.0}


def test_hand_computed_radiating_pain_adds_two() -> None:
    # Hand-computed from the scoring sheet, not a published example: sensory 3+4+0+2+1+3+0 = 13,
    # attacks with pain between (+1), radiating (+2) = 16.
    result = get("paindetect").score(pd((3, 4, 0, 2, 1, 3, 0), course=4, radiating=1))
    assert result.score == 16
    assert result.subscales["sensory"] == 13
    assert result.band == "ambiguous"


@pytest.mark.parametrize(
    ("sensory", "course", "total", "band"),
    [
        # Freynhagen 2006: ≤ 12 unlikely, 13–18 ambiguous, ≥ 19 likely.
        ((2, 2, 2, 2, 2, 2, 0), 1, 12, "neuropathic component unlikely"),
        ((2, 2, 2, 2, 2, 2, 1), 1, 13, "ambiguous"),
        ((3, 3, 3, 3, 3, 3, 0), 1, 18, "ambiguous"),
        ((3, 3, 3, 3, 3, 3, 0), 3, 19, "neuropathic component likely"),
        ((0,) * 7, 2, -1, "neuropathic component unlikely"),
    ],
)
def test_bands_both_sides_of_each_cut_off(
    sensory: tuple[int, ...], course: int, total: int, band: str
) -> None:
    result = get("paindetect").score(pd(sensory, course=course))
    assert result.score == total
    assert result.band == band


@pytest.mark.parametrize(
    ("item", "value", "fragment"),
    [
        ("pd_course", 0, "pd_course = 0 is out of range 1–4"),
        ("pd_course", 5, "pd_course = 5 is out of range 1–4"),
        ("pd_radiating", 2, "pd_radiating = 2 is out of range 0–1"),
        ("pd4", 6, "pd4 = 6 is out of range 0–5"),
    ],
)
def test_bad_answers_are_refused_naming_the_item(item: str, value: int, fragment: str) -> None:
    answers: dict[str, object] = dict(pd())
    answers[item] = value
    with pytest.raises(InvalidAnswer) as raised:
        get("paindetect").score(answers)
    assert fragment in str(raised.value)
    assert raised.value.item == item


def test_a_missing_course_answer_is_refused() -> None:
    with pytest.raises(TooManyMissing) as raised:
        get("paindetect").score(pd() | {"pd_course": None})
    assert raised.value.item == "pd_course"
    assert "Freynhagen 2006" in str(raised.value)


def test_a_site_loads_the_licensed_wording_with_the_course_patterns_own_labels(
    tmp_path: Path,
) -> None:
    # The load path for the licensed text (docs/questionnaires.md), with SYNTHETIC texts: the
    # course item's answers are its own four labels under codes 1–4.
    items: dict[str, object] = {f"pd{i}": f"SYNTETISK udsagn {i}" for i in range(1, 8)}
    items["pd_course"] = {
        "text": "SYNTETISK forløb",
        "options": {str(c): f"SYNTETISK mønster {c}" for c in (1, 2, 3, 4)},
    }
    items["pd_radiating"] = {"text": "SYNTETISK udstråling", "options": {"0": "N", "1": "J"}}
    wording = {
        "instrument": "paindetect",
        "language": "da",
        "source": "TEST-PD licence",
        "options": {str(c): f"SYNTETISK grad {c}" for c in range(6)},
        "items": items,
    }
    file = tmp_path / "pd-da.json"
    file.write_text(json.dumps(wording, ensure_ascii=False), encoding="utf-8")
    var = tmp_path / "var"
    assert wording_status("paindetect", "da", directory=var) == "paraphrase"

    load_wording("paindetect", "da", file, directory=var)

    resource = load("paindetect", "da", directory=var)
    assert wording_status("paindetect", "da", directory=var) == "licensed"
    course = next(item for item in resource["item"] if item["linkId"] == "pd_course")
    assert [o["valueCoding"]["code"] for o in course["answerOption"]] == ["1", "2", "3", "4"]
    assert course["answerOption"][1]["valueCoding"]["display"] == "SYNTETISK mønster 2"
    assert "TEST-PD" in resource["copyright"]
