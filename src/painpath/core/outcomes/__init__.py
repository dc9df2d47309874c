"""Outcome arithmetic: the change between two scores of one instrument, read the right way.

For the minimal important change (MIC) painpath uses each instrument's cited MIC
(:attr:`painpath.core.instruments.Instrument.mic`): an absolute change in score units and a
relative one (30 % of the baseline for pain and disability, IMMPACT: Dworkin et al. 2008,
J Pain 9:105–21; Ostelo et al. 2008). Improvement is a fall for scales where higher is worse
(NRS, ODI) and a rise where higher is better (EQ-5D, Oxford scores, PSEQ).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from painpath.core.errors import ScoringError, UnknownInstrument
from painpath.core.instruments import REGISTRY

__all__ = ["Change", "change"]


@dataclass(frozen=True)
class Change:
    """The change from ``baseline`` to ``followup`` on ``instrument``.

    ``change`` is followup − baseline. ``improvement`` is that change signed so that positive
    means better; ``percent_improvement`` is improvement as % of the room the baseline left
    to the best possible score — for scales where 0 is best (pain, disability) that is the
    usual % reduction from baseline; for scales where the maximum is best (EQ-5D, Oxford,
    PSEQ) it is the share of the baseline deficit recovered. None when the baseline is
    already the best score. The two MIC verdicts are None when the
    instrument has no cited MIC of that kind.
    """

    instrument: str
    baseline: float
    followup: float
    change: float
    improvement: float
    percent_improvement: float | None
    mic_absolute: float | None
    mic_relative: float | None
    reached_mic_absolute: bool | None
    reached_mic_relative: bool | None
    mic_source: str | None

    @property
    def improved_importantly(self) -> bool | None:
        """True when either MIC (absolute or relative) is reached, as IMMPACT reports it."""
        verdicts = [
            v for v in (self.reached_mic_absolute, self.reached_mic_relative) if v is not None
        ]
        return any(verdicts) if verdicts else None


def change(instrument: str, baseline: float, followup: float) -> Change:
    """Change between two scores of ``instrument`` (a code such as ``"odi"``).

    >>> c = change("odi", 39, 15)
    >>> c.improvement, round(c.percent_improvement, 1), c.reached_mic_absolute
    (24, 61.5, True)
    """
    try:
        cls = REGISTRY[instrument]
    except KeyError:
        raise UnknownInstrument(instrument, list(REGISTRY)) from None
    low, high = cls.score_range
    for name, value in (("baseline", baseline), ("followup", followup)):
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise ScoringError(f"{cls.title}: {name} = {value!r} is not a number")
        if not low <= value <= high:
            raise ScoringError(f"{cls.title}: {name} = {value} is outside {low:g}–{high:g}")
    delta = followup - baseline
    improvement = delta if cls.higher_is_better else -delta
    room = high - baseline if cls.higher_is_better else baseline - low
    percent = None if room == 0 else improvement * 100 / room
    mic = cls.mic
    reached_abs = reached_rel = None
    if mic is not None and mic.absolute is not None:
        reached_abs = improvement >= mic.absolute
    if mic is not None and mic.relative is not None and percent is not None:
        reached_rel = percent >= mic.relative * 100
    return Change(
        instrument=instrument,
        baseline=baseline,
        followup=followup,
        change=delta,
        improvement=improvement,
        percent_improvement=percent,
        mic_absolute=None if mic is None else mic.absolute,
        mic_relative=None if mic is None else mic.relative,
        reached_mic_absolute=reached_abs,
        reached_mic_relative=reached_rel,
        mic_source=None if mic is None else mic.source,
    )
