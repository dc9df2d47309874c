"""Derived inputs: an episode, seen as of one date, flattened into the document rules read.

Rules are FHIRPath expressions over one flat document of named inputs (numbers, strings,
booleans and lists of them), so that each expression stays short, its inputs can be listed
in the trace, and its result can be cached on those inputs. Everything that needs the
calendar or a table — durations, ages of images, session effects — is computed here, once,
as of the date given.

Missing data stays missing: an input whose source field is absent is left out of the
document (never set to a default), so a rule that reads it cannot fire and reports
"unknown — needs <input>". Facts dated after the as-of date are ignored.

Durations
---------
``duration_months`` counts calendar months from the onset to the as-of date: the whole
months up to the last monthly anniversary of the onset (clipped to the month's last day,
e.g. 31 January + 1 month = 28/29 February), plus the fraction of the following month that
has passed (days since that anniversary / days until the next one), rounded to 4 decimals.
So an onset of 15 January 2024 is exactly 3.0 months old on 15 April 2024 and 3.0333 on
16 April: "more than 3 months" (``> 3``) is first true the day after the anniversary.
A reported duration in months or years gives exactly that many months; one in days or weeks
implies an onset that many days before the as-of date. ``duration_weeks`` is days / 7.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from painpath.core.medicines import PauseTable, load_pause_table, plan
from painpath.core.vocabularies import red_flag_codes

__all__ = [
    "AXIS_INPUT_PREFIX",
    "INPUTS",
    "Tables",
    "add_months",
    "derive",
    "load_tables",
    "months_between",
]

AXIS_INPUT_PREFIX = "axis_"
"""An input named ``axis_<name>`` is the result of the rule set for axis ``<name>``."""

_SENSORY = (
    "nerve_lesion_history",
    "plausible_distribution",
    "sensory_signs_in_distribution",
    "confirmatory_test",
    "hypersensitivity_signs_in_region",
    "hypersensitivity_history",
    "comorbidity_sensory_sensitivity",
    "comorbidity_sleep",
    "comorbidity_fatigue",
    "comorbidity_cognitive",
    "significant_distress_or_disability",
)
_READINESS = (
    "appointment_booked",
    "imaging_requested",
    "imaging_received",
    "anticoagulant_pause_agreed",
    "companion_arranged",
)

INPUTS: dict[str, str] = {
    "age": "age in years (episode field age)",
    "sex": "female / male / other / unknown",
    "duration_days": "days from onset to the as-of date (onset_date or reported_duration)",
    "duration_weeks": "duration_days / 7",
    "duration_months": "calendar months from onset to the as-of date (see module docstring)",
    "pattern": "constant / recurring",
    "regions": "body-map region codes with pain",
    "region_count": "number of distinct painful regions",
    "pain_distribution": "discrete / regional / multifocal / widespread (clinician)",
    "axial_pain": "pain in an axial region (neck, upper back, low back, chest, abdomen)",
    "body_quadrants": "number of limb quadrants (left/right × upper/lower) with pain, 0–4",
    "widespread_regions": "number of the five generalised-pain regions with pain, 0–5",
    "diagnoses": "diagnosis and cause codes (seed-004 catalogue)",
    "trauma_kinds": "kinds of recorded trauma up to the as-of date",
    "months_since_trauma": "calendar months since the latest recorded trauma",
    "pain_began_after_trauma": "onset on or after the latest trauma",
    **{f"rf_{name}": f"red-flag answer: {name.replace('_', ' ')}" for name in red_flag_codes()},
    **{f"sx_{name}": f"clinical finding: {name.replace('_', ' ')}" for name in _SENSORY},
    # Kosek 2021 criterion 3 asks whether the pain is *entirely* explained: nociceptive or
    # neuropathic pain that is present but only partly responsible does not exclude it.
    "sx_pain_entirely_explained_by_nociception": (
        "clinical finding: nociceptive pain entirely explains the pain "
        "(no if absent, or present but not entirely responsible)"
    ),
    "sx_pain_entirely_explained_by_neuropathy": (
        "clinical finding: neuropathic pain entirely explains the pain "
        "(no if absent, or present but not entirely responsible)"
    ),
    "sx_lesion_site": "peripheral / central site of the nervous-system lesion",
    "startback_total": "STarT Back overall score 0–9",
    "startback_psychosocial": "STarT Back psychosocial subscore 0–5",
    "orebro_short_score": "Örebro short form total 0–100",
    "dn4_score": "DN4 total 0–10, with the examination (screening, not grading)",
    "dn4_interview_score": "DN4-interview total 0–7 (screening, not grading)",
    "phq9_item9": "PHQ-9 item 9, thoughts of death or self-harm, 0–3 (latest PHQ-9)",
    "phq9_score": "PHQ-9 total 0–27 (supporting information, not a criterion)",
    "gad7_score": "GAD-7 total 0–21 (supporting information, not a criterion)",
    "hads_anxiety": "HADS anxiety subscale 0–21 (supporting information, not a criterion)",
    "hads_depression": "HADS depression subscale 0–21 (supporting information, not a criterion)",
    "csi_score": "CSI total 0–100 (supporting information, not a criterion)",
    "imaging_oa_max_grade": "highest Kellgren–Lawrence grade on imaging up to the as-of date",
    "imaging_disc_herniation": "any imaging shows a disc herniation",
    "imaging_modic": "any imaging shows Modic changes",
    "imaging_multifidus_fat_grade": "latest multifidus fat-infiltration grade",
    "course_modality": "modality of the latest treatment course started by the as-of date",
    "course_pain_instrument": "nrs (0–10) or vas (0–100 mm) for the latest course",
    "course_months": "calendar months since the latest course started",
    "course_sessions": "sessions of the latest course up to the as-of date (0 if none)",
    "course_immediate_changes": "pain before − pain after, per session with both recorded",
    "course_baseline_pain": "the course's baseline: pain before the first session",
    "course_recent_pain": "mean pain before the latest two sessions after the first",
    "course_lasting_change": "lasting change: baseline pain − recent pain (a fall is positive)",
    "course_lasting_change_percent": "lasting change as a percentage of the baseline pain",
    "course_session_log": "the sessions looked at: 'date: before → after'",
    "procedure_planned": "a procedure is recorded",
    "procedure_region": "region of the planned procedure",
    "procedure_booked": "appointment date recorded and booking confirmed",
    "procedure_days_until": "days from the as-of date to the appointment",
    "procedure_imaging_available": "imaging of the procedure region dated by the as-of date",
    "procedure_imaging_age_months": "calendar months since the newest such imaging",
    "imaging_received_days_before_appointment": "days between images received and appointment",
    **{f"ready_{name}": f"readiness item done: {name.replace('_', ' ')}" for name in _READINESS},
    "procedure_bleeding_risk": (
        "bleeding-risk class of the planned procedure and region (low / intermediate / high), "
        "from the pause table"
    ),
    "anticoagulants": (
        "current blood thinners by drug, free-text medicines recognised (needs medications)"
    ),
    "anticoagulants_without_decision": (
        "blood thinners still waiting for the doctor's decision: none documented, the "
        "guideline does not say continue, and no long-enough pause agreed on the checklist"
    ),
    "anticoagulants_to_confirm": (
        "medicines written as free text that may be blood thinners, not yet confirmed"
    ),
    "anticoagulant_guideline_advice": (
        "what the pause table says per blood thinner for this bleeding risk, with its source"
    ),
    "anticoagulant_decisions": "the doctor's documented decision per blood thinner",
}


@dataclass(frozen=True)
class Tables:
    """Configuration tables the derivation reads (each a cited data file)."""

    axial: frozenset[str]
    upper: frozenset[str]
    lower: frozenset[str]
    pauses: PauseTable


@cache
def load_tables() -> Tables:
    base = resources.files("painpath.core.data").joinpath("rulesets/tables")
    regions = yaml.safe_load(base.joinpath("body-regions.yaml").read_text(encoding="utf-8"))
    return Tables(
        axial=frozenset(regions["axial"]),
        upper=frozenset(regions["upper"]),
        lower=frozenset(regions["lower"]),
        pauses=load_pause_table(),
    )


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole calendar months, clipped to the last day of the month."""
    years, month0 = divmod(day.month - 1 + months, 12)
    year = day.year + years
    last = calendar.monthrange(year, month0 + 1)[1]
    return dt.date(year, month0 + 1, min(day.day, last))


