"""Shoulder Pain and Disability Index (SPADI), numeric (0–10) version.

Source: Roach KE, Budiman-Mak E, Songsiridej N, Lertratanakul Y. Development of a shoulder
pain and disability index. Arthritis Care Res 1991;4(4):143–9 (the items; first on a visual
analogue scale); the 0–10 numeric version: Williams JW, Holleman DR, Simel DL. J Rheumatol
1995;22:727–32; the scoring as the distributed SPADI form gives it ("Source: Roach et al.
1991"). painpath could not read the papers' full text.

Items, each 0–10: ``spadi1``…``spadi5`` pain (0 = no pain, 10 = worst pain imaginable): at its
worst, lying on the involved side, reaching a high shelf, touching the back of the neck,
pushing with the involved arm; ``spadi6``…``spadi13`` disability (0 = no difficulty, 10 = so
difficult it requires help): washing the hair, washing the back, putting on an undershirt or
jumper, putting on a shirt that buttons down the front, putting on trousers, placing an object
on a high shelf, carrying a heavy object (4.5 kg), removing something from a back pocket.

Score (the form): ``pain`` = sum / 50 × 100, ``disability`` = sum / 80 × 100, total (the
score) = sum of all 13 / 130 × 100; each 0–100 %, higher worse. Unanswered items are taken
out of the denominator (the form: "if 1 question missed divide by 40", 70, 120). The same form
also says the two subscales are averaged for the total, which differs when the subscales
differ; painpath follows the form's arithmetic (sum / 130) and records the discrepancy here.

Missing answers: at most 2 of the 13 items (Roach 1991 as the secondary literature reports
it: a form with more than two items marked not applicable is not scored; not checked against
the paper). The denominators then leave the unanswered items out, as above.

Bands: none published.

Minimal important change: 13 points on the total. Roy JS, MacDermid JC, Woodhouse LJ.
Measuring shoulder function: a systematic review of four questionnaires. Arthritis Rheum
2009;61(5):623–32 report a minimal clinically important difference of 8–13 points (as
reported; not checked against the text); painpath uses 13, the upper bound, which is also the
SPADI form's minimal detectable change (90 % confidence), so that measurement error is not
called an improvement.

Licence: © the authors (Roach et al. 1991). The SPADI is widely reproduced free of charge,
but no statement of terms for shipping its wording (or that of a Danish or German version)
in software was found; painpath ships codes and plain paraphrases, marked as such.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from painpath.core.instruments.base import (
    BoolArray,
    FloatArray,
    Instrument,
    Item,
    MinimalImportantChange,
    items_range,
)

PAIN_ITEMS = 5
"""Items 1–5 are the pain subscale, 6–13 the disability subscale."""


def _percent(x: FloatArray, answered: BoolArray) -> FloatArray:
    """Sum of the answered items over their maximum (10 each), as a percentage."""
    total = np.where(answered, x, 0.0).sum(axis=1)
    return np.asarray(total / (10.0 * answered.sum(axis=1)) * 100.0, dtype=np.float64)


class SPADI(Instrument):
    code = "spadi"
    title = "SPADI"
    version = "13-item numeric"
    items: ClassVar[tuple[Item, ...]] = items_range("spadi", 13, 0, 10)
    score_range = (0.0, 100.0)
    higher_is_better = False
    score_unit = "%"
    subscale_names = ("pain", "disability")
    max_missing = 2
    missing_rule = (
        "Roach 1991 as reported: more than 2 of 13 items unanswered, no score; "
        "the others are scored over the answered items"
    )
    mic = MinimalImportantChange(
        13.0, None, "Roy, MacDermid & Woodhouse 2009, Arthritis Rheum 61:623–32 (8–13 points)"
    )
    source = "Roach KE et al. Arthritis Care Res 1991;4:143–9; numeric version Williams 1995"
    licence = "© Roach et al. 1991; terms for shipping the wording not found. Not shipped."

    def compute(self, x: FloatArray, answered: BoolArray) -> dict[str, FloatArray]:
        pain = slice(0, PAIN_ITEMS)
        disability = slice(PAIN_ITEMS, None)
        return {
            "score": _percent(x, answered),
            "pain": _percent(x[:, pain], answered[:, pain]),
            "disability": _percent(x[:, disability], answered[:, disability]),
        }
