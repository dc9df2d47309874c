"""The clinic administrator's settings: what patients see, link validity, questionnaire sets."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from painpath.accounts.roles import CLINIC_ADMIN
from painpath.audit.models import AuditEntry
from painpath.patients.models import Clinic, Episode
from painpath.questionnaires import services

pytestmark = pytest.mark.django_db


def settings_data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Test Clinic (synthetic)",
        "address": "Demovej 1, 2100 København Ø (synthetic)",
        "phone": "+45 55 55 55 01",
        "link_days": "21",
        "set_low_back": ["nrs", "rmdq", "eq5d5l"],
        "set_neck": ["nrs", "ndi"],
        "set_knee": ["nrs", "oks"],
        "set_hip": ["nrs", "ohs"],
    }
    data.update(changes)
    return data


@pytest.fixture
def admin_client(
    make_staff: Callable[..., User], verified_client: Callable[[User], Client]
) -> Client:
    return verified_client(make_staff(CLINIC_ADMIN, "clinic-admin"))


def test_the_clinic_administrator_sets_what_new_links_ask_and_how_long_they_last(
    admin_client: Client, episode: Episode, clinician: User
) -> None:
    response = admin_client.post(reverse("clinic:settings"), settings_data())
    assert response.status_code == 302

    clinic = Clinic.objects.get(code="test")
    assert clinic.phone == "+45 55 55 55 01"
    assert clinic.questionnaire_sets["low_back"] == ["nrs", "rmdq", "eq5d5l"]
    entry = AuditEntry.objects.get(code="patients.clinic.settings_changed")
    assert "phone" in entry.detail["fields"] and "+45" not in str(entry.detail)

    episode.patient.clinic.refresh_from_db()
    link, _path = services.issue_link(episode, ["nrs"], "da", clinician)
    assert (link.expires_at - link.created_at).days in (20, 21)  # the clinic's 21 days


def test_a_region_without_any_questionnaire_is_refused(admin_client: Client) -> None:
    response = admin_client.post(reverse("clinic:settings"), settings_data(set_neck=[]))
    assert response.status_code == 200
    assert "a link must ask something" in response.content.decode()
    assert Clinic.objects.get(code="test").questionnaire_sets == {}


def test_the_issue_form_opens_with_the_clinics_set_for_the_region(
    admin_client: Client, clinician_client: Client, episode: Episode
) -> None:
    admin_client.post(reverse("clinic:settings"), settings_data())
    page = clinician_client.get(reverse("questionnaires:issue", args=[episode.public_id]))
    initial = page.context["form"].initial
    assert list(initial["instruments"]) == ["nrs", "rmdq", "eq5d5l"]
    assert initial["days"] == 21


def test_a_clinician_cannot_change_the_settings(clinician_client: Client) -> None:
    assert clinician_client.get(reverse("clinic:settings")).status_code == 403
