"""Tampa Scale of Kinesiophobia: TSK-17 and TSK-11.

Sources: Miller RP, Kori SH, Todd DD. The Tampa Scale: a measure of kinesiophobia.
Unpublished report, Tampa, FL, 1991 (the 17-item scale; painpath could not read it and follows
the scoring the later papers give for it); Woby SR, Roach NK, Urmston M, Watson PJ.
Psychometric properties of the TSK-11: a shortened version of the Tampa Scale for
Kinesiophobia. Pain 2005;117(1–2):137–44.

Items, each 1 = strongly disagree, 2 = somewhat disagree, 3 = somewhat agree, 4 = strongly
agree. ``tsk``: ``tsk1``…``tsk17`` in the published order; items 4, 8, 12 and 16 are worded
the other way round and are reversed (5 − answer) before summing; total 17–68, higher = more
fear of movement. ``tsk11``: the eleven items Woby et al. kept (the four reversed items and
items 9 and 14 left out), under their TSK-17 codes — ``tsk1``, ``tsk2``, ``tsk3``, ``tsk5``,
``tsk6``, ``tsk7``, ``tsk10``, ``tsk11``, ``tsk13``, ``tsk15``, ``tsk17`` — so the same
answers give both scores; none is reversed; total 11–44.

Missing answers: neither source gives a rule for unanswered items; painpath scores only
complete forms.

Bands: TSK-17 only. Vlaeyen JWS, Kole-Snijders AMJ, Boeren RGB, van Eek H. Fear of
movement/(re)injury in chronic low back pain and its relation to behavioral performance.
Pain 1995;62:363–72 divided patients at a total above 37 (high fear of movement): ≤ 37
``not high``, ≥ 38 ``high``. They used the Dutch version; taken from the secondary
literature, not checked against the paper's text. No cut-off is cited for the TSK-11.

Minimal important change: TSK-11 4 points, TSK-17 5.5 points (Woby et al. 2005, in chronic
low back pain, as the secondary literature reports them; not checked against the paper's
text).

Licence: © Miller, Kori and Todd 1991. The TSK is widely reproduced in the literature, but no
statement of terms for shipping its wording (or that of a Danish or German version) in
software was found; painpath ships codes and plain paraphrases, marked as such.
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

REVERSED = (4, 8, 12, 16)
"""TSK-17 items worded the other way round: scored 5 − answer."""
TSK11_ITEMS = (1, 2, 3, 5, 6, 7, 10, 11, 13, 15, 17)
"""TSK-17 item numbers kept in the TSK-11 (Woby et al. 2005)."""

_LICENCE = (
    "© Miller, Kori & Todd 1991; terms for shipping the wording not found/verified. Not shipped."
)
_MISSING = "Miller 1991 and Woby 2005 give no rule for unanswered items: every item is needed"
_MIC_SOURCE = "Woby SR et al. Pain 2005;117:137–44 (as reported; not checked against the text)"


class TSK(Instrument):
    code = "tsk"
    title = "TSK-17"
    version = "17-item"
    items: ClassVar[tuple[Item, ...]] = items_range("tsk", 17, 1, 4)
    score_range = (17.0, 68.0)
    higher_is_better = False
    max_missing = 0
    missing_rule = _MISSING
    bands = (Band(37, "not high"), Band(68, "high"))
    band_source = "Vlaeyen JWS et al. Pain 1995;62:363–72: total > 37 high fear of movement"
    mic = MinimalImportantChange(5.5, None, _MIC_SOURCE)
    source = "Miller RP, Kori SH, Todd DD. The Tampa Scale. Tampa, FL, 1991 (unpublished)"
    licence = _LICENCE

    def compute(self, x: FloatArray, answered: BoolArray) -> dict[str, FloatArray]:
        scored = x.copy()
        reversed_ = [n - 1 for n in REVERSED]
        scored[:, reversed_] = 5 - scored[:, reversed_]
        return {"score": np.asarray(scored.sum(axis=1), dtype=np.float64)}


class TSK11(Instrument):
    code = "tsk11"
    title = "TSK-11"
    version = "11-item"
    items: ClassVar[tuple[Item, ...]] = tuple(Item(f"tsk{n}", 1, 4) for n in TSK11_ITEMS)
    score_range = (11.0, 44.0)
    higher_is_better = False
    max_missing = 0
    missing_rule = _MISSING
    mic = MinimalImportantChange(4.0, None, _MIC_SOURCE)
    source = "Woby SR, Roach NK, Urmston M, Watson PJ. Pain 2005;117:137–44"
    licence = _LICENCE

    def compute(self, x: FloatArray, answered: BoolArray) -> dict[str, FloatArray]:
        return {"score": x.sum(axis=1)}
