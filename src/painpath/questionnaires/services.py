"""Use cases of the patient side: issue a link, open it, save a draft, submit the intake,
and the one way a scored questionnaire is stored (:func:`store_scored_response`).

A completed link is announced with :data:`painpath.questionnaires.signals.link_completed`
inside the submission's transaction; the pathway (reclassify) and follow-up (mark the time
point answered) listen. This app never imports them.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from painpath.audit.services import Event, record
from painpath.core.errors import PainpathError, ScoringError
from painpath.core.instruments import REGISTRY
from painpath.core.instruments import get as get_instrument
from painpath.core.instruments.base import ScoreResult
from painpath.core.questionnaires import WordingRef, wording_of
from painpath.core.questionnaires import load as load_questionnaire
from painpath.core.rules import builtin_rulesets, classify, known_age, validate_episode
from painpath.patients import consent
from painpath.patients.models import ConsentDecision, Episode
from painpath.patients.services import add_reported_medications
from painpath.questionnaires import forms as pages_
from painpath.questionnaires.models import (
    IntakeDraft,
    IntakeLink,
    QuestionnaireResponse,
    token_hash,
)
from painpath.questionnaires.signals import link_completed

logger = logging.getLogger(__name__)

LINK_ISSUED = Event("questionnaires.link.issued", "create")
LINK_FORM_VIEWED = Event("questionnaires.link_form.viewed", "view")
SUBMITTED = Event("questionnaires.submitted", "patient_submit")

CONSENT_KEY = "consent"
"""The draft's key for the consent chosen before the pages."""
LANGUAGE_CODES = tuple(code for code, _name in pages_.LANGUAGES)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")


# -- errors ----------------------------------------------------------------------------------


class LinkError(PainpathError):
    """A link that cannot be used; ``message`` is for the patient, ``status`` for HTTP."""

    message: Promise = _("This link cannot be used.")
    status = 400

    def __init__(self, link: IntakeLink | None = None) -> None:
        self.link = link
        super().__init__(str(self.message))


class LinkNotFound(LinkError):
    """No link has this token: it was mistyped, cut short or altered."""

    message = _(
        "This link is not valid. Check that you opened the whole link from the clinic's "
        "message, or ask the clinic for a new link."
    )
    status = 404


class LinkExpired(LinkError):
    message = _("This link has expired. Please ask the clinic for a new link.")
    status = 410


class LinkCompleted(LinkError):
    message = _("You have already sent your answers with this link. Thank you.")
    status = 409


class SubmissionClash(LinkError):
    """A submission id that is not the one this link's draft was given (another link's, a
    made-up or an out-of-date one): the server chooses the id, so nothing is stored."""

    message = _(
        "These answers could not be sent from this page: it is out of date. Open your link "
        "again, check your answers and send them from there."
    )
    status = 409


class LinkRevoked(LinkError):
    message = _("The clinic has withdrawn this link. Please ask the clinic for a new link.")
    status = 410


