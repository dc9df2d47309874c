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
        ("instruments: [nrs, nrs]", "listed twice"),
        ("instruments: {low_back: [nrs, odi]}", "'default' entry"),
        ("instruments: {default: [nrs], lumbar: [odi]}", r"unknown region\(s\) lumbar"),
        ("instruments: {default: [nrs], neck: []}", "instruments.neck: a list"),
        ("title: {da: t}", "title needs an 'en' text"),
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


# -- instruments by region ---------------------------------------------------------------------
# IMMPACT's core outcome domains for chronic pain trials (Dworkin RH et al. Pain
# 2005;113:9–19): pain intensity on the 0–10 NRS, physical functioning with a validated
# disability measure, and health-related quality of life — here with each region's own
# disability measure: back ODI, neck NDI, knee OKS, hip OHS.
BY_REGION = {
    "low_back": ("nrs", "odi", "eq5d5l"),
    "neck": ("nrs", "ndi", "eq5d5l"),
    "knee": ("nrs", "oks", "eq5d5l"),
    "hip": ("nrs", "ohs", "eq5d5l"),
}


@pytest.mark.parametrize("protocol_id", ["default", "gold-implantation", "step1-course"])
@pytest.mark.parametrize(("region", "expected"), BY_REGION.items())
def test_the_region_chooses_the_disability_measure(
    protocol_id: str, region: str, expected: tuple[str, ...]
) -> None:
    assert builtin_protocols()[protocol_id].instruments_for(region) == expected


@pytest.mark.parametrize("region", ["shoulder", "upper_back", "ankle_foot", "", None])
def test_other_regions_or_none_get_the_generic_set(region: str | None) -> None:
    for protocol_id in ("default", "gold-implantation", "step1-course"):
        assert builtin_protocols()[protocol_id].instruments_for(region) == ("nrs", "eq5d5l")


def test_the_implant_protocol_asks_the_backs_set_of_everyone() -> None:
    # ReActiv8 treats chronic low back pain; seed 000 reports VAS, ODI and EQ-5D.
    protocol = builtin_protocols()["restorative-neurostimulation"]
    assert protocol.by_region == ()
    assert protocol.instruments_for("knee") == ("vas", "odi", "eq5d5l")


def test_every_shipped_protocol_asks_pain_and_quality_of_life_for_every_region() -> None:
    for protocol in builtin_protocols().values():
        for region in (None, *BY_REGION):
            asked = protocol.instruments_for(region)
            assert {"nrs", "vas"} & set(asked), (protocol.id, region)
            assert "eq5d5l" in asked, (protocol.id, region)


def test_a_clinics_protocol_may_give_one_list_or_a_list_per_region(tmp_path: Path) -> None:
    path = tmp_path / "clinic.yaml"
    common = (
        "id: c\nversion: '1'\nsource: s\nindex_event: first_visit\n"
        "timepoints: [{months: 3, window_days: 14}]\n"
        "reminders: {after_days: [5], give_up: window_end}\n"
    )
    path.write_text(common + "title: t\ninstruments: [nrs, rmdq23]\n")
    assert load_protocol(path).instruments_for("neck") == ("nrs", "rmdq23")
    path.write_text(
        common + "title: {en: Back, da: Ryg}\n"
        "instruments: {default: [nrs], low_back: [nrs, rmdq23, eq5d5l]}\n"
    )
    protocol = load_protocol(path)
    assert protocol.instruments_for("low_back") == ("nrs", "rmdq23", "eq5d5l")
    assert protocol.instruments_for("hip") == ("nrs",)
    assert (protocol.title, protocol.title_in("da"), protocol.title_in("de")) == (
        "Back",
        "Ryg",
        "Back",
    )


def test_the_shipped_protocols_have_danish_and_german_titles_without_seed_jargon() -> None:
    for protocol in builtin_protocols().values():
        for language in ("da", "de"):
            title = protocol.title_in(language)
            assert title != protocol.title and "seed" not in title, (protocol.id, language)
