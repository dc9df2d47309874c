"""Use cases of the API: clients and their tokens, and what an integration may do with one —
submit an intake, read an episode, read the clinic's outcome table. Each writes its audit
entry inside its transaction, with the client as the actor (``request.api_client``, which
:func:`painpath.audit.services.record` reads).

Patients and episodes are found through the clinic-scoped accessors of
:mod:`painpath.patients.access`: the API's authentication puts the client's clinic on the
request as ``request.clinic``, the same attribute a signed-in staff member's clinic is on.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest
from django.utils import timezone

from painpath.api.models import CLINIC_SCOPES, REGISTRY_SCOPES, ApiClient
from painpath.audit.models import AuditEntry
from painpath.audit.services import Event, record
from painpath.core.cpr import parse_cpr
from painpath.core.errors import PainpathError, ScoringError
from painpath.core.instruments import REGISTRY
from painpath.core.instruments import get as get_instrument
from painpath.core.instruments.base import ScoreResult
from painpath.core.questionnaires import (
    QuestionnaireError,
    WordingRef,
    parse_canonical,
    wording_of,
)
from painpath.core.questionnaires import load as load_questionnaire
from painpath.pathway.models import Classification
from painpath.pathway.services import classify_episode
from painpath.patients import access, crypto
from painpath.patients.models import Clinic, Episode, Patient
from painpath.questionnaires.models import QuestionnaireResponse
from painpath.questionnaires.services import store_scored_response

CLIENT_CREATED = Event("api.client.created", "create")
CLIENT_REVOKED = Event("api.client.revoked", "change")
INTAKE_SUBMITTED = Event("api.intake.submitted", "create")
INTAKE_REPEATED = Event("api.intake.repeated", "view")
EPISODE_READ = Event("api.episode.read", "view")
REPORT_READ = Event("api.report.read", "export")
REFUSED = Event("api.request.refused", "view")

TOKEN_PREFIX = "pp_"
MAX_MONTHS = 120


class ApiError(PainpathError):
    """Bad input that names the field: ``loc`` as in the JSON errors (``["body", "answers",
    "odi", "odi3"]``)."""

    def __init__(self, loc: list[str | int], message: str, *, status: int = 422) -> None:
        self.loc = loc
        self.status = status
        super().__init__(message)


# --------------------------------------------------------------------------- clients


def token_hash(token: str) -> str:
    # Keyed (PAINPATH_FIELD_KEY), so the stored hashes cannot be tried against guesses
    # without the key; the token is long and random, so no salt is needed.
    return crypto.lookup_hash(f"api-token:{token}")


class ClientError(PainpathError):
    pass


def create_client(
    name: str,
    *,
    clinic: Clinic | None,
    scopes: list[str],
    site_code: str = "",
    user: Any = None,
    request: HttpRequest | None = None,
) -> tuple[ApiClient, str]:
    """A new client and its token — the only time the token exists in clear: show it once."""
    name = name.strip()
    if not name:
        raise ClientError("name: give the client a name")
    allowed = CLINIC_SCOPES if clinic is not None else REGISTRY_SCOPES
    wrong = [s for s in scopes if s not in allowed]
    if wrong or not scopes:
        kind = "a clinic's" if clinic is not None else "a registry"
        raise ClientError(
            f"scopes: {', '.join(wrong) or 'none given'}; {kind} client may have "
            f"{', '.join(allowed)}"
        )
    if clinic is None and not site_code.strip():
        raise ClientError("site: a registry client (no clinic) needs its site's code")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    creator = user if getattr(user, "is_authenticated", False) else None
    with transaction.atomic():
        client = ApiClient.objects.create(
            name=name,
            clinic=clinic,
            site_code=site_code.strip() if clinic is None else "",
            scopes=list(dict.fromkeys(scopes)),
            token_hash=token_hash(token),
            token_prefix=token[:10],
            created_by=creator,
        )
        where = {"clinic": clinic.code} if clinic else {"site": client.site_code}
        record(request, CLIENT_CREATED, user=user, obj=client, name=name, scopes=scopes, **where)
    return client, token


def revoke_client(
    client: ApiClient, *, user: Any = None, request: HttpRequest | None = None
) -> ApiClient:
    """The token stops working at once; the client stays, named in the log's entries."""
    with transaction.atomic():
        locked = ApiClient.objects.select_for_update().get(pk=client.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.save(update_fields=["revoked_at"])
            record(request, CLIENT_REVOKED, user=user, obj=locked, name=locked.name)
    return locked


def client_for_token(token: str) -> ApiClient | None:
    """The active client this token belongs to (None: unknown or revoked). Nothing is
    written: when it was last used is read from the audit log (:func:`with_last_use`)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    return (
        ApiClient.objects.select_related("clinic")
        .filter(token_hash=token_hash(token), revoked_at__isnull=True)
        .first()
    )


def with_last_use(clients: QuerySet[ApiClient]) -> QuerySet[ApiClient]:
    """Each client with ``last_used``: the time of the newest audit entry naming it as the
    actor (None: never used), in the list's one query. A GET writes nothing but its audit
    entry, and every request a token makes is audited, so the log already knows."""
    newest = (
        AuditEntry.objects.filter(api_client=OuterRef("pk"))
        .order_by()
        .values("api_client")
        .annotate(at=Max("at"))
        .values("at")
    )
    return clients.annotate(last_used=Subquery(newest))


# --------------------------------------------------------------------------- intake


@dataclass(frozen=True)
class IntakeResult:
    episode: Episode
    responses: list[QuestionnaireResponse]
    classification: Classification | None
    created: bool
    """False for a repeat of a stored submission: nothing was written."""


def _response_id(submission_id: uuid.UUID, instrument: str) -> uuid.UUID:
    # One response per instrument, each with its own unique id derived from the client's.
    return uuid.uuid5(submission_id, f"api:{instrument}")


def find_patient(request: HttpRequest, *, public_id: uuid.UUID | None, cpr: str | None) -> Patient:
    """The client's clinic's patient named by public id or CPR number (422 naming the field
    when neither or a wrong CPR is given; 404 when the clinic has no such patient)."""
    if (public_id is None) == (cpr is None):
        raise ApiError(["body", "patient"], "give exactly one of public_id and cpr")
    if public_id is not None:
        return access.patient(request, public_id)
    try:
        digits = parse_cpr(cpr or "").digits
    except (PainpathError, ValueError) as error:
        raise ApiError(["body", "patient", "cpr"], str(error)) from None
    found = access.patients(request).filter(cpr_hash=crypto.lookup_hash(digits)).first()
    if found is None:
        # As the accessors do for an id: the refused read audited (never the number), and
        # the same 404 as for no such patient.
        record(request, access.REFUSED, object_type="patient", requested="cpr")
        raise Http404("no such patient")
    return found


def _episode_of(request: HttpRequest, patient: Patient, episode_id: uuid.UUID | None) -> Episode:
    if episode_id is not None:
        return access.episode(request, episode_id, patient=patient)
    found = (
        access.episodes(request)
        .filter(patient=patient, status=Episode.Status.OPEN)
        .order_by("-created_at", "-id")
        .first()
    )
    if found is None:
        raise ApiError(
            ["body", "episode"],
            "the patient has no open episode: open one in painpath, or name one",
        )
    return found


@dataclass(frozen=True)
class Answered:
    """One instrument's answers and the Questionnaire the client says the patient answered:
    its canonical ``url|version``, or the language of painpath's current one."""

    items: dict[str, Any]
    questionnaire: str | None = None
    language: str | None = None


# An instrument's code and answers, scored, with the language and wording stored beside them.
_Scored = tuple[str, dict[str, Any], ScoreResult, str, WordingRef]


def _wording(code: str, given: Answered) -> tuple[str, WordingRef]:
    """The language and the wording of the Questionnaire the patient answered, as this
    installation serves it — what the web intake records for the form it rendered: its
    licensed wording only where the installation loaded one (``load-wording``)."""
    where: list[str | int] = ["body", "answers", code]
    language, version = given.language, ""
    if given.questionnaire is not None:
        try:
            named = parse_canonical(given.questionnaire)
        except QuestionnaireError as error:
            raise ApiError([*where, "questionnaire"], str(error)) from None
        if named.code != code:
            raise ApiError(
                [*where, "questionnaire"], f"is the Questionnaire of {named.code}, not of {code}"
            )
        if named.lang and language and language != named.lang:
            raise ApiError(
                [*where, "language"], f"{language}, but the Questionnaire is in {named.lang}"
            )
        language, version = named.lang or language, named.version
    if language is None:
        field = "questionnaire" if given.questionnaire is None else "language"
        raise ApiError(
            [*where, field],
            "name the Questionnaire the patient answered: its canonical url|version, or the "
            "language of painpath's",
        )
    resource = load_questionnaire(code, language)
    if version and version != resource.get("version"):
        raise ApiError(
            [*where, "questionnaire"],
            f"version {version} is not painpath's: {resource['id']} is in version "
            f"{resource.get('version')}",
        )
    return language, wording_of(resource)


def _scored(answers: dict[str, Answered]) -> list[_Scored]:
    """Every instrument scored by the core with the wording its patient saw, or an
    :class:`ApiError` naming the first answer that is wrong."""
    if not answers:
        raise ApiError(["body", "answers"], "no instrument answered")
    out = []
    for code, given in answers.items():
        if code not in REGISTRY:
            raise ApiError(
                ["body", "answers", code], f"unknown instrument; known: {', '.join(REGISTRY)}"
            )
        language, wording = _wording(code, given)
        try:
            result = get_instrument(code).score(given.items)
        except ScoringError as error:
            where: list[str | int] = ["body", "answers", code, "items"]
            raise ApiError(where + ([error.item] if error.item else []), str(error)) from None
        out.append((code, given.items, result, language, wording))
    return out


def _stored(ids: list[uuid.UUID]) -> list[QuestionnaireResponse]:
    return list(
        QuestionnaireResponse.objects.filter(submission_id__in=ids)
        .select_related("episode__patient")
        .order_by("id")
    )


def _repeat(request: HttpRequest, stored: list[QuestionnaireResponse]) -> IntakeResult:
    episode = stored[0].episode
    if episode.patient.clinic_id != getattr(access.clinic_of(request), "pk", None):
        # Another clinic's submission with the same id: say no more than that it is taken.
        raise ApiError(["body", "submission_id"], "already used; send a new one", status=409)
    record(
        request,
        INTAKE_REPEATED,
        patient=episode.patient,
        obj=episode,
        submission_id=str(stored[0].submission_id),
    )
    latest = Classification.objects.filter(episode=episode, is_latest=True).first()
    return IntakeResult(episode, stored, latest, created=False)


def submit_intake(
    request: HttpRequest,
    *,
    submission_id: uuid.UUID,
    patient_id: uuid.UUID | None,
    cpr: str | None,
    episode_id: uuid.UUID | None,
    answers: dict[str, Answered],
    answered_on: dt.date | None,
) -> IntakeResult:
    """Score and store an intake's questionnaires, each with the wording its patient saw,
    for a patient of the client's clinic and reclassify the episode — all or nothing, once
    per ``submission_id`` (a repeat returns what was stored and writes nothing but its
    audit entry)."""
    ids = [_response_id(submission_id, code) for code in answers]
    if ids and (stored := _stored(ids)):
        return _repeat(request, stored)
    today = timezone.localdate()
    answered_on = answered_on or today
    if answered_on > today:
        raise ApiError(["body", "answered_on"], f"{answered_on} is in the future")
    patient = find_patient(request, public_id=patient_id, cpr=cpr)
    episode = _episode_of(request, patient, episode_id)
    scored = _scored(answers)
    try:
        with transaction.atomic():
            responses = [
                store_scored_response(
                    episode,
                    code,
                    items,
                    result,
                    source=QuestionnaireResponse.Source.PATIENT,
                    language=language,
                    wording=wording,
                    answered_on=answered_on,
                    submission_id=_response_id(submission_id, code),
                )
                for code, items, result, language, wording in scored
            ]
            classification = classify_episode(episode, trigger="api intake")
            record(
                request,
                INTAKE_SUBMITTED,
                patient=patient,
                obj=episode,
                submission_id=str(submission_id),
                instruments=[code for code, *_rest in scored],
                wordings={code: wording.label for code, *_rest, wording in scored},
            )
    except IntegrityError:
        # A concurrent repeat won the race to the unique ids: answer as a repeat.
        stored = _stored(ids)
        if not stored:
            raise
        return _repeat(request, stored)
    return IntakeResult(episode, responses, classification, created=True)


# --------------------------------------------------------------------------- reading


def read_episode(
    request: HttpRequest, public_id: uuid.UUID
) -> tuple[Episode, list[QuestionnaireResponse], Classification | None]:
    """The episode (of the client's clinic), its scores and its latest classification."""
    episode = access.episode(request, public_id)
    responses = list(episode.responses.order_by("answered_on", "id"))
    latest = Classification.objects.filter(episode=episode, is_latest=True).first()
    record(request, EPISODE_READ, patient=episode.patient, obj=episode)
    return episode, responses, latest


def outcome_report(
    request: HttpRequest, *, instruments: list[str], timepoints: list[int]
) -> dict[str, Any]:
    """The client's clinic's outcome table as ``painpath report -f json`` writes it
    (docs/report.md), under disclosure control with the installation's k."""
    import polars as pl

    from painpath.analytics import disclosure, services
    from painpath.analytics.report import Options, build
    from painpath.core.analytics.document import report_document

    clinic = access.clinic_of(request)
    if clinic is None:
        raise ApiError(["header", "authorization"], "a registry client has no clinic", status=403)
    wrong = [point for point in timepoints if not 0 < point <= MAX_MONTHS]
    if wrong:
        raise ApiError(["query", "timepoint"], f"{wrong[0]}: months from 1 to {MAX_MONTHS}")
    unknown = [code for code in instruments if code not in REGISTRY]
    if unknown:
        raise ApiError(["query", "instrument"], f"unknown instrument(s): {', '.join(unknown)}")
    frame = services.export_registry(own_clinic=clinic, clinic=clinic)
    frame = frame.filter(pl.col("clinic") == clinic.code)
    policy = disclosure.policy()
    points = timepoints or list(disclosure.TIMEPOINTS)
    built = build(
        services.registry_table(frame),
        [],
        Options(instruments=tuple(instruments), timepoints=tuple(points)),
        policy=policy,
    )
    if 0 < built.n_patients < policy.k:
        # As ``painpath report --k``: no figures at all for a cohort that small.
        raise ApiError(
            ["query"], f"the cohort has fewer than {policy.k} patients: no figures shown"
        )
    record(
        request,
        REPORT_READ,
        object_type="analytics",
        report="outcomes",
        instruments=list(built.instruments),
        timepoints=points,
        patients_in_cohort=built.n_patients,
        disclosure_k=policy.k,
    )
    return report_document(
        built.rows,
        [],
        built.n_patients,
        points,
        wording_recorded=built.wording_recorded,
        k=policy.k,
    )


# --------------------------------------------------------------------------- registry


def _site(client: ApiClient) -> Any:
    from painpath.registry.models import Site

    # "SITE", or "REGISTRY/SITE" where this server keeps more than one registry.
    registry, _slash, code = client.site_code.rpartition("/")
    sites = Site.objects.filter(code=code).select_related("registry")
    if registry:
        sites = sites.filter(registry__code=registry)
    found = list(sites[:2])
    if len(found) != 1:
        problem = "is not a site here" if not found else "is a site of several registries"
        raise ApiError(
            ["header", "authorization"],
            f"this client's site {client.site_code!r} {problem}; ask the registry's administrator",
            status=403,
        )
    return found[0]


def upload_extract(request: HttpRequest, client: ApiClient, upload: Any) -> dict[str, Any]:
    """The registry client's site's new contribution (:func:`painpath.registry.services.
    receive_extract`, which validates, replaces and audits)."""
    from django.conf import settings

    from painpath.core.registry.extract import InvalidExtract
    from painpath.registry import services as registry
    from painpath.registry.models import Site

    site = _site(client)
    if site.participation != Site.Participation.POOLED:
        raise ApiError(["body", "file"], f"site {site.code} sends aggregate statistics only")
    limit = int(getattr(settings, "PAINPATH_API_MAX_EXTRACT_BYTES", 200 * 1024 * 1024))
    if upload.size > limit:
        raise ApiError(["body", "file"], f"larger than {limit} bytes", status=413)
    try:
        # receive_file, not read_extract: an unreadable file is refused on the record and
        # audited as on the upload screen.
        result = registry.receive_file(
            site, upload.read(), client=f"api:{client.name}", request=request
        )
    except InvalidExtract as error:
        errors = [
            (
                [
                    "body",
                    "file",
                    e.table,
                    *([e.row] if e.row is not None else []),
                    *([e.field] if e.field else []),
                ],
                e.message,
            )
            for e in error.errors
        ] or [(["body", "file"], str(error) or "not a pooled extract")]
        raise ExtractRefused(errors) from None
    return {
        "site": site.code,
        "status": result.status,
        "counts": dict(result.rows),
        "persons": result.persons,
        "removed_persons": result.removed_persons,
    }


class ExtractRefused(ApiError):
    """Every record and field at fault, each with its place in the file."""

    def __init__(self, errors: list[tuple[list[str | int], str]]) -> None:
        self.all = errors
        super().__init__(errors[0][0], errors[0][1])
