"""Use cases of the clinician's workspace: what the worklist shows, what the patient page
shows. Reading only — the one write is the audit entry of the reading."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from django.conf import settings
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone, translation

from painpath.audit.services import Event, last_viewed, record
from painpath.core import medicines
from painpath.core.instruments import REGISTRY
from painpath.core.rules import builtin_rulesets
from painpath.followup.services import OverdueRow
from painpath.followup.services import overdue as overdue_followups
from painpath.pathway.models import Classification
from painpath.pathway.services import (
    StepChange,
    escalation_rules,
    recent_step_changes,
    red_flag_acknowledgement,
    red_flag_grade,
)
from painpath.patients import access
from painpath.patients.models import Clinic, Episode, Patient
from painpath.patients.services import VIEWED as PATIENT_VIEWED
from painpath.questionnaires.models import QuestionnaireResponse

WORKLIST_VIEWED = Event("clinic.worklist.viewed", "view")
PARTIAL_VIEWED = Event("clinic.patient_partial.viewed", "view")
# The patient page opened by a request another site started (a link in an e-mail or on a web
# page): audited as a reading, but it does not mark the new answers as seen.
VIEWED_FROM_ELSEWHERE = Event("clinic.patient.viewed_from_elsewhere", "view")
# Sec-Fetch-Site of a request made within painpath ("same-origin") or by the person at the
# browser (typed, a bookmark, a reload: "none"). Another site's ("cross-site", "same-site":
# a sibling subdomain) may have been started by that site, not by the clinician.
FROM_PAINPATH = frozenset({"same-origin", "none"})


@dataclass(frozen=True)
class WorklistRow:
    episode: Episode
    classification: Classification | None
    detail: list[str] = dataclass_field(default_factory=list)
    when: dt.date | dt.datetime | None = None
    grade: str = ""
    """A red-flag row's grade: emergency, urgent or review (red-flags 1.x: urgent)."""
    bleeding_risk: str = ""
    """A procedure row's bleeding-risk class in words (the pause table's, by kind and region)."""


@dataclass(frozen=True)
class StepChangeRow:
    episode: Episode
    change: StepChange


@dataclass(frozen=True)
class Worklist:
    red_flags: list[WorklistRow]
    new_intakes: list[WorklistRow]
    not_ready: list[WorklistRow]
    escalations: list[WorklistRow]
    days: int
    overdue_followups: list[OverdueRow] = dataclass_field(default_factory=list)
    step_changes: list[StepChangeRow] = dataclass_field(default_factory=list)
    step_change_days: int = 14

    @property
    def empty(self) -> bool:
        return not (
            self.red_flags
            or self.new_intakes
            or self.not_ready
            or self.escalations
            or self.overdue_followups
            or self.step_changes
        )

    @property
    def patients(self) -> list[str]:
        """The public ids of every patient the worklist shows (for its audit entry)."""
        rows: list[Any] = [
            *self.red_flags,
            *self.new_intakes,
            *self.not_ready,
            *self.escalations,
            *self.overdue_followups,
            *self.step_changes,
        ]
        return sorted({str(row.episode.patient.public_id) for row in rows})


def upcoming_days() -> int:
    return int(getattr(settings, "PAINPATH_UPCOMING_DAYS", 30))


def step_change_days() -> int:
    return int(getattr(settings, "PAINPATH_STEP_CHANGE_DAYS", 14))


def last_reviewed(episode: Episode) -> dt.datetime | None:
    """When a clinician last opened the patient's page (from the audit log)."""
    return last_viewed([episode.patient_id], PATIENT_VIEWED).get(episode.patient_id)


def _latest_classifications(episodes: list[Episode]) -> dict[int, Classification]:
    # Ids grow with time, so the greatest id of an episode is its latest run.
    latest_ids = (
        Classification.objects.filter(episode__in=episodes)
        .values("episode_id")
        .annotate(latest=Max("id"))
        .values_list("latest", flat=True)
    )
    return {c.episode_id: c for c in Classification.objects.filter(pk__in=list(latest_ids))}


