"""POST /api/v1/intakes: scored, stored and classified through the services painpath's own
screens use; all or nothing; once per submission id."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from painpath.api import services
from painpath.api.models import ApiClient
from painpath.audit.models import AuditEntry
from painpath.core.instruments import get as get_instrument
from painpath.core.questionnaires import BASE_URL, load, load_wording, wording_of
from painpath.pathway.models import Classification
from painpath.patients.models import Clinic, Episode
from painpath.questionnaires.models import QuestionnaireResponse

pytestmark = pytest.mark.django_db

ODI = {f"odi{i}": i % 4 for i in range(1, 11)}  # synthetic answers


def _answers(**instruments: dict[str, Any]) -> dict[str, Any]:
    """Each instrument's answers to painpath's Danish Questionnaire."""
    return {code: {"language": "da", "items": items} for code, items in instruments.items()}


def _body(of: Episode, **changes: Any) -> dict[str, Any]:
    body = {
        "submission_id": str(uuid.uuid4()),
        "patient": {"public_id": str(of.patient.public_id)},
        "answers": _answers(nrs={"nrs": 7}, odi=ODI),
    }
    return body | changes


@pytest.fixture(autouse=True)
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This installation's directory for licensed wording: empty unless a test loads one."""
    monkeypatch.setenv("PAINPATH_VAR_DIR", str(tmp_path))
    return tmp_path


def _post(api: Client, body: dict[str, Any]) -> Any:
    return api.post("/api/v1/intakes", body, content_type="application/json")


def test_an_intake_is_scored_stored_and_classified(episode: Episode, api: Client) -> None:
    response = _post(api, _body(episode))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["created"] is True
    assert data["episode"] == str(episode.public_id)
    scores = {r["instrument"]: r["score"] for r in data["responses"]}
    # The core's own score of the same answers, not a number written here.
    assert scores == {"nrs": 7.0, "odi": get_instrument("odi").score(ODI).score}
    stored = QuestionnaireResponse.objects.filter(episode=episode)
    assert sorted(stored.values_list("instrument", flat=True)) == ["nrs", "odi"]
    assert set(stored.values_list("source", flat=True)) == {"patient"}
    # Painpath's Danish Questionnaires, as the web intake records them.
    for code in ("nrs", "odi"):
        assert stored.get(instrument=code).wording_ref == wording_of(load(code, "da"))
    assert stored.get(instrument="odi").wording["kind"] == "paraphrase"
    assert {r["instrument"]: r["wording"] for r in data["responses"]} == {
        "nrs": "original",
        "odi": "paraphrase",
    }
    latest = Classification.objects.get(episode=episode, is_latest=True)
    assert latest.trigger == "api intake"
    assert data["classification"]["axes"][0]["axis"] == "red_flags"
    entry = AuditEntry.objects.get(code=services.INTAKE_SUBMITTED.code)
    assert entry.patient == episode.patient
    assert entry.api_client is not None and entry.detail["instruments"] == ["nrs", "odi"]


def test_a_repeat_stores_nothing_and_returns_what_was_stored(episode: Episode, api: Client) -> None:
    body = _body(episode)
    first = _post(api, body)
    runs = Classification.objects.filter(episode=episode).count()
    again = _post(api, body | {"answers": _answers(nrs={"nrs": 2}, odi=ODI)})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["created"] is False
    assert again.json()["responses"] == first.json()["responses"]
    assert QuestionnaireResponse.objects.filter(episode=episode).count() == 2
    assert Classification.objects.filter(episode=episode).count() == runs


def test_the_patient_may_be_named_by_cpr(episode: Episode, api: Client) -> None:
    response = _post(api, _body(episode, patient={"cpr": "170570-1233"}))
    assert response.status_code == 201
    assert response.json()["episode"] == str(episode.public_id)


def test_a_cpr_of_another_clinics_patient_is_404(
    episode: Episode,
    other_clinic: Clinic,
    make_token: Callable[..., tuple[ApiClient, str]],
    bearer: Callable[[str], Client],
) -> None:
    _client, token = make_token(at=other_clinic)
    response = _post(bearer(token), _body(episode, patient={"cpr": "170570-1233"}))
    assert response.status_code == 404
    assert not QuestionnaireResponse.objects.exists()


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"answers": _answers(odi=ODI | {"odi3": 9})}, ["body", "answers", "odi", "items", "odi3"]),
        ({"answers": _answers(nrs={"nrs": 7}, xyz={"a": 1})}, ["body", "answers", "xyz"]),
        ({"answers": {"nrs": {"items": {"nrs": 7}}}}, ["body", "answers", "nrs", "questionnaire"]),
        ({"answers": {"nrs": {"nrs": 7}}}, ["body", "answers", "nrs", "items"]),
        (
            {"answers": {"nrs": {"language": "fr", "items": {"nrs": 7}}}},
            ["body", "answers", "nrs", "language"],
        ),
        ({"language": "da"}, ["body", "language"]),
        ({"answers": {}}, ["body", "answers"]),
        ({"submission_id": "not-a-uuid"}, ["body", "submission_id"]),
        ({"patient": {"cpr": "170570-1234"}}, ["body", "patient", "cpr"]),
        ({"patient": {}}, ["body", "patient", "public_id"]),
        ({"patient": {"public_id": str(uuid.uuid4()), "cpr": "x"}}, ["body", "patient", "cpr"]),
        ({"answered_on": "2999-01-01"}, ["body", "answered_on"]),
        ({"episode": str(uuid.uuid4())}, None),
    ],
)
def test_bad_input_names_the_field_and_stores_nothing(
    episode: Episode, api: Client, change: dict[str, Any], loc: list[str] | None
) -> None:
    response = _post(api, _body(episode, **change))
    if loc is None:
        assert response.status_code == 404
    else:
        assert response.status_code == 422, response.content
        assert response.json()["errors"][0]["loc"] == loc
        assert response.json()["detail"].startswith(".".join(loc))
    assert not QuestionnaireResponse.objects.exists()
    assert not Classification.objects.exists()
    assert not AuditEntry.objects.filter(code=services.INTAKE_SUBMITTED.code).exists()


