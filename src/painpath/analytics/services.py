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

Reading it: :class:`Registry` runs a fixed number of queries per batch of episodes, whatever
the history — each episode's cohort columns, latest plan, procedure and first course in one
query, its answers without their JSON, its graded imaging, and only the result code of each
axis of its latest classification (``Classification.is_latest``; extracted from the JSON in
the database) — so memory holds one batch and the finished frame. :func:`registry_table` gives
the frame to an in-process DuckDB for the report's Ibis query, on SQLite and PostgreSQL
alike (docs/performance.md).
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections import defaultdict
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import ibis
import polars as pl
import pyarrow.parquet as pq
from django.apps import apps
from django.db import connection
from django.db.models import F, OuterRef, Q, QuerySet, Subquery, TextField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone

from painpath.audit.services import Event
from painpath.core.analytics.placement import place_answers
from painpath.core.consent import CARE, RESEARCH
from painpath.core.followup import FollowUpProtocol, builtin_protocols
from painpath.core.questionnaires import WordingRef
from painpath.core.rules.age import known_age
from painpath.patients import crypto
from painpath.patients.consent import patients_for
from painpath.patients.models import Clinic, Episode, ImagingStudy, Patient

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
    return _person(patient.cpr_hash, patient.public_id)


def _person(cpr_hash: str, public_id: uuid.UUID | str) -> str:
    key = f"cpr:{cpr_hash}" if cpr_hash else f"record:{public_id}"
    return crypto.lookup_hash(f"painpath analytics person:{key}")[:16]


# Episodes per round trip: each batch costs a fixed number of queries (episodes, answers,
# imaging, classification results), and holds only its own rows in Python.
BATCH = 2000


def _latest(model: Any, order: tuple[str, ...], field: str) -> Subquery:
    """The field of the episode's first row of ``model`` in ``order`` (correlated)."""
    return Subquery(model.objects.filter(episode=OuterRef("pk")).order_by(*order).values(field)[:1])


def _episodes(allowed: Q) -> QuerySet[Episode, dict[str, Any]]:
    """One row per exported episode with everything the report needs of it, computed in the
    database: the patient's cohort columns, the latest follow-up plan, the procedure, the
    first course's modality."""
    course = apps.get_model("pathway", "TreatmentCourse")
    extra: dict[str, Any] = {}
    try:
        plan = apps.get_model("followup", "FollowUpPlan")
    except LookupError:
        pass
    else:
        newest = ("-created_at", "-id")
        extra = {
            "plan_protocol": _latest(plan, newest, "protocol_id"),
            "plan_index": _latest(plan, newest, "index_date"),
        }
    return (
        Episode.objects.filter(allowed)
        .order_by("patient_id", "created_at", "id")
        .values(
            "id",
            "patient_id",
            "created_at",
            "patient__public_id",
            "patient__cpr_hash",
            "patient__sex",
            "patient__date_of_birth",
            "patient__clinic__code",
            "patient__synthetic",
            procedure_kind=F("procedure__kind"),
            procedure_date=F("procedure__appointment_date"),
            treatment=_latest(course, ("start", "id"), "modality"),
            **extra,
        )
    )


def _axis_names(episodes: QuerySet[Any, Any]) -> list[str]:
    """The axes the latest classifications of the exported episodes hold (each becomes a
    column ``axis_<name>``): the keys of their small ``axis_codes``, never their traces."""
    sql, params = episodes.query.sql_with_params()
    if connection.vendor == "postgresql":
        query = (
            "SELECT DISTINCT k FROM pathway_classification c, jsonb_object_keys(c.axis_codes) k"
            f" WHERE jsonb_typeof(c.axis_codes) = 'object'"
            f" AND c.is_latest AND c.episode_id IN ({sql})"
        )
    else:
        query = (
            "SELECT DISTINCT j.key FROM pathway_classification c, json_each(c.axis_codes) j"
            f" WHERE json_type(c.axis_codes) = 'object'"
            f" AND c.is_latest AND c.episode_id IN ({sql})"
        )
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return sorted(str(name) for (name,) in cursor.fetchall())


def _axis_results(ids: list[int], axes: list[str]) -> dict[int, dict[str, str | None]]:
    """Episode id → each axis's result code of the episode's latest classification
    (``is_latest``, maintained on write), from its ``axis_codes`` (a few dozen bytes, decoded
    here) — never a run's trace."""
    if not ids or not axes:
        return {}
    classification = apps.get_model("pathway", "Classification")
    rows = (
        classification.objects.filter(episode_id__in=ids, is_latest=True)
        .order_by()
        .values_list("episode_id", "axis_codes")
    )
    return {
        episode: {f"axis_{name}": _code(codes.get(name)) for name in axes}
        for episode, codes in rows
    }


