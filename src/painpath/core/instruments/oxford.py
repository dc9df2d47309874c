"""Oxford Knee Score (OKS) and Oxford Hip Score (OHS), 0–48 scoring.

Both forms share the scoring of Murray DW, Fitzpatrick R, Rogers K, Pandit H, Beard DJ, Carr
AJ, Dawson J. The use of the Oxford hip and knee scores. J Bone Joint Surg Br
2007;89-B(8):1010–4: twelve questions (pain and function over the past 4 weeks) in the order
of the licensed form, each 0–4 with 4 the best answer; score = sum, 0–48, 48 best; the score
does not depend on the item order.

Missing answers (Murray 2007): up to two unanswered items are each replaced by the mean of
the patient's answered items — the same as sum × 12 / items answered — and with more than
two missing no score is calculated. Prorated scores are not rounded.

Bands (Kalairajah Y, Azurza K, Hulme C, Molloy S, Drabu KJ. Health outcome measures in the
evaluation of total hip arthroplasties — a comparison between the Harris hip score and the
Oxford hip score. J Arthroplasty 2005;20(8):1037–41): 0–19 ``severe``, 20–29 ``moderate to
severe``, 30–39 ``mild to moderate``, 40–48 ``satisfactory``. Kalairajah et al. wrote before
the 0–48 scoring of Murray 2007 was published; the intervals are quoted on the 0–48 scale,
but painpath has not checked the paper for the scale they were stated on. The grading was
derived for the hip score; it is conventionally applied to the knee score as well, which
painpath follows without a knee-specific source. A prorated score above a band's upper bound
(e.g. 19.6) belongs to the next band.

Minimal important change for an individual patient (Beard DJ et al. Meaningful changes for
the Oxford hip and knee scores after joint replacement surgery. J Clin Epidemiol
2015;68(1):73–9; ROC analysis): OKS 7 points, OHS 8 points (their group-level MICs are about
9 and 11 points, their between-group MIDs about 5). No relative MIC is cited.

The questionnaires: Dawson J, Fitzpatrick R, Murray D, Carr A. Questionnaire on the
perceptions of patients about total knee replacement. J Bone Joint Surg Br 1998;80-B(1):63–9;
Dawson J, Fitzpatrick R, Carr A, Murray D. Questionnaire on the perceptions of patients about
total hip replacement. J Bone Joint Surg Br 1996;78-B(2):185–90.

Licence: © Oxford University Innovation; use needs a licence and the wording may not be
shipped. painpath ships codes and plain paraphrases.
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
    items_range,
    sum_prorated,
)

_MURRAY_2007 = "Murray DW et al. JBJS Br 2007;89:1010–4"
_BEARD_2015 = "Beard et al. 2015, J Clin Epidemiol 68:73–79"


class _Oxford(Instrument):
    """The scoring the two Oxford forms share; subclasses name the form and its MIC."""

    score_range = (0.0, 48.0)
    higher_is_better = True
    max_missing = 2
    missing_rule = "Murray et al. 2007: up to 2 missing items replaced by the mean of the others"
    bands = (
        Band(19, "severe"),
        Band(29, "moderate to severe"),
        Band(39, "mild to moderate"),
        Band(48, "satisfactory"),
    )
    version = "0–48 (Murray 2007)"
    licence = "© Oxford University Innovation; licence required. Wording not shipped."

    def compute(self, x: FloatArray, answered: BoolArray) -> dict[str, FloatArray]:
        return {"score": sum_prorated(x, answered, len(self.items))}


class OKS(_Oxford):
    code = "oks"
    title = "Oxford Knee Score"
    items: ClassVar[tuple[Item, ...]] = items_range("oks", 12, 0, 4)
    band_source = "Kalairajah et al. 2005, J Arthroplasty 20:1037–41 (derived for the OHS)"
    mic = MinimalImportantChange(7.0, None, _BEARD_2015)
    source = f"Dawson J et al. JBJS Br 1998;80:63–9; {_MURRAY_2007}"


class OHS(_Oxford):
    code = "ohs"
    title = "Oxford Hip Score"
    items: ClassVar[tuple[Item, ...]] = items_range("ohs", 12, 0, 4)
    band_source = "Kalairajah et al. 2005, J Arthroplasty 20:1037–41"
    mic = MinimalImportantChange(8.0, None, _BEARD_2015)
    source = f"Dawson J et al. JBJS Br 1996;78:185–90; {_MURRAY_2007}"
