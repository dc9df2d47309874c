"""Use cases of the pathway: build an episode's document, classify it, log treatments,
book a procedure, tick the readiness checklist, acknowledge red flags.

The clinical logic is the core's rule engine; this module only gathers the records into the
engine's episode document and keeps each classification it gets back. Changes that feed the
classification reclassify at once, in the same transaction: this app's own changes here, the
lower apps' changes through their signals (``handlers.py``). Each change writes its audit
entry in its transaction. Reading never writes: :func:`current_classification` computes a
stale result for today without storing it (the daily refresh stores it).
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import operator
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Max, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import Lag
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext

from painpath.audit.services import Event, record
from painpath.core.errors import PainpathError
from painpath.core.rules import (
    MAX_AGE,
    ImpossibleAge,
    age_on,
    builtin_rulesets,
    classify,
    validate_episode,
)
from painpath.core.workbench.axes import SCORE_FIELDS
from painpath.pathway.models import (
    Classification,
    ProcedureBooking,
    ReadinessItem,
    RedFlagAcknowledgement,
    TreatmentCourse,
    TreatmentSession,
)
from painpath.patients.models import Episode, Medication, Patient
from painpath.questionnaires.models import QuestionnaireResponse

logger = logging.getLogger(__name__)

SESSION_LOGGED = Event("pathway.session.logged", "create")
COURSE_STARTED = Event("pathway.course.started", "create")
PROCEDURE_BOOKED = Event("pathway.procedure.booked", "create")
READINESS_CHANGED = Event("pathway.readiness.changed", "change")
RED_FLAG_ACKNOWLEDGED = Event("pathway.red_flag.acknowledged", "acknowledge")
CLASSIFICATIONS_REFRESHED = Event("pathway.classifications.refreshed", "create")

# Which scored questionnaires the rule sets read, and under which names (episode schema): in
# core, so that the registry's workbench fills the same inputs from pooled answers.
_SCORE_FIELDS = SCORE_FIELDS

_INTAKE_FIELDS = (
    "pain_regions",
    "pain_distribution",
    "reported_duration",
    "pattern",
    "trauma",
    "red_flags",
)
_FINDING_FIELDS = ("diagnoses", "sensory_findings")


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _drop_none(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if value is not None}


def _medication_decision(med: Medication) -> dict[str, Any] | None:
    """The doctor's decision on a blood thinner, as the episode schema has it."""
    if not med.decision or med.decided_at is None:
        return None
    return _drop_none(
        {
            "action": med.decision,
            "days": med.decision_days,
            "by": med.decided_by.get_username() if med.decided_by else None,
            "date": timezone.localdate(med.decided_at).isoformat(),
            "reason": med.decision_reason or None,
        }
    )


def medication_entry(med: Medication) -> dict[str, Any]:
    """One medicine as the episode schema has it (``medications``), with the doctor's
    decision on it before a procedure."""
    return _drop_none(
        {
            "code": med.code,
            "anticoagulant": med.anticoagulant,
            "pause_agreed_days": med.pause_agreed_days,
            "indication": med.indication or None,
            "dose_level": med.dose_level or None,
            "renal_impaired": med.renal_impaired,
            "decision": _medication_decision(med),
        }
    )


def _scores(episode: Episode, as_of: dt.date) -> dict[str, Any]:
    responses = episode.responses.filter(answered_on__lte=as_of, score__isnull=False)
    return scores_of(responses.order_by("answered_on", "id"))


def scores_of(responses: Iterable[QuestionnaireResponse]) -> dict[str, Any]:
    """The episode document's ``questionnaires`` from scored ``responses`` (the last of each
    instrument counts), under the names the rule sets read; an instrument no rule set reads
    is left out."""
    latest: dict[str, QuestionnaireResponse] = {}
    for response in responses:
        latest[response.instrument] = response
    scores: dict[str, Any] = {}
    for code, (name, fields) in _SCORE_FIELDS.items():
        if code not in latest:
            continue
        response = latest[code]
        values = {"score": response.score, **response.subscales}
        scores[name] = {
            target: values[source] for target, source in fields.items() if source in values
        }
    return scores