def _code(value: Any) -> str | None:
    # As KT() read the code out of the JSON: text, whatever JSON type it was stored as.
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value)


_ANSWER_COLUMNS: dict[str, Any] = {
    "episode_id": pl.Int64,
    "id": pl.Int64,
    "instrument": pl.String,
    "answered_on": pl.Date,
    "score": pl.Float64,
    "wording": pl.String,
}


def _answers(ids: list[int]) -> pl.DataFrame:
    """The batch's scored answers as columns (no Python object per answer beyond the
    database driver's tuple)."""
    responses = apps.get_model("questionnaires", "QuestionnaireResponse")
    rows = (
        responses.objects.filter(episode_id__in=ids, score__isnull=False)
        .order_by()
        # The wording as text: a clinic's answers share a handful of wordings, each decoded
        # once (_wordings) rather than once per answer.
        .values_list(
            "episode_id", "id", "instrument", "answered_on", "score", Cast("wording", TextField())
        )
    )
    columns = list(zip(*rows, strict=True)) or None
    return pl.DataFrame(columns, schema=_ANSWER_COLUMNS, orient="col")


def _grade(value: Any) -> int | None:
    """A fat grade as the form stores it (a number), read as text on PostgreSQL."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _fat_grades(ids: list[int]) -> dict[int, int]:
    """Episode id → the multifidus fat grade of its latest imaging that grades it."""
    out: dict[int, int] = {}
    studies = (
        ImagingStudy.objects.filter(episode_id__in=ids, findings__has_key="multifidus_fat_grade")
        .order_by("episode_id", "-date", "id")  # newest first, as the model orders them
        .values_list("episode_id", KT("findings__multifidus_fat_grade"))
    )
    for episode_id, value in studies:
        grade = _grade(value) if value is not None else None
        if episode_id not in out and grade is not None:
            out[episode_id] = grade
    return out


@lru_cache(maxsize=256)
def _wording_of(stored: str) -> tuple[str, str]:
    ref = WordingRef.from_dict(json.loads(stored))
    return ref.kind, ref.label


def _wordings(stored: pl.Series) -> pl.DataFrame:
    """Each distinct stored wording (JSON text) beside its kind and label."""
    distinct = stored.unique().to_list()
    decoded = [_wording_of(text) for text in distinct]
    return pl.DataFrame(
        {
            "_stored": distinct,
            "wording": [kind for kind, _ in decoded],
            "wording_id": [label for _, label in decoded],
        },
        schema={"_stored": pl.String, "wording": pl.String, "wording_id": pl.String},
    )


def _allowed(own_clinic: Clinic | None, clinic: Clinic | None) -> Q:
    allowed = Q(patient__in=patients_for(RESEARCH).values("pk"))
    if own_clinic is not None:
        mine = patients_for(CARE).filter(clinic=own_clinic)
        allowed |= Q(patient__in=mine.values("pk"))
    if clinic is not None:
        allowed &= Q(patient__clinic=clinic)
    return allowed


class Registry:
    """The export of the patients :func:`export_registry` describes, read in batches of
    :data:`BATCH` episodes: :attr:`schema` is known before the first row, :meth:`batches`
    yields one sorted frame per batch."""

    def __init__(self, *, own_clinic: Clinic | None = None, clinic: Clinic | None = None):
        self.episodes = _episodes(_allowed(own_clinic, clinic))
        self.axes = _axis_names(self.episodes.order_by().values("id"))
        self.schema = BASE_COLUMNS | {f"axis_{name}": pl.String for name in self.axes}

    def batches(self, size: int | None = None) -> Iterator[pl.DataFrame]:
        size = size or BATCH
        protocols = builtin_protocols()
        seen: dict[int, int] = defaultdict(int)
        rows = self.episodes.iterator(chunk_size=size)
        while batch := list(itertools.islice(rows, size)):
            frame = self._frame(batch, protocols, seen)
            if frame.height:
                yield frame.sort(["patient_id", "instrument", "timepoint"])

    def _frame(
        self,
        batch: list[dict[str, Any]],
        protocols: dict[str, FollowUpProtocol],
        seen: dict[int, int],
    ) -> pl.DataFrame:
        """The batch's rows: one cohort row per episode (a few thousand, built in Python),
        its answers placed as columns (:func:`~painpath.core.analytics.placement.place_answers`)
        and joined to it."""
        default = protocols["default"]
        ids = [e["id"] for e in batch]
        answers = _answers(ids)
        grades = _fat_grades(ids)
        axes = _axis_results(ids, self.axes)
        cohort: dict[str, list[Any]] = defaultdict(list)
        for episode in batch:
            seen[episode["patient_id"]] += 1
            # One unit per episode: a patient's second course of care is a second case.
            key = pseudonym(episode["patient__public_id"])
            nth = seen[episode["patient_id"]]
            key = key if nth == 1 else f"{key}-{nth}"
            if episode.get("plan_index") is not None:
                protocol_id, index = episode["plan_protocol"], episode["plan_index"]
                protocol, event = protocols.get(protocol_id, default), "follow_up_plan"
            elif episode["procedure_date"] is not None:
                protocol, index, event = default, episode["procedure_date"], "procedure_date"
            else:
                protocol, event = default, "first_visit"
                index = timezone.localtime(episode["created_at"]).date()
            values = {
                "episode_id": episode["id"],
                "patient_id": key,
                # k counts persons, not episodes or records (docs/disclosure.md).
                "person_id": _person(episode["patient__cpr_hash"], episode["patient__public_id"]),
                "clinic": episode["patient__clinic__code"],
                "sex": episode["patient__sex"],
                # A date of birth stored before dates were checked can give an impossible
                # age: missing, never a negative age band.
                "age": known_age(episode["patient__date_of_birth"], index),
                "treatment": episode["treatment"],
                "procedure": episode["procedure_kind"],
                "index_date": index,
                "index_event": event,
                "protocol": protocol.id,
                "multifidus_fat_grade": grades.get(episode["id"]),
                "synthetic": episode["patient__synthetic"],
            }
            results = axes.get(episode["id"], {})
            for name, value in values.items():
                cohort[name].append(value)
            for name in self.axes:
                cohort[f"axis_{name}"].append(results.get(f"axis_{name}"))
        episodes = pl.DataFrame(cohort, schema={"episode_id": pl.Int64} | self._cohort_schema)
        placed = place_answers(answers, episodes, protocols)
        wordings = _wordings(placed["wording"])
        return (
            placed.rename({"wording": "_stored"})
            .join(wordings, on="_stored", how="left")
            .join(episodes, on="episode_id", how="left")
            .select([pl.col(name).cast(kind) for name, kind in self.schema.items()])
        )

    @property
    def _cohort_schema(self) -> dict[str, Any]:
        placed = ("instrument", "timepoint", "score", "wording", "wording_id", "answered_on")
        return {
            name: kind
            for name, kind in self.schema.items()
            if name not in (*placed, "in_window", "days_from_target")
        }


def export_registry(
    *, own_clinic: Clinic | None = None, clinic: Clinic | None = None
) -> pl.DataFrame:
    """The registry as the report's long table (see the module docstring), of the patients
    whose consent allows it now (:func:`painpath.patients.consent.patients_for`): those with
    a current research consent — what may leave their clinic — and, for ``own_clinic``'s
    own report, that clinic's patients who did not refuse its quality work. With ``clinic``,
    only that clinic's patients of these."""
    registry = Registry(own_clinic=own_clinic, clinic=clinic)
    frames = list(registry.batches())
    if not frames:
        return pl.DataFrame(schema=registry.schema)
    return pl.concat(frames, rechunk=True).sort(["patient_id", "instrument", "timepoint"])


