"""Neck Disability Index (NDI).

Sources: Vernon H, Mior S. The Neck Disability Index: a study of reliability and validity.
J Manipulative Physiol Ther 1991;14(7):409–15 (items, scoring, interpretation bands);
Vernon H. The Neck Disability Index: state-of-the-art, 1991–2008. J Manipulative Physiol
Ther 2008;31(7):491–502.

Items ``ndi1``…``ndi10`` (pain intensity, personal care, lifting, reading, headaches,
concentration, work, driving, sleeping, recreation), each 0–5. Raw score = sum, 0–50; the
form reports it as a percentage: sum / (5 × sections answered) × 100, 0–100 %, 100 worst.
painpath's score is that percentage; the subscale ``raw`` is the raw score on the 0–50
scale, sum × 50 / (5 × sections answered) — with one section missing that is the form's
"average of the other items added to the completed items" (Vernon).

Missing answers: the scoring instructions printed with the form (as for the ODI, from which
the NDI was adapted) adjust the denominator when "one section is missed or not applied":
16 / 45 × 100 = 35.5 %. painpath therefore allows 1 missing section by default;
``max_missing=0`` scores complete forms only.

Bands (Vernon & Mior 1991, on raw points): 0–4 no disability, 5–14 mild, 15–24 moderate,
25–34 severe, 35–50 complete. painpath states them on the % score (raw × 2) so that band
edges are exact: ≤ 8 % ``none``, ≤ 28 % ``mild``, ≤ 48 % ``moderate``, ≤ 68 % ``severe``,
≤ 100 % ``complete``. A prorated score above a band's upper bound (e.g. 4 of 45 = 8.9 %)
belongs to the next band.

Minimal important change: 5 raw points = 10 % points, which the author gives as both the
minimum detectable change and the minimal clinically important difference (Vernon H, the
NDI author's scoring note, chiro.org/forms/NDI_Explain; the form's "Minimum Detectable
Change (90 % confidence): 5 points or 10 % points"). Other published MCIDs are larger (Young
BA et al. Spine J 2009;9:802–8: 7.5 points, MDC 10.2), so this is the smallest cited value.

Licence: © Howard Vernon; the terms for reproducing the wording in software were not
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
    MinimalImportantChange,
    items_range,
)


class NDI(Instrument):
    code = "ndi"
    title = "NDI"
    version = "Vernon & Mior 1991"
    items: ClassVar[tuple[Item, ...]] = items_range("ndi", 10, 0, 5)
    score_range = (0.0, 100.0)
    higher_is_better = False
    score_unit = "%"
    subscale_names = ("raw",)
    max_missing = 1
    max_missing_choices = (0,)
    missing_rule = "NDI scoring instructions: one section may be missed (16/45 × 100)"
    bands = (
        Band(8, "none"),
        Band(28, "mild"),
        Band(48, "moderate"),
        Band(68, "severe"),
        Band(100, "complete"),
    )
    band_source = "Vernon & Mior 1991 (raw 0–4/5–14/15–24/25–34/35–50, stated × 2 on %)"
    mic = MinimalImportantChange(
        10.0, None, "Vernon (NDI author): 5 raw points = 10 % points (MDC and MCID)"
    )
    source = "Vernon H, Mior S. J Manipulative Physiol Ther 1991;14:409–15"
    licence = "© Howard Vernon; terms for shipping the wording not verified. Wording not shipped."

    def compute(self, x: FloatArray, answered: BoolArray) -> dict[str, FloatArray]:
        total = np.nansum(x, axis=1)
        possible = 5.0 * answered.sum(axis=1)
        # Multiply before dividing so that band edges are exact (18/45 × 100 is 40.0).
        return {"score": total * 100.0 / possible, "raw": total * 50.0 / possible}
