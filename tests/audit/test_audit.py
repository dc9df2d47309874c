"""The audit log: sign-ins, searching by who/patient/action/date, the search itself audited,
and "who looked at this record"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from painpath.accounts.roles import CLINICIAN
from painpath.administration.views import PAGE_SIZE
from painpath.audit import services
from painpath.audit.models import AuditEntry
from painpath.patients.models import Episode, Patient

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(verified_client: Callable[[User], Client], site_admin: User) -> Client:
    return verified_client(site_admin)


def entry(
    user: User | None, action: str, patient: Patient | None = None, **fields: object
) -> AuditEntry:
    at = fields.pop("at", None)
    made = AuditEntry.objects.create(
        user=user, username=user.username if user else "", action=action, patient=patient, **fields
    )
    if at is not None:  # ``at`` is auto_now_add: set it afterwards
        AuditEntry.objects.filter(pk=made.pk).update(at=at)
        made.refresh_from_db()
    return made


def listed(response: object) -> list[AuditEntry]:
    return list(response.context["page"])  # type: ignore[attr-defined]


def test_only_site_administrators_see_the_audit_log(
    clinician_client: Client, admin_client_: Client
) -> None:
    assert clinician_client.get(reverse("administration:audit_log")).status_code == 403
    assert admin_client_.get(reverse("administration:audit_log")).status_code == 200


def test_the_log_is_searchable_by_staff_member(
    admin_client_: Client, make_staff: Callable[..., User]
) -> None:
    alice = make_staff(CLINICIAN, "alice")
    bob = make_staff(CLINICIAN, "bob")
    entry(alice, "view", object_type="episode")
    entry(bob, "view", object_type="episode")

    found = listed(admin_client_.get(reverse("administration:audit_log"), {"user": "ALI"}))

    assert {e.username for e in found} == {"alice"}


def test_the_log_is_searchable_by_patient_public_id_but_not_by_name(
    admin_client_: Client, clinician: User, episode: Episode
) -> None:
    # Its readers see no patient data: a name would tell them who is a patient (the CPR
    # search, tests/administration/test_audit_log.py, finds a person instead).
    other = Patient.objects.create(
        name="Other Person (synthetic)",
        date_of_birth=dt.date(1980, 1, 1),
        clinic=episode.patient.clinic,
    )
    mine = entry(clinician, "view", patient=episode.patient)
    entry(clinician, "view", patient=other)

    by_name = admin_client_.get(reverse("administration:audit_log"), {"patient": "test patient"})
    by_id = listed(
        admin_client_.get(
            reverse("administration:audit_log"), {"patient": str(episode.patient.public_id)}
        )
    )

    assert "use the CPR search" in by_name.content.decode()
    assert [e.pk for e in by_id if e.object_type != "audit.log"] == [mine.pk]


def test_the_log_is_searchable_by_action_and_date_range(
    admin_client_: Client, clinician: User
) -> None:
    now = timezone.now()
    old = entry(clinician, "change", at=now - dt.timedelta(days=40))
    recent = entry(clinician, "change", at=now - dt.timedelta(days=2))
    entry(clinician, "view", at=now - dt.timedelta(days=2))
    since = timezone.localdate() - dt.timedelta(days=10)

    found = listed(
        admin_client_.get(
            reverse("administration:audit_log"), {"action": "change", "since": since.isoformat()}
        )
    )
    until = listed(
        admin_client_.get(
            reverse("administration:audit_log"),
            {"action": "change", "until": (since - dt.timedelta(days=1)).isoformat()},
        )
    )

    assert [e.pk for e in found] == [recent.pk]
    assert [e.pk for e in until] == [old.pk]


def test_a_reversed_date_range_is_explained(admin_client_: Client) -> None:
    response = admin_client_.get(
        reverse("administration:audit_log"), {"since": "2026-02-01", "until": "2026-01-01"}
    )
    assert "swap the dates" in response.content.decode()


def test_the_log_is_paginated_and_keeps_the_search_across_pages(
    admin_client_: Client, clinician: User
) -> None:
    AuditEntry.objects.bulk_create(
        AuditEntry(user=clinician, username=clinician.username, action="view")
        for _ in range(PAGE_SIZE + 5)
    )

    first = admin_client_.get(reverse("administration:audit_log"), {"user": clinician.username})
    older = first.context["page"].older
    second = admin_client_.get(
        reverse("administration:audit_log"), {"user": clinician.username, "before": older}
    )

    assert len(listed(first)) == PAGE_SIZE
    assert f"user={clinician.username}&amp;before={older}" in first.content.decode()
    assert len(listed(second)) >= 5


def test_every_search_is_itself_audited(
    admin_client_: Client, site_admin: User, episode: Episode
) -> None:
    before = AuditEntry.objects.count()

    admin_client_.get(
        reverse("administration:audit_log"),
        {"patient": str(episode.patient.public_id), "action": "view"},
    )

    assert AuditEntry.objects.count() == before + 1
    search = AuditEntry.objects.order_by("-id").first()
    assert search is not None
    assert (search.user, search.action, search.object_type) == (site_admin, "view", "audit.log")
    assert search.patient == episode.patient
    assert search.detail["filters"] == {"patient": str(episode.patient.public_id), "action": "view"}
    assert search.ip == "127.0.0.1"


def test_sign_ins_are_audited_with_who_when_and_where(clinician: User) -> None:
    from django_otp.oath import totp

    client = Client(REMOTE_ADDR="10.1.2.3")
    device = TOTPDevice.objects.get(user=clinician)
    client.post(
        reverse("accounts:login"),
        {"username": clinician.username, "password": "correct horse battery staple"},
    )
    client.post(reverse("accounts:verify"), {"code": f"{totp(device.bin_key):06d}"})

    login = AuditEntry.objects.get(action="login")

    assert (login.user, login.username, login.ip) == (clinician, clinician.username, "10.1.2.3")
    assert login.at is not None


def test_viewer_summary_lists_recent_views_of_that_patient_only(
    make_staff: Callable[..., User], episode: Episode
) -> None:
    alice = make_staff(CLINICIAN, "alice")
    bob = make_staff(CLINICIAN, "bob")
    carol = make_staff(CLINICIAN, "carol")
    other = Patient.objects.create(
        name="Someone Else (synthetic)",
        date_of_birth=dt.date(1990, 1, 1),
        clinic=episode.patient.clinic,
    )
    now = timezone.now()
    first = entry(alice, "view", patient=episode.patient, at=now - dt.timedelta(hours=2))
    entry(carol, "change", patient=episode.patient)  # a change is not a look
    entry(carol, "view", patient=other)
    latest = entry(bob, "view", patient=episode.patient, at=now - dt.timedelta(hours=1))

    viewers = services.viewer_summary(episode.patient)

    assert [(v.username, v.last) for v in viewers] == [("bob", latest.at), ("alice", first.at)]
    assert len(services.viewer_summary(episode.patient, limit=1)) == 1


def test_viewer_summary_counts_each_person_once(
    make_staff: Callable[..., User], episode: Episode
) -> None:
    alice = make_staff(CLINICIAN, "alice")
    bob = make_staff(CLINICIAN, "bob")
    now = timezone.now()
    entry(alice, "view", patient=episode.patient, at=now - dt.timedelta(days=3))
    entry(alice, "view", patient=episode.patient, at=now - dt.timedelta(days=1))
    entry(bob, "view", patient=episode.patient, at=now - dt.timedelta(days=2))

    summary = services.viewer_summary(episode.patient)

    assert [(v.username, v.count) for v in summary] == [("alice", 2), ("bob", 1)]


def test_sensitive_detail_is_masked_when_shown(admin_client_: Client, clinician: User) -> None:
    entry(clinician, "export", detail={"cpr": "1705701233", "rows": 3})

    body = admin_client_.get(
        reverse("administration:audit_log"), {"action": "export"}
    ).content.decode()

    assert "1705701233" not in body
    assert "••••" in body


def test_record_names_the_object_and_the_request(
    rf: object, clinician: User, episode: Episode
) -> None:
    request = rf.get("/clinic/episodes/1/", REMOTE_ADDR="192.0.2.7")  # type: ignore[attr-defined]
    request.user = clinician

    made = services.record(
        request,
        services.Event("clinic.summary.viewed", "view"),
        patient=episode.patient,
        obj=episode,
        section="summary",
    )

    assert (made.code, made.action) == ("clinic.summary.viewed", "view")
    assert made.object_type == "patients.episode"
    assert made.object_id == str(episode.pk)
    assert (made.path, made.method, made.ip) == ("/clinic/episodes/1/", "GET", "192.0.2.7")
    assert made.detail == {"section": "summary"}


def test_a_patient_links_token_never_reaches_the_log(rf: object, episode: Episode) -> None:
    token = "Abcdefghijklmnopqrstuvwxyz0123456789_-AB"
    request = rf.post(f"/q/p/{token}/submit/")  # type: ignore[attr-defined]
    request.user = AnonymousUser()

    made = services.record(request, services.Event("questionnaires.submitted", "patient_submit"))

    assert token not in made.path
    assert made.path == "/q/p/…/submit/"
