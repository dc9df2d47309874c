import datetime as dt
from pathlib import Path

import pytest

from painpath.core.followup import (
    ProtocolError,
    builtin_protocols,
    load_protocol,
    place,
    schedule,
)

DEFAULT = builtin_protocols()["default"]


def test_the_default_and_one_protocol_per_seed_scenario_are_shipped() -> None:
    assert set(builtin_protocols()) == {
        "default",
        "gold-implantation",
        "restorative-neurostimulation",
        "step1-course",
    }
    assert [p.months for p in DEFAULT.timepoints] == [3, 6, 12, 24]
    assert all(p.source for p in builtin_protocols().values())


def test_targets_are_calendar_months_with_a_window_either_side() -> None:
    three, *_ = schedule(DEFAULT, dt.date(2026, 1, 31))
    assert three.target == dt.date(2026, 4, 30)  # clipped to the month's end
    assert (three.window_start, three.window_end) == (dt.date(2026, 4, 16), dt.date(2026, 5, 14))


def test_reminders_start_when_the_window_opens_and_stop_when_it_closes() -> None:
    three, *_ = schedule(DEFAULT, dt.date(2026, 1, 1))
    sends = three.reminders(DEFAULT)
    assert sends[0] == three.window_start
    assert [(d - sends[0]).days for d in sends] == [0, 5, 10]
    assert all(d <= three.window_end for d in sends)


def test_an_answer_outside_its_window_is_placed_and_flagged_not_dropped() -> None:
    late = place(DEFAULT, dt.date(2026, 1, 1), dt.date(2026, 4, 25))  # target 1 April
    assert late is not None
    assert (late.months, late.in_window, late.days_from_target) == (3, False, 24)
    on_time = place(DEFAULT, dt.date(2026, 1, 1), dt.date(2026, 4, 10))
    assert on_time is not None and on_time.in_window
    assert place(DEFAULT, dt.date(2026, 1, 1), dt.date(2026, 1, 20)) is None  # baseline period


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("index_event: tomorrow", "index_event"),
        ("timepoints: [{months: 6, window_days: 14}, {months: 3, window_days: 14}]", "increasing"),
        ("instruments: [nrs, sf36]", "unknown instrument"),
        ("reminders: {after_days: [10, 5], give_up: window_end}", "after_days"),
    ],
)
def test_a_bad_protocol_is_refused_naming_the_field(
    tmp_path: Path, text: str, message: str
) -> None:
    base = {
        "id": "x",
        "version": "1",
        "title": "t",
        "source": "s",
        "index_event": "first_visit",
        "timepoints": "[{months: 3, window_days: 14}]",
        "instruments": "[nrs]",
        "reminders": "{after_days: [5], give_up: window_end}",
    }
    key = text.split(":")[0]
    lines = [f"{k}: {v}" for k, v in base.items() if k != key] + [text]
    path = tmp_path / "clinic.yaml"
    path.write_text("\n".join(lines))
    with pytest.raises(ProtocolError, match=message) as raised:
        load_protocol(path)
    assert str(path) in str(raised.value)
