"""Roland-Morris Disability Questionnaire, Danish 23-item version (RMDQ-23).

Source: Albert HB, Jensen AM, Dahl D, Rasmussen MN. [Criteria validation of the Roland Morris
questionnaire. A Danish translation of the international scale for the assessment of
functional level in patients with low back pain and sciatica.] Ugeskr Læger
2003;165(18):1875–80 (in Danish). The Danish version has 23 of the statements of Roland &
Morris (Spine 1983;8:141–4) and is scored the same way, by counting.

Items ``rmdq1``…``rmdq23`` in the order of the Danish form, each 1 = the statement applies
today (ticked), 0 = it does not. Score = the number of statements that apply, 0–23, 23 worst.

Missing answers: as for the 24-item RMDQ (see :mod:`painpath.core.instruments.rmdq`): a
checklist with no published rule for unanswered items, so painpath scores only complete
answer sets. Kent & Lauridsen (University of Southern Denmark) studied proportional
rescaling of RMDQ-23 forms with unanswered items but painpath has not verified a rule from
that work, so none is offered.

Bands: none published; painpath reports no band.

Minimal important change: 30 % improvement (Ostelo RWJG et al. Spine 2008;33(1):90–4). Their
absolute MIC of 5 points is for the 0–24 scale and is not carried over to the 0–23 scale.

Licence: the Danish translation's rights holder and terms were not verified; painpath ships
codes and plain paraphrases only.
"""

from __future__ import annotations

from typing import ClassVar

from painpath.core.instruments.base import Item, MinimalImportantChange, items_range
from painpath.core.instruments.rmdq import RMDQ


class RMDQ23(RMDQ):
    """The 24-item sum over the 23 items of the Danish version; only the form differs."""

    code = "rmdq23"
    title = "RMDQ-23"
    version = "Danish 23-item (Albert 2003)"
    items: ClassVar[tuple[Item, ...]] = items_range("rmdq", 23, 0, 1)
    score_range = (0.0, 23.0)
    higher_is_better = False
    missing_rule = "no published rule for unanswered items: all 23 are needed"
    mic = MinimalImportantChange(None, 0.30, "Ostelo et al. 2008, Spine 33:90–94 (30 % only)")
    source = "Albert HB, Jensen AM, Dahl D, Rasmussen MN. Ugeskr Læger 2003;165:1875–80"
    licence = "Danish translation (Albert et al. 2003); terms not verified. Wording not shipped."
