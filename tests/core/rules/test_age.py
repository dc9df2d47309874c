"""The classifier's age input: completed years, refused when the date of birth is impossible."""

from __future__ import annotations

import datetime as dt

import pytest

from painpath.core.rules import MAX_AGE, ImpossibleAge, age_on, episode_schema, known_age


def test_the_age_counts_completed_years_and_turns_on_the_birthday() -> None:
    born = dt.date(1970, 5, 17)
    assert age_on(born, dt.date(2026, 5, 16)) == 55
    assert age_on(born, dt.date(2026, 5, 17)) == 56
    assert age_on(born, born) == 0


def test_the_limit_is_the_episode_schemas() -> None:
    assert MAX_AGE == episode_schema()["properties"]["age"]["maximum"] == 130
    assert age_on(dt.date(1896, 1, 1), dt.date(2026, 1, 1)) == MAX_AGE


@pytest.mark.parametrize(
    ("born", "years"), [(dt.date(1850, 1, 1), 176), (dt.date(9999, 12, 31), -7974)]
)
def test_an_impossible_date_of_birth_is_refused_with_the_date_to_correct(
    born: dt.date, years: int
) -> None:
    day = dt.date(2026, 1, 1)
    with pytest.raises(ImpossibleAge) as refused:
        age_on(born, day)
    message = str(refused.value)
    assert f"date of birth {born.isoformat()}" in message
    assert f"{years} years" in message
    assert "correct the date of birth" in message
    assert refused.value.age == years
    assert known_age(born, day) is None


def test_a_birth_after_the_day_classified_is_refused() -> None:
    with pytest.raises(ImpossibleAge):
        age_on(dt.date(2026, 1, 2), dt.date(2026, 1, 1))
