"""Use cases of the clinician's workspace: what the worklist shows, what the patient page
shows. Reading only — the one write is the audit entry of the reading."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, Window
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone, translation

from painpath.audit.services import Event, record
from painpath.core import medicines
from painpath.core.instruments import REGISTRY
from painpath.core.rules import builtin_rulesets
from painpath.followup.services import OverdueRow, last_patient_view
from painpath.followup.services import overdue as overdue_followups
from painpath.pathway.models import Classification
from painpath.pathway.services import (
    ESCALATION_RULES,
    StepChange,
    WaitingRedFlag,
    escalation_rules,
    recent_step_transitions,
    step_changes_of,
    waiting_red_flags,
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

T = TypeVar("T")
# Before any answer: "submitted after the last view" of a page never opened.
NEVER = Value(dt.datetime(1900, 1, 1, tzinfo=dt.UTC))


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


SECTIONS = ("red", "new", "ready", "steps", "escalate", "followup")
"""The worklist's sections, each paged on its own by a query parameter of this name."""


@dataclass(frozen=True)
class Page:
    """Which rows of a section the worklist shows: page ``number`` of ``size`` rows."""

    key: str
    number: int
    size: int
    total: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def first(self) -> int:
        return min(self.offset + 1, self.total)

    @property
    def last(self) -> int:
        return min(self.offset + self.size, self.total)

    @property
    def has_next(self) -> bool:
        return self.last < self.total

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next(self) -> int:
        return self.number + 1

    @property
    def previous(self) -> int:
        return self.number - 1

    def of(self, rows: Sequence[T]) -> list[T]:
        return list(rows[self.offset : self.offset + self.size])


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
    pages: dict[str, Page] = dataclass_field(default_factory=dict)
    """Each section's page (by :data:`SECTIONS` key): the rows above are that page's."""

    @property
    def empty(self) -> bool:
        return not any(page.total for page in self.pages.values())

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


def page_size() -> int:
    return int(getattr(settings, "PAINPATH_WORKLIST_PAGE_SIZE", 20))


