"""Pain Catastrophizing Scale (PCS).

Sources: Sullivan MJL, Bishop SR, Pivik J. The Pain Catastrophizing Scale: development and
validation. Psychol Assess 1995;7(4):524–32; Sullivan MJL. The Pain Catastrophizing Scale:
User Manual. McGill University, 2009.

Items ``pcs1``…``pcs13``, each 0 = not at all, 1 = to a slight degree, 2 = to a moderate
degree, 3 = to a great degree, 4 = all the time. Total = sum of the 13 items, 0–52, higher
worse (painpath's score). Subscales (User Manual), each the sum of its items:
``rumination`` items 8, 9, 10, 11 (0–16); ``magnification`` items 6, 7, 13 (0–12);
``helplessness`` items 1, 2, 3, 4, 5, 12 (0–24).

Missing answers: the User Manual scores complete forms and gives no rule for unanswered
items; painpath scores only complete forms.

Bands (User Manual): a total of 30 or more (reported as about the 75th percentile)
is a clinically relevant level of catastrophizing: ≤ 29 ``not clinically relevant``,
≥ 30 ``clinically relevant``.

Minimal important change: a 38 % reduction (Scott W, Wideman TH, Sullivan MJL. Clinically
meaningful scores on pain catastrophizing before and after multidisciplinary rehabilitation.
Clin J Pain 2014;30(3):183–90, who found reductions of about 38–44 % best identified good
outcomes at one year; painpath uses the lower bound). No absolute MIC is cited.

Licence: © Michael J.L. Sullivan; the terms for shipping the wording in software were not
verified, so painpath ships codes and plain paraphrases.
"""

from __future__ import annotations

from typing import ClassVar

from painpath.core.instruments.base import (
    Band,
    BoolArray,
    FloatArray,
    Instrument,
    Item,
    MinimalImportantChange,
    items_range,
)

SUBSCALES = {
    "rumination": (8, 9, 10, 11),
    "magnification": (6, 7, 13),
    "helplessness": (1, 2, 3, 4, 5, 12),
}
"""Item numbers of each subscale (PCS User Manual)."""


class PCS(Instrument):
    code = "pcs"
    title = "PCS"
    version = "13-item"
    items: ClassVar[tuple[Item, ...]] = items_range("pcs", 13, 0, 4)
    score_range = (0.0, 52.0)
    higher_is_better = False
    subscale_names = tuple(SUBSCALES)
    max_missing = 0
    missing_rule = "PCS User Manual gives no rule for unanswered items: all 13 are needed"
    bands = (Band(29, "not clinically relevant"), Band(52, "clinically relevant"))
    band_source = "Sullivan, PCS User Manual 2009 (total ≥ 30 clinically relevant)"
    mic = MinimalImportantChange(
        None, 0.38, "Scott, Wideman & Sullivan 2014, Clin J Pain 30:183–90"
    )
    source = "Sullivan MJL, Bishop SR, Pivik J. Psychol Assess 1995;7:524–32; PCS User Manual 2009"
    licence = "© Michael J.L. Sullivan; terms for shipping the wording not verified. Not shipped."

    def compute(self, x: FloatArray, answered: BoolArray) -> dict[str, FloatArray]:
        result = {"score": x.sum(axis=1)}
        for name, numbers in SUBSCALES.items():
            result[name] = x[:, [n - 1 for n in numbers]].sum(axis=1)
        return result
