"""The registry upload as an attacker meets it (issue 16): a site's token sending another
site's extract, a damaged zip, a token of a site that names several registries. Synthetic."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from painpath.api import services
from painpath.core.registry import extract as ex
from painpath.patients.models import Clinic
from painpath.registry import services as registry_services
from painpath.registry.models import Registry, Site, Upload

pytestmark = pytest.mark.django_db
URL = "/api/v1/registry/extracts"


@pytest.fixture
def sites(clinic: Clinic, other_clinic: Clinic) -> dict[str, Site]:
    registry = Registry(code="lbp", name="Registry (synthetic)", k=3)
    registry.set_key(b"k" * 32)
    registry.save()
    return {
        code: Site.objects.create(
            registry=registry, code=code, name=code, participation="pooled", clinic=at
        )
        for code, at in (("site-a", clinic), ("site-b", other_clinic))
    }


def _token_of(site_code: str, bearer: Callable[[str], Client]) -> Client:
    _client, token = services.create_client(
        "Site feed (synthetic)", clinic=None, site_code=site_code, scopes=["registry:upload"]
    )
    return bearer(token)


def _zip(site: Site) -> bytes:
    buffer = io.BytesIO()
    ex.write_zip(registry_services.extract_for_site(site), buffer)
    return buffer.getvalue()


def _post(api: Client, content: bytes) -> dict[str, object]:
    response = api.post(URL, {"file": SimpleUploadedFile("extract.zip", content)})
    return {"status": response.status_code, **response.json()}


def test_a_sites_token_cannot_send_another_sites_extract(
    sites: dict[str, Site], bearer: Callable[[str], Client]
) -> None:
    a_token = _token_of("site-a", bearer)

    answer = _post(a_token, _zip(sites["site-b"]))

    assert answer["status"] == 422
    assert ["body", "file", "manifest", "site"] in [e["loc"] for e in answer["errors"]]  # type: ignore[attr-defined]
    assert not Upload.objects.filter(site=sites["site-b"]).exists()
    assert Upload.objects.get(site=sites["site-a"]).status == "refused"


def test_a_damaged_zip_is_a_422_not_a_server_error(
    sites: dict[str, Site], bearer: Callable[[str], Client]
) -> None:
    content = bytearray(_zip(sites["site-a"]))
    at = content.find(b"PK\x01\x02")
    content[at + 8] |= 1  # marked encrypted: zipfile raised RuntimeError, a 500

    answer = _post(_token_of("site-a", bearer), bytes(content))

    assert answer["status"] == 422
    assert answer["errors"][0]["loc"][:3] == ["body", "file", "zip"]  # type: ignore[index]


def test_a_site_code_two_registries_share_is_refused_not_guessed(
    sites: dict[str, Site], bearer: Callable[[str], Client]
) -> None:
    second = Registry(code="neck", name="Second registry (synthetic)", k=3)
    second.set_key(b"n" * 32)
    second.save()
    Site.objects.create(registry=second, code="site-a", name="a", participation="pooled")

    answer = _post(_token_of("site-a", bearer), _zip(sites["site-a"]))

    assert answer["status"] == 403
    assert not Upload.objects.exists()
