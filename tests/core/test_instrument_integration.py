"""Every instrument in the registry is usable beyond its scorer (issue 15): a follow-up protocol
can name it (unless a clinician answers it), and the outcome report knows its direction,
range and minimal important change.

The tests enumerate :data:`painpath.core.instruments.REGISTRY`, so an instrument added later
is covered without editing this file.
"""

from __future__ import annotations

import math

import ibis
import pytest
import yaml

from painpath.core.analytics import outcome_table
from painpath.core.followup import ProtocolError, parse_protocol
from painpath.core.instruments import REGISTRY, Instrument
from painpath.core.outcomes import change

CODES = list(REGISTRY)
PATIENT = [c for c in CODES if REGISTRY[c].respondent == "patient"]
CLINICIAN = [c for c in CODES if REGISTRY[c].respondent == "clinician"]


def protocol_text(instruments: object) -> str:
    return yaml.safe_dump(
        {
            "id": "integration",
            "version": "1.0.0",
            "title": "Integration test protocol",
            "index_event": "first_visit",
            "timepoints": [{"months": 3, "window_days": 14}],
            "instruments": instruments,
            "reminders": {"after_days": [5], "give_up": "window_end"},
            "source": "synthetic, for the test",
        }
    )


def worst_and_best(cls: type[Instrument]) -> tuple[float, float]:
    low, high = cls.score_range
    return (low, high) if cls.higher_is_better else (high, low)


# -- who answers ----------------------------------------------------------------------------


@pytest.mark.parametrize("code", CODES)
def test_every_instrument_says_who_answers_it(code: str) -> None:
    assert REGISTRY[code].respondent in ("patient", "clinician")


def test_the_full_dn4_is_the_clinicians_and_its_interview_part_the_patients() -> None:
    # Bouhassira 2005: items 8–10 are the examination (touch, pinprick, brushing).
    assert REGISTRY["dn4"].respondent == "clinician"
    assert REGISTRY["dn4i"].respondent == "patient"


# -- follow-up protocols --------------------------------------------------------------------


@pytest.mark.parametrize("code", PATIENT)
def test_a_protocol_can_name_every_patient_instrument(code: str) -> None:
    protocol = parse_protocol(protocol_text({"default": ["nrs"], "shoulder": [code]}))
    assert protocol.instruments_for("shoulder") == (code,)
    assert parse_protocol(protocol_text([code])).instruments == (code,)


@pytest.mark.parametrize("code", CLINICIAN)
def test_a_protocol_refuses_a_clinician_only_instrument_by_name(code: str) -> None:
    for instruments, where in (
        (["nrs", code], "instruments"),
        ({"default": [code]}, "instruments.default"),
        ({"default": ["nrs"], "knee": ["nrs", code]}, "instruments.knee"),
    ):
        with pytest.raises(ProtocolError) as error:
            parse_protocol(protocol_text(instruments), "upload")
        message = str(error.value)
        assert f"upload: {where}:" in message
        assert f"{REGISTRY[code].title} ({code})" in message
        assert "clinician" in message


def test_every_builtin_protocol_still_loads() -> None:
    from painpath.core.followup import builtin_protocols

    for protocol in builtin_protocols().values():
        assert all(REGISTRY[c].respondent == "patient" for c in protocol.instruments)


# -- what the outcome report needs ----------------------------------------------------------


@pytest.mark.parametrize("code", CODES)
def test_range_direction_and_mic_are_coherent(code: str) -> None:
    cls = REGISTRY[code]
    low, high = cls.score_range
    assert math.isfinite(low) and math.isfinite(high) and low < high, code
    assert isinstance(cls.higher_is_better, bool), code
    if cls.mic is None:
        return
    assert cls.mic.absolute is not None or cls.mic.relative is not None, code
    if cls.mic.absolute is not None:
        # An improvement of the MIC must be possible on the scale.
        assert 0 < cls.mic.absolute <= high - low, (code, cls.mic.absolute)
    if cls.mic.relative is not None:
        assert 0 < cls.mic.relative <= 1, (code, cls.mic.relative)
    assert cls.mic.source.strip(), f"{code}: a MIC without its source"


@pytest.mark.parametrize("code", CODES)
def test_the_change_from_worst_to_best_is_an_improvement(code: str) -> None:
    cls = REGISTRY[code]
    worst, best = worst_and_best(cls)
    up = change(code, worst, best)
    down = change(code, best, worst)
    assert up.improvement == pytest.approx(abs(best - worst))
    assert down.improvement == pytest.approx(-abs(best - worst))
    assert up.percent_improvement == pytest.approx(100.0)
    assert down.percent_improvement is None  # a baseline at the best score leaves no room
    if cls.mic is None:
        assert up.improved_importantly is None
    else:
        assert up.improved_importantly is True
        assert up.mic_source == cls.mic.source


@pytest.mark.parametrize("code", CODES)
def test_the_outcome_report_reads_direction_range_and_mic(code: str) -> None:
    """Two synthetic patients: one from the worst score to the best, one the other way. The
    report's row must know which way is better, and count a MIC responder only when the
    instrument has a MIC, agreeing with :func:`painpath.core.outcomes.change`."""
    cls = REGISTRY[code]
    worst, best = worst_and_best(cls)
    scores = ibis.memtable(
        {
            "patient_id": [1, 1, 2, 2],
            "instrument": [code] * 4,
            "timepoint": [0, 3, 0, 3],
            "score": [worst, best, best, worst],
        }
    )
    (row,) = outcome_table(scores, instruments=[code], timepoints=[3])
    assert row.instrument == code
    assert row.higher_is_better is cls.higher_is_better
    assert (row.n_baseline, row.n_followed) == (2, 2)
    assert row.change_mean == pytest.approx(0.0)
    shares = {share.definition: share for share in row.responders}
    if cls.mic is None:
        assert "mic" not in shares, f"{code}: a MIC share without a MIC"
    else:
        assert shares["mic"].responders == 1, code  # patient 1 only
        assert shares["deterioration"].responders == 1, code  # patient 2 only