def episode_document(episode: Episode, as_of: dt.date) -> dict[str, Any]:
    """The rule engine's episode document for ``episode``, from every record about it."""
    patient = episode.patient
    doc: dict[str, Any] = {"id": str(episode.public_id), "sex": patient.sex}
    try:
        doc["age"] = age_on(patient.date_of_birth, as_of)
    except ImpossibleAge as error:
        # A date of birth stored before the form checked it (1850, 9999): the rules treat
        # the age as not recorded ("needs age"), and the patient page says why (age_notice).
        logger.warning("episode %s: %s", episode.public_id, error)
    if episode.onset_date:
        doc["onset_date"] = episode.onset_date.isoformat()
    for field in _INTAKE_FIELDS:
        if field in episode.intake:
            doc[field] = episode.intake[field]
    for field in _FINDING_FIELDS:
        if field in episode.findings:
            doc[field] = episode.findings[field]
    scores = _scores(episode, as_of)
    if scores:
        doc["questionnaires"] = scores
    imaging = [
        _drop_none(
            {
                "kind": study.kind,
                "region": study.region,
                "date": _iso(study.date),
                "findings": study.findings or None,
            }
        )
        for study in episode.imaging.all()
    ]
    if imaging:
        doc["imaging"] = imaging
    medications = [
        medication_entry(med) for med in episode.medications.select_related("decided_by")
    ]
    if medications:
        doc["medications"] = medications
    courses = []
    for course in episode.courses.prefetch_related("sessions"):
        sessions = [
            _drop_none(
                {"date": _iso(s.date), "pain_before": s.pain_before, "pain_after": s.pain_after}
            )
            for s in course.sessions.all()
        ]
        courses.append(
            _drop_none(
                {
                    "modality": course.modality,
                    "start": _iso(course.start),
                    "planned_sessions": course.planned_sessions,
                    "planned_weeks": course.planned_weeks,
                    "pain_instrument": course.pain_instrument,
                    "sessions": sessions,
                }
            )
        )
    if courses:
        doc["treatment_courses"] = courses
    procedure = getattr(episode, "procedure", None)
    if procedure is not None:
        doc["procedure"] = _drop_none(
            {
                "kind": procedure.kind,
                "region": procedure.region,
                "appointment_date": _iso(procedure.appointment_date),
            }
        )
    readiness = [
        _drop_none(
            {
                "item": item.item,
                "state": item.state,
                "date": _iso(item.date),
                "confirmed_by": item.confirmed_by.get_username() if item.confirmed_by else None,
            }
        )
        for item in episode.readiness.select_related("confirmed_by")
    ]
    if readiness:
        doc["readiness"] = readiness
    return doc


def age_today(patient: Patient, *, today: dt.date | None = None) -> int | None:
    """The patient's age today, or None when the date of birth gives an impossible one."""
    try:
        return age_on(patient.date_of_birth, today or timezone.localdate())
    except ImpossibleAge:
        return None


def age_notice(patient: Patient, *, today: dt.date | None = None) -> str | None:
    """What the patient page says when the age cannot be computed from the date of birth
    (None when it can): the rules run without the age until the date is corrected."""
    if age_today(patient, today=today) is not None:
        return None
    return gettext(
        "The age cannot be computed from the date of birth (%(born)s): it is in the future "
        "or more than %(max)s years ago. Correct the date of birth; until then the rules "
        "treat the age as not recorded."
    ) % {"born": patient.date_of_birth.isoformat(), "max": MAX_AGE}


def _classified(episode: Episode, as_of: dt.date, trigger: str) -> Classification:
    """The rule engine's result for the episode as an unsaved record."""
    document = validate_episode(episode_document(episode, as_of))
    result = classify(document, as_of=as_of)
    return Classification(
        episode=episode, as_of=as_of, result=result.as_dict(), urgent=result.urgent, trigger=trigger
    )


def classify_episode(
    episode: Episode, *, as_of: dt.date | None = None, trigger: str = ""
) -> Classification:
    """Run every shipped rule set on the episode and keep the result."""
    classification = _classified(episode, as_of or timezone.localdate(), trigger)
    classification.save()
    return classification