class IntakeInvalid(PainpathError):
    """Answers that do not pass the checks: per page key, ``{field: [messages]}``."""

    def __init__(self, errors: dict[str, dict[str, list[str]]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{page}: {fields}" for page, fields in errors.items()))


# -- issuing ---------------------------------------------------------------------------------


def link_days(clinic: Any) -> int:
    """How long a new questionnaire link stays valid: the clinic's choice, else the
    installation's default (PAINPATH_LINK_DAYS)."""
    chosen = getattr(clinic, "link_days", None)
    return int(chosen) if chosen else int(settings.PAINPATH_LINK_DAYS)


def issue_link(
    episode: Episode,
    instruments: list[str],
    language: str,
    user: Any,
    days: int | None = None,
    *,
    request: HttpRequest | None = None,
) -> tuple[IntakeLink, str]:
    """Create an intake link; return it with its path, which holds the one-time token.

    The token itself is never stored, so the path can be shown only now.
    """
    unknown = [code for code in instruments if code not in REGISTRY]
    if unknown:
        raise ValueError(f"unknown instrument(s): {', '.join(unknown)}")
    clinician = [
        f"{REGISTRY[c].title} ({c})" for c in instruments if REGISTRY[c].respondent != "patient"
    ]
    if clinician:
        raise ValueError(
            f"{', '.join(clinician)}: answered by the clinician (an examination), "
            "not sent to a patient"
        )
    if language not in LANGUAGE_CODES:
        raise ValueError(f"unknown language {language!r}; choose one of {LANGUAGE_CODES}")
    days = link_days(episode.patient.clinic) if days is None else days
    with transaction.atomic():
        link, token = IntakeLink.issue(
            episode,
            instruments=list(instruments),
            language=language,
            expires_at=timezone.now() + dt.timedelta(days=days),
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
        record(
            request,
            LINK_ISSUED,
            user=user,
            patient=episode.patient,
            obj=link,
            instruments=list(instruments),
            language=language,
            expires_at=link.expires_at.isoformat(),
        )
    return link, reverse("questionnaires:start", args=[token])


# -- opening ---------------------------------------------------------------------------------


def resolve(token: str, *, allow_completed: bool = False) -> IntakeLink:
    """The link of ``token``, or the reason it cannot be used (a :class:`LinkError`)."""
    if not _TOKEN.match(token or ""):
        raise LinkNotFound()
    link = (
        IntakeLink.objects.select_related("episode__patient")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if link is None:
        raise LinkNotFound()
    if link.completed_at is not None:
        if allow_completed:
            return link
        raise LinkCompleted(link)
    if link.revoked_at is not None:
        raise LinkRevoked(link)
    if link.expires_at <= timezone.now():
        raise LinkExpired(link)
    return link


def draft_of(link: IntakeLink) -> IntakeDraft:
    """The link's stored draft, created now if the patient has saved nothing yet."""
    draft, _created = IntakeDraft.objects.get_or_create(link=link)
    return draft


def current_draft(link: IntakeLink) -> IntakeDraft:
    """The link's draft for reading: the stored one, else an empty unsaved one (opening a
    link writes nothing; the first saved answer or language choice stores the draft)."""
    return IntakeDraft.objects.filter(link=link).first() or IntakeDraft(link=link)


def language_of(link: IntakeLink, draft: IntakeDraft | None = None) -> str:
    """The patient's chosen language, else the one the clinic chose for the link."""
    if draft is not None and draft.language in LANGUAGE_CODES:
        return draft.language
    return link.language if link.language in LANGUAGE_CODES else LANGUAGE_CODES[0]


def pages_of(link: IntakeLink, language: str) -> list[pages_.Page]:
    follow_up = link.purpose == IntakeLink.Purpose.FOLLOW_UP
    return pages_.pages(list(link.instruments), language, follow_up=follow_up)


def choose_language(link: IntakeLink, language: str) -> IntakeDraft:
    if language not in LANGUAGE_CODES:
        raise ValueError(f"unknown language {language!r}")
    with transaction.atomic():
        draft_of(link)
        draft = IntakeDraft.objects.select_for_update().get(link=link)
        draft.language = language
        draft.save(update_fields=["language", "updated_at"])
    return draft


def save_draft(
    link: IntakeLink, page_key: str, data: dict[str, list[str]], *, reached: int | None = None
) -> IntakeDraft:
    """Keep one page's answers; ``reached`` = the number of pages now answered in a row."""
    with transaction.atomic():
        draft_of(link)
        # Locked, so that two tabs saving different pages do not lose each other's answers.
        draft = IntakeDraft.objects.select_for_update().get(link=link)
        draft.answers = {**draft.answers, page_key: data}
        if reached is not None:
            draft.page = max(draft.page, reached)
        draft.save(update_fields=["answers", "page", "updated_at"])
    return draft


def validate(
    link: IntakeLink, answers: dict[str, Any], language: str
) -> dict[str, pages_.PageForm]:
    """Every page's bound, valid form; or :class:`IntakeInvalid` with every page's errors."""
    forms_by_key: dict[str, pages_.PageForm] = {}
    errors: dict[str, dict[str, list[str]]] = {}
    for page in pages_of(link, language):
        form = pages_.bind(page, language, answers.get(page.key))
        if form.is_valid():
            forms_by_key[page.key] = form
        else:
            errors[page.key] = {name: list(messages) for name, messages in form.errors.items()}
    if errors:
        raise IntakeInvalid(errors)
    return forms_by_key


# -- submitting ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    link: IntakeLink
    responses: list[QuestionnaireResponse]
    created: bool
    """False when this was a repeat: the stored result is returned and nothing written."""


def _stored(link: IntakeLink) -> Submission:
    responses = list(QuestionnaireResponse.objects.filter(link=link).order_by("id"))
    return Submission(link, responses, created=False)


def store_scored_response(
    episode: Episode,
    instrument: str,
    answers: dict[str, Any],
    result: ScoreResult,
    *,
    source: str,
    language: str,
    wording: WordingRef,
    answered_on: dt.date,
    link: IntakeLink | None = None,
    submission_id: uuid.UUID | None = None,
    recorded_by: Any = None,
) -> QuestionnaireResponse:
    """Store one scored questionnaire: the answers as given, the score, the non-empty
    subscales, the band and the wording the patient saw (``wording_of`` the Questionnaire
    that was shown; ``UNKNOWN_WORDING`` when painpath did not show it) — the same way
    whoever took the answers (patient, phone, paper)."""
    # A response taken by phone or on paper gets a fresh id (the field's default).
    ids = {"submission_id": submission_id} if submission_id is not None else {}
    return QuestionnaireResponse.objects.create(
        **ids,
        episode=episode,
        link=link,
        instrument=instrument,
        answers=answers,
        score=result.score,
        subscales={k: v for k, v in result.subscales.items() if v is not None},
        band=result.band or "",
        source=source,
        language=language,
        wording=wording.as_dict(),
        answered_on=answered_on,
        recorded_by=recorded_by if getattr(recorded_by, "is_authenticated", False) else None,
    )


def store_answers_as_shown(
    episode: Episode,
    instrument: str,
    answers: dict[str, Any],
    *,
    source: str,
    language: str,
    answered_on: dt.date,
) -> QuestionnaireResponse:
    """Score ``answers`` and store them as given to the Questionnaire painpath shows in
    ``language`` now (its wording recorded) — for answers made up for a demo or a test; the
    intake records the Questionnaire it actually rendered."""
    return store_scored_response(
        episode,
        instrument,
        answers,
        get_instrument(instrument).score(answers),
        source=source,
        language=language,
        wording=wording_of(load_questionnaire(instrument, language)),
        answered_on=answered_on,
    )


def red_flag_grade_of(episode: Episode, intake: dict[str, Any]) -> str | None:
    """The grade of the red flags in the patient's own answers (``intake``: the red-flag and
    duration answers as the intake stores them): ``emergency``, ``urgent`` or ``review``,
    or None when none is raised. The shipped red-flag rule set decides, so the patient is
    told what the clinic will see. (The clinic's classification, a floor above in the
    pathway, runs the same rule set on the whole record.)"""
    answers = intake.get("red_flags")
    if not answers:
        return None
    today = timezone.localdate()
    document: dict[str, Any] = {"id": str(episode.public_id), "red_flags": answers}
    age = known_age(episode.patient.date_of_birth, today)  # None: a wrong date of birth
    if age is not None:
        document["age"] = age
    # The duration decides whether pain after trauma or with osteoporosis is new.
    for name in ("onset_date", "reported_duration"):
        if name in intake:
            document[name] = intake[name]
    red_flags = [rs for rs in builtin_rulesets().values() if rs.axis == "red_flags"]
    axis = classify(validate_episode(document), as_of=today, rulesets=red_flags)["red_flags"]
    return axis.result if axis.fired else None


def red_flag_grade(link: IntakeLink) -> str | None:
    """The grade of a completed intake's red flags, for the done page (a follow-up asks
    none)."""
    if link.purpose == IntakeLink.Purpose.FOLLOW_UP:
        return None
    return red_flag_grade_of(link.episode, link.episode.intake or {})


def _response_id(submission_id: uuid.UUID, instrument: str) -> uuid.UUID:
    # One submission stores one response per instrument, each needing its own unique id.
    return uuid.uuid5(submission_id, instrument)


def submit(
    link: IntakeLink,
    answers: dict[str, Any],
    submission_id: uuid.UUID | str,
    *,
    request: HttpRequest | None = None,
) -> Submission:
    """Store a whole intake atomically and exactly once, then classify the episode.

    A repeat (the same ``submission_id``, or any submission to a completed link) returns the
    stored result and writes nothing. Raises :class:`IntakeInvalid` (nothing stored) or a
    :class:`LinkError` for an expired or withdrawn link.
    """
    submission_id = uuid.UUID(str(submission_id))
    return _submit_once(link, answers, submission_id, request)


def _submit_once(
    link: IntakeLink,
    answers: dict[str, Any],
    submission_id: uuid.UUID,
    request: HttpRequest | None,
) -> Submission:
    # Checked and scored before the transaction, so that the write lock (on SQLite the whole
    # database's) is held only for the writes and the classification. Under the lock a
    # completed link answers a repeat whatever it holds, and a language changed meanwhile
    # is checked again.
    language = language_of(link, IntakeDraft.objects.filter(link=link).first())
    try:
        scored: _Scored | None = _score(link, answers, language)
    except IntakeInvalid:
        scored = None  # raised under the lock, unless the link turns out completed
    try:
        with transaction.atomic():
            # Locked: of two concurrent submissions, the second waits here and then finds
            # the link completed.
            locked = (
                IntakeLink.objects.select_for_update()
                .select_related("episode__patient")
                .get(pk=link.pk)
            )
            if locked.completed_at is not None:
                return _stored(locked)
            if locked.revoked_at is not None:
                raise LinkRevoked(locked)
            if locked.expires_at <= timezone.now():
                raise LinkExpired(locked)
            if IntakeLink.objects.filter(submission_id=submission_id).exists():
                raise SubmissionClash(locked)  # another link's id: never stored twice
            language = language_of(locked, IntakeDraft.objects.filter(link=locked).first())
            if scored is None or scored.language != language:
                scored = _score(locked, answers, language)
            return _store(locked, scored, submission_id, request)
    except IntegrityError:
        # The loser of a race that got past the lock trips the unique constraints.
        locked = IntakeLink.objects.get(pk=link.pk)
        if locked.completed_at is not None:
            return _stored(locked)
        raise


@dataclass(frozen=True)
class _Scored:
    """An intake checked and scored, ready to store."""

    language: str
    forms: dict[str, pages_.PageForm]
    instruments: list[tuple[str, dict[str, Any], ScoreResult, WordingRef]]
    consent: dict[str, list[str]] | None


def _score(link: IntakeLink, answers: dict[str, Any], language: str) -> _Scored:
    """Every page checked and every instrument scored; :class:`IntakeInvalid` if not."""
    forms_by_key = validate(link, answers, language)
    scored = []
    for code in link.instruments:
        form = forms_by_key.get(f"instrument:{code}")
        if form is None:
            continue
        instrument_answers = form.answers()  # type: ignore[attr-defined]
        try:
            result = get_instrument(code).score(instrument_answers)
        except ScoringError as error:
            field = error.item if error.item in form.fields else "__all__"
            raise IntakeInvalid({f"instrument:{code}": {field: [str(error)]}}) from None
        # The Questionnaire these answers were checked against: the one the pages show.
        wording = wording_of(form.questionnaire)  # type: ignore[attr-defined]
        scored.append((code, instrument_answers, result, wording))
    return _Scored(language, forms_by_key, scored, answers.get(CONSENT_KEY))


def _store(
    link: IntakeLink, prepared: _Scored, submission_id: uuid.UUID, request: HttpRequest | None
) -> Submission:
    language, forms_by_key, scored = prepared.language, prepared.forms, prepared.instruments
    episode = link.episode
    now = timezone.now()
    responses = [
        store_scored_response(
            episode,
            code,
            instrument_answers,
            result,
            source=QuestionnaireResponse.Source.PATIENT,
            language=language,
            wording=wording,
            answered_on=timezone.localdate(now),
            link=link,
            submission_id=_response_id(submission_id, code),
        )
        for code, instrument_answers, result, wording in scored
    ]

    if link.purpose != IntakeLink.Purpose.FOLLOW_UP:
        _store_intake(link, forms_by_key, language, now)
        _store_consent(link, prepared.consent, submission_id, language, request)

    link.completed_at = now
    link.submission_id = submission_id
    link.language = language
    link.save(update_fields=["completed_at", "submission_id", "language"])
    IntakeDraft.objects.filter(link=link).delete()  # the answers now live in the records

    record(
        request,
        SUBMITTED,
        patient=episode.patient,
        obj=link,
        submission_id=str(submission_id),
        instruments=[code for code, _a, _r, _w in scored],
        language=language,
        wordings={code: w.label for code, _a, _r, w in scored},
    )
    link_completed.send(IntakeLink, link=link, responses=responses, request=request)
    return Submission(link, responses, created=True)


def consent_form(language: str, data: dict[str, list[str]] | None = None) -> pages_.ConsentForm:
    return pages_.ConsentForm(language, MultiValueDict(data) if data is not None else None)


def _store_consent(
    link: IntakeLink,
    data: dict[str, list[str]] | None,
    submission_id: uuid.UUID,
    language: str,
    request: HttpRequest | None,
) -> None:
    """Store the consent the patient chose before the pages, with the answers. Not chosen
    (the patient went straight to the pages): nothing is stored, which is no research
    consent."""
    if data is None:
        return
    form = consent_form(language, data)
    if not form.is_valid():
        raise IntakeInvalid({CONSENT_KEY: {k: list(v) for k, v in form.errors.items()}})
    for purpose, (decision, version) in form.choices().items():
        consent.record_decision(
            link.episode.patient,
            purpose,
            decision,
            version=version,
            source=ConsentDecision.Source.INTAKE,
            language=language,
            request=request,
            submission_id=uuid.uuid5(submission_id, f"consent:{purpose}"),
        )


def current_consent(link: IntakeLink) -> dict[str, ConsentDecision | None]:
    return consent.current(link.episode.patient)


def change_consent(
    link: IntakeLink, choices: dict[str, tuple[str, int]], language: str, request: HttpRequest
) -> list[ConsentDecision]:
    """The patient changes their consent on their link after sending their answers (or on a
    follow-up link): each changed choice is stored at once; a "no" to a consent given before
    is its withdrawal."""
    patient = link.episode.patient
    stored = []
    with transaction.atomic():
        now = consent.current(patient)
        for purpose, (decision, version) in choices.items():
            before = now.get(purpose)
            if decision == ConsentDecision.Decision.REFUSED and before is not None:
                if before.decision == ConsentDecision.Decision.GIVEN:
                    decision = ConsentDecision.Decision.WITHDRAWN
                else:
                    continue  # refused or withdrawn already
            elif before is not None and (before.decision, before.text_version) == (
                decision,
                version,
            ):
                continue
            stored.append(
                consent.record_decision(
                    patient,
                    purpose,
                    decision,
                    version=version,
                    source=ConsentDecision.Source.PATIENT,
                    language=language,
                    request=request,
                )
            )
    return stored


def _store_intake(
    link: IntakeLink, forms_by_key: dict[str, pages_.PageForm], language: str, now: dt.datetime
) -> None:
    episode = link.episode
    intake: dict[str, Any] = {}
    for key in ("regions", "duration", "red_flags", "medications", "treatments"):
        intake.update(forms_by_key[key].intake())  # type: ignore[attr-defined]
    onset = intake.get("onset_date")
    update_fields = ["intake"]
    if onset and episode.onset_date is None:
        episode.onset_date = dt.date.fromisoformat(onset)
        update_fields.append("onset_date")
    intake["reported_by_patient"] = {"link": link.pk, "at": now.isoformat(), "language": language}
    episode.intake = {**episode.intake, **intake}
    episode.save(update_fields=update_fields)
    add_reported_medications(episode, intake.get("medications", []))
