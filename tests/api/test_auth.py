"""Who may call the API: a token of an active client, with the endpoint's scope, for its own
clinic's records — every refusal audited."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from django.test import Client

from painpath.api import services
from painpath.api.models import ApiClient
from painpath.audit.models import AuditEntry
from painpath.patients.models import Clinic, Episode

pytestmark = pytest.mark.django_db


def _episode_url(episode: Episode) -> str:
    return f"/api/v1/episodes/{episode.public_id}"


def test_no_token_is_401_with_a_json_error(episode: Episode) -> None:
    response = Client().get(_episode_url(episode))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["detail"].startswith("a valid token is needed")


def test_an_unknown_token_is_401_and_audited(
    episode: Episode, bearer: Callable[[str], Client]
) -> None:
    response = bearer("pp_" + "x" * 43).get(_episode_url(episode))
    assert response.status_code == 401
    entry = AuditEntry.objects.get(code=services.REFUSED.code)
    assert entry.detail["reason"] == "unknown or revoked token"
    assert entry.api_client is None


def test_a_revoked_token_is_401(
    episode: Episode,
    make_token: Callable[..., tuple[ApiClient, str]],
    bearer: Callable[[str], Client],
) -> None:
    client, token = make_token()
    assert bearer(token).get(_episode_url(episode)).status_code == 200
    services.revoke_client(client)
    assert bearer(token).get(_episode_url(episode)).status_code == 401


def test_the_token_is_stored_only_as_a_keyed_hash(
    make_token: Callable[..., tuple[ApiClient, str]],
) -> None:
    client, token = make_token()
    stored = ApiClient.objects.filter(pk=client.pk).values().get()
    assert token not in str(stored)
    assert stored["token_hash"] == services.token_hash(token)
    assert len(token) > 40


def test_a_missing_scope_is_403_and_audited(
    episode: Episode,
    make_token: Callable[..., tuple[ApiClient, str]],
    bearer: Callable[[str], Client],
) -> None:
    client, token = make_token(["report:read"])
    response = bearer(token).get(_episode_url(episode))
    assert response.status_code == 403
    assert response.json()["errors"][0]["loc"] == ["header", "authorization"]
    assert "episode:read" in response.json()["detail"]
    assert AuditEntry.objects.filter(code=services.REFUSED.code, api_client=client).exists()


def test_another_clinics_episode_is_404_like_one_that_does_not_exist(
    episode: Episode,
    other_clinic: Clinic,
    make_token: Callable[..., tuple[ApiClient, str]],
    bearer: Callable[[str], Client],
) -> None:
    client, token = make_token(at=other_clinic)
    theirs = bearer(token).get(_episode_url(episode))
    missing = bearer(token).get(f"/api/v1/episodes/{uuid.uuid4()}")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    refused = AuditEntry.objects.get(
        code="patients.read_refused", detail__requested=str(episode.public_id)
    )
    assert refused.api_client == client
    assert refused.patient is None  # nobody read the record


def test_a_signed_in_staff_member_without_a_token_is_refused(
    episode: Episode, clinician_client: Client
) -> None:
    assert clinician_client.get(_episode_url(episode)).status_code == 401


def test_each_read_is_audited_with_the_client_as_actor(
    episode: Episode,
    make_token: Callable[..., tuple[ApiClient, str]],
    bearer: Callable[[str], Client],
) -> None:
    client, token = make_token()
    bearer(token).get(_episode_url(episode))
    entry = AuditEntry.objects.get(code=services.EPISODE_READ.code)
    assert (entry.api_client, entry.patient, entry.user) == (client, episode.patient, None)
    assert entry.username == f"api:{client.name}"
    assert entry.method == "GET"
