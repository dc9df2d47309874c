"""Each instrument's subscales named for clinicians, in every questionnaire language.

A result keeps its subscales by code (``anxiety``, ``sport_rec``: stable for the API, exports
and ``painpath score``); screens name them from the ``subscales:`` block of the instrument's
questionnaire source (``questionnaires/source/<code>.yaml``), beside its other texts:

.. code-block:: yaml

    subscales:
      anxiety:
        name: {da: Angst, en: Anxiety, de: Angst}
        bands: hads            # read the value on this instrument's bands (cited there)
        band_names: {normal: {da: …, en: …, de: …}, …}
      risk:
        name: {…}
        hidden: why a screen leaves it out (the StarT Back risk group is the score's band)
      score:                   # optional: the score itself, when it is one of the scales
        name: {da: Smertens indvirkning, en: Pain interference, de: …}

Every subscale an instrument in the registry returns must be named, and nothing else
(:func:`check_all`); the order in the file is the order on screen. A subscale's band is read
on the bands of the instrument ``bands`` names — for the HADS its own, which Zigmond & Snaith
(1983) define per subscale — so no cut-off is written twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import yaml

from painpath.core.instruments import REGISTRY, get
from painpath.core.questionnaires import QuestionnaireError, _instrument, _source_dir, _texts

__all__ = ["SCORE", "Subscale", "band_of", "check_all", "subscales"]

SCORE = "score"
"""The key that names the score itself among the subscales."""


@dataclass(frozen=True)
class Subscale:
    """One subscale's name per language, and where its value's band comes from."""

    code: str
    name: Mapping[str, str]
    bands: str = ""
    """The instrument whose bands the subscale is read on; empty for none."""
    band_names: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    hidden: str = ""
    """Why screens leave it out (a code, not a value to read); empty when shown."""


def _subscale(code: str, spec: Any, where: str) -> Subscale:
    at = f"{where} subscale {code}"
    if not isinstance(spec, dict) or not set(spec) <= {"name", "bands", "band_names", "hidden"}:
        raise QuestionnaireError(f"{at}: expected 'name' and optionally bands, band_names, hidden")
    bands = str(spec.get("bands") or "")
    names: dict[str, dict[str, str]] = {}
    if bands:
        labels = [band.label for band in _instrument(bands).bands]
        raw = spec.get("band_names") or {}
        if not isinstance(raw, dict) or list(raw) != labels:
            raise QuestionnaireError(f"{at}: band_names must name {labels} (the bands of {bands})")
        names = {label: _texts(raw[label], f"{at} band {label}") for label in labels}
    return Subscale(
        code=code,
        name=_texts(spec.get("name"), at),
        bands=bands,
        band_names=names,
        hidden=" ".join(str(spec.get("hidden") or "").split()),
    )


@cache
def subscales(code: str) -> tuple[Subscale, ...]:
    """Instrument ``code``'s subscales in screen order.

    Raises :class:`QuestionnaireError` unless they are exactly the subscales it returns.
    """
    cls = _instrument(code)
    where = f"questionnaires/source/{code}.yaml"
    raw = yaml.safe_load(_source_dir().joinpath(f"{code}.yaml").read_text(encoding="utf-8"))
    block = raw.get("subscales") or {}
    # "score" names the score itself where it is one scale of several that is not also
    # returned as a subscale (the BPI's interference beside its severity).
    if not isinstance(block, dict) or set(block) - {SCORE} != set(cls.subscale_names):
        named = sorted(block) if isinstance(block, dict) else []
        raise QuestionnaireError(
            f"{where}: 'subscales' names {named}; the instrument returns "
            f"{sorted(cls.subscale_names)} — name each in every language"
        )
    return tuple(_subscale(name, spec, where) for name, spec in block.items())


def band_of(subscale: Subscale, value: float) -> str | None:
    """The band code of ``value`` on the subscale's bands (None without bands)."""
    return get(subscale.bands).band_of(value) if subscale.bands else None


def check_all() -> None:
    """Check every registered instrument's subscale names (raises on the first wrong one)."""
    for code in REGISTRY:
        subscales(code)