def _page(key: str, total: int, pages: Mapping[str, int], size: int) -> Page:
    last = max(1, -(-total // size))
    return Page(key, min(max(pages.get(key, 1), 1), last), size, total)


def worklist(
    clinic: Clinic | None,
    *,
    today: dt.date | None = None,
    days: int | None = None,
    pages: Mapping[str, int] | None = None,
    size: int | None = None,
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

    Each section shows page ``pages[key]`` (1 when absent) of ``size`` rows. The cost
    follows the rows shown, not the history: each episode's latest run is flagged
    (``Classification.is_latest``), the last answer and the last view are read per episode
    through indexes, and whole runs are loaded for the rows shown only — a constant number
    of queries whatever the number of stored runs, responses and views.
    """
    today = today or timezone.localdate()
    days = upcoming_days() if days is None else days
    pages = pages or {}
    size = size or page_size()
    episodes = Episode.objects.filter(status=Episode.Status.OPEN, patient__clinic=clinic)
    latest = Classification.objects.filter(
        is_latest=True, episode__status=Episode.Status.OPEN, episode__patient__clinic=clinic
    )

    waiting = waiting_red_flags(latest)
    red_page = _page("red", len(waiting), pages, size)
    red_shown = red_page.of(waiting)

    upcoming = latest.filter(
        readiness="not_ready",
        episode__procedure__appointment_date__range=(today, today + dt.timedelta(days=days)),
    ).order_by("episode__procedure__appointment_date", "episode__created_at", "episode_id")
    ready_page = _page("ready", upcoming.count(), pages, size)
    ready_shown = list(
        upcoming.values_list("id", flat=True)[ready_page.offset : ready_page.offset + size]
    )

    suggested = [
        pk
        for pk, fired in latest.filter(step="step_2", episode__procedure__isnull=True)
        .annotate(
            fired=KeyTransform(
                "fired", KeyTransform("stepped_care", KeyTransform("axes", "result"))
            )
        )
        .order_by("episode__created_at", "episode_id")
        .values_list("id", "fired")
        if ESCALATION_RULES.intersection(fired or ())
    ]
    escalate_page = _page("escalate", len(suggested), pages, size)
    escalate_shown = escalate_page.of(suggested)

    runs = Classification.objects.select_related("episode__patient", "episode__procedure").in_bulk(
        [*(flag.classification_id for flag in red_shown), *ready_shown, *escalate_shown]
    )
    red = [_red_flag_row(runs[flag.classification_id], flag) for flag in red_shown]
    not_ready = [_not_ready_row(runs[pk], today) for pk in ready_shown]
    escalations = [_escalation_row(runs[pk]) for pk in escalate_shown]

    new, new_page = _new_intakes(episodes, pages, size)
    step_changes, steps_page = _unseen_step_changes(episodes, today, pages, size)
    overdue = overdue_followups(clinic, today)
    followup_page = _page("followup", len(overdue), pages, size)
    return Worklist(
        red,
        new,
        not_ready,
        escalations,
        days,
        followup_page.of(overdue),
        step_changes=step_changes,
        step_change_days=step_change_days(),
        pages={
            page.key: page
            for page in (red_page, new_page, ready_page, steps_page, escalate_page, followup_page)
        },
    )


def _red_flag_row(run: Classification, flag: WaitingRedFlag) -> WorklistRow:
    axis = run.axis("red_flags")
    findings = list(axis.findings) if axis is not None else []
    return WorklistRow(run.episode, run, findings, flag.raised, flag.grade)


def _not_ready_row(run: Classification, today: dt.date) -> WorklistRow:
    procedure = run.episode.procedure
    axis = run.axis("readiness")
    return WorklistRow(
        run.episode,
        run,
        list(axis.findings) if axis is not None else [],
        procedure.appointment_date,
        bleeding_risk=_bleeding_risk(procedure, today),
    )


def _escalation_row(run: Classification) -> WorklistRow:
    words = [_rule_words(run, rule) for rule in escalation_rules(run)]
    return WorklistRow(run.episode, run, words, run.as_of)


def _new_intakes(
    episodes: QuerySet[Episode], pages: Mapping[str, int], size: int
) -> tuple[list[WorklistRow], Page]:
    """Open episodes with an answer submitted after the patient's page was last opened,
    oldest episode first, each with the questionnaires that came since (three queries)."""
    last_answer = (
        QuestionnaireResponse.objects.filter(episode=OuterRef("pk"))
        .order_by("-submitted_at")
        .values("submitted_at")[:1]
    )
    # One answer after the last view (or any, never viewed) is enough: an EXISTS per
    # episode reads one view and the first such answer, never every answer.
    since_seen = QuestionnaireResponse.objects.filter(
        episode=OuterRef("pk"),
        submitted_at__gt=Coalesce(last_patient_view(OuterRef(OuterRef("patient_id"))), NEVER),
    )
    unseen = (
        episodes.filter(Exists(since_seen))
        .annotate(submitted=Subquery(last_answer))
        .order_by("created_at", "id")
    )
    # The page's rows carry the section's total (a window count): one pass over the open
    # episodes instead of a count and a page. Past the last page, the last page.
    counted = unseen.select_related("patient").annotate(total=Window(Count("pk")))
    page = Page("new", max(pages.get("new", 1), 1), size, 0)
    shown = list(counted[page.offset : page.offset + size])
    if not shown and page.number > 1:
        page = _page("new", unseen.count(), pages, size)
        shown = list(counted[page.offset : page.offset + size])
    total = shown[0].total if shown else 0  # type: ignore[attr-defined]
    page = Page("new", page.number, size, total)
    codes: dict[int, set[str]] = {}
    answered = (
        QuestionnaireResponse.objects.filter(episode__in=[e.pk for e in shown])
        .annotate(seen=last_patient_view(OuterRef("episode__patient_id")))
        .filter(Q(seen__isnull=True) | Q(submitted_at__gt=F("seen")))
        .order_by()
        .values_list("episode_id", "instrument")
        .distinct()
    )
    for episode_id, code in answered:
        codes.setdefault(episode_id, set()).add(code)
    rows = []
    for episode in shown:
        got = codes.get(episode.pk, set())
        instruments = [REGISTRY[c].title for c in REGISTRY if c in got]
        instruments += sorted(got - set(REGISTRY))
        rows.append(WorklistRow(episode, None, instruments, episode.submitted))  # type: ignore[attr-defined]
    return rows, page


def _unseen_step_changes(
    episodes: QuerySet[Episode], today: dt.date, pages: Mapping[str, int], size: int
) -> tuple[list[StepChangeRow], Page]:
    """Each episode's latest step change of the last days that came after anyone last
    opened the patient's page, newest first."""
    start = today - dt.timedelta(days=step_change_days())
    since = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    transitions = recent_step_transitions(episodes, since=since)
    changed = (
        Episode.objects.filter(pk__in=list(transitions))
        .select_related("patient")
        .annotate(seen=last_patient_view(OuterRef("patient_id")))
        .in_bulk()
    )
    unseen = sorted(
        (
            t
            for t in transitions.values()
            if (seen := changed[t.episode_id].seen) is None  # type: ignore[attr-defined]
            or t.at > seen
        ),
        key=lambda t: (t.at, t.episode_id),
        reverse=True,
    )
    page = _page("steps", len(unseen), pages, size)
    shown = page.of(unseen)
    changes = step_changes_of(shown)
    return [StepChangeRow(changed[t.episode_id], changes[t.episode_id]) for t in shown], page


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


def view_worklist(request: HttpRequest, pages: Mapping[str, int] | None = None) -> Worklist:
    """The worklist, and one audit entry for it (no single patient) naming every patient
    it shows."""
    work = worklist(access.clinic_of(request), pages=pages)
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
