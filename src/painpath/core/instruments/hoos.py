"""Hip disability and Osteoarthritis Outcome Score (HOOS), five subscales, 0–100 each.

Sources: Nilsdotter AK, Lohmander LS, Klässbo M, Roos EM. Hip disability and osteoarthritis
outcome score (HOOS) — validity and responsiveness in total hip replacement. BMC
Musculoskelet Disord 2003;4:10; HOOS Scoring Instructions, June 2013 (koos.nu, with the 2013
rule for missing items, read in a public copy).

Items, 40, in the form's order: symptoms ``hoos_s1``…``hoos_s5``, pain ``hoos_p1``…
``hoos_p10``, function in daily living ``hoos_a1``…``hoos_a17``, function in sport and
recreation ``hoos_sp1``…``hoos_sp4``, hip-related quality of life ``hoos_q1``…``hoos_q4``;
each coded by its score, 0 = no problem … 4 = extreme problem (None 0 … Extreme 4).

Scoring as the KOOS (:mod:`painpath.core.instruments.koos`): each subscale 100 − mean of its
answered items × 100 / 4, 100 = no problems; ``pain``, ``symptoms``, ``adl``, ``sport_rec``,
``qol``; no aggregate. painpath's ``score`` is the Pain subscale.

Missing answers (HOOS Scoring 2013): a subscale needs at least half its items — Pain 5 of
10, Symptoms 3 of 5, ADL 9 of 17, Sport/Rec 2 of 4, QOL 2 of 4 (the 2003 rule needed 8 pain
and 15 ADL items). A form with fewer than 5 pain items is refused; the other subscales are
empty where they fall short.

Bands: none published.

Minimal important change: none cited. painpath found no hip-specific value it could verify
(the KOOS's 8–10 points are sometimes carried over to the HOOS, without a hip source).

Licence: © Ewa M. Roos; managed by Mapi Research Trust since 2023 with the KOOS and FAOS: free
for academic users, a fee for health care organisations, permission always required (Mapi
Research Trust news, 10 Oct 2023). painpath ships codes and its own plain paraphrase, not
the wording.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from painpath.core.instruments.base import Item
from painpath.core.instruments.koos import RoosOutcomeScore, subscale_items


class HOOS(RoosOutcomeScore):
    code = "hoos"
    title = "HOOS"
    version = "40-item, 2013 scoring"
    subscales: ClassVar[Mapping[str, tuple[str, int]]] = {
        "symptoms": ("s", 5),
        "pain": ("p", 10),
        "adl": ("a", 17),
        "sport_rec": ("sp", 4),
        "qol": ("q", 4),
    }
    items: ClassVar[tuple[Item, ...]] = subscale_items("hoos", subscales)
    max_missing = 5
    missing_rule = (
        "HOOS Scoring 2013: each subscale needs at least half its items (Pain 5 of 10, "
        "Symptoms 3 of 5, ADL 9 of 17, Sport/Rec 2 of 4, QOL 2 of 4); painpath's score is Pain"
    )
    mic = None
    source = "Nilsdotter AK et al. BMC Musculoskelet Disord 2003;4:10; HOOS Scoring 2013"
