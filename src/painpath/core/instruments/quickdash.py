"""QuickDASH: the 11-item short form of the Disabilities of the Arm, Shoulder and Hand.

Source: Beaton DE, Wright JG, Katz JN; Upper Extremity Collaborative Group. Development of the
QuickDASH: comparison of three item-reduction approaches. J Bone Joint Surg Am
2005;87(5):1038–46; the scoring as the Institute for Work & Health (IWH) publishes it with the
questionnaire (dash.iwh.on.ca). painpath could not read the paper's full text.

Items ``qdash1``…``qdash11``, each 1–5 (1 = no difficulty / not at all / none, 5 = unable /
extremely / extreme): items 1–6 difficulty with six activities, 7 interference with social
activities, 8 limitation in work or daily activities, 9 pain, 10 tingling, 11 difficulty
sleeping because of pain, all in the last week. The optional work and sports/performing-arts
modules are not included.

Score (IWH): ((sum of the answered items / number answered) − 1) × 25, 0–100, higher = more
disability.

Missing answers (IWH): at most one item may be unanswered; with two or more, no score.

Bands: none published.

Minimal important change: 15.91 points. Franchignoni F, Vercelli S, Giordano A, et al. Minimal
clinically important difference of the DASH and its shortened version (QuickDASH). J Orthop
Sports Phys Ther 2014;44(1):30–9 (in upper-limb musculoskeletal disorders; as reported, not
checked against the text; other studies report lower values in shoulder pain).

Licence: © Institute for Work & Health 2006. Requests for "free use" are usually granted, but
use in commercial software or web-based software for repeated use requires a commercial
licence with fees (IWH, DASH/QuickDASH licences page, dash.iwh.on.ca/licences), and the
official translations (Danish and German among them) come from the IWH. painpath, which a
clinic may run as a service, does not ship the wording: codes and plain paraphrases, marked as
such; a clinic loads the licensed text it obtains from the IWH.
"""

from __future__ import annotations

from typing import ClassVar

from painpath.core.instruments.base import (
    BoolArray,
    FloatArray,
    Instrument,
    Item,
    MinimalImportantChange,
    items_range,
)


class QuickDASH(Instrument):
    code = "quickdash"
    title = "QuickDASH"
    version = "11-item"
    items: ClassVar[tuple[Item, ...]] = items_range("qdash", 11, 1, 5)
    score_range = (0.0, 100.0)
    higher_is_better = False
    max_missing = 1
    missing_rule = "IWH QuickDASH scoring: at most 1 of the 11 items may be unanswered"
    mic = MinimalImportantChange(
        15.91, None, "Franchignoni F et al. J Orthop Sports Phys Ther 2014;44:30–9"
    )
    source = "Beaton DE et al. J Bone Joint Surg Am 2005;87:1038–46; IWH scoring"
    licence = (
        "© Institute for Work & Health 2006; commercial or web software needs an IWH "
        "licence. Not shipped."
    )

    def compute(self, x: FloatArray, answered: BoolArray) -> dict[str, FloatArray]:
        mean = (x.sum(axis=1, where=answered)) / answered.sum(axis=1)
        return {"score": (mean - 1.0) * 25.0}
