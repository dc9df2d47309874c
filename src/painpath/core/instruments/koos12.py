"""KOOS-12: the 12-item short form of the KOOS — Pain, Function and QOL, 0–100 each, and a summary.

Sources: Gandek B, Roos EM, Franklin PD, Ware JE Jr. A 12-item short form of the Knee injury and
Osteoarthritis Outcome Score (KOOS-12): tests of reliability, validity and responsiveness.
Osteoarthritis Cartilage 2019;27(5):762–70, doi:10.1016/j.joca.2019.01.011 (its abstract, read
in the UMass Chan eScholarship record); koos.nu, "What is the KOOS-12?" (its first paragraphs,
read). The item-selection paper (Gandek et al., Osteoarthritis Cartilage 2019;27(5):746–53) and
the KOOS-12 form itself were not read.

Items. The abstract: "a pain frequency item and three items measuring pain during increasingly
difficult (sitting/lying, walking, stairs) activities; function items about standing, rising from
sitting, getting in/out of a car, and twisting/pivoting; and the 4-item KOOS QOL scale"; koos.nu:
the four function items come from the KOOS's ADL and Sport/Recreation subscales. Each matches one
KOOS item only: pain P1 (how often), P8 (sitting or lying), P5 (walking on a flat surface), P6
(going up or down stairs); function A4 (standing), A3 (rising from sitting), A7 (getting in or
out of a car), SP4 (twisting/pivoting on the knee; P2, the other twisting item, is a pain item);
QOL Q1–Q4. The A2CPS study's KOOS-12 data pipeline (a public repository, HEAL common data
element names: pain frequency, walking on a flat surface, stairs, sitting/lying; rising from
sitting, standing, car, twisting/pivoting; the four QOL items) names the same twelve. painpath
keeps the KOOS answer codes (``koos_p1`` …), so a full KOOS response is scored as KOOS-12
without recoding (:func:`koos12_from_koos`). Not verified: the order of the items on the
KOOS-12 form (painpath follows the abstract's).

Scale scores (koos.nu): each item 0 = no problems … 4 = extreme problems; a scale's answered items
are summed ("summated ratings"), at least half of them (2 of 4) must be answered, a
person-specific estimate is imputed for a missing item (the mean of the answered ones), and the
scale is transformed so that 0 is the worst and 100 the best possible score: 100 − mean × 25,
the KOOS's own transformation. Summary (overall knee impact): the mean of the Pain, Function and
QOL scale scores — stated by a secondary source (a rehabilitation-scales website citing Gandek
2019); the koos.nu text on the summary could not be read. painpath computes it only when all
three scales are computed.

painpath's score, the one number the outcome report follows, is the Pain scale, as for the KOOS;
the three scales and the summary are returned as subscales ``pain``, ``function``, ``qol``,
``summary``. Missing answers: a form with fewer than 2 pain items is refused; the Function and
QOL scales (and the summary) are empty where they fall short.

Bands: none published. Minimal important change: none verified. Licence: derived from the KOOS,
© Ewa M. Roos, managed by Mapi Research Trust (see :mod:`painpath.core.instruments.koos`); the
KOOS-12's own terms were not read. No published worked example was found: the tests use
hand-computed ones, marked as such.

Not a stand-alone instrument in the registry: KOOS-12 shares the KOOS's answer codes, so both in
one intake would collide. Instead every scored KOOS carries these scales as its subscales
``koos12_pain``, ``koos12_function``, ``koos12_qol`` and ``koos12_summary`` (the arithmetic,
:func:`~painpath.core.instruments.koos.koos12_scales`, is shared, so they cannot drift apart);
:func:`koos12_from_koos` scores them as a result of their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from painpath.core.instruments.base import (
    BoolArray,
    FloatArray,
    Instrument,
    Item,
    ScoreResult,
)
from painpath.core.instruments.koos import KOOS, KOOS12_NEEDED, KOOS12_SCALES, koos12_scales


class KOOS12(Instrument):
    code = "koos12"
    title = "KOOS-12"
    version = "12-item (Gandek 2019)"
    items: ClassVar[tuple[Item, ...]] = tuple(
        Item(code, 0, 4, optional=scale != "pain")
        for scale, codes in KOOS12_SCALES.items()
        for code in codes
    )
    score_range = (0.0, 100.0)
    higher_is_better = True
    subscale_names = (*KOOS12_SCALES, "summary")
    max_missing = len(KOOS12_SCALES["pain"]) - KOOS12_NEEDED
    missing_rule = (
        "KOOS-12 (koos.nu): each scale needs at least 2 of its 4 items; painpath's score is Pain"
    )
    mic = None
    source = (
        "Gandek B, Roos EM, Franklin PD, Ware JE Jr. Osteoarthritis Cartilage 2019;27:762–70; "
        "koos.nu, What is the KOOS-12?"
    )
    licence = KOOS.licence

    def compute(self, x: FloatArray, answered: BoolArray) -> dict[str, FloatArray]:
        result = koos12_scales(self, x, answered)
        result["score"] = result["pain"]
        return result


def koos12_from_koos(answers: Mapping[str, object]) -> ScoreResult:
    """KOOS-12 from a full (or partial) KOOS response: every answer is checked as the KOOS
    checks it (a known code, a whole number 0–4), then the twelve shared items are scored.

    Raises :class:`~painpath.core.errors.InvalidAnswer` naming the item, or
    :class:`~painpath.core.errors.TooManyMissing` when fewer than 2 pain items are answered.
    """
    KOOS().validate(answers)
    scorer = KOOS12()
    shared = {item.code: answers[item.code] for item in scorer.items if item.code in answers}
    return scorer.score(shared)


__all__ = ["KOOS12", "KOOS12_SCALES", "koos12_from_koos"]
