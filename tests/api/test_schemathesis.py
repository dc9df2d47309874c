"""The API against its own OpenAPI document: schemathesis generates requests from the
document (valid and invalid ones) for every operation and checks each answer — no server
error, a documented status code and content type, a body that matches the schema, invalid
data refused, no answer without a token. In-process through Django's WSGI application, with a
valid token of the test clinic; bounded examples, so it runs in well under a minute."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from painpath.api import services
from painpath.api.endpoints import api
from painpath.patients.models import Episode
from painpath.registry.models import Registry, Site

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _connection_kept() -> Iterator[None]:
    # As Django's test client does: a request's end must not close the test's database
    # connection (the test runs in one transaction, rolled back at its end).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# The document as /api/v1/openapi.json serves it (test_the_document_is_served checks that),
# taken from the API object at collection: schemathesis' lazy fixture loader does not run
# under pytest 9.
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1/"))
schema.app = get_wsgi_application()


@pytest.fixture
def auth(token: str, episode: Episode) -> dict[str, str]:
    # The episode fixture gives the clinic a patient and an episode, so that some generated
    # requests reach them (the happy paths are also called explicitly below).
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def registry_auth(clinic: Any) -> dict[str, str]:
    """A registry client's token for its site (the upload's one scope)."""
    registry = Registry(code="fuzz", name="Registry (synthetic)", k=3)
    registry.set_key(b"f" * 32)
    registry.save()
    Site.objects.create(
        registry=registry, code="fuzz-site", name="Fuzz", participation="pooled", clinic=clinic
    )
    _client, token = services.create_client(
        "Fuzz feed (synthetic)", clinic=None, site_code="fuzz-site", scopes=["registry:upload"]
    )
    return {"Authorization": f"Bearer {token}"}


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_the_api_keeps_its_document(
    case: Any, auth: dict[str, str], registry_auth: dict[str, str]
) -> None:
    # Schema-valid answers may still be wrong for the instrument (out of range, too many
    # missing) or name a date in the future: refused with 422, which that check forbids.
    headers = registry_auth if case.path.startswith("/api/v1/registry/") else auth
    case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])


def test_the_happy_paths_keep_the_document(auth: dict[str, str], episode: Episode) -> None:
    intake = schema["/api/v1/intakes"]["POST"].Case(
        body={
            "submission_id": str(uuid.uuid4()),
            "patient": {"public_id": str(episode.patient.public_id)},
            "answers": {"nrs": {"language": "da", "items": {"nrs": 4}}},
            "answered_on": dt.date.today().isoformat(),
        },
        media_type="application/json",
    )
    assert intake.call_and_validate(headers=auth).status_code == 201
    read = schema["/api/v1/episodes/{public_id}"]["GET"].Case(
        path_parameters={"public_id": str(episode.public_id)}
    )
    response = read.call_and_validate(headers=auth)
    assert response.status_code == 200
    assert response.json()["classification"]["axes"]
    report = schema["/api/v1/reports/outcomes"]["GET"].Case(query={"instrument": ["nrs"]})
    assert report.call_and_validate(headers=auth).status_code in (200, 422)


def test_the_document_is_served_without_a_token(client: Any) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["paths"] == schema.raw_schema["paths"]


def test_the_docs_page_is_only_there_while_developing(client: Any, clinician_client: Any) -> None:
    assert clinician_client.get("/api/v1/docs").status_code == 404
    with override_settings(DEBUG=True):
        page = client.get("/api/v1/docs")
    assert page.status_code == 200
    # Swagger UI from painpath's own static files: the CSP allows no other origin.
    assert b"swagger-ui-bundle.js" in page.content and b"cdn." not in page.content