@transaction.atomic
def log_session(
    course: TreatmentCourse,
    *,
    date: dt.date,
    pain_before: float | None,
    pain_after: float | None,
    dose: str = "",
    user: Any = None,
    request: HttpRequest | None = None,
) -> tuple[TreatmentSession, Classification]:
    """Record a treatment session and reclassify, so the stepped-care step updates at once."""
    session = TreatmentSession.objects.create(
        course=course,
        date=date,
        pain_before=pain_before,
        pain_after=pain_after,
        dose=dose,
        logged_by=user,
    )
    classification = classify_episode(course.episode, trigger="treatment session")
    record(
        request,
        SESSION_LOGGED,
        user=user,
        patient=course.episode.patient,
        obj=session,
        stepped_care=classification.result_of("stepped_care"),
    )
    return session, classification


# --------------------------------------------------------------------------- reading


def latest_classification(episode: Episode) -> Classification | None:
    return episode.classifications.filter(is_latest=True).first()


def flag_latest(episodes: Iterable[int] | QuerySet[Episode]) -> None:
    """Flag the newest stored run of each of ``episodes`` as its latest, for runs stored in
    bulk (``bulk_create`` skips :meth:`Classification.save`, which keeps the flag)."""
    runs = Classification.objects.filter(episode__in=episodes)
    newest = (
        Classification.objects.filter(episode_id=OuterRef("episode_id"))
        .order_by("-created_at", "-id")
        .values("id")[:1]
    )
    with transaction.atomic():
        runs.filter(is_latest=True).update(is_latest=False)
        runs.filter(id=Subquery(newest)).update(is_latest=True)


REFRESHED = "refreshed for today"


def current_classification(
    episode: Episode, *, today: dt.date | None = None
) -> Classification | None:
    """The latest classification; when it is older than today, the same rules run as of today
    and the result is returned *unsaved* (``pk`` is None), so that reading writes nothing.

    Durations grow with the calendar (ordinary pain becomes chronic without any new record),
    so a result computed on an earlier day may no longer hold. :func:`refresh_stale` stores
    such reruns (the daily task), and the history shows only the runs where something changed.
    """
    today = today or timezone.localdate()
    latest = latest_classification(episode)
    if latest is not None and latest.as_of >= today:
        return latest
    try:
        fresh = _classified(episode, today, REFRESHED)
    except PainpathError:
        # The records no longer make a valid episode (the error says why): the page shows
        # the last stored result, and the change that broke it is where to look.
        logger.warning("classifying episode %s as of %s failed", episode.public_id, today)
        return latest
    fresh.created_at = timezone.now()
    return fresh


def refresh_stale(*, today: dt.date | None = None) -> int:
    """Run the rules as of today on every open episode last classified on an earlier day,
    and store the result where an axis's result changed (the daily task; see
    ``painpath.pathway.tasks``), so that durations that grew with the calendar reach the
    worklist and the history. Returns how many were stored."""
    today = today or timezone.localdate()
    stored = 0
    for episode in Episode.objects.filter(status=Episode.Status.OPEN).select_related("patient"):
        latest = latest_classification(episode)
        if latest is not None and latest.as_of >= today:
            continue
        try:
            fresh = _classified(episode, today, REFRESHED)
        except PainpathError:
            logger.warning("classifying episode %s as of %s failed", episode.public_id, today)
            continue
        if latest is None or _results(latest) != _results(fresh):
            fresh.save()
            stored += 1
    record(None, CLASSIFICATIONS_REFRESHED, object_type="pathway.classification", stored=stored)
    return stored


def _results(classification: Classification) -> dict[str, str]:
    return {name: axis.result for name, axis in classification.axes.items()}


def _red_flag_rules(classification: Classification) -> frozenset[str]:
    axis = classification.axis("red_flags")
    return frozenset(axis.fired) if axis is not None else frozenset()


def red_flag_grade(classification: Classification) -> str | None:
    """The grade of the classification's red flags (``emergency``, ``urgent``, ``review``;
    ``urgent`` for every finding of a red-flags 1.x run), or None when none fired."""
    axis = classification.axis("red_flags")
    return axis.result if axis is not None and axis.fired else None


