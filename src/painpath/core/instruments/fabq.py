"""Fear-Avoidance Beliefs Questionnaire (FABQ).

Source: Waddell G, Newton M, Henderson I, Somerville D, Main CJ. A Fear-Avoidance Beliefs
Questionnaire (FABQ) and the role of fear-avoidance beliefs in chronic low back pain and
disability. Pain 1993;52(2):157–68.

Items ``fabq1``…``fabq16`` in the published order, each 0 = completely disagree, 3 = unsure,
6 = completely agree; items 1–5 are about physical activity, 6–16 about work. Two subscales,
each the sum of its items (Waddell 1993): ``physical_activity`` items 2, 3, 4, 5 (0–24) and
``work`` items 6, 7, 9, 10, 11, 12, 15 (0–42); items 1, 8, 13, 14 and 16 are asked but not
scored. Higher = stronger fear-avoidance beliefs.

The paper defines no total. painpath's score is the physical activity subscale, the one every
patient can answer; the work subscale is reported beside it.

Missing answers: the paper gives no rule for unanswered items. painpath computes each subscale
only from all of its items: the four physical activity items are required (no score without
them); the work items are optional on the form (a patient without work may leave them), and the
work subscale is empty unless all seven are answered. The unscored items are optional.

Bands: none. The cut-offs in the literature are for the work subscale and for return to work
(FABQ-W > 34, Fritz JM, George SZ. Phys Ther 2002;82:973–83), or not traced to a primary
source (FABQ-PA > 14 or > 15); none is encoded.

Minimal important change: none cited.

Licence: the questionnaire is printed in the paper (© International Association for the Study
of Pain, published by Elsevier). No statement of terms for shipping its wording (or that of a
Danish or German version) in software was found; painpath ships codes and plain paraphrases,
marked as such.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from painpath.core.instruments.base import BoolArray, FloatArray, Instrument, Item

PHYSICAL_ACTIVITY = (2, 3, 4, 5)
"""Items of the physical activity subscale (Waddell 1993)."""
WORK = (6, 7, 9, 10, 11, 12, 15)
"""Items of the work subscale (Waddell 1993)."""


class FABQ(Instrument):
    code = "fabq"
    title = "FABQ"
    version = "16-item"
    items: ClassVar[tuple[Item, ...]] = tuple(
        Item(f"fabq{n}", 0, 6, optional=n not in PHYSICAL_ACTIVITY) for n in range(1, 17)
    )
    score_range = (0.0, 24.0)
    higher_is_better = False
    subscale_names = ("physical_activity", "work")
    max_missing = 0
    missing_rule = (
        "Waddell 1993 gives no rule for unanswered items: the physical activity items 2–5 "
        "are all needed; the work subscale needs all seven of its items"
    )
    mic = None
    source = "Waddell G et al. Pain 1993;52:157–68"
    licence = (
        "Printed in Waddell et al., Pain 1993 (© IASP/Elsevier); terms for shipping the "
        "wording not found. Not shipped."
    )

    def compute(self, x: FloatArray, answered: BoolArray) -> dict[str, FloatArray]:
        physical = x[:, [n - 1 for n in PHYSICAL_ACTIVITY]].sum(axis=1)
        # NaN where a work item is unanswered: the subscale needs all seven.
        work = x[:, [n - 1 for n in WORK]].sum(axis=1)
        return {
            "score": physical,
            "physical_activity": physical.copy(),
            "work": np.asarray(work, dtype=np.float64),
        }
