"""Pain intensity on an 11-point Numeric Rating Scale (NRS), 0 = no pain, 10 = worst imaginable.

Sources: Hawker GA et al. Measures of adult pain. Arthritis Care Res 2011;63(S11):S240–52
(administration, 0–10 integers); bands 0 none, 1–3 mild, 4–6 moderate, 7–10 severe
(Boonstra AM et al. Cut-off points for mild, moderate, and severe pain on the numeric rating
scale for pain in patients with chronic musculoskeletal pain. Pain 2016;157(8):1628–35, who
found 0–5 / 6–7 / 8–10 best in chronic pain; painpath uses the conventional 1–3/4–6/7–10
bands of Serlin et al. 1995 and Hawker 2011 and documents the alternative).

Missing answers: a single item; unanswered means no score.

Minimal important change: 2 points or 30 % (Farrar JT et al. Pain 2001;94:149–58; Ostelo et
al. 2008).

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


class NRS(Instrument):
    code = "nrs"
    title = "NRS"
    version = "11-point"
    items: ClassVar[tuple[Item, ...]] = (Item("nrs", 0, 10),)
    score_range = (0.0, 10.0)
    higher_is_better = False
    max_missing = 0
    missing_rule = "single item: an unanswered NRS has no score"
    bands = (Band(0, "none"), Band(3, "mild"), Band(6, "moderate"), Band(10, "severe"))
    band_source = "Serlin et al. 1995, Pain 61:277–84; Hawker et al. 2011"
    mic = MinimalImportantChange(2.0, 0.30, "Farrar et al. 2001, Pain 94:149–58; Ostelo 2008")
    source = "Hawker GA et al. Arthritis Care Res 2011;63(S11):S240–52"
    licence = "Public domain."
    wording_may_be_shipped = True

    def compute(self, x: FloatArray, answered: BoolArray) -> dict[str, FloatArray]:
        return {"score": x[:, 0].copy()}
