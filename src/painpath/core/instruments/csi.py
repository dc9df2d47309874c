"""Central Sensitization Inventory, part A (CSI).

Sources: Mayer TG, Neblett R, Cohen H, et al. The development and psychometric validation of
the Central Sensitization Inventory. Pain Pract 2012;12(4):276–85; Neblett R, Cohen H, Choi Y,
et al. The Central Sensitization Inventory (CSI): establishing clinically significant values
for identifying central sensitivity syndromes in an outpatient chronic pain sample. J Pain
2013;14(5):438–45 (cut-off 40); Neblett R, Hartzell MM, Mayer TG, Cohen H, Gatchel RJ.
Establishing clinically relevant severity levels for the Central Sensitization Inventory.
Pain Pract 2017;17(2):166–75 (severity levels).

Items ``csi1``…``csi25`` (part A), how often each symptom applies: 0 = never, 1 = rarely,
2 = sometimes, 3 = often, 4 = always. Score = sum of the 25 items, 0–100, higher worse
(Mayer 2012). Part B (earlier diagnoses) is not scored and is not included.

Missing answers: Mayer 2012 scores complete forms and gives no rule for unanswered items;
painpath scores only complete forms.

Bands: Neblett 2017 (abstract): 0–29 ``subclinical``, 30–39 ``mild``, 40–49 ``moderate``,
50–59 ``severe``, 60–100 ``extreme``. (The brief for issue 15 gave Neblett 2013 as the source
of these levels; Neblett 2013 set the cut-off 40, the five levels are Neblett 2017.) The CSI
measures symptoms associated with central sensitivity syndromes; it does not establish
central sensitisation or nociplastic pain, and it is not one of the IASP criteria for
nociplastic pain (Kosek 2021).

Minimal important change: none found (no published MIC for the CSI total was found); painpath
gives none.

Licence: © PRIDE Research Foundation, Dallas (the authors' institution); the English form is
printed in Mayer 2012. The terms for shipping the wording in software, and whether a
validated Danish version exists, were not verified. painpath ships codes and its own plain
paraphrase; the item order was written from the published form as recalled and should be
checked against it before use.
"""

from __future__ import annotations

from typing import ClassVar

from painpath.core.instruments.base import (
    Band,
    BoolArray,
    FloatArray,
    Instrument,
    Item,
    items_range,
)


class CSI(Instrument):
    code = "csi"
    title = "CSI"
    version = "part A, 25 items"
    items: ClassVar[tuple[Item, ...]] = items_range("csi", 25, 0, 4)
    score_range = (0.0, 100.0)
    higher_is_better = False
    max_missing = 0
    missing_rule = "Mayer 2012 gives no rule for unanswered items: all 25 are needed"
    bands = (
        Band(29, "subclinical"),
        Band(39, "mild"),
        Band(49, "moderate"),
        Band(59, "severe"),
        Band(100, "extreme"),
    )
    band_source = "Neblett et al. 2017, Pain Pract 17:166–75 (severity levels)"
    mic = None
    source = "Mayer TG, Neblett R, Cohen H, et al. Pain Pract 2012;12:276–85"
    licence = (
        "© PRIDE Research Foundation; terms for shipping the wording not verified. Not shipped."
    )

    def compute(self, x: FloatArray, answered: BoolArray) -> dict[str, FloatArray]:
        return {"score": x.sum(axis=1)}
