"""Keele STarT Back Screening Tool, 9-item version (SBST).

Sources: Hill JC, Dunn KM, Lewis M, Mullis R, Main CJ, Foster NE, Hay EM. A primary care back
pain screening tool: identifying patient subgroups for initial treatment. Arthritis Rheum
2008;59(5):632–41; Keele University, "Using and scoring the Keele STarT Back Screening Tool"
(keele.ac.uk/sbst).

Items ``sbst1``…``sbst8`` (leg pain, shoulder or neck pain, walking, dressing, fear, anxiety,
catastrophising, low mood), each 0 = disagree, 1 = agree; ``sbst9`` (bothersomeness over the
last 2 weeks) 0 = not at all, 1 = slightly, 2 = moderately, 3 = very much, 4 = extremely,
positive (scores 1) for "very much" or "extremely".

Scores (Keele): the overall score is the number of positive items, 0–9 (painpath's score,
also the subscale ``total``); the psychosocial (distress) subscore is the number of positive
items among 5–9, 0–5 (subscale ``psychosocial``).

Risk group (Keele; Hill 2008): overall ≤ 3 low risk; overall ≥ 4 with psychosocial ≤ 3
medium risk; psychosocial ≥ 4 high risk. The group depends on two numbers, so painpath
encodes it as the subscale ``risk`` (0 low, 1 medium, 2 high) and reads the band (``low``,
``medium``, ``high``) from it (:meth:`band_basis`), in both scorers.

Missing answers: Keele's scoring guidance gives no rule for unanswered items; painpath
scores only complete forms.

Minimal important change: the SBST is a screening tool that allocates a risk group, not an
outcome measure; no MIC applies.

Licence: © Keele University (see the "Legal" section of keele.ac.uk/sbst); the terms for
shipping the wording in software were not verified, so painpath ships codes and plain
paraphrases.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np

from painpath.core.instruments.base import (
    Band,
    BoolArray,
    FloatArray,
    Instrument,
    Item,
)

BOTHERSOME_FROM = 3
"""``sbst9`` answers from "very much" (3) upwards are positive (Keele)."""


class StartBack(Instrument):
    code = "startback"
    title = "STarT Back"
    version = "9-item"
    items: ClassVar[tuple[Item, ...]] = (
        *(Item(f"sbst{i}", 0, 1) for i in range(1, 9)),
        Item("sbst9", 0, 4),
    )
    score_range = (0.0, 9.0)
    higher_is_better = False
    subscale_names = ("total", "psychosocial", "risk")
    max_missing = 0
    missing_rule = "Keele scoring guidance gives no rule for unanswered items: all 9 are needed"
    bands = (Band(0, "low"), Band(1, "medium"), Band(2, "high"))
    band_source = "Hill et al. 2008; Keele University SBST scoring (overall ≤ 3; psychosocial ≥ 4)"
    source = "Hill JC et al. Arthritis Rheum 2008;59:632–41; Keele University SBST scoring"
    licence = (
        "© Keele University; terms for shipping the wording not verified. Wording not shipped."
    )

    def compute(self, x: FloatArray, answered: BoolArray) -> dict[str, FloatArray]:
        bothersome = (x[:, 8] >= BOTHERSOME_FROM).astype(np.float64)
        psychosocial = x[:, 4:8].sum(axis=1) + bothersome
        total = x[:, 0:4].sum(axis=1) + psychosocial
        risk = np.where(psychosocial >= 4, 2.0, np.where(total >= 4, 1.0, 0.0))
        return {"score": total, "total": total.copy(), "psychosocial": psychosocial, "risk": risk}

    def band_basis(self, computed: Mapping[str, FloatArray]) -> FloatArray:
        return computed["risk"]