def months_between(start: dt.date, end: dt.date) -> float | None:
    """Calendar months from ``start`` to ``end`` (see module docstring); ``None`` if
    ``start`` is after ``end``."""
    if start > end:
        return None
    whole = (end.year - start.year) * 12 + end.month - start.month
    # Anniversaries are always computed from ``start`` so that clipping (31 Jan → 28 Feb)
    # never accumulates.
    if add_months(start, whole) > end:
        whole -= 1
    anchor = add_months(start, whole)
    following = add_months(start, whole + 1)
    fraction = (end - anchor).days / (following - anchor).days
    return round(whole + fraction, 4)


def _date(text: Any) -> dt.date | None:
    if not isinstance(text, str):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _duration(episode: Mapping[str, Any], as_of: dt.date, doc: dict[str, Any]) -> None:
    onset = _date(episode.get("onset_date"))
    if onset is not None:
        months = months_between(onset, as_of)
        if months is None:
            return
        doc["duration_months"] = months
        doc["duration_days"] = (as_of - onset).days
        doc["duration_weeks"] = round((as_of - onset).days / 7, 4)
        return
    reported = episode.get("reported_duration")
    if not isinstance(reported, Mapping):
        return
    value, unit = int(reported["value"]), reported["unit"]
    if unit in ("months", "years"):
        months_value = value * 12 if unit == "years" else value
        implied = add_months(as_of, -months_value)
        doc["duration_months"] = float(months_value)
    else:
        implied = as_of - dt.timedelta(days=value * (7 if unit == "weeks" else 1))
        doc["duration_months"] = months_between(implied, as_of)
    doc["duration_days"] = (as_of - implied).days
    doc["duration_weeks"] = round((as_of - implied).days / 7, 4)