def worklist(
    clinic: Clinic | None, *, today: dt.date | None = None, days: int | None = None
) -> Worklist:
    """What needs a clinician of ``clinic``, in this order: red flags awaiting acknowledgement
    (always first), new intakes, patients not ready for a procedure within ``days``, and escalation
    suggestions not yet acted on.

    - *red flag*: the latest classification raised a red flag of any grade that no
      acknowledgement covers; ordered by grade (emergency, urgent, review), then oldest
      first — the one waiting longest at the top of its grade;
    - *new intake*: an open episode with a questionnaire response submitted after anyone
      last opened the patient's page (or never opened);
    - *not ready*: the readiness axis says ``not_ready`` and the appointment is within
      ``days`` days from today;
    - *escalation suggestion*: the stepped-care axis says Step 2 because a Step-1 course
      had no effect (an escalation rule fired) and no procedure has been booked since;
    - *step change*: the stepped-care step changed, either way, in a classification stored in
      the last ``PAINPATH_STEP_CHANGE_DAYS`` days and after anyone last opened the patient's
      page — a move back from Step 2 to Step 1 is never silent;
    - *overdue follow-up*: a follow-up time point whose window closed unanswered, or an
      answer that came outside its window (``painpath.followup.services.overdue``).
    """
    today = today or timezone.localdate()
    days = upcoming_days() if days is None else days
    episodes = list(
        Episode.objects.filter(status=Episode.Status.OPEN, patient__clinic=clinic)
        .select_related("patient", "procedure")
        .order_by("created_at", "id")
    )
    latest = _latest_classifications(episodes)
    last_response = dict(
        QuestionnaireResponse.objects.filter(episode__in=episodes)
        .values("episode_id")
        .annotate(last=Max("submitted_at"))
        .values_list("episode_id", "last")
    )
    reviewed = last_viewed({e.patient_id for e in episodes}, PATIENT_VIEWED)

    red, new, not_ready, escalations = [], [], [], []
    for episode in episodes:
        result = latest.get(episode.pk)
        grade = red_flag_grade(result) if result is not None else None
        if result is not None and grade is not None and red_flag_acknowledgement(result) is None:
            red_flags = result.axis("red_flags")
            findings = list(red_flags.findings) if red_flags is not None else []
            red.append(WorklistRow(episode, result, findings, result.created_at, grade))
        submitted = last_response.get(episode.pk)
        seen = reviewed.get(episode.patient_id)
        if submitted is not None and (seen is None or submitted > seen):
            unseen = QuestionnaireResponse.objects.filter(episode=episode)
            if seen is not None:
                unseen = unseen.filter(submitted_at__gt=seen)
            codes = set(unseen.values_list("instrument", flat=True))
            instruments = [REGISTRY[c].title for c in REGISTRY if c in codes]
            instruments += sorted(codes - set(REGISTRY))
            new.append(WorklistRow(episode, result, instruments, submitted))
        if result is None:
            continue
        procedure = getattr(episode, "procedure", None)
        readiness = result.axis("readiness")
        if (
            readiness is not None
            and readiness.result == "not_ready"
            and procedure is not None
            and procedure.appointment_date is not None
            and today <= procedure.appointment_date <= today + dt.timedelta(days=days)
        ):
            not_ready.append(
                WorklistRow(
                    episode,
                    result,
                    list(readiness.findings),
                    procedure.appointment_date,
                    bleeding_risk=_bleeding_risk(procedure, today),
                )
            )
        rules = escalation_rules(result)
        if rules and procedure is None:
            escalations.append(
                WorklistRow(episode, result, [_rule_words(result, r) for r in rules], result.as_of)
            )
    not_ready.sort(key=lambda row: row.when or today)
    red.sort(key=_red_flag_order)
    return Worklist(
        red,
        new,
        not_ready,
        escalations,
        days,
        overdue_followups(clinic, today),
        step_changes=_unseen_step_changes(episodes, reviewed, today),
        step_change_days=step_change_days(),
    )


def _unseen_step_changes(
    episodes: list[Episode], reviewed: dict[int, dt.datetime], today: dt.date
) -> list[StepChangeRow]:
    """Each episode's latest step change of the last days that came after anyone last
    opened the patient's page, newest first."""
    start = today - dt.timedelta(days=step_change_days())
    since = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    changes = recent_step_changes(episodes, since=since)
    rows = [
        StepChangeRow(episode, change)
        for episode in episodes
        if (change := changes.get(episode.pk)) is not None
        and ((seen := reviewed.get(episode.patient_id)) is None or change.at > seen)
    ]
    rows.sort(key=lambda row: row.change.at, reverse=True)
    return rows


def _red_flag_order(row: WorklistRow) -> tuple[int, dt.datetime]:
    """By grade, most severe first, then oldest first. A red-flags 1.x row carries no grade
    order: its one "urgent" may be a cauda equina, so it ranks with the emergencies."""
    axis = row.classification.axis("red_flags") if row.classification else None
    rank = axis.grade_rank if axis is not None else None
    when = row.when if isinstance(row.when, dt.datetime) else timezone.now()
    return (0 if rank is None else rank, when)


def _bleeding_risk(procedure: Any, today: dt.date) -> str:
    procedure_doc = {"kind": procedure.kind, "region": procedure.region}
    plan = medicines.plan([], procedure_doc, today, pause_agreed_ticked=False)
    return plan.risk_words(translation.get_language())


def _rule_words(classification: Classification, rule_id: str) -> str:
    """A rule's own note or finding (from its rule set), else its id."""
    axis = classification.axis("stepped_care")
    ruleset = builtin_rulesets().get(axis.ruleset) if axis is not None else None
    for rule in ruleset.rules if ruleset else ():
        if rule.id == rule_id:
            return rule.note or rule.finding or rule_id
    return rule_id


def view_worklist(request: HttpRequest) -> Worklist:
    """The worklist, and one audit entry for it (no single patient) naming every patient."""
    work = worklist(access.clinic_of(request))
    record(request, WORKLIST_VIEWED, object_type="worklist", patients=work.patients)
    return work


def opened_in_painpath(request: HttpRequest) -> bool:
    """Whether the browser says the request came from painpath's own pages or from the
    person at it (Fetch Metadata). A browser too old to say (before 2023 for Safari) counts
    as painpath: otherwise its users could never clear the worklist's markers."""
    site = request.headers.get("Sec-Fetch-Site")
    return site is None or site in FROM_PAINPATH


def record_patient_view(request: HttpRequest, patient: Patient, **detail: Any) -> None:
    """The patient page was opened: "who looked at this record", and the worklist's
    "new since anyone last looked", both read this entry back. Opened from another site,
    it is audited all the same but does not count as having looked: the session cookie
    (SameSite=Lax) goes along with another site's link, so a page elsewhere could otherwise
    clear a new intake's marker by sending the clinician's browser here."""
    if opened_in_painpath(request):
        record(request, PATIENT_VIEWED, patient=patient, obj=patient, **detail)
        return
    site = request.headers.get("Sec-Fetch-Site", "")
    record(request, VIEWED_FROM_ELSEWHERE, patient=patient, obj=patient, fetch_site=site, **detail)


def record_partial_view(request: HttpRequest, episode: Episode, section: str) -> None:
    """A section of the patient page came back after a quick action (htmx): a read of that
    section only, which does not count as having looked at the new answers."""
    record(request, PARTIAL_VIEWED, patient=episode.patient, obj=episode, section=section)
