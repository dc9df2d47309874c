"""Knee injury and Osteoarthritis Outcome Score (KOOS), five subscales, 0–100 each.

Sources: Roos EM, Roos HP, Lohmander LS, Ekdahl C, Beynnon BD. Knee Injury and Osteoarthritis
Outcome Score (KOOS) — development of a self-administered outcome measure. J Orthop Sports
Phys Ther 1998;28(2):88–96; Roos EM, Lohmander LS. The Knee injury and Osteoarthritis Outcome
Score (KOOS): from joint injury to osteoarthritis. Health Qual Life Outcomes 2003;1:64; KOOS
Scoring 2012 (koos.nu, the scoring instructions with the 2012 rule for missing items, read in
a public copy).

Items, 42, in the form's order and named as the scoring instructions name them: symptoms
``koos_s1``…``koos_s7``, pain ``koos_p1``…``koos_p9``, function in daily living
``koos_a1``…``koos_a17``, function in sport and recreation ``koos_sp1``…``koos_sp5``,
knee-related quality of life ``koos_q1``…``koos_q4``. Every answer is coded by its score,
0 = no problem … 4 = extreme problem (scoring instructions: None 0, Mild 1, Moderate 2,
Severe 3, Extreme 4). On the form the no-problem box is on the left for every item, also
where its words run the other way (S4 and S5 "can you straighten / bend your knee fully?":
Always = 0 … Never = 4), so the code is the box's position and painpath reverses nothing.

Subscales (scoring instructions), each computed on its own: 100 − mean(answered items) × 100
/ 4, so 100 = no problems and 0 = extreme problems; ``pain``, ``symptoms``, ``adl``,
``sport_rec``, ``qol``. The authors score no aggregate of the five ("the five subscales are
scored separately"). painpath's ``score`` — the one number the outcome report follows — is
the Pain subscale (the subscale a pain clinic follows; the five subscales are all returned);
it is repeated as subscale ``pain``.

KOOS-12 scales derived (Gandek B et al., Osteoarthritis Cartilage 2019;27:762–70; koos.nu): the
KOOS-12's twelve items are KOOS items with the KOOS's answer codes, so every scored KOOS also
carries the KOOS-12 scales as subscales ``koos12_pain`` (P1, P8, P5, P6), ``koos12_function``
(A4, A3, A7, SP4), ``koos12_qol`` (Q1–Q4) and ``koos12_summary`` (the mean of the three; its
rule is from a secondary source, not verified). Each scale is 100 − mean × 25 over its answered
items, at least 2 of 4 (koos.nu), empty where it falls short; the summary is empty unless all
three are computed. They are what :func:`painpath.core.instruments.koos12.koos12_from_koos`
returns for the same answers (a test holds them equal), with no second questionnaire; the
details and what was not verified are in :mod:`painpath.core.instruments.koos12`. A KOOS that
the KOOS's own rule refuses (under 5 of 9 pain items) has no KOOS-12 scales either.

Missing answers (KOOS Scoring 2012): a subscale is calculated when at least half of its
items are answered — Pain 5 of 9, Symptoms 4 of 7, ADL 9 of 17, Sport/Rec 3 of 5, QOL 2 of
4 — the mean of the answered items standing in for the missing ones; with fewer, that
subscale is not calculated and the others are still reported. (The 1998 rule allowed two
missing items per subscale; painpath follows the 2012 rule.) Because painpath's score is the
Pain subscale, a form with fewer than 5 pain items answered is refused; the items of the
other four subscales are optional for that rule and their subscales are empty where they
fall short.

Bands: none. The scoring instructions publish no interpretation bands.

Minimal important change: 8 points on a subscale, the lower end of the 8–10 points Roos &
Lohmander 2003 give; quoted as widely cited, not re-read in the paper. Later, population-
and subscale-specific values exist (e.g. Ingelsrud LH et al., Minimal important change for
the KOOS in knee osteoarthritis, not read in full).

Licence: © Ewa M. Roos. Since 2023 managed by Mapi Research Trust (ePROVIDE): free for
academic users; commercial users and health care organisations, hospitals and medical
centres pay a fee, and permission is always required (Mapi Research Trust news, 10 Oct
2023). A pain clinic therefore needs a licence; painpath ships codes and its own plain
paraphrase, not the wording (neither the Danish nor the Swedish original), and a site with
the licence loads the wording (docs/questionnaires.md). The terms for software distributors
themselves were not read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np

from painpath.core.instruments.base import (
    BoolArray,
    FloatArray,
    Instrument,
    Item,
    MinimalImportantChange,
    columns_of,
)

KOOS12_SCALES: Mapping[str, tuple[str, ...]] = {
    "pain": ("koos_p1", "koos_p8", "koos_p5", "koos_p6"),
    "function": ("koos_a4", "koos_a3", "koos_a7", "koos_sp4"),
    "qol": ("koos_q1", "koos_q2", "koos_q3", "koos_q4"),
}
"""KOOS-12 scale → its four KOOS answer codes, in the order the Gandek 2019 abstract names them.
Here rather than in :mod:`~painpath.core.instruments.koos12` because the KOOS scores them too
(and koos12 imports the KOOS)."""

KOOS12_NEEDED = 2
"""koos.nu: a KOOS-12 scale needs at least half of its items (2 of 4) answered."""


def koos12_scales(
    instrument: Instrument, x: FloatArray, answered: BoolArray
) -> dict[str, FloatArray]:
    """The KOOS-12 ``pain``, ``function``, ``qol`` and ``summary`` of rows whose columns are
    ``instrument``'s items (the KOOS's 42 or the KOOS-12's 12): one arithmetic for both."""
    result: dict[str, FloatArray] = {}
    for name, codes in KOOS12_SCALES.items():
        columns = columns_of(instrument, codes)
        counted = answered[:, columns].sum(axis=1)
        summed = np.where(answered[:, columns], x[:, columns], 0.0).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            transformed = 100.0 - 25.0 * summed / counted
        result[name] = np.where(counted >= KOOS12_NEEDED, transformed, np.nan)
    # NaN in any scale leaves the summary NaN: it is the mean of all three or nothing.
    result["summary"] = (result["pain"] + result["function"] + result["qol"]) / 3.0
    return result


