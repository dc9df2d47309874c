"""The instruments painpath scores, each in its own module, each citing its manual.

Use :func:`get` to build a scorer by code, :data:`REGISTRY` to list them.
"""

from __future__ import annotations

from typing import Any

from painpath.core.errors import UnknownInstrument
from painpath.core.instruments.base import (
    Band,
    Instrument,
    Item,
    MinimalImportantChange,
    ScoreResult,
)
from painpath.core.instruments.bpi import BPI
from painpath.core.instruments.csi import CSI
from painpath.core.instruments.dn4 import DN4, DN4Interview
from painpath.core.instruments.eq5d5l import EQ5D5L
from painpath.core.instruments.fabq import FABQ
from painpath.core.instruments.gad7 import GAD7
from painpath.core.instruments.hads import HADS
from painpath.core.instruments.hoos import HOOS
from painpath.core.instruments.koos import KOOS
from painpath.core.instruments.ndi import NDI
from painpath.core.instruments.nrs import NRS
from painpath.core.instruments.odi import ODI
from painpath.core.instruments.orebro10 import Orebro10
from painpath.core.instruments.oxford import OHS, OKS
from painpath.core.instruments.paindetect import PainDetect
from painpath.core.instruments.pcs import PCS
from painpath.core.instruments.phq9 import PHQ9
from painpath.core.instruments.pseq import PSEQ
from painpath.core.instruments.quickdash import QuickDASH
from painpath.core.instruments.rand36 import RAND36
from painpath.core.instruments.rmdq import RMDQ
from painpath.core.instruments.rmdq23 import RMDQ23
from painpath.core.instruments.spadi import SPADI
from painpath.core.instruments.startback import StartBack
from painpath.core.instruments.tsk import TSK, TSK11
from painpath.core.instruments.vas import VAS

REGISTRY: dict[str, type[Instrument]] = {
    cls.code: cls
    for cls in (NRS, VAS, ODI, RMDQ, RMDQ23, NDI, StartBack, Orebro10, EQ5D5L, PCS, PSEQ, OKS, OHS)
}
REGISTRY |= {cls.code: cls for cls in (DN4, DN4Interview, PainDetect, BPI)}
REGISTRY |= {cls.code: cls for cls in (TSK, TSK11, FABQ)}
REGISTRY |= {cls.code: cls for cls in (SPADI, QuickDASH)}
REGISTRY |= {cls.code: cls for cls in (PHQ9, GAD7, HADS, CSI)}
REGISTRY |= {cls.code: cls for cls in (KOOS, HOOS)}
REGISTRY |= {cls.code: cls for cls in (RAND36,)}


def get(code: str, **options: Any) -> Instrument:
    """A scorer for instrument ``code`` with its options (``max_missing``, ``value_set``)."""
    try:
        cls = REGISTRY[code]
    except KeyError:
        raise UnknownInstrument(code, list(REGISTRY)) from None
    return cls(**options)


__all__ = [
    "REGISTRY",
    "Band",
    "Instrument",
    "Item",
    "MinimalImportantChange",
    "ScoreResult",
    "get",
]