def red_flag_acknowledgement(classification: Classification) -> RedFlagAcknowledgement | None:
    """The acknowledgement that covers this classification's red flags (of any grade), if any.

    A red flag stays in the record, so every rerun (after each logged session) raises it
    again; an acknowledgement of an earlier run covers it as long as no new red flag has
    appeared since — a new one must be acknowledged on its own.
    """
    if not _red_flag_rules(classification):
        return None
    # An unsaved rerun for today (see current_classification) stands after every stored run.
    created = classification.created_at or timezone.now()
    fired = _red_flag_rules(classification)
    acknowledged = (
        RedFlagAcknowledgement.objects.filter(
            classification__episode_id=classification.episode_id,
            classification__created_at__lte=created,
        )
        .select_related("classification", "user")
        .order_by("-at", "-id")
    )
    for ack in acknowledged:
        if fired <= _red_flag_rules(ack.classification):
            return ack
    return None


def _red_flags_key(key: str, field: str = "result") -> KeyTransform:
    return KeyTransform(key, KeyTransform("red_flags", KeyTransform("axes", field)))


@dataclass(frozen=True)
class WaitingRedFlag:
    """A red flag of an episode's latest run that no acknowledgement covers."""

    classification_id: int
    episode_id: int
    raised: dt.datetime
    grade: str
    rank: int | None

    @property
    def order(self) -> tuple[int, dt.datetime]:
        """By grade, most severe first, then oldest first. A red-flags 1.x run carries no
        grade order: its one "urgent" may be a cauda equina, so it ranks with emergencies."""
        return (0 if self.rank is None else self.rank, self.raised)


def waiting_red_flags(latest: QuerySet[Classification]) -> list[WaitingRedFlag]:
    """The red flags of ``latest`` (each episode's latest run) that no acknowledgement
    covers (the rule of :func:`red_flag_acknowledgement`), in :attr:`WaitingRedFlag.order`.
    Two queries that read the red-flag axis's result, fired rules and grades, never the
    whole result of a run."""
    raised = [
        row
        for row in latest.order_by()
        .annotate(
            fired=_red_flags_key("fired"),
            grades=_red_flags_key("grades"),
        )
        .filter(red_flags__isnull=False)
        .exclude(red_flags="none")
        .values_list("id", "episode_id", "created_at", "red_flags", "fired", "grades")
        if row[4]
    ]
    acknowledged: dict[int, list[tuple[dt.datetime, frozenset[str]]]] = {}
    acks = RedFlagAcknowledgement.objects.filter(
        classification__episode_id__in={row[1] for row in raised}
    ).values_list(
        "classification__episode_id",
        "classification__created_at",
        _red_flags_key("fired", "classification__result"),
    )
    for episode_id, created, fired in acks:
        acknowledged.setdefault(episode_id, []).append((created, frozenset(fired or ())))
    waiting = [
        WaitingRedFlag(
            pk, episode_id, created, grade, grades.index(grade) if grade in (grades or ()) else None
        )
        for pk, episode_id, created, grade, fired, grades in raised
        if not any(
            at <= created and frozenset(fired) <= covered
            for at, covered in acknowledged.get(episode_id, ())
        )
    ]
    waiting.sort(key=operator.attrgetter("order"))
    return waiting


ACKNOWLEDGE_ACTIONS = frozenset(
    action.value
    for action in RedFlagAcknowledgement.Action
    if action != RedFlagAcknowledgement.Action.UNRECORDED
)


@transaction.atomic
def acknowledge_red_flag(
    classification: Classification,
    *,
    user: Any,
    action: str,
    note: str = "",
    request: HttpRequest | None = None,
) -> RedFlagAcknowledgement:
    """Record who acknowledged the red flags of ``classification``, when, and what was done
    (``action``: referred, patient contacted, judged not relevant) with a note — once."""
    if action not in ACKNOWLEDGE_ACTIONS:
        raise ValueError(
            f"action {action!r} is not one of {sorted(ACKNOWLEDGE_ACTIONS)}: say what was done"
        )
    existing = red_flag_acknowledgement(classification)
    if existing is not None:
        return existing
    ack, _ = RedFlagAcknowledgement.objects.get_or_create(
        classification=classification, defaults={"user": user, "action": action, "note": note}
    )
    record(
        request,
        RED_FLAG_ACKNOWLEDGED,
        user=user,
        patient=classification.episode.patient,
        obj=ack,
        red_flags=sorted(_red_flag_rules(classification)),
        grade=red_flag_grade(classification),
        action=action,
    )
    return ack