def _regions(episode: Mapping[str, Any], tables: Tables, doc: dict[str, Any]) -> None:
    entries = episode.get("pain_regions")
    if entries is None:
        return
    codes = sorted({entry["region"] for entry in entries})
    doc["regions"] = codes
    doc["region_count"] = len(codes)
    doc["axial_pain"] = any(code in tables.axial for code in codes)
    quadrants: set[tuple[str, str]] = set()
    for entry in entries:
        level = (
            "upper"
            if entry["region"] in tables.upper
            else "lower"
            if entry["region"] in tables.lower
            else None
        )
        side = entry.get("laterality")
        if level is None or side not in ("left", "right", "bilateral"):
            continue
        for each in ("left", "right") if side == "bilateral" else (side,):
            quadrants.add((level, each))
    doc["body_quadrants"] = len(quadrants)
    doc["widespread_regions"] = len(quadrants) + (1 if doc["axial_pain"] else 0)


def _trauma(episode: Mapping[str, Any], as_of: dt.date, doc: dict[str, Any]) -> None:
    entries = episode.get("trauma")
    if entries is None:
        return
    dated = [(d, e["kind"]) for e in entries if (d := _date(e["date"])) and d <= as_of]
    doc["trauma_kinds"] = sorted({kind for _, kind in dated})
    if not dated:
        return
    latest = max(d for d, _ in dated)
    doc["months_since_trauma"] = months_between(latest, as_of)
    onset = _date(episode.get("onset_date"))
    if onset is not None:
        doc["pain_began_after_trauma"] = onset >= latest


