"""The registry export: the long, pseudonymised table of scores the outcome report reads.

One row per episode, instrument and time point — ``patient_id`` (a pseudonym of the episode's
patient record, with ``-2``, ``-3`` … for its later episodes), ``person_id`` (a pseudonym of the
person: the same for their episodes and for their records at different clinics), ``instrument``,
``timepoint`` (months after the index date; 0 = baseline), ``score``, and which wording the
patient saw: ``wording`` (``licensed``, ``original``, ``paraphrase`` or ``unknown``) and
``wording_id`` (the Questionnaire and version, or the licensed translation's id and version,
e.g. ``paraphrase odi-da 1.0.0``, ``licensed STarT-dk 2011 (startback-da)``) — with the cohort
columns beside it: clinic, sex, age at the index date, treatment (the first course's
modality), procedure (the booked procedure's kind), index date and event, the follow-up
protocol, the multifidus fat-infiltration grade (latest imaging that grades it) and the
latest classification's result on each axis as ``axis_<name>``. No name, CPR number, date of
birth or contact detail leaves this module, and no patient without a current research consent
leaves the clinic, except into its own report (``own_clinic``; docs/consent.md).

Placing answers:

- the protocol and index date are the episode's follow-up plan (``followup.FollowUpPlan``,
  the latest one) when it has one; otherwise the ``default`` protocol counted from the
  procedure date when a procedure with a date was booked, else from the first visit (the
  episode's creation);
- baseline: per instrument, the latest answer on or before the index date; without one, the
  earliest answer from the baseline period after it (before the first time point's window
  opens halfway: :func:`painpath.core.followup.place` gives no time point);
- follow-up: each later answer is placed on its time point by
  :func:`painpath.core.followup.place`; per time point the answer nearest the target date is
  kept, with ``in_window`` telling whether it came inside the window (baseline rows: true).

Reading it (:func:`registry_table`): on SQLite the frame goes to an in-process DuckDB; on
PostgreSQL it is written to a temporary table of an Ibis connection to the same database,
and the report's query runs in PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import ibis
import polars as pl
from django.apps import apps
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from painpath.audit.services import Event
from painpath.core.consent import CARE, RESEARCH
from painpath.core.followup import FollowUpProtocol, builtin_protocols, place
from painpath.core.questionnaires import WordingRef
from painpath.patients import crypto
from painpath.patients.consent import patients_for
from painpath.patients.models import Clinic, Episode, Patient

BASE_COLUMNS: dict[str, Any] = {
    "patient_id": pl.String,
    "person_id": pl.String,
    "instrument": pl.String,
    "timepoint": pl.Int64,
    "score": pl.Float64,
    "wording": pl.String,
    "wording_id": pl.String,
    "answered_on": pl.Date,
    "in_window": pl.Boolean,
    "days_from_target": pl.Int64,
    "clinic": pl.String,
    "sex": pl.String,
    "age": pl.Int64,
    "treatment": pl.String,
    "procedure": pl.String,
    "index_date": pl.Date,
    "index_event": pl.String,
    "protocol": pl.String,
    "multifidus_fat_grade": pl.Int64,
    "synthetic": pl.Boolean,
}

REPORT_VIEWED = Event("analytics.report.viewed", "view")
REPORT_EXPORTED = Event("analytics.report.exported", "export")
REGISTRY_EXPORTED = Event("analytics.registry.exported", "export")


def pseudonym(public_id: uuid.UUID | str) -> str:
    """A stable pseudonym for a patient: a keyed hash (PAINPATH_FIELD_KEY) of the public id,
    with its own purpose prefix so it matches no other hash painpath stores."""
    return crypto.lookup_hash(f"painpath analytics pseudonym:{public_id}")[:16]


def person_pseudonym(patient: Patient) -> str:
    """A stable pseudonym for the person a patient record is about: a keyed hash of the CPR
    number's lookup hash, so that their records at two clinics share it; of the record's public
    id where no CPR number was recorded (such a record cannot be linked to another clinic's,
    and counts as a person of its own)."""
    key = f"cpr:{patient.cpr_hash}" if patient.cpr_hash else f"record:{patient.public_id}"
    return crypto.lookup_hash(f"painpath analytics person:{key}")[:16]


def _plans() -> dict[int, tuple[str, dt.date]]:
    """Episode id → (protocol id, index date) of its latest follow-up plan, where the
    follow-up app is installed."""
    try:
        plan_model = apps.get_model("followup", "FollowUpPlan")
    except LookupError:
        return {}
    out: dict[int, tuple[str, dt.date]] = {}
    for episode_id, protocol_id, index_date in plan_model.objects.order_by(
        "created_at", "id"
    ).values_list("episode_id", "protocol_id", "index_date"):
        out[episode_id] = (protocol_id, index_date)
    return out


def _fat_grade(episode: Episode) -> int | None:
    for study in episode.imaging.all():  # newest first (model ordering)
        grade = (study.findings or {}).get("multifidus_fat_grade")
        if grade is not None:
            try:
                return int(grade)
            except (TypeError, ValueError):
                continue
    return None


def _wording(response: Any) -> dict[str, str]:
    ref = WordingRef.from_dict(response.wording)
    return {"wording": ref.kind, "wording_id": ref.label}


def _placed(
    responses: Iterable[Any], protocol: FollowUpProtocol, index: dt.date
) -> list[dict[str, Any]]:
    by_instrument: dict[str, list[Any]] = defaultdict(list)
    for response in responses:
        if response.score is not None:
            by_instrument[response.instrument].append(response)
    rows = []
    for code, answers in by_instrument.items():
        answers.sort(key=lambda r: (r.answered_on, r.id))
        before = [r for r in answers if r.answered_on <= index]
        placements = {r.id: place(protocol, index, r.answered_on) for r in answers}
        early = [r for r in answers if r.answered_on > index and placements[r.id] is None]
        baseline = before[-1] if before else (early[0] if early else None)
        if baseline is not None:
            rows.append(
                {
                    "instrument": code,
                    "timepoint": 0,
                    "score": float(baseline.score),
                    **_wording(baseline),
                    "answered_on": baseline.answered_on,
                    "in_window": True,
                    "days_from_target": (baseline.answered_on - index).days,
                }
            )
        best: dict[int, tuple[Any, Any]] = {}
        for r in answers:
            p = placements[r.id]
            if p is None:
                continue
            kept = best.get(p.months)
            if kept is None or abs(p.days_from_target) < abs(kept[1].days_from_target):
                best[p.months] = (r, p)
        for months, (r, p) in sorted(best.items()):
            rows.append(
                {
                    "instrument": code,
                    "timepoint": months,
                    "score": float(r.score),
                    **_wording(r),
                    "answered_on": r.answered_on,
                    "in_window": p.in_window,
                    "days_from_target": p.days_from_target,
                }
            )
    return rows


def export_registry(*, own_clinic: Clinic | None = None) -> pl.DataFrame:
    """The registry as the report's long table (see the module docstring), of the patients
    whose consent allows it now (:func:`painpath.patients.consent.patients_for`): those with
    a current research consent — what may leave their clinic — and, for ``own_clinic``'s
    own report, that clinic's patients who did not refuse its quality work."""
    protocols = builtin_protocols()
    default = protocols["default"]
    plans = _plans()
    allowed = Q(patient__in=patients_for(RESEARCH).values("pk"))
    if own_clinic is not None:
        mine = patients_for(CARE).filter(clinic=own_clinic)
        allowed |= Q(patient__in=mine.values("pk"))
    episodes = (
        Episode.objects.filter(allowed)
        .select_related("patient", "patient__clinic")
        .prefetch_related("responses", "courses", "classifications", "imaging")
        .order_by("patient_id", "created_at", "id")
    )
    procedures = {
        p.episode_id: p for p in apps.get_model("pathway", "ProcedureBooking").objects.all()
    }
    records: list[dict[str, Any]] = []
    axes: set[str] = set()
    seen: dict[int, int] = defaultdict(int)
    for episode in episodes:
        patient = episode.patient
        seen[patient.pk] += 1
        # One unit per episode: a patient's second course of care is a second case.
        key = pseudonym(patient.public_id)
        key = key if seen[patient.pk] == 1 else f"{key}-{seen[patient.pk]}"
        procedure = procedures.get(episode.pk)
        if episode.pk in plans:
            protocol_id, index = plans[episode.pk]
            protocol, event = protocols.get(protocol_id, default), "follow_up_plan"
        elif procedure is not None and procedure.appointment_date is not None:
            protocol, index, event = default, procedure.appointment_date, "procedure_date"
        else:
            protocol, event = default, "first_visit"
            index = timezone.localtime(episode.created_at).date()
        courses = sorted(episode.courses.all(), key=lambda c: (c.start, c.id))
        latest = max(
            episode.classifications.all(), key=lambda c: (c.created_at, c.id), default=None
        )
        classification = {}
        if latest is not None:
            for name, axis in latest.axes.items():
                classification[f"axis_{name}"] = axis.result
                axes.add(f"axis_{name}")
        cohort = {
            "patient_id": key,
            # k counts persons, not episodes or records (docs/disclosure.md).
            "person_id": person_pseudonym(patient),
            "clinic": patient.clinic.code if patient.clinic else None,
            "sex": patient.sex,
            "age": patient.age_on(index),
            "treatment": courses[0].modality if courses else None,
            "procedure": procedure.kind if procedure is not None else None,
            "index_date": index,
            "index_event": event,
            "protocol": protocol.id,
            "multifidus_fat_grade": _fat_grade(episode),
            "synthetic": patient.synthetic,
            **classification,
        }
        for row in _placed(episode.responses.all(), protocol, index):
            records.append(cohort | row)
    schema = BASE_COLUMNS | {name: pl.String for name in sorted(axes)}
    frame = pl.DataFrame(records, schema=schema, orient="row") if records else None
    if frame is None:
        frame = pl.DataFrame(schema=schema)
    return frame.sort(["patient_id", "instrument", "timepoint"])


def registry_table(frame: pl.DataFrame) -> ibis.Table:
    """The export as an Ibis table on the backend that matches the database."""
    if connection.vendor == "postgresql":
        return _postgres_table(frame)
    return ibis.duckdb.connect().create_table("registry", frame.to_arrow())


def _postgres_table(frame: pl.DataFrame) -> ibis.Table:
    settings = connection.settings_dict
    con = ibis.postgres.connect(
        host=settings.get("HOST") or None,
        port=int(settings["PORT"]) if settings.get("PORT") else None,
        user=settings.get("USER") or None,
        password=settings.get("PASSWORD") or None,
        database=settings["NAME"],
    )
    # Temporary: private to this connection and gone with it, so concurrent reports never
    # see each other's cohort.
    name = f"painpath_registry_{uuid.uuid4().hex[:12]}"
    return con.create_table(name, frame.to_arrow(), temp=True)


def write_parquet(frame: pl.DataFrame, folder: Path) -> Path:
    """Write the export as ``scores.parquet`` (what ``painpath report -i`` reads)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "scores.parquet"
    frame.write_parquet(path)
    return path
