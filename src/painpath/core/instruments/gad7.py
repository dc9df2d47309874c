"""Generalized Anxiety Disorder scale, 7 items (GAD-7).

Source: Spitzer RL, Kroenke K, Williams JBW, Löwe B. A brief measure for assessing
generalized anxiety disorder: the GAD-7. Arch Intern Med 2006;166(10):1092–7.

Items ``gad1``…``gad7``, how often over the last two weeks: 0 = not at all, 1 = several days,
2 = more than half the days, 3 = nearly every day. Score = sum of the seven items, 0–21,
higher worse (Spitzer 2006). The form's closing question on how difficult the problems made
daily life is not scored and is not included.

Missing answers: Spitzer 2006 scores complete forms and gives no rule for unanswered items;
painpath scores only complete forms.

Bands (Spitzer 2006: cut points 5, 10 and 15 for mild, moderate and severe anxiety): 0–4
``minimal``, 5–9 ``mild``, 10–14 ``moderate``, 15–21 ``severe``. 10 is the cut-off the
authors propose for further evaluation. A band is a severity level, not a diagnosis.

Minimal important change: 4 points (Toussaint A, Hüsing P, Gumz A, et al. Sensitivity to
change and minimal clinically important difference of the 7-item Generalized Anxiety Disorder
Questionnaire (GAD-7). J Affect Disord 2020;265:395–401, from the abstract; estimated in a
trial of chronic depression, which the authors name as a limitation).

Licence: © Pfizer Inc.; free to reproduce, translate and distribute (Pfizer 2010;
phqscreeners.com). As for the PHQ-9, painpath ships its own plain paraphrase in da/en/de
because the official Danish and German versions were not checked here; the official text
loads with ``painpath questionnaires load-wording gad7``.
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


class GAD7(Instrument):
    code = "gad7"
    title = "GAD-7"
    version = "7-item"
    items: ClassVar[tuple[Item, ...]] = items_range("gad", 7, 0, 3)
    score_range = (0.0, 21.0)
    higher_is_better = False
    max_missing = 0
    missing_rule = "Spitzer 2006 gives no rule for unanswered items: all 7 are needed"
    bands = (Band(4, "minimal"), Band(9, "mild"), Band(14, "moderate"), Band(21, "severe"))
    band_source = "Spitzer, Kroenke, Williams & Löwe 2006, Arch Intern Med 166:1092–7 (5/10/15)"
    mic = MinimalImportantChange(4.0, None, "Toussaint et al. 2020, J Affect Disord 265:395–401")
    source = "Spitzer RL, Kroenke K, Williams JBW, Löwe B. Arch Intern Med 2006;166:1092–7"
    licence = (
        "© Pfizer Inc.; free to reproduce, translate and distribute (no permission needed). "
        "Official da/de texts not checked here: painpath ships a paraphrase."
    )

    def compute(self, x: FloatArray, answered: BoolArray) -> dict[str, FloatArray]:
        return {"score": x.sum(axis=1)}
