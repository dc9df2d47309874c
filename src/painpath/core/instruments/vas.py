"""Pain intensity on a 100 mm Visual Analogue Scale (VAS), 0 = no pain, 100 = worst pain.

Sources: Hawker GA et al. Measures of adult pain. Arthritis Care Res 2011;63(S11):S240–52
(administration: the distance in mm from the "no pain" end to the patient's mark, 0–100;
a measured distance may have a fraction, so answers need not be whole numbers).

Item ``vas`` 0–100 mm. Score = the answer, unchanged.

Missing answers: a single item; unanswered means no score.

Bands (Boonstra AM, Schiphorst Preuper HR, Balk GA, Stewart RE. Cut-off points for mild,
moderate, and severe pain on the visual analogue scale for pain in patients with chronic
musculoskeletal pain. Pain 2014;155(12):2545–50; their verbal-rating analysis): ≤ 3.4 cm
mild, 3.5–7.4 cm moderate, ≥ 7.5 cm severe, in mm ≤ 34 / 35–74 / 75–100; 0 mm, the scale's
"no pain" anchor, is ``none``. A mark between two whole millimetres above a band's upper
bound (e.g. 34.5) belongs to the next band. Boonstra et al. themselves warn that no cut-off
points are universally accepted; the bands are a reading aid, not a diagnosis.

Minimal important change: 15 mm or 30 % (Ostelo RWJG et al. Interpreting change scores for
pain and functional status in low back pain. Spine 2008;33(1):90–4).

Licence: public domain; wording may be shipped.
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
)


class VAS(Instrument):
    code = "vas"
    title = "VAS"
    version = "100 mm"
    items: ClassVar[tuple[Item, ...]] = (Item("vas", 0, 100, integer=False),)
    score_range = (0.0, 100.0)
    higher_is_better = False
    score_unit = "mm"
    max_missing = 0
    missing_rule = "single item: an unanswered VAS has no score"
    bands = (Band(0, "none"), Band(34, "mild"), Band(74, "moderate"), Band(100, "severe"))
    band_source = "Boonstra et al. 2014, Pain 155:2545–50"
    mic = MinimalImportantChange(15.0, 0.30, "Ostelo et al. 2008, Spine 33:90–94")
    source = "Hawker GA et al. Arthritis Care Res 2011;63(S11):S240–52"
    licence = "Public domain."
    wording_may_be_shipped = True

    def compute(self, x: FloatArray, answered: BoolArray) -> dict[str, FloatArray]:
        return {"score": x[:, 0].copy()}