def registry_table(frame: pl.DataFrame) -> ibis.Table:
    """The export as an Ibis table of an in-process DuckDB, on either database.

    The rows are in this process already (disclosure control runs on them here): copying
    them back into a PostgreSQL temporary table cost more than the whole report — 20 s and
    0.75 GB for 200,000 rows through Ibis' row-by-row insert, and minutes more while the new
    table had no statistics (docs/performance.md)."""
    return ibis.duckdb.connect().create_table("registry", frame.to_arrow())


def write_parquet(frame: pl.DataFrame, folder: Path) -> Path:
    """Write the export as ``scores.parquet`` (what ``painpath report -i`` reads)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "scores.parquet"
    frame.write_parquet(path)
    return path


class Written(NamedTuple):
    path: Path
    rows: int
    patients: int


def write_registry(
    folder: Path, registry: Registry | None = None, *, batch: int | None = None
) -> Written:
    """Write the export as ``scores.parquet``, one row group per batch of episodes, so that
    memory holds one batch, never the registry (rows are sorted within each batch)."""
    registry = registry or Registry()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "scores.parquet"
    schema = pl.DataFrame(schema=registry.schema).to_arrow().schema
    rows, patients = 0, set()
    with pq.ParquetWriter(path, schema) as writer:
        for frame in registry.batches(batch):
            writer.write_table(frame.to_arrow().cast(schema))
            rows += frame.height
            patients.update(frame["patient_id"].unique().to_list())
    return Written(path, rows, len(patients))
