"""Roland-Morris Disability Questionnaire, 24 items (RMDQ).

Sources: Roland M, Morris R. A study of the natural history of back pain. Part I:
development of a reliable and sensitive measure of disability in low-back pain. Spine
1983;8(2):141–4; Roland M, Fairbank J. The Roland-Morris Disability Questionnaire and the
Oswestry Disability Questionnaire. Spine 2000;25(24):3115–24 (scoring).

Items ``rmdq1``…``rmdq24``, each 1 = the statement applies to the patient today (ticked),
0 = it does not. Score = the number of statements that apply, 0–24, 24 worst.

Missing answers: the RMDQ is a checklist: the patient ticks the statements that apply, a
statement not ticked (or marked "not applicable") counts as "does not apply", and the authors
advise against a yes/no answer format. The manual has no rule for an answer left unanswered
on a yes/no form, and there is no standard method (Kent P, Lauridsen HH. Managing missing
scores on the Roland Morris Disability Questionnaire. University of Southern Denmark).
painpath therefore scores only complete answer sets: an unanswered (None) item means no
score. A checklist-style form must send 0 for every statement the patient did not tick.

Bands: the manual publishes none, so painpath reports no band.

Minimal important change: 5 points or 30 % improvement (Ostelo RWJG et al. Interpreting
change scores for pain and functional status in low back pain. Spine 2008;33(1):90–4).

Licence: © Martin Roland and Richard Morris. The terms for reproducing the wording in
software were not verified, so painpath ships codes and plain paraphrases only.
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
    items_range,
)


class RMDQ(Instrument):
    code = "rmdq"
    title = "RMDQ"
    version = "24-item"
    items: ClassVar[tuple[Item, ...]] = items_range("rmdq", 24, 0, 1)
    score_range = (0.0, 24.0)
    higher_is_better = False
    max_missing = 0
    missing_rule = "Roland & Fairbank 2000 give no rule for unanswered items: all 24 are needed"
    mic = MinimalImportantChange(5.0, 0.30, "Ostelo et al. 2008, Spine 33:90–94")
    source = "Roland M, Morris R. Spine 1983;8:141–4; Roland M, Fairbank J. Spine 2000;25:3115–24"
    licence = "© Martin Roland, Richard Morris. Terms for shipping the wording not verified."

    def compute(self, x: FloatArray, answered: BoolArray) -> dict[str, FloatArray]:
        return {"score": np.asarray(x.sum(axis=1), dtype=np.float64)}
