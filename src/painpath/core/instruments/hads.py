"""Hospital Anxiety and Depression Scale (HADS).

Sources: Zigmond AS, Snaith RP. The Hospital Anxiety and Depression Scale. Acta Psychiatr
Scand 1983;67(6):361–70; Snaith RP. The Hospital Anxiety And Depression Scale. Health Qual
Life Outcomes 2003;1:29.

Items ``hads1``…``hads14`` in the published order, anxiety and depression alternating: the
odd items (1, 3, 5, 7, 9, 11, 13) are the anxiety subscale, the even items (2, 4, …, 14) the
depression subscale. Each answer is coded by its item score 0–3; on the form the highest
score is printed first for some items and last for others, and the answer code is the score,
not the position, so painpath reverses nothing. Subscales ``anxiety`` and ``depression``:
each the sum of its seven items, 0–21 (Zigmond & Snaith 1983; Snaith 2003).

painpath's ``score`` is the total of all 14 items, 0–42, higher worse: one number for the
outcome report. The authors designed two separate scales and interpret each alone; the total
is used in research as a distress score, but it is not the manual's measure, so read the
subscales.

Bands (Zigmond & Snaith 1983; Snaith 2003), per subscale: 0–7 normal, 8–10 borderline (doubtful
case), 11–21 abnormal (case). painpath's band is the band of the higher of the two subscales
(``normal``, ``borderline``, ``abnormal``), so that a case on either subscale shows; each
subscale's own value is returned beside it.

Missing answers: the HADS manual's rule for unanswered items (GL Assessment) was not
available; Bell ML et al. (BMC Res Notes 2016;9:479) note that little guidance exists and
recommend a half rule for individual scores, which is not the manual's. painpath scores only
complete forms.

Minimal important change: none cited for the total. Published MIDs are per subscale and in
other populations (about 1.5 points per subscale in COPD, Puhan MA et al. Health Qual Life
Outcomes 2008;6:46 — not read in full), so painpath gives none.

Licence: © R.P. Snaith and A.S. Zigmond; distributed by GL Assessment (formerly nferNelson;
Snaith 2003), which sells the scale and licences its use (GL Assessment's HADS guidance for
its online version; the licence terms and fees were not read, nor who distributes the Danish
version — possibly Mapi Research Trust, not verified). painpath ships codes and its own plain
paraphrase, not the wording.
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
    items_range,
)

ANXIETY = (1, 3, 5, 7, 9, 11, 13)
DEPRESSION = (2, 4, 6, 8, 10, 12, 14)


class HADS(Instrument):
    code = "hads"
    title = "HADS"
    version = "14-item"
    items: ClassVar[tuple[Item, ...]] = items_range("hads", 14, 0, 3)
    score_range = (0.0, 42.0)
    higher_is_better = False
    subscale_names = ("anxiety", "depression")
    max_missing = 0
    missing_rule = "the HADS manual's rule could not be verified: all 14 are needed"
    bands = (Band(7, "normal"), Band(10, "borderline"), Band(21, "abnormal"))
    band_source = (
        "Zigmond & Snaith 1983, Acta Psychiatr Scand 67:361–70 (per subscale 0–7, 8–10, 11–21); "
        "painpath: the band of the higher subscale"
    )
    mic = None
    source = "Zigmond AS, Snaith RP. Acta Psychiatr Scand 1983;67:361–70; Snaith RP. HQLO 2003;1:29"
    licence = "© Snaith & Zigmond; distributed under licence by GL Assessment. Not shipped."

    def compute(self, x: FloatArray, answered: BoolArray) -> dict[str, FloatArray]:
        anxiety = x[:, [n - 1 for n in ANXIETY]].sum(axis=1)
        depression = x[:, [n - 1 for n in DEPRESSION]].sum(axis=1)
        return {"score": anxiety + depression, "anxiety": anxiety, "depression": depression}

    def band_basis(self, computed: Mapping[str, FloatArray]) -> FloatArray:
        return np.maximum(computed["anxiety"], computed["depression"])
