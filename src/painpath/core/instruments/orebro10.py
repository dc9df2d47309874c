"""Örebro Musculoskeletal Pain Screening Questionnaire, short form (ÖMPSQ-10).

Source: Linton SJ, Nicholas M, MacDonald S. Development of a short form of the Örebro
Musculoskeletal Pain Screening Questionnaire. Spine 2011;36(22):1891–5 (two items from each
of the five predictive factors of the full form: self-perceived function, pain experience,
distress, fear-avoidance beliefs and return-to-work expectancy).

Items, each answered as printed on the form:

* ``duration`` — how long the current pain problem has lasted, the form's category number
  1–10 (1 = 0–1 week, 2 = 1–2 weeks, 3 = 3–4 weeks, 4 = 4–5 weeks, 5 = 6–8 weeks,
  6 = 9–11 weeks, 7 = 3–6 months, 8 = 6–9 months, 9 = 9–12 months, 10 = over 1 year),
  scored as its category number;
* ``pain`` — pain during the past week, 0–10;
* ``anxious``, ``depressed`` — how tense or anxious / how bothered by feeling depressed in
  the past week, 0–10;
* ``risk_persistent`` — how large the risk that the current pain may become persistent, 0–10;
* ``work_expectancy_3m`` — the chances of working normal duties in 3 months, 0 = no chance
  … 10 = very large chance; **reversed**;
* ``stop_if_pain`` — "an increase in pain is an indication that I should stop what I'm
  doing until the pain decreases", 0–10;
* ``not_normal_work`` — "I should not do my normal work with my present pain", 0–10;
* ``light_work`` — "I can do light work for an hour", 0 = can't do it because of pain …
  10 = can do it without pain being a problem; **reversed**;
* ``sleep`` — "I can sleep at night", 0–10 as ``light_work``; **reversed**.

Score = duration + the nine 0–10 items, the three reversed ones as 10 − answer; 1–100,
higher = higher risk. The reversed items are the two function items and the return-to-work
expectancy item, so that every item points towards risk; painpath took the list from the
scoring notes of the awell-score implementation of Linton 2011 ("return to work expectancy,
the ability to do light work, and sleeping at night are reverse scored (10-x)"), which agrees
with the form's anchors; the paper's full text was not available to check it against.

Missing answers: Linton et al. 2011 give no rule for unanswered items; painpath scores only
complete forms.

Bands (Linton 2011): a cut-off of 50 identified 85 % (occupational sample) and 83 % (primary
care sample) of those who developed disability: ≥ 50 ``high`` risk, ≤ 49 ``low``.

Minimal important change: the ÖMPSQ-10 is a screening tool; no MIC applies.

Licence: © Steven J. Linton; the terms for shipping the wording in software were not
verified, so painpath ships codes and plain paraphrases.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from painpath.core.instruments.base import (
    Band,
    BoolArray,
    FloatArray,
    Instrument,
    Item,
)

CODES = (
    "duration",
    "pain",
    "anxious",
    "depressed",
    "risk_persistent",
    "work_expectancy_3m",
    "stop_if_pain",
    "not_normal_work",
    "light_work",
    "sleep",
)
REVERSED = ("work_expectancy_3m", "light_work", "sleep")
"""Items scored 10 − answer (Linton et al. 2011)."""


class Orebro10(Instrument):
    code = "orebro10"
    title = "ÖMPSQ-10"
    version = "short form (Linton 2011)"
    items: ClassVar[tuple[Item, ...]] = (
        Item("duration", 1, 10),
        *(Item(code, 0, 10) for code in CODES[1:]),
    )
    score_range = (1.0, 100.0)
    higher_is_better = False
    max_missing = 0
    missing_rule = "Linton et al. 2011 give no rule for unanswered items: all 10 are needed"
    bands = (Band(49, "low"), Band(100, "high"))
    band_source = "Linton, Nicholas & MacDonald 2011, Spine 36:1891–95 (cut-off 50)"
    source = "Linton SJ, Nicholas M, MacDonald S. Spine 2011;36(22):1891–5"
    licence = "© Steven J. Linton; terms for shipping the wording not verified. Not shipped."

    _reversed: ClassVar[BoolArray] = np.array([code in REVERSED for code in CODES])

    def compute(self, x: FloatArray, answered: BoolArray) -> dict[str, FloatArray]:
        scored = np.where(self._reversed, 10.0 - x, x)
        return {"score": np.asarray(scored.sum(axis=1), dtype=np.float64)}