def _imaging(episode: Mapping[str, Any], as_of: dt.date, doc: dict[str, Any]) -> None:
    entries = episode.get("imaging")
    if entries is None:
        return
    dated = sorted(
        ((d, e) for e in entries if (d := _date(e["date"])) and d <= as_of),
        key=lambda pair: pair[0],
    )
    findings = [e.get("findings", {}) for _, e in dated]
    grades = [f["osteoarthritis_grade"] for f in findings if "osteoarthritis_grade" in f]
    if grades:
        doc["imaging_oa_max_grade"] = max(grades)
    herniation = [f["disc_herniation"] for f in findings if "disc_herniation" in f]
    if herniation:
        doc["imaging_disc_herniation"] = any(herniation)
    modic = [f["modic_types"] for f in findings if "modic_types" in f]
    if modic:
        doc["imaging_modic"] = any(modic)
    fat = [f["multifidus_fat_grade"] for f in findings if "multifidus_fat_grade" in f]
    if fat:
        doc["imaging_multifidus_fat_grade"] = fat[-1]


RECENT_SESSIONS = 2
"""How many of the latest sessions give a course's recent pain (see :func:`_lasting_change`)."""


def _lasting_change(befores: Sequence[float], doc: dict[str, Any]) -> None:
    """The lasting change of a course: the pain before its first session (the baseline)
    against the mean pain before its latest sessions after the first (at most
    :data:`RECENT_SESSIONS`). Pain measured *before* a session is what lasted since the
    previous one, so a session's immediate relief does not count here. Needs two readings;
    a fall is positive. The percentage is of the baseline (0 when the baseline is 0: pain
    cannot fall from nothing)."""
    if len(befores) < 2:
        return
    baseline = befores[0]
    recent = befores[1:][-RECENT_SESSIONS:]
    recent_pain = round(sum(recent) / len(recent), 4)
    change = round(baseline - recent_pain, 4)
    doc["course_baseline_pain"] = baseline
    doc["course_recent_pain"] = recent_pain
    doc["course_lasting_change"] = change
    doc["course_lasting_change_percent"] = round(100 * change / baseline, 2) if baseline else 0.0


def _course(episode: Mapping[str, Any], as_of: dt.date, doc: dict[str, Any]) -> None:
    courses = [
        (start, c)
        for c in episode.get("treatment_courses") or ()
        if (start := _date(c["start"])) and start <= as_of
    ]
    if not courses:
        doc["course_sessions"] = 0
        return
    # The latest course is the one the escalation question is about; ties keep file order.
    start, course = max(courses, key=lambda pair: pair[0])
    doc["course_modality"] = course["modality"]
    doc["course_pain_instrument"] = course.get("pain_instrument", "nrs")
    doc["course_months"] = months_between(start, as_of)
    sessions = sorted(
        ((d, s) for s in course.get("sessions") or () if (d := _date(s["date"])) and d <= as_of),
        key=lambda pair: pair[0],
    )
    doc["course_sessions"] = len(sessions)
    doc["course_immediate_changes"] = [
        round(s["pain_before"] - s["pain_after"], 4)
        for _, s in sessions
        if "pain_before" in s and "pain_after" in s
    ]
    _lasting_change([s["pain_before"] for _, s in sessions if "pain_before" in s], doc)
    doc["course_session_log"] = [
        f"{d.isoformat()}: {s.get('pain_before', '?')} → {s.get('pain_after', '?')}"
        for d, s in sessions
    ]


