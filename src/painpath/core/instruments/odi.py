"""Oswestry Disability Index, version 2.1a (ODI).

Source: Fairbank JCT, Pynsent PB. The Oswestry Disability Index. Spine 2000;25(22):2940–52
(scoring, missing sections and the disability bands); version 2.1a as distributed by Mapi
Research Trust.

Items ``odi1``…``odi10`` (pain intensity, personal care, lifting, walking, sitting, standing,
sleeping, sex life, social life, travelling), each 0–5. Score = sum / (5 × sections
answered) × 100, in % 0–100, 100 worst. Fairbank 2000 gives the worked examples: 16 points
with all ten sections answered → 16/50 × 100 = 32 %; one section missing → 16/45 × 100 =
35.6 %.

Missing answers: Fairbank 2000 adjusts the denominator only for "one section missed or not
applicable"; painpath therefore scores with at most 1 section missing by default. Some
registries accept 2 (``max_missing=2``); that is a documented choice, not the manual's rule.

Bands (Fairbank 2000): 0–20 % minimal disability, 21–40 % moderate, 41–60 % severe,
61–80 % crippled, 81–100 % bed-bound; a non-whole score belongs to the lower band up to and
including its upper bound (e.g. 20.0 minimal, 22.2 moderate).

Minimal important change: 10 points or 30 % improvement (Ostelo RWJG et al. Interpreting
change scores for pain and functional status in low back pain. Spine 2008;33(1):90–4).

Licence: ODI © Jeremy Fairbank, distributed by Mapi Research Trust (ePROVIDE); the item
wording may not be shipped without a licence. painpath ships codes and plain paraphrases.
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
    MinimalImportantChange,
    items_range,
)


class ODI(Instrument):
    code = "odi"
    title = "ODI"
    version = "2.1a"
    items: ClassVar[tuple[Item, ...]] = items_range("odi", 10, 0, 5)
    score_range = (0.0, 100.0)
    higher_is_better = False
    score_unit = "%"
    max_missing = 1
    max_missing_choices = (0, 2)
    missing_rule = "Fairbank & Pynsent 2000"
    bands = (
        Band(20, "minimal"),
        Band(40, "moderate"),
        Band(60, "severe"),
        Band(80, "crippled"),
        Band(100, "bed-bound"),
    )
    band_source = "Fairbank & Pynsent 2000"
    mic = MinimalImportantChange(10.0, 0.30, "Ostelo et al. 2008, Spine 33:90–94")
    source = "Fairbank JCT, Pynsent PB. The Oswestry Disability Index. Spine 2000;25:2940–52"
    licence = "© Jeremy Fairbank; Mapi Research Trust. Wording not shipped."

    def compute(self, x: FloatArray, answered: BoolArray) -> dict[str, FloatArray]:
        total = np.nansum(x, axis=1)
        # Multiply before dividing so that band edges are exact (9/45 × 100 is not 20.0).
        return {"score": total * 100.0 / (5.0 * answered.sum(axis=1))}
