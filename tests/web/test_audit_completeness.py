"""Audit completeness (issue 11, part 6): a CPR number never travels in an address or lands
in the log, refused reads of patient data are audited, and no response is cached. (The URL ×
persona table checks no-store and the audited 403 on every URL: test_url_access.py.)"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client, RequestFactory
from django.urls import reverse

from painpath.accounts.roles import SECRETARY
from painpath.audit.models import AuditEntry
from painpath.audit.services import stored_path, viewer_summary
from painpath.patients.models import Episode

pytestmark = pytest.mark.django_db

DIGITS = "1705701233"  # the fixture patient's synthetic CPR number


def test_a_cpr_search_in_the_address_is_not_run_echoed_or_logged(
    clinician_client: Client, episode: Episode
) -> None:
    before = AuditEntry.objects.count()

    for query in (DIGITS, "170570-1233", "170570"):
        response = clinician_client.get(reverse("patients:list"), {"q": query})
        assert response.status_code == 302 and response["Location"] == reverse("patients:list")
    assert AuditEntry.objects.count() == before
    page = clinician_client.get(reverse("patients:list")).content.decode()
    assert "search field, not the address" in page
    assert "1233" not in page
    # The form still searches by number, by POST.
    found = clinician_client.post(reverse("patients:list"), {"q": DIGITS}).content.decode()
    assert episode.patient.name in found


@pytest.mark.parametrize(
    "address",
    [
        f"/clinic/?q={DIGITS}",
        "/clinic/?q=170570-1233",
        "/clinic/?q=170570%2D1233",
        "/clinic/?q=170570+1233",
        "/clinic/?q=%20170570%201233",
    ],
)
def test_a_cpr_number_in_any_address_is_masked_in_the_audit_path(
    clinician_client: Client, episode: Episode, address: str
) -> None:
    clinician_client.get(address)

    paths = list(AuditEntry.objects.values_list("path", flat=True))
    assert paths and all("1233" not in path for path in paths)
    assert any("170570-••••" in path for path in paths)


def test_masking_leaves_public_ids_and_dates_alone() -> None:
    public_id = uuid.UUID("12345678-1234-1234-1234-123456789012")
    address = f"/patients/{public_id}/?since=2026-01-01&page=1234567890123"
    assert stored_path(RequestFactory().get(address)) == address


def test_a_refused_clinical_page_is_audited_and_found_by_the_patients_public_id(
    make_staff: Callable[..., User],
    verified_client: Callable[[User], Client],
    site_admin: User,
    episode: Episode,
) -> None:
    secretary = make_staff(SECRETARY)
    patient = episode.patient
    client = verified_client(secretary)

    by_patient = client.get(reverse("clinic:patient", args=[patient.public_id]))
    by_episode = client.post(reverse("clinic:log_session", args=[episode.public_id]))

    assert (by_patient.status_code, by_episode.status_code) == (403, 403)
    refused = AuditEntry.objects.filter(code="patients.read_refused").order_by("id")
    assert [(e.user, e.detail["status"], e.object_type) for e in refused] == [
        (secretary, 403, "clinic:patient"),
        (secretary, 403, "clinic:log_session"),
    ]
    # Nobody read the record: not a "look" at it on the patient's page ...
    assert not viewer_summary(patient)
    # ... but the audit log finds both attempts by the patient's public id.
    log = verified_client(site_admin).get(
        reverse("administration:audit_log"), {"patient": str(patient.public_id)}
    )
    assert {e.pk for e in log.context["page"]} >= {e.pk for e in refused}


def test_no_response_is_stored_by_a_browser_or_proxy(
    clinician_client: Client, episode: Episode
) -> None:
    for client, url in (
        (clinician_client, reverse("clinic:patient", args=[episode.patient.public_id])),
        (Client(), reverse("accounts:login")),
        (Client(), reverse("home")),
    ):
        response = client.get(url)
        assert "no-store" in response["Cache-Control"], url
        assert "private" in response["Cache-Control"], url
