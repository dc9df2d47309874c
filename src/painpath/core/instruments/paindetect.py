"""painDETECT questionnaire (PD-Q).

Source: Freynhagen R, Baron R, Gockel U, Tölle TR. painDETECT: a new screening questionnaire
to identify neuropathic components in patients with back pain. Curr Med Res Opin
2006;22(10):1911–20 (the questionnaire and its scoring sheet are the paper's figure).

Scored items:

* ``pd1``…``pd7``, the seven sensory items, each 0 = never, 1 = hardly noticed,
  2 = slightly, 3 = moderately, 4 = strongly, 5 = very strongly: ``pd1`` burning, ``pd2``
  tingling or prickling, ``pd3`` light touch (clothing, a blanket) painful, ``pd4`` sudden
  electric-shock-like attacks, ``pd5`` cold or heat painful, ``pd6`` numbness, ``pd7`` slight
  pressure (a finger) triggers pain. Scored as answered, 0–35.
* ``pd_course``, the pain-course pattern, one of four pictures. Its answer code is the
  picture's number, not its score, because two pictures score alike: 1 = persistent pain with
  slight fluctuations (0), 2 = persistent pain with pain attacks (−1), 3 = pain attacks
  without pain between them (+1), 4 = pain attacks with pain between them (+1).
* ``pd_radiating``, does the pain radiate to other regions of the body: 0 = no (0),
  1 = yes (+2).

Total = sensory sum + course score + radiating score, −1…38 (Freynhagen 2006). The form's
unscored parts — the three 0–10 pain ratings (now, strongest and average in the past four
weeks) and the body map — are not part of this instrument; painpath asks pain intensity with
the NRS and the regions with its body map.

Missing answers: the paper scores complete forms and gives no rule for unanswered items;
painpath scores only complete forms.

Bands (Freynhagen 2006, the scoring sheet): ≤ 12 ``neuropathic component unlikely``
(< 15 %), 13–18 ``ambiguous`` (a neuropathic component may be present), ≥ 19
``neuropathic component likely`` (> 90 %). A screening result, not a diagnosis; it is not
part of the neuropathic grading (rule set ``neuropathic-finnerup2016``).

Minimal important change: none. painDETECT is a screening tool; no MIC is cited.

Licence: © Pfizer Pharma GmbH (the questionnaire was developed with the German Research
Network on Neuropathic Pain). The terms for shipping its wording (German original, English
and Danish versions) in software were not verified; painpath ships codes and plain
paraphrases, and a site that holds the licence loads the wording (docs/questionnaires.md).
Where the licensed text is obtained (Pfizer; Mapi Research Trust, ePROVIDE, may distribute
it) was not verified.
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
    items_range,
)

SENSORY_ITEMS = 7

COURSE_SCORES = {1: 0.0, 2: -1.0, 3: 1.0, 4: 1.0}
"""Score of each pain-course picture (Freynhagen 2006, scoring sheet), by its answer code."""
_COURSE_LOOKUP = np.array([np.nan, *COURSE_SCORES.values()])

RADIATING_SCORE = 2.0
"""Points for radiating pain (Freynhagen 2006, scoring sheet)."""


class PainDetect(Instrument):
    code = "paindetect"
    title = "painDETECT"
    version = "9-item scored part"
    items: ClassVar[tuple[Item, ...]] = (
        *items_range("pd", SENSORY_ITEMS, 0, 5),
        Item("pd_course", 1, 4),
        Item("pd_radiating", 0, 1),
    )
    score_range = (-1.0, 38.0)
    higher_is_better = False
    subscale_names = ("sensory",)
    max_missing = 0
    missing_rule = "Freynhagen 2006 gives no rule for unanswered items: all 9 are needed"
    bands = (
        Band(12, "neuropathic component unlikely"),
        Band(18, "ambiguous"),
        Band(38, "neuropathic component likely"),
    )
    band_source = "Freynhagen 2006, scoring sheet: ≤ 12 unlikely, 13–18 ambiguous, ≥ 19 likely"
    mic = None
    source = "Freynhagen R, Baron R, Gockel U, Tölle TR. Curr Med Res Opin 2006;22:1911–20"
    licence = "© Pfizer Pharma GmbH; terms for shipping the wording not verified. Not shipped."

    def compute(self, x: FloatArray, answered: BoolArray) -> dict[str, FloatArray]:
        sensory = x[:, :SENSORY_ITEMS].sum(axis=1)
        course = _COURSE_LOOKUP[x[:, SENSORY_ITEMS].astype(np.intp)]
        radiating = x[:, SENSORY_ITEMS + 1] * RADIATING_SCORE
        return {"score": sensory + course + radiating, "sensory": sensory}
