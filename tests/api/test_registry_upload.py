"""POST /api/v1/registry/extracts: a registry client uploads its site's pooled extract."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from painpath.api import services
from painpath.audit.models import AuditEntry
from painpath.core.consent import RESEARCH
from painpath.core.registry import extract as ex
from painpath.patients.consent import record_decision
from painpath.patients.models import Clinic, Episode
from painpath.questionnaires.services import store_answers_as_shown
from painpath.registry import services as registry_services
from painpath.registry.models import PooledScore, Registry, Site, Upload

pytestmark = pytest.mark.django_db
URL = "/api/v1/registry/extracts"


@pytest.fixture
def site(episode: Episode, clinic: Clinic) -> Site:
    """The test clinic as a pooled site of a registry on this server, its one (synthetic)
    patient research-consented with a baseline and a 3-month NRS."""
    record_decision(episode.patient, RESEARCH, "given", version=1, source="intake")
    for days, nrs in ((0, 7), (91, 3)):
        store_answers_as_shown(
            episode,
            "nrs",
            {"nrs": nrs},
            source="patient",
            language="da",
            answered_on=dt.date(2025, 2, 1) + dt.timedelta(days=days),
        )
    registry = Registry(code="lbp", name="Registry (synthetic)", k=3)
    registry.set_key(b"k" * 32)
    registry.save()
    return Site.objects.create(
        registry=registry, code="site-test", name="Test", participation="pooled", clinic=clinic
    )


def _zip(site: Site) -> bytes:
    buffer = io.BytesIO()
    ex.write_zip(registry_services.extract_for_site(site), buffer)
    return buffer.getvalue()


@pytest.fixture
def uploader(site: Site, bearer: Callable[[str], Client]) -> Client:
    _client, token = services.create_client(
        "Site feed (synthetic)", clinic=None, site_code=site.code, scopes=["registry:upload"]
    )
    return bearer(token)


def _post(api: Client, content: bytes) -> Any:
    return api.post(URL, {"file": SimpleUploadedFile("extract.zip", content)})


def test_an_extract_is_received_once(site: Site, uploader: Client) -> None:
    content = _zip(site)
    first = _post(uploader, content)
    assert first.status_code == 200, first.content
    assert first.json()["status"] == "accepted"
    assert first.json()["persons"] == 1
    stored = PooledScore.objects.filter(site=site).count()
    assert stored == first.json()["counts"]["scores"] > 0
    again = _post(uploader, content)
    assert again.json()["status"] == "unchanged"
    assert PooledScore.objects.filter(site=site).count() == stored
    accepted = AuditEntry.objects.get(code=registry_services.UPLOAD_ACCEPTED.code)
    assert accepted.api_client is not None


def test_a_broken_extract_names_the_file_and_stores_nothing(site: Site, uploader: Client) -> None:
    response = _post(uploader, b"not a zip")
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"][:2] == ["body", "file"]
    assert not PooledScore.objects.exists()
    # Refused on the record like an upload on the screen: the overview and the audit log show
    # the attempt and which client made it.
    refused = Upload.objects.get(site=site)
    assert refused.status == Upload.Status.REFUSED
    assert refused.client == "api:Site feed (synthetic)"
    entry = AuditEntry.objects.get(code=registry_services.UPLOAD_REFUSED.code)
    assert entry.api_client is not None
    assert entry.api_client.name == "Site feed (synthetic)"


def test_a_clinic_client_may_not_upload(site: Site, api: Client) -> None:
    response = _post(api, _zip(site))
    assert response.status_code == 403
    assert not PooledScore.objects.exists()


def test_a_registry_client_reads_no_episode(site: Site, uploader: Client, episode: Episode) -> None:
    assert uploader.get(f"/api/v1/episodes/{episode.public_id}").status_code == 403