# Stepped-care rules that move a Step-1 course on to Step 2 (stepped-care-seed004.yaml);
# chronic_pain is not one of them: that patient starts in Step 2.
ESCALATION_RULES = frozenset(
    {"no_notable_effect", "pain_returns_after_each_treatment", "exercise_without_effect"}
)


def escalation_rules(classification: Classification) -> list[str]:
    axis = classification.axis("stepped_care")
    if axis is None or axis.result != "step_2":
        return []
    return [rule for rule in axis.fired if rule in ESCALATION_RULES]


# --------------------------------------------------------------------------- changing


@transaction.atomic
def start_course(
    episode: Episode, *, user: Any = None, request: HttpRequest | None = None, **fields: Any
) -> tuple[TreatmentCourse, Classification]:
    course = TreatmentCourse.objects.create(episode=episode, **fields)
    record(request, COURSE_STARTED, user=user, patient=episode.patient, obj=course)
    return course, classify_episode(episode, trigger="treatment course started")


@transaction.atomic
def book_procedure(
    episode: Episode, *, user: Any = None, request: HttpRequest | None = None, **fields: Any
) -> tuple[ProcedureBooking, Classification]:
    booking, _ = ProcedureBooking.objects.update_or_create(episode=episode, defaults=fields)
    record(request, PROCEDURE_BOOKED, user=user, patient=episode.patient, obj=booking)
    return booking, classify_episode(episode, trigger="procedure booked")


@transaction.atomic
def set_readiness(
    episode: Episode,
    item: str,
    *,
    state: str,
    date: dt.date | None = None,
    user: Any = None,
    request: HttpRequest | None = None,
) -> tuple[ReadinessItem, Classification]:
    """Set one checklist item's state; who confirmed it and when go with it."""
    if state == ReadinessItem.State.DONE and date is None:
        date = timezone.localdate()
    readiness, _ = ReadinessItem.objects.update_or_create(
        episode=episode,
        item=item,
        defaults={
            "state": state,
            "date": date,
            "confirmed_by": user if state != ReadinessItem.State.PENDING else None,
        },
    )
    record(
        request,
        READINESS_CHANGED,
        user=user,
        patient=episode.patient,
        obj=readiness,
        item=readiness.item,
        state=readiness.state,
    )
    return readiness, classify_episode(episode, trigger="readiness checklist")


# --------------------------------------------------------------------------- history


@dataclass(frozen=True)
class Change:
    axis: str
    title: str
    before: str | None
    after: str


@dataclass(frozen=True)
class HistoryEntry:
    classification: Classification
    changes: list[Change]


def history_axes(latest: Classification | None) -> list[str]:
    """The axes a history can hold: every shipped rule set's, then any other that the
    episode's ``latest`` run has (a rule set no longer shipped)."""
    names = [ruleset.axis for ruleset in builtin_rulesets().values()]
    if latest is not None:
        names += [name for name in latest.axes if name not in names]
    return names


# Each run's result codes as one string beside the run before's, and the runs where it
# differs. Written as SQL: the same query through the ORM (a JSON key per axis inside a
# window) took Django longer to build than the database to run, on every page view.
_CHANGED_RUNS = """
SELECT id, previous FROM (
  SELECT id, created_at, codes,
         LAG(id) OVER (ORDER BY created_at, id) AS previous,
         LAG(codes) OVER (ORDER BY created_at, id) AS previous_codes
  FROM (SELECT id, created_at, {codes} AS codes FROM {table} WHERE episode_id = %s) AS runs
) AS compared
WHERE previous IS NULL OR codes <> previous_codes
ORDER BY created_at DESC, id DESC
"""
_RESULT_CODE = {
    "postgresql": "COALESCE(result -> 'axes' -> %s ->> 'result', '')",
    "sqlite": "COALESCE(json_extract(result, '$.axes.' || %s || '.result'), '')",
}


