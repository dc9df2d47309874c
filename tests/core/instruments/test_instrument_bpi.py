"""Brief Pain Inventory, short form (Cleeland; BPI User Guide 2009).

No published worked example (a filled-in form with its scores) was found in the sources read:
the User Guide gives the rules (severity = mean of the four severity items; interference =
mean of the seven interference items, usable when at least four of seven are answered). The
examples below are hand-computed from those rules and marked as such.
"""

import pytest

from painpath.core.errors import InvalidAnswer, TooManyMissing
from painpath.core.instruments import get
from painpath.core.outcomes import change

SEVERITY = ("bpi3", "bpi4", "bpi5", "bpi6")
INTERFERENCE = tuple(f"bpi9{letter}" for letter in "abcdefg")


def bpi(
    severity: tuple[int | None, ...], interference: tuple[int | None, ...]
) -> dict[str, int | None]:
    return dict(zip(SEVERITY, severity, strict=True)) | dict(
        zip(INTERFERENCE, interference, strict=True)
    )


def test_hand_computed_interference_and_severity_are_the_item_means() -> None:
    # Hand-computed from the User Guide's rule, not a published example: severity
    # (8 + 3 + 5 + 4) / 4 = 5; interference (6 + 7 + 5 + 8 + 2 + 9 + 5) / 7 = 6.
    result = get("bpi").score(bpi((8, 3, 5, 4), (6, 7, 5, 8, 2, 9, 5)))
    assert result.score == pytest.approx(6.0, abs=1e-12)
    assert result.subscales == {"severity": pytest.approx(5.0, abs=1e-12)}
    assert result.band is None


def test_interference_with_three_items_missing_is_the_mean_of_the_four_answered() -> None:
    # User Guide: the mean can be used if four of seven items have been completed.
    # Hand-computed: (2 + 3 + 4 + 6) / 4 = 3.75.
    result = get("bpi").score(bpi((1, 1, 1, 1), (2, None, 3, None, 4, None, 6)))
    assert result.score == pytest.approx(3.75, abs=1e-12)


def test_four_interference_items_missing_is_refused_naming_the_rule() -> None:
    with pytest.raises(TooManyMissing) as raised:
        get("bpi").score(bpi((1, 1, 1, 1), (2, None, None, None, 4, None, 6)))
    message = str(raised.value)
    assert "4 of 7 items missing" in message
    assert "at least 4 of its 7 items" in message
    assert raised.value.item == "bpi9b"


def test_severity_needs_all_four_items_but_does_not_block_the_interference_score() -> None:
    result = get("bpi").score(bpi((8, None, 5, 4), (1,) * 7))
    assert result.score == 1
    assert result.subscales == {"severity": None}
    # The severity items are not counted by the interference rule.
    assert get("bpi").score(bpi((None,) * 4, (2,) * 7)).score == 2


def test_bad_answers_are_refused_naming_the_item() -> None:
    with pytest.raises(InvalidAnswer) as raised:
        get("bpi").score(bpi((11, 1, 1, 1), (1,) * 7))
    assert "bpi3 = 11 is out of range 0–10" in str(raised.value)
    assert raised.value.item == "bpi3"


def test_the_mic_is_one_point_of_interference() -> None:
    # IMMPACT (Dworkin et al. 2008), as ePPOC reports it: 1 point on the interference mean.
    assert change("bpi", 6, 5).reached_mic_absolute is True
    assert change("bpi", 6, 5.5).reached_mic_absolute is False
    assert change("bpi", 6, 5).reached_mic_relative is None
