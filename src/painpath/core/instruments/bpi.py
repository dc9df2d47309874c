"""Brief Pain Inventory, short form (BPI-SF): pain interference and pain severity.

Sources: Cleeland CS, Ryan KM. Pain assessment: global use of the Brief Pain Inventory. Ann
Acad Med Singapore 1994;23(2):129–38; Cleeland CS. The Brief Pain Inventory User Guide.
M. D. Anderson Cancer Center, 2009 (the scoring rules below, read in a public copy of the
guide).

Scored items, each 0–10:

* severity, items 3–6: ``bpi3`` worst pain, ``bpi4`` least pain (both in the last 24 hours),
  ``bpi5`` average pain, ``bpi6`` pain right now (0 = no pain … 10 = worst imaginable);
* interference, item 9 A–G: ``bpi9a`` general activity, ``bpi9b`` mood, ``bpi9c`` walking,
  ``bpi9d`` normal work (outside the home and housework), ``bpi9e`` relations with other
  people, ``bpi9f`` sleep, ``bpi9g`` enjoyment of life (0 = no interference … 10 = complete
  interference).

The form's other questions (pain today other than everyday kinds, the body diagram, the
treatments, the percentage of relief) are not scored and not part of this instrument.

Score (painpath's ``score``): pain interference, the mean of the answered interference items,
0–10, higher worse. User Guide: the mean "can be used if more than 50 %, or four of seven" of
the items have been completed — so at most 3 of the 7 may be unanswered.

Subscale ``severity``: the mean of the four severity items, 0–10. The User Guide presents it
as a composite and says the developers recommend using all four items (the models that
validated the BPI included all four); it gives no rule for a missing severity item, so
painpath computes the severity only when all four are answered (else it is empty). The
severity items are therefore optional for the missing-answer rule, which is the interference
rule: a form with interference scored and severity incomplete is scored without the severity.

Bands: none. The BPI publishes no bands for the interference mean; the cut points sometimes
used for worst pain (mild / moderate / severe) are not the User Guide's composite scores.

Minimal important change: 1 point on the interference mean, the IMMPACT recommendation (Dworkin
RH et al. J Pain 2008;9:105–21), as reported by ePPOC (Australasian electronic Persistent Pain
Outcomes Collaboration); not re-read in Dworkin 2008 itself.

Licence: © Charles S. Cleeland, 1991 (User Guide 2009): the BPI may not be used or reproduced
without permission from Dr Cleeland or his designee (M. D. Anderson Cancer Center,
Department of Symptom Research); fees may apply; it may not be modified or translated without
written consent. painpath ships codes and plain paraphrases, never the wording; a site with
the licence loads it (docs/questionnaires.md). Whether a validated Danish version exists was
not verified.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from painpath.core.instruments.base import (
    BoolArray,
    FloatArray,
    Instrument,
    Item,
    MinimalImportantChange,
)

SEVERITY = ("bpi3", "bpi4", "bpi5", "bpi6")
INTERFERENCE = tuple(f"bpi9{letter}" for letter in "abcdefg")


class BPI(Instrument):
    code = "bpi"
    title = "BPI-SF"
    version = "short form"
    items: ClassVar[tuple[Item, ...]] = (
        *(Item(code, 0, 10, optional=True) for code in SEVERITY),
        *(Item(code, 0, 10) for code in INTERFERENCE),
    )
    score_range = (0.0, 10.0)
    higher_is_better = False
    subscale_names = ("severity",)
    max_missing = 3
    missing_rule = (
        "BPI User Guide: the interference mean needs at least 4 of its 7 items; the severity "
        "composite is computed only from all 4 severity items"
    )
    mic = MinimalImportantChange(
        1.0, None, "IMMPACT, Dworkin et al. 2008, J Pain 9:105–21 (as reported by ePPOC)"
    )
    source = "Cleeland CS, Ryan KM. Ann Acad Med Singapore 1994;23:129–38; BPI User Guide 2009"
    licence = (
        "© Charles S. Cleeland 1991; use and reproduction only with permission (MD Anderson). "
        "Not shipped."
    )

    def compute(self, x: FloatArray, answered: BoolArray) -> dict[str, FloatArray]:
        n = len(SEVERITY)
        interference = x[:, n:]
        counted = answered[:, n:].sum(axis=1)
        score = np.where(answered[:, n:], interference, 0.0).sum(axis=1) / counted
        # NaN where a severity item is unanswered: the mean is then NaN, i.e. not computed.
        severity = x[:, :n].mean(axis=1)
        return {"score": score, "severity": severity}
