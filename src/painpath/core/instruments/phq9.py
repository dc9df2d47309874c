"""Patient Health Questionnaire, depression module (PHQ-9).

Sources: Kroenke K, Spitzer RL, Williams JBW. The PHQ-9: validity of a brief depression
severity measure. J Gen Intern Med 2001;16(9):606–13; Pfizer, Instruction manual:
instructions for Patient Health Questionnaire (PHQ) and GAD-7 measures (phqscreeners.com).

Items ``phq1``…``phq9``, how often over the last two weeks: 0 = not at all, 1 = several days,
2 = more than half the days, 3 = nearly every day. Score = sum of the nine items, 0–27,
higher worse (Kroenke 2001). The form's tenth question (how difficult the problems made
work, home and getting along) is not scored and is not included.

Item 9 (thoughts that one would be better off dead or of hurting oneself) is returned as the
subscale ``item9`` (its answer, 0–3), so that any answer above 0 can reach the clinician
whatever the total: the total alone hides it (a total of 1 can be item 9). That a positive
item 9 needs a clinician's assessment of suicide risk whatever the total is how the PHQ
instruction manual is commonly quoted; its exact words were not read here (not verified).

Missing answers: Kroenke 2001 scores complete forms; a proration rule for missing items
could not be verified in the instruction manual (not read in full), so painpath scores only
complete forms.

Bands (Kroenke 2001, table 3 and text: scores of 5, 10, 15 and 20 represent mild, moderate,
moderately severe and severe depression): 0–4 ``minimal``, 5–9 ``mild``, 10–14
``moderate``, 15–19 ``moderately severe``, 20–27 ``severe``. A band is a severity level, not
a diagnosis.

Minimal important change: 5 points (Löwe B, Unützer J, Callahan CM, Perkins AJ, Kroenke K.
Monitoring depression treatment outcomes with the Patient Health Questionnaire-9. Med Care
2004;42(12):1194–201: two standard errors of measurement, from the abstract).

Licence: © Pfizer Inc.; Pfizer made the PHQ and GAD-7 available without copyright
restriction and at no charge (Pfizer press release, 2010; phqscreeners.com: no permission
required to reproduce, translate, display or distribute). The wording may therefore be
shipped, but painpath could not obtain and check the official Danish and German versions
here, and a Questionnaire's wording marker covers all its languages, so painpath ships its
own plain paraphrase in da/en/de (marked as such) and the official text loads with
``painpath questionnaires load-wording phq9``.
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
)


class PHQ9(Instrument):
    code = "phq9"
    title = "PHQ-9"
    version = "9-item"
    items: ClassVar[tuple[Item, ...]] = items_range("phq", 9, 0, 3)
    score_range = (0.0, 27.0)
    higher_is_better = False
    subscale_names = ("item9",)
    max_missing = 0
    missing_rule = (
        "Kroenke 2001 scores complete forms; no verified proration rule: all 9 are needed"
    )
    bands = (
        Band(4, "minimal"),
        Band(9, "mild"),
        Band(14, "moderate"),
        Band(19, "moderately severe"),
        Band(27, "severe"),
    )
    band_source = "Kroenke, Spitzer & Williams 2001, J Gen Intern Med 16:606–13 (5/10/15/20)"
    mic = MinimalImportantChange(5.0, None, "Löwe et al. 2004, Med Care 42:1194–201")
    source = "Kroenke K, Spitzer RL, Williams JBW. J Gen Intern Med 2001;16:606–13"
    licence = (
        "© Pfizer Inc.; free to reproduce, translate and distribute (no permission needed). "
        "Official da/de texts not checked here: painpath ships a paraphrase."
    )

    def compute(self, x: FloatArray, answered: BoolArray) -> dict[str, FloatArray]:
        return {"score": x.sum(axis=1), "item9": x[:, 8].copy()}