def subscale_items(prefix: str, counts: Mapping[str, tuple[str, int]]) -> tuple[Item, ...]:
    """The items of every subscale in form order; only the Pain items count for the
    missing-answer rule (painpath's score is the Pain subscale), the others are optional."""
    return tuple(
        Item(f"{prefix}_{letter}{i}", 0, 4, optional=name != "pain")
        for name, (letter, count) in counts.items()
        for i in range(1, count + 1)
    )


class RoosOutcomeScore(Instrument):
    """KOOS and HOOS share their scoring: each subscale 100 − mean × 25, at least half its
    items answered (the 2012/2013 rule). Subclasses name the items and the subscale sizes."""

    score_range = (0.0, 100.0)
    higher_is_better = True
    subscale_names: ClassVar[tuple[str, ...]] = ("pain", "symptoms", "adl", "sport_rec", "qol")
    subscales: ClassVar[Mapping[str, tuple[str, int]]]
    """Subscale name → (item letter, item count), in form order."""

    licence = (
        "© Ewa M. Roos; Mapi Research Trust: free for academic use, fee for health care "
        "organisations, permission always required. Wording not shipped."
    )

    def subscale_codes(self, name: str) -> tuple[str, ...]:
        """The answer codes of subscale ``name`` (``"pain"``, …), in form order."""
        return tuple(self._codes[self._slices()[name]])

    def _slices(self) -> dict[str, slice]:
        slices, start = {}, 0
        order = ("symptoms", "pain", "adl", "sport_rec", "qol")
        for name in order:
            count = self.subscales[name][1]
            slices[name] = slice(start, start + count)
            start += count
        return slices

    def compute(self, x: FloatArray, answered: BoolArray) -> dict[str, FloatArray]:
        result: dict[str, FloatArray] = {}
        for name, columns in self._slices().items():
            counted = answered[:, columns].sum(axis=1)
            total = np.where(answered[:, columns], x[:, columns], 0.0).sum(axis=1)
            needed = (self.subscales[name][1] + 1) // 2
            with np.errstate(invalid="ignore", divide="ignore"):
                value = 100.0 - total / counted * 100.0 / 4.0
            result[name] = np.where(counted >= needed, value, np.nan)
        result["score"] = result["pain"]
        return result


class KOOS(RoosOutcomeScore):
    code = "koos"
    title = "KOOS"
    version = "42-item, 2012 scoring"
    subscales: ClassVar[Mapping[str, tuple[str, int]]] = {
        "symptoms": ("s", 7),
        "pain": ("p", 9),
        "adl": ("a", 17),
        "sport_rec": ("sp", 5),
        "qol": ("q", 4),
    }
    items: ClassVar[tuple[Item, ...]] = subscale_items("koos", subscales)
    subscale_names = (
        *RoosOutcomeScore.subscale_names,
        *(f"koos12_{name}" for name in (*KOOS12_SCALES, "summary")),
    )
    max_missing = 4
    missing_rule = (
        "KOOS Scoring 2012: each subscale needs at least half its items (Pain 5 of 9, Symptoms "
        "4 of 7, ADL 9 of 17, Sport/Rec 3 of 5, QOL 2 of 4); painpath's score is Pain"
    )
    mic = MinimalImportantChange(
        8.0, None, "Roos & Lohmander 2003, Health Qual Life Outcomes 1:64 (8–10 points)"
    )
    source = (
        "Roos EM et al. J Orthop Sports Phys Ther 1998;28:88–96; Roos EM, Lohmander LS. "
        "HQLO 2003;1:64; KOOS Scoring 2012"
    )

    def compute(self, x: FloatArray, answered: BoolArray) -> dict[str, FloatArray]:
        result = super().compute(x, answered)
        for name, values in koos12_scales(self, x, answered).items():
            result[f"koos12_{name}"] = values
        return result
