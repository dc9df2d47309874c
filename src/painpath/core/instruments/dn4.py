"""DN4 (Douleur Neuropathique 4 questions) and its interview part, DN4-interview.

Source: Bouhassira D, Attal N, Alchaar H, et al. Comparison of pain syndromes associated with
nervous or somatic lesions and development of a new neuropathic pain diagnostic questionnaire
(DN4). Pain 2005;114(1–2):29–36.

Items, each 0 = no, 1 = yes, in the published order:

* interview (questions 1 and 2, asked of the patient): ``dn4q1`` burning, ``dn4q2`` painful
  cold, ``dn4q3`` electric shocks (the pain's characteristics); ``dn4q4`` tingling, ``dn4q5``
  pins and needles, ``dn4q6`` numbness, ``dn4q7`` itching (symptoms in the same area);
* examination (questions 3 and 4, found by the clinician in the painful area): ``dn4q8``
  hypoaesthesia to touch, ``dn4q9`` hypoaesthesia to pinprick, ``dn4q10`` pain caused or
  increased by brushing.

Score (Bouhassira 2005): the number of "yes" answers. DN4 = all ten, 0–10; a score of 4 or
more is the published cut-off for neuropathic pain (sensitivity 82.9 %, specificity 89.9 % in
the validation sample). DN4-interview = the seven interview items alone, 0–7; the same paper
gives 3 or more as its cut-off (sensitivity 78.0 %, specificity 81.2 %). The figures are
those of the paper's abstract; painpath could not re-read the full text to check them.

How painpath separates the parts: two instruments. ``dn4i`` (DN4-interview) holds the seven
interview items and is the one a patient answers (in the intake or on a follow-up link).
``dn4`` is the clinician's form: all ten items, the three examination items entered by the
clinician after examining the painful area (recorded in clinic, by phone or on paper), with
the interview and examination parts as subscales. The interview items carry the same codes
(``dn4q1``…``dn4q7``) in both, so a patient's DN4-interview answers are the first seven
answers of the clinician's DN4. A patient should not be sent ``dn4``: its examination items
cannot be self-reported (its Questionnaire says so on each of them).

Missing answers: the paper scores complete forms and gives no rule for unanswered items; an
unanswered item is not a "no". painpath scores only complete forms.

Bands: ``dn4`` ≤ 3 ``below cut-off``, ≥ 4 ``neuropathic pain likely``; ``dn4i`` ≤ 2
``below cut-off``, ≥ 3 ``neuropathic pain likely``. A screening result, not a diagnosis:
the grading of neuropathic pain (rule set ``neuropathic-finnerup2016``) rests on the history,
the distribution, the examination and confirmatory tests; the DN4 is not part of it.

Minimal important change: none. The DN4 is a screening tool, not validated to measure change;
no MIC is cited.

Licence: © Didier Bouhassira and co-authors (Pain 2005). The DN4 is widely reproduced in
clinical guidelines, but the terms for shipping its wording (and that of the validated Danish
and German versions) in software were not verified; painpath ships codes and plain
paraphrases. The distributor was not verified (Mapi Research Trust, ePROVIDE, lists many
such instruments; check there and with the authors).
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

INTERVIEW_ITEMS = 7
"""Questions 1 and 2 of the DN4 (items 1–7): what the patient reports."""

_SOURCE = "Bouhassira D et al. Pain 2005;114:29–36"
_LICENCE = (
    "© D. Bouhassira et al. (Pain 2005); terms for shipping the wording not verified. Not shipped."
)
_MISSING = "Bouhassira 2005 gives no rule for unanswered items: every item is needed"


class DN4(Instrument):
    code = "dn4"
    title = "DN4"
    version = "10-item"
    items: ClassVar[tuple[Item, ...]] = items_range("dn4q", 10, 0, 1)
    score_range = (0.0, 10.0)
    higher_is_better = False
    subscale_names = ("interview", "examination")
    # Items 8–10 are the clinician's examination (hypoaesthesia to touch and pinprick,
    # brushing): the patient answers the interview part, dn4i.
    respondent = "clinician"
    max_missing = 0
    missing_rule = _MISSING
    bands = (Band(3, "below cut-off"), Band(10, "neuropathic pain likely"))
    band_source = "Bouhassira 2005: DN4 ≥ 4 of 10"
    mic = None
    source = _SOURCE
    licence = _LICENCE

    def compute(self, x: FloatArray, answered: BoolArray) -> dict[str, FloatArray]:
        interview = x[:, :INTERVIEW_ITEMS].sum(axis=1)
        examination = x[:, INTERVIEW_ITEMS:].sum(axis=1)
        return {
            "score": interview + examination,
            "interview": interview,
            "examination": examination,
        }


class DN4Interview(Instrument):
    code = "dn4i"
    title = "DN4-interview"
    version = "7-item"
    items: ClassVar[tuple[Item, ...]] = items_range("dn4q", INTERVIEW_ITEMS, 0, 1)
    score_range = (0.0, 7.0)
    higher_is_better = False
    max_missing = 0
    missing_rule = _MISSING
    bands = (Band(2, "below cut-off"), Band(7, "neuropathic pain likely"))
    band_source = "Bouhassira 2005: DN4-interview ≥ 3 of 7"
    mic = None
    source = _SOURCE
    licence = _LICENCE

    def compute(self, x: FloatArray, answered: BoolArray) -> dict[str, FloatArray]:
        return {"score": x.sum(axis=1)}