def test_a_patient_without_an_open_episode_is_told_so(episode: Episode, api: Client) -> None:
    Episode.objects.filter(pk=episode.pk).update(status=Episode.Status.CLOSED)
    response = _post(api, _body(episode))
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "episode"]


def test_answered_on_is_kept(episode: Episode, api: Client) -> None:
    day = dt.date.today() - dt.timedelta(days=3)
    assert _post(api, _body(episode, answered_on=day.isoformat())).status_code == 201
    assert set(QuestionnaireResponse.objects.values_list("answered_on", flat=True)) == {day}


def test_an_unparseable_body_is_400_in_the_same_shape(api: Client) -> None:
    response = api.post("/api/v1/intakes", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) == {"detail", "errors"}


def test_a_repeat_that_races_the_first_is_answered_as_a_repeat(
    episode: Episode, api: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = _body(episode)
    first = _post(api, body)
    # The second request looks before the first has committed (it finds nothing), then
    # trips the unique submission ids when it writes: it must answer as a repeat.
    real = services._stored
    calls: list[int] = []

    def late(ids: Any) -> Any:
        calls.append(1)
        return [] if len(calls) == 1 else real(ids)

    monkeypatch.setattr(services, "_stored", late)
    again = _post(api, body)
    assert len(calls) == 2
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["responses"] == first.json()["responses"]
    assert QuestionnaireResponse.objects.filter(episode=episode).count() == 2


def _canonical(name: str, version: str) -> str:
    return f"{BASE_URL}/Questionnaire/{name}|{version}"


def test_a_canonical_names_the_questionnaire_answered(episode: Episode, api: Client) -> None:
    version = load("odi", "en")["version"]
    body = _body(
        episode, answers={"odi": {"questionnaire": _canonical("odi-en", version), "items": ODI}}
    )
    response = _post(api, body)
    assert response.status_code == 201, response.content
    stored = QuestionnaireResponse.objects.get(episode=episode)
    assert (stored.language, stored.wording_ref) == ("en", wording_of(load("odi", "en")))
    assert response.json()["responses"][0]["questionnaire"] == _canonical("odi-en", version)
    entry = AuditEntry.objects.get(code=services.INTAKE_SUBMITTED.code)
    assert entry.detail["wordings"] == {"odi": f"paraphrase odi-en {version}"}


def test_the_old_canonical_without_a_language_takes_the_instruments_language(
    episode: Episode, api: Client
) -> None:
    version = load("nrs", "de")["version"]
    given = {"questionnaire": _canonical("nrs", version), "language": "de", "items": {"nrs": 3}}
    assert _post(api, _body(episode, answers={"nrs": given})).status_code == 201
    stored = QuestionnaireResponse.objects.get(episode=episode)
    assert (stored.language, stored.wording_ref.questionnaire) == ("de", "nrs-de")


@pytest.mark.parametrize(
    ("given", "field", "message"),
    [
        ({"questionnaire": "https://example.org/Questionnaire/odi|1"}, "questionnaire", "not a"),
        ({"questionnaire": _canonical("odi-da", "0.0.1")}, "questionnaire", "version 0.0.1"),
        ({"questionnaire": _canonical("nrs-da", "1.1.0")}, "questionnaire", "of nrs, not of odi"),
        ({"questionnaire": _canonical("odi", "1.0.0")}, "language", "name the Questionnaire"),
        (
            {"questionnaire": _canonical("odi-da", "1.0.0"), "language": "en"},
            "language",
            "in da",
        ),
    ],
)
def test_an_unknown_questionnaire_is_refused_naming_the_field(
    episode: Episode, api: Client, given: dict[str, str], field: str, message: str
) -> None:
    response = _post(api, _body(episode, answers={"odi": given | {"items": ODI}}))
    assert response.status_code == 422, response.content
    error = response.json()["errors"][0]
    assert error["loc"] == ["body", "answers", "odi", field]
    assert message in error["msg"]
    assert not QuestionnaireResponse.objects.exists()


def test_licensed_wording_is_recorded_only_where_it_was_loaded(
    episode: Episode, api: Client, site: Path
) -> None:
    canonical = _canonical("startback-da", load("startback", "da")["version"])
    items = {f"sbst{i}": 1 for i in range(1, 9)} | {"sbst9": 2}  # synthetic answers

    def stored_kind() -> str:
        body = _body(episode, answers={"startback": {"questionnaire": canonical, "items": items}})
        assert _post(api, body).status_code == 201
        return str(QuestionnaireResponse.objects.latest("id").wording["kind"])

    assert stored_kind() == "paraphrase"
    # SYNTHETIC stand-in for the licensed STarT-dk (made-up texts), as load-wording loads it.
    synthetic = Path(__file__).parents[1] / "core/data/licensed-synthetic/startback.da.json"
    load_wording("startback", "da", synthetic)
    assert stored_kind() == "licensed"
