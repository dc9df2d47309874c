"""The REST API at /api/v1/ (docs/api.md): bearer tokens per client, scopes per endpoint,
errors as ``{"detail": …, "errors": [{"loc": […], "msg": …}]}``.

Views authorise (the token, then the scope), validate (the schemas), call a service of
:mod:`painpath.api.services` and respond."""

from __future__ import annotations

import re
import uuid
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse
from ninja import File, NinjaAPI, Query, Status, UploadedFile
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.views import openapi_json
from ninja.security import HttpBearer

from painpath.api import schemas, services
from painpath.api.models import ApiClient, Scope
from painpath.api.services import ApiError
from painpath.audit.services import record
from painpath.core.questionnaires import WordingRef
from painpath.pathway.models import Classification
from painpath.patients.models import Episode
from painpath.questionnaires.models import QuestionnaireResponse


class ClientToken(HttpBearer):
    """``Authorization: Bearer pp_…``: the client whose token it is, if not revoked. The
    client's clinic becomes the request's clinic, so that the clinic-scoped accessors
    answer for it, and no signed-in staff member (a session cookie) acts through the API."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiClient | None:
        client = services.client_for_token(token)
        if client is None:
            record(
                request, services.REFUSED, user=AnonymousUser(), reason="unknown or revoked token"
            )
            return None
        request.user = AnonymousUser()
        request.api_client = client  # type: ignore[attr-defined]
        request.clinic = client.clinic  # type: ignore[attr-defined]
        request.membership = None  # type: ignore[attr-defined]
        return client


def _docs_guard(view: Any) -> Any:
    # The document itself (openapi.json) is public: it describes the API, never data. The
    # interactive page (Swagger UI, in English, inviting calls) only while developing: it
    # is no staff screen, and an integrator reads the document with their own tools.
    if getattr(view, "func", None) is openapi_json:
        return view

    @wraps(view)
    def only_in_development(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.DEBUG:
            raise Http404("the API's interactive page is shown only with DEBUG")
        return view(request, *args, **kwargs)

    return only_in_development


api = NinjaAPI(
    title="painpath API",
    version="1",
    description="Integrations: submit an intake, read an episode, fetch the outcome report, "
    "upload a registry extract. See docs/api.md.",
    auth=ClientToken(),
    urls_namespace="api",
    docs_decorator=_docs_guard,
)

ERRORS: dict[int, Any] = {
    400: schemas.ErrorOut,
    401: schemas.ErrorOut,
    403: schemas.ErrorOut,
    404: schemas.ErrorOut,
    422: schemas.ErrorOut,
}


def _error(
    request: HttpRequest, status: int, detail: str, errors: list[dict[str, Any]] | None = None
) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "errors": errors or []}, status=status)


def _loc(loc: Any) -> list[str | int]:
    # Without pydantic's own steps (a validator's name, "[key]" for a dict's key, the name of
    # the union's member that was tried): the client knows the document's fields only.
    parts = [p for p in loc if isinstance(p, int) or (isinstance(p, str) and _FIELD.match(p))]
    # ninja puts the view's parameter name after "body"; the client knows no such name.
    return ["body", *parts[2:]] if parts[:2] == ["body", "body"] else parts


_FIELD = re.compile(r"^(?![A-Z])[^\[\]()]*$")


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [{"loc": _loc(e.get("loc", ())), "msg": str(e["msg"])} for e in exc.errors]
    first = errors[0] if errors else {"loc": [], "msg": "invalid"}
    where = ".".join(str(p) for p in first["loc"])
    return _error(request, 422, f"{where}: {first['msg']}", errors)


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    if exc.status == 403:
        record(request, services.REFUSED, reason=str(exc))
    where = ".".join(str(p) for p in exc.loc)
    errors = [{"loc": loc, "msg": msg} for loc, msg in getattr(exc, "all", [(exc.loc, str(exc))])]
    return _error(request, exc.status, f"{where}: {exc}", errors)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = _error(request, 401, "a valid token is needed: Authorization: Bearer <token>")
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, str(exc))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    # The same answer for another clinic's record and one that does not exist.
    return _error(request, 404, "not found")


def _require(request: HttpRequest, scope: Scope, query: tuple[str, ...] = ()) -> ApiClient:
    """The client, if it holds ``scope``; and no query parameter but ``query`` (a misspelt
    one would otherwise be ignored, and the answer silently cover something else)."""
    client: ApiClient = request.auth  # type: ignore[attr-defined]
    if not client.has_scope(scope):
        raise ApiError(
            ["header", "authorization"], f"this client lacks the scope {scope}", status=403
        )
    unknown = sorted(name for name in request.GET if name not in query)
    if unknown:
        known = f"; known: {', '.join(query)}" if query else ""
        raise ApiError(["query", unknown[0]], f"unknown parameter{known}")
    return client


# --------------------------------------------------------------------------- output


def _score(response: QuestionnaireResponse) -> dict[str, Any]:
    wording = WordingRef.from_dict(response.wording)
    return {
        "instrument": response.instrument,
        "answered_on": response.answered_on,
        "score": response.score,
        "subscales": response.subscales or {},
        "band": response.band,
        "source": response.source,
        "language": response.language,
        "wording": wording.kind,
        "questionnaire": wording.canonical or None,
    }


def _classification(run: Classification | None) -> dict[str, Any] | None:
    if run is None:
        return None
    from painpath.core.rules.model import display_order

    axes = sorted(run.axes.values(), key=display_order)
    return {
        "as_of": run.as_of,
        "created_at": run.created_at,
        "trigger": run.trigger,
        "axes": [
            {
                "axis": a.axis,
                "result": a.result,
                "label": a.label,
                "ruleset": a.ruleset,
                "version": a.version,
                "as_of": a.as_of,
                "urgent": a.urgent,
                "grade": a.result if a.grade_rank is not None else None,
                "grade_rank": a.grade_rank,
                "fired": list(a.fired),
                "findings": list(a.findings),
                "needs": list(a.needs),
            }
            for a in axes
        ],
    }


def _episode(
    episode: Episode, responses: list[QuestionnaireResponse], run: Classification | None
) -> dict[str, Any]:
    return {
        "public_id": episode.public_id,
        "patient": episode.patient.public_id,
        "complaint": episode.complaint,
        "region": episode.region,
        "status": episode.status,
        "onset_date": episode.onset_date,
        "scores": [_score(r) for r in responses],
        "classification": _classification(run),
    }


# --------------------------------------------------------------------------- endpoints


@api.post(
    "/intakes",
    response={200: schemas.IntakeOut, 201: schemas.IntakeOut, 409: schemas.ErrorOut, **ERRORS},
    summary="Submit an intake's questionnaires for a patient",
)
def submit_intake(request: HttpRequest, body: schemas.IntakeIn) -> Status:
    """Scores each instrument, stores the responses and reclassifies the episode, all or
    nothing. 201 when stored; 200 for a repeat of a `submission_id` (nothing stored)."""
    _require(request, Scope.INTAKE_WRITE)
    result = services.submit_intake(
        request,
        submission_id=body.submission_id,
        patient_id=getattr(body.patient, "public_id", None),
        cpr=getattr(body.patient, "cpr", None),
        episode_id=body.episode,
        answers={
            code: services.Answered(given.items, given.questionnaire, given.language)
            for code, given in body.answers.items()
        },
        answered_on=body.answered_on,
    )
    return Status(
        201 if result.created else 200,
        {
            "submission_id": body.submission_id,
            "created": result.created,
            "episode": result.episode.public_id,
            "responses": [_score(r) for r in result.responses],
            "classification": _classification(result.classification),
        },
    )


@api.get(
    "/episodes/{public_id}",
    response={200: schemas.EpisodeOut, **ERRORS},
    summary="An episode with its scores and latest classification",
)
def read_episode(request: HttpRequest, public_id: uuid.UUID) -> dict[str, Any]:
    _require(request, Scope.EPISODE_READ)
    episode, responses, run = services.read_episode(request, public_id)
    return _episode(episode, responses, run)


@api.get(
    "/reports/outcomes",
    response={200: schemas.ReportOut, **ERRORS},
    summary="The clinic's outcome table, under disclosure control",
)
def outcome_report(
    request: HttpRequest,
    instrument: list[str] = Query(None),  # noqa: B008 — ninja declares parameters so
    timepoint: list[int] = Query(None),  # noqa: B008
) -> dict[str, Any]:
    """As `painpath report -f json` (docs/report.md), for the client's clinic's patients,
    with small cells withheld (the installation's k, PAINPATH_DISCLOSURE_K)."""
    _require(request, Scope.REPORT_READ, query=("instrument", "timepoint"))
    return services.outcome_report(
        request, instruments=list(instrument or []), timepoints=list(timepoint or [])
    )


@api.post(
    "/registry/extracts",
    response={200: schemas.ExtractOut, 413: schemas.ErrorOut, **ERRORS},
    summary="Upload a pooled extract (.zip) for the client's registry site",
)
def upload_extract(request: HttpRequest, file: File[UploadedFile]) -> dict[str, Any]:
    """The extract as `painpath registry extract` writes it (docs/registry.md): validated
    record by record, then the site's rows replaced in one transaction. A repeat of the last
    accepted extract changes nothing (`status: unchanged`)."""
    client = _require(request, Scope.REGISTRY_UPLOAD)
    return services.upload_extract(request, client, file)


# Endpoints kept in modules of their own add themselves to `api` when imported.
from painpath.api import aggregates  # noqa: E402, F401
