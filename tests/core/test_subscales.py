"""Every subscale of every instrument named for clinicians in da, en and de, beside the
instrument's other texts (its questionnaire source), and banded where the source bands it
(issue 15)."""

from __future__ import annotations

import pytest

from painpath.core import subscales as core_subscales
from painpath.core.instruments import REGISTRY
from painpath.core.instruments.koos import KOOS
from painpath.core.questionnaires import QuestionnaireError


@pytest.mark.parametrize("code", sorted(REGISTRY))
def test_every_subscale_of_every_instrument_is_named_in_danish_english_and_german(
    code: str,
) -> None:
    named = core_subscales.subscales(code)
    assert {s.code for s in named} - {core_subscales.SCORE} == set(REGISTRY[code].subscale_names)
    for subscale in named:
        assert all(subscale.name[lang].strip() for lang in ("da", "en", "de")), subscale
        assert subscale.code not in subscale.name["da"]  # a code is no name


def test_a_subscale_without_a_name_fails_the_check(monkeypatch: pytest.MonkeyPatch) -> None:
    grown = type("GrownKOOS", (KOOS,), {"subscale_names": (*KOOS.subscale_names, "stiffness")})
    monkeypatch.setitem(REGISTRY, "koos", grown)
    with pytest.raises(QuestionnaireError, match="stiffness"):
        core_subscales.subscales.__wrapped__("koos")


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (0, "normal"),
        (7, "normal"),
        (8, "mulig"),
        (10, "mulig"),
        (11, "sandsynlig"),
        (21, "sandsynlig"),
    ],
)
def test_each_hads_subscale_is_banded_on_the_hads_own_cut_offs(value: int, band: str) -> None:
    # Zigmond & Snaith 1983: per subscale 0–7 normal, 8–10 doubtful case, 11–21 case.
    for subscale in core_subscales.subscales("hads"):
        code = core_subscales.band_of(subscale, value)
        assert code is not None and subscale.band_names[code]["da"] == band
