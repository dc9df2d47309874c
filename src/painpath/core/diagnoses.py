"""ICD-10 diagnosis codes as Danish records write them (SKS: "D" + the WHO code, DM54.5).

The value set is data: ``data/record/icd10-pain-clinic.yaml``, the codes a pain clinic
uses, with English (WHO ICD-10) and Danish (SKS) titles and what could not be verified. It
sits beside the ICD-11 chronic-pain suggestion (``rulesets/icd11-chronic-pain.yaml``), which
the rule engine makes and the clinician confirms; this list is what the clinic records.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from painpath.core.errors import PainpathError

__all__ = ["Diagnosis", "DiagnosisError", "ValueSet", "load_value_set", "parse_value_set"]

_FILE = ("record", "icd10-pain-clinic.yaml")
# SKS diagnosis code at WHO level: D, the chapter letter, two digits, a dot and one digit.
SKS_CODE = re.compile(r"^D[A-Z]\d{2}(\.\d)?$")


class DiagnosisError(PainpathError, ValueError):
    """A malformed value set, or a code that is not in it."""


@dataclass(frozen=True)
class Diagnosis:
    code: str
    group: str
    title: Mapping[str, str]

    @property
    def icd10(self) -> str:
        """The WHO ICD-10 code (without the SKS prefix)."""
        return self.code[1:]

    def label(self, language: str) -> str:
        return self.title.get(language) or self.title["en"]


@dataclass(frozen=True)
class ValueSet:
    id: str
    version: str
    sources: tuple[str, ...]
    not_verified: str
    diagnoses: tuple[Diagnosis, ...]

    def get(self, code: str) -> Diagnosis:
        for diagnosis in self.diagnoses:
            if diagnosis.code == code:
                return diagnosis
        raise DiagnosisError(f"{code!r} is not in the value set {self.id} {self.version}")

    def codes(self) -> tuple[str, ...]:
        return tuple(d.code for d in self.diagnoses)


def parse_value_set(document: Mapping[str, Any]) -> ValueSet:
    where = "/".join(_FILE)
    diagnoses = []
    for row in document.get("codes") or ():
        code = str(row.get("code", ""))
        if not SKS_CODE.match(code):
            raise DiagnosisError(
                f"{where}: {code!r} is not an SKS diagnosis code like DM54.5 "
                "(D, the ICD-10 letter, two digits, optionally a dot and one digit)"
            )
        title = {k: str(row[k]) for k in ("en", "da") if row.get(k)}
        if set(title) != {"en", "da"}:
            raise DiagnosisError(f"{where}, {code}: needs both an English and a Danish title")
        diagnoses.append(Diagnosis(code=code, group=str(row.get("group", "")), title=title))
    codes = [d.code for d in diagnoses]
    repeated = sorted({c for c in codes if codes.count(c) > 1})
    if repeated:
        raise DiagnosisError(f"{where}: codes listed twice: {', '.join(repeated)}")
    return ValueSet(
        id=str(document["id"]),
        version=str(document["version"]),
        sources=tuple(" ".join(str(s["citation"]).split()) for s in document.get("sources", ())),
        not_verified=" ".join(str(document.get("not_verified", "")).split()),
        diagnoses=tuple(diagnoses),
    )


@cache
def load_value_set() -> ValueSet:
    path = resources.files("painpath.core.data").joinpath(*_FILE)
    return parse_value_set(yaml.safe_load(path.read_text(encoding="utf-8")))
