"""Pain Self-Efficacy Questionnaire (PSEQ).

Source: Nicholas MK. The pain self-efficacy questionnaire: taking pain into account. Eur J
Pain 2007;11(2):153–63 (first described by Nicholas in 1989).

Items ``pseq1``…``pseq10``: how confident the patient is that they can do each activity now
despite the pain, 0 = not at all confident … 6 = completely confident. Score = sum, 0–60,
higher is better.

Missing answers: Nicholas 2007 gives no rule for unanswered items; painpath scores only
complete forms.

Bands: no cut-offs from the source were verified, so painpath reports no band.

Minimal important change: 5.5 points (Chiarotto A et al. Responsiveness and minimal important
change of the Pain Self-Efficacy Questionnaire and short forms in patients with chronic low
back pain. J Pain 2016;17(6):707–18; anchor-based ROC, 9 % of the scale range). No relative
MIC is cited.

Licence: © Michael K. Nicholas; the terms for shipping the wording in software were not
verified, so painpath ships codes and plain paraphrases.
"""

from __future__ import annotations

from typing import ClassVar

from painpath.core.instruments.base import (
    BoolArray,
    FloatArray,
    Instrument,
    Item,
    MinimalImportantChange,
    items_range,
)


class PSEQ(Instrument):
    code = "pseq"
    title = "PSEQ"
    version = "10-item"
    items: ClassVar[tuple[Item, ...]] = items_range("pseq", 10, 0, 6)
    score_range = (0.0, 60.0)
    higher_is_better = True
    max_missing = 0
    missing_rule = "Nicholas 2007 gives no rule for unanswered items: all 10 are needed"
    mic = MinimalImportantChange(5.5, None, "Chiarotto et al. 2016, J Pain 17:707–18")
    source = "Nicholas MK. Eur J Pain 2007;11:153–63"
    licence = "© Michael K. Nicholas; terms for shipping the wording not verified. Not shipped."

    def compute(self, x: FloatArray, answered: BoolArray) -> dict[str, FloatArray]:
        return {"score": x.sum(axis=1)}
