"""RAND 36-Item Health Survey 1.0 (RAND-36): eight health scales, 0–100 each.

Sources: Hays RD, Sherbourne CD, Mazel RM. The RAND 36-Item Health Survey 1.0. Health Econ
1993;2(3):217–27; RAND Health Care, 36-Item Short Form Survey (SF-36) Scoring Instructions
(rand.org, read in a public copy). The items are those of the MOS SF-36 (Ware JE,
Sherbourne CD. Med Care 1992;30:473–83); RAND's scoring differs from the SF-36's (bodily pain
and general health), so scores are RAND-36 scores, not SF-36 scores.

Items ``rand36_1``…``rand36_36`` in the form's order, each answered by the precoded number of
the box ticked (1 = the first answer printed). Step 1 (RAND's Table 1) recodes every answer
to 0–100, 100 = the most favourable state:

* items 1, 2, 20, 22, 34, 36 (five answers): 1 → 100, 2 → 75, 3 → 50, 4 → 25, 5 → 0;
* items 3–12 (three answers): 1 → 0, 2 → 50, 3 → 100;
* items 13–19 (yes / no): 1 → 0, 2 → 100;
* items 21, 23, 26, 27, 30 (six answers): 1 → 100, 2 → 80, … 6 → 0;
* items 24, 25, 28, 29, 31 (six answers): 1 → 0, 2 → 20, … 6 → 100;
* items 32, 33, 35 (five answers): 1 → 0, 2 → 25, 3 → 50, 4 → 75, 5 → 100.

Step 2 (RAND's Table 2): each scale is the mean of its recoded items — ``physical_functioning``
3–12, ``role_physical`` 13–16, ``role_emotional`` 17–19, ``energy_fatigue`` 23, 27, 29, 31,
``emotional_wellbeing`` 24, 25, 26, 28, 30, ``social_functioning`` 20, 32, ``pain`` 21, 22,
``general_health`` 1, 33, 34, 35, 36. Item 2 (health now compared with a year ago) belongs to
no scale; painpath returns its recoded value as ``health_change``.

Missing answers (RAND's instructions): items left blank are not taken into account; a scale
score is the mean of the items of that scale the respondent answered. A scale with none of
its items answered is empty.

painpath's ``score`` is the Pain scale (RAND recommends no single total; painpath follows the
scale a pain clinic follows, as for the KOOS), repeated as subscale ``pain``: a form with
neither pain item (21, 22) answered is refused, and every other item is optional.

Bands: none published by RAND.

Minimal important change: none cited; painpath found none for the RAND-36 Pain scale that it
could verify in a chronic pain population.

Licence: RAND's surveys are public documents. RAND's terms of use grant permission to use the
survey; changes may be made without RAND's written permission but must be identified as the
user's, and the user is responsible for the accuracy of any translation (RAND, Terms and
Conditions for Using the 36-Item Short Form Survey, read in a public copy). painpath ships its
own plain paraphrase in da/en/de, marked as such, not RAND's wording and not a validated
translation; RAND's English text or a validated translation loads by load-wording. The
validated Danish SF-36 (Bjørner JB et al. 1998) is licensed separately by the SF-36's owner
and is not the RAND-36 — not checked further.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from painpath.core.instruments.base import (
    BoolArray,
    FloatArray,
    Instrument,
    Item,
)

# RAND's Table 1: (item numbers, number of answers, recoded value of answer 1, step per answer).
_RECODE = (
    ((1, 2, 20, 22, 34, 36), 5, 100.0, -25.0),
    (tuple(range(3, 13)), 3, 0.0, 50.0),
    (tuple(range(13, 20)), 2, 0.0, 100.0),
    ((21, 23, 26, 27, 30), 6, 100.0, -20.0),
    ((24, 25, 28, 29, 31), 6, 0.0, 20.0),
    ((32, 33, 35), 5, 0.0, 25.0),
)
_ANSWERS = {n: count for numbers, count, _, _ in _RECODE for n in numbers}
_FIRST = np.array([first for n in range(1, 37) for ns, _, first, _ in _RECODE if n in ns])
_STEP = np.array([step for n in range(1, 37) for ns, _, _, step in _RECODE if n in ns])

SCALES = {
    "pain": (21, 22),
    "physical_functioning": tuple(range(3, 13)),
    "role_physical": (13, 14, 15, 16),
    "role_emotional": (17, 18, 19),
    "energy_fatigue": (23, 27, 29, 31),
    "emotional_wellbeing": (24, 25, 26, 28, 30),
    "social_functioning": (20, 32),
    "general_health": (1, 33, 34, 35, 36),
}
"""Item numbers of each scale (RAND's Table 2)."""


class RAND36(Instrument):
    code = "rand36"
    title = "RAND-36"
    version = "1.0 (RAND scoring)"
    items: ClassVar[tuple[Item, ...]] = tuple(
        Item(f"rand36_{n}", 1, _ANSWERS[n], optional=n not in SCALES["pain"]) for n in range(1, 37)
    )
    score_range = (0.0, 100.0)
    higher_is_better = True
    subscale_names = (*SCALES, "health_change")
    max_missing = 1
    missing_rule = (
        "RAND scoring instructions: a scale is the mean of its answered items; painpath's "
        "score, the Pain scale, needs item 21 or 22"
    )
    mic = None
    source = (
        "Hays RD, Sherbourne CD, Mazel RM. Health Econ 1993;2:217–27; RAND 36-Item Short Form "
        "Survey Scoring Instructions"
    )
    licence = (
        "RAND: public document, use permitted, changes to be marked as the user's. "
        "painpath ships a marked paraphrase."
    )

    def compute(self, x: FloatArray, answered: BoolArray) -> dict[str, FloatArray]:
        recoded = _FIRST + (x - 1.0) * _STEP
        result: dict[str, FloatArray] = {}
        for name, numbers in SCALES.items():
            columns = [n - 1 for n in numbers]
            counted = answered[:, columns].sum(axis=1)
            total = np.where(answered[:, columns], recoded[:, columns], 0.0).sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                result[name] = np.where(counted > 0, total / counted, np.nan)
        result["health_change"] = recoded[:, 1]
        result["score"] = result["pain"]
        return result