def _changed_runs(
    episode: Episode, names: list[str], limit: int | None
) -> list[tuple[int, int | None]]:
    """``(run id, id of the run before)`` of the runs whose result codes differ from the
    run before's (the first run too), newest first, the ``limit`` newest when given."""
    code = _RESULT_CODE[connection.vendor]
    sql = _CHANGED_RUNS.format(
        codes=" || '|' || ".join([code] * len(names)), table=Classification._meta.db_table
    )
    params: list[Any] = [*names, episode.pk]
    if limit is not None:
        sql += " LIMIT %s"
        params.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(pk, previous) for pk, previous in cursor.fetchall()]


def _changes(run: Classification, before: Classification | None) -> list[Change]:
    old = before.axes if before is not None else {}
    return [
        Change(name, axis.title, old[name].label if name in old else None, axis.label)
        for name, axis in run.axes.items()
        if name not in old or old[name].result != axis.result
    ]


def history(
    episode: Episode, *, limit: int | None = None, axes: Iterable[str] | None = None
) -> list[HistoryEntry]:
    """Classifications of the episode, newest first, each with the axes that changed
    (the ``limit`` newest of them, when given). ``axes`` (:func:`history_axes`) spares a
    caller that holds the latest run a query.

    Runs where no axis result changed (a rerun on a later day, a session that changed
    nothing) are left out; the first run lists every axis. The database compares each run's
    result codes with the run before's (:func:`_changed_runs`), so that the page decodes
    the JSON of the runs it shows and the run before each, never the whole history.
    """
    names = list(axes) if axes is not None else history_axes(latest_classification(episode))
    if not names:
        return []
    shown = _changed_runs(episode, names, limit)
    loaded = Classification.objects.in_bulk({pk for pair in shown for pk in pair if pk is not None})
    entries = [
        HistoryEntry(loaded[pk], _changes(loaded[pk], loaded.get(previous) if previous else None))
        for pk, previous in shown
    ]
    # An axis that a run lacks and the run before had changes the string, not a result.
    return [entry for entry in entries if entry.changes]


# --------------------------------------------------------------------------- step changes

STEPS = ("step_1", "step_2")
"""The stepped-care results that are steps (``unknown`` is not)."""


@dataclass(frozen=True)
class StepChange:
    """The episode's stepped-care step changed, either way, with ``classification``.

    ``reasons`` are the notes of the rules that gave the new step, in the rule set's English
    (screens translate them); empty when the rule set's default gave it."""

    classification: Classification
    before: str
    after: str
    rules: tuple[str, ...]
    reasons: tuple[str, ...]

    @property
    def on(self) -> dt.date:
        return self.classification.as_of

    @property
    def at(self) -> dt.datetime:
        return self.classification.created_at

    @property
    def escalated(self) -> bool:
        return self.after == "step_2"

    @property
    def before_number(self) -> int:
        return STEPS.index(self.before) + 1

    @property
    def after_number(self) -> int:
        return STEPS.index(self.after) + 1


def _step_change(run: Classification, before: str) -> StepChange:
    axis = run.axis("stepped_care")
    assert axis is not None and axis.result in STEPS
    notes = {step.rule: step.note for step in axis.trace if step.outcome == "fired"}
    reasons = tuple(note for rule in axis.fired if (note := notes.get(rule)))
    return StepChange(run, before, axis.result, axis.fired, reasons)


def _transitions(
    steps: Iterable[tuple[int, str | None]], before: str | None = None
) -> list[tuple[int, str]]:
    """``(run id, step before it)`` for each run, in the order given, whose step differs from
    the last known step before it. A run whose step is unknown is passed over, so Step 2 →
    unknown → Step 1 is one change, on the run that brought Step 1."""
    found = []
    for pk, step in steps:
        if step not in STEPS:
            continue
        if before is not None and step != before:
            found.append((pk, before))
        before = step
    return found


