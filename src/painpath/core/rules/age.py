"""A patient's age in whole years on a day, as the episode document's ``age`` holds it.

The episode schema accepts 0 to :data:`MAX_AGE` years (its ``age`` field). A date of birth
that gives an age outside that range on the day classified — after the day, or more than
:data:`MAX_AGE` years before it — is a wrong record (a typo such as 1850 or 9999), never a
patient: :func:`age_on` refuses it with a message that names the date to correct, and
:func:`known_age` treats such an age as not recorded, which every rule set handles ("needs
age").
"""

from __future__ import annotations

import datetime as dt

from painpath.core.rules.episode import episode_schema
from painpath.core.rules.errors import ImpossibleAge

__all__ = ["MAX_AGE", "age_on", "known_age"]

MAX_AGE: int = episode_schema()["properties"]["age"]["maximum"]


def age_on(born: dt.date, day: dt.date) -> int:
    """Completed years from ``born`` to ``day``; raises :class:`ImpossibleAge` when that is
    not between 0 and :data:`MAX_AGE`."""
    age = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
    if not 0 <= age <= MAX_AGE:
        raise ImpossibleAge(born, day, age, MAX_AGE)
    return age


def known_age(born: dt.date, day: dt.date) -> int | None:
    """:func:`age_on`, or None (not recorded) when the date of birth gives an impossible age."""
    try:
        return age_on(born, day)
    except ImpossibleAge:
        return None