def _procedure(
    episode: Mapping[str, Any], as_of: dt.date, tables: Tables, doc: dict[str, Any]
) -> None:
    procedure = episode.get("procedure")
    doc["procedure_planned"] = procedure is not None
    items = {entry["item"]: entry for entry in episode.get("readiness") or ()}
    for name in _READINESS:
        entry = items.get(name)
        doc[f"ready_{name}"] = entry is not None and entry["state"] in ("done", "not_applicable")
    if procedure is None:
        return
    region = procedure["region"]
    doc["procedure_region"] = region
    appointment = _date(procedure.get("appointment_date"))
    doc["procedure_booked"] = appointment is not None and doc["ready_appointment_booked"]
    if appointment is not None:
        doc["procedure_days_until"] = (appointment - as_of).days
    images = [
        d
        for e in episode.get("imaging") or ()
        if e["region"] == region and (d := _date(e["date"])) and d <= as_of
    ]
    doc["procedure_imaging_available"] = bool(images)
    if images:
        doc["procedure_imaging_age_months"] = months_between(max(images), as_of)
    received = items.get("imaging_received")
    received_on = _date(received.get("date")) if received else None
    if appointment is not None and received_on is not None and doc["ready_imaging_received"]:
        doc["imaging_received_days_before_appointment"] = (appointment - received_on).days
    risk = tables.pauses.risk_class(procedure["kind"], region)
    if risk is not None:
        doc["procedure_bleeding_risk"] = risk
    medications = episode.get("medications")
    if medications is None:
        return
    # Blood thinners by procedure bleeding risk: painpath.core.medicines (Narouze 2018).
    thinners = plan(
        medications,
        procedure,
        as_of,
        pause_agreed_ticked=doc["ready_anticoagulant_pause_agreed"],
        table=tables.pauses,
    )
    source = f"[{thinners.table}, {risk or 'not classified'}]"
    doc["anticoagulants"] = sorted({d.name for d in thinners.drugs})
    doc["anticoagulants_without_decision"] = thinners.undecided
    doc["anticoagulants_to_confirm"] = [f"{d.text} → {d.code}" for d in thinners.to_confirm]
    doc["anticoagulant_guideline_advice"] = [
        f"{d.name}: {d.advice_words(risk)} {source}" for d in thinners.drugs
    ]
    doc["anticoagulant_decisions"] = [
        f"{d.name}: {d.decision.words()}" for d in thinners.drugs if d.decision is not None
    ]


def derive(
    episode: Mapping[str, Any], as_of: dt.date, tables: Tables | None = None
) -> dict[str, Any]:
    """The flat input document for ``episode`` as of ``as_of``. ``episode`` must be
    schema-valid (:func:`painpath.core.rules.episode.validate_episode`)."""
    tables = tables or load_tables()
    doc: dict[str, Any] = {}
    for name in ("age", "sex", "pattern", "pain_distribution"):
        if name in episode:
            doc[name] = episode[name]
    _duration(episode, as_of, doc)
    _regions(episode, tables, doc)
    if "diagnoses" in episode:
        doc["diagnoses"] = sorted({d["code"] for d in episode["diagnoses"]})
    _trauma(episode, as_of, doc)
    for name, value in (episode.get("red_flags") or {}).items():
        doc[f"rf_{name}"] = value
    for name, value in (episode.get("sensory_findings") or {}).items():
        doc[f"sx_{name}"] = value
    questionnaires = episode.get("questionnaires") or {}
    if "startback" in questionnaires:
        doc["startback_total"] = questionnaires["startback"]["total"]
        doc["startback_psychosocial"] = questionnaires["startback"]["psychosocial"]
    if "orebro_short" in questionnaires:
        doc["orebro_short_score"] = questionnaires["orebro_short"]["score"]
    if "dn4" in questionnaires:
        doc["dn4_score"] = questionnaires["dn4"]["total"]
    if "dn4_interview" in questionnaires:
        doc["dn4_interview_score"] = questionnaires["dn4_interview"]["total"]
    if "phq9" in questionnaires:
        doc["phq9_item9"] = questionnaires["phq9"]["item9"]
        doc["phq9_score"] = questionnaires["phq9"]["total"]
    if "gad7" in questionnaires:
        doc["gad7_score"] = questionnaires["gad7"]["total"]
    if "hads" in questionnaires:
        doc["hads_anxiety"] = questionnaires["hads"]["anxiety"]
        doc["hads_depression"] = questionnaires["hads"]["depression"]
    if "csi" in questionnaires:
        doc["csi_score"] = questionnaires["csi"]["total"]
    _imaging(episode, as_of, doc)
    _course(episode, as_of, doc)
    _procedure(episode, as_of, tables, doc)
    return doc


def freeze(value: Any) -> Any:
    """A hashable stand-in for an input value (lists become tuples)."""
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    return value


def missing(doc: Mapping[str, Any], names: Sequence[str]) -> list[str]:
    """The inputs among ``names`` that ``doc`` does not have."""
    return [name for name in names if name not in doc]