def step_changes(
    episode: Episode, *, current: Classification | None = None, limit: int | None = None
) -> list[StepChange]:
    """Every change of the episode's stepped-care step, newest first (the ``limit`` newest,
    when given): from its stored classifications, and from ``current`` when that is today's
    unsaved rerun (see :func:`current_classification`), so the page never shows a new step
    without saying it is new. The first step an episode gets is not a change.

    The database finds the changes (each run with a step beside the step of the run with a
    step before it, as :func:`recent_step_transitions` does), so that only the runs that
    changed the step are read, whatever the length of the history."""
    order = (F("created_at").asc(), F("id").asc())
    with_step = episode.classifications.filter(step__in=STEPS)
    found = (
        with_step.annotate(previous=Window(Lag("step"), order_by=order))
        .filter(previous__isnull=False)
        .exclude(previous=F("step"))
        .order_by("-created_at", "-id")
    )
    changes = []
    if current is not None and current.pk is None:
        last = with_step.order_by("-created_at", "-id").values_list("step", flat=True).first()
        if last is not None and _transitions([(0, current.result_of("stepped_care"))], last):
            changes.append(_step_change(current, last))
    if limit is not None:
        found = found[: max(limit - len(changes), 0)]
    changes += [_step_change(run, run.previous) for run in found]
    return changes


@dataclass(frozen=True)
class StepTransition:
    """Where an episode's latest recent step change is, before loading the run that made it."""

    episode_id: int
    classification_id: int
    before: str
    at: dt.datetime


def recent_step_transitions(
    episodes: Iterable[Episode] | QuerySet[Episode], *, since: dt.datetime
) -> dict[int, StepTransition]:
    """The latest step change of each of ``episodes`` made by a run stored at or after
    ``since``, by episode id, reading only each run's step (three queries whatever the number
    of episodes: the runs since ``since`` whose step differs from the run before, and the last
    known step before ``since``). Runs whose step is unknown are passed over
    (:func:`_transitions`); so are runs with the step of the run before, in the database,
    so that many runs in the window cost no more rows than few."""
    runs = (
        Classification.objects.filter(episode__in=episodes, created_at__gte=since)
        .filter(step__in=STEPS)
        .annotate(
            previous=Window(
                Lag("step"),
                partition_by=F("episode_id"),
                order_by=(F("created_at").asc(), F("id").asc()),
            ),
        )
        .filter(Q(previous__isnull=True) | ~Q(previous=F("step")))
    )
    recent = list(
        runs.order_by("episode_id", "created_at", "id").values_list(
            "episode_id", "id", "step", "created_at"
        )
    )
    if not recent:
        return {}
    # Ids grow with time, so the greatest id before ``since`` with a step is the last one.
    last_known = (
        Classification.objects.filter(
            episode_id__in={row[0] for row in recent}, created_at__lt=since
        )
        .filter(step__in=STEPS)
        .values("episode_id")
        .annotate(last=Max("id"))
        .values_list("last", flat=True)
    )
    before = dict(
        Classification.objects.filter(pk__in=list(last_known)).values_list("episode_id", "step")
    )
    latest: dict[int, StepTransition] = {}
    for episode_id, rows in itertools.groupby(recent, key=operator.itemgetter(0)):
        runs = list(rows)
        found = _transitions(((pk, step) for _, pk, step, _ in runs), before.get(episode_id))
        if found:
            pk, step_before = found[-1]
            at = next(created for _, run, _, created in runs if run == pk)
            latest[episode_id] = StepTransition(episode_id, pk, step_before, at)
    return latest


def step_changes_of(transitions: Iterable[StepTransition]) -> dict[int, StepChange]:
    """The step changes of ``transitions`` by episode id, loading only their runs."""
    wanted = list(transitions)
    stored = Classification.objects.in_bulk([t.classification_id for t in wanted])
    return {t.episode_id: _step_change(stored[t.classification_id], t.before) for t in wanted}


def recent_step_changes(
    episodes: Iterable[Episode] | QuerySet[Episode], *, since: dt.datetime
) -> dict[int, StepChange]:
    """The latest step change of each episode made by a run stored at or after ``since``,
    by episode id (:func:`recent_step_transitions`, and one query for the runs)."""
    return step_changes_of(recent_step_transitions(episodes, since=since).values())
