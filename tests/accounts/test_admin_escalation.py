"""The Django admin against a site administrator who is not a superuser: every route to more
power or to patient data that the admin offers is tried, and each must fail — flags, groups,
permissions, passwords, new accounts, authenticator secrets, patient models. (The issue's
attacker ticked ``is_superuser`` and the clinician group on their own account, read the staff's
TOTP secrets and set their passwords.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group, Permission, User
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from painpath.accounts.roles import CLINICIAN, SITE_ADMIN
from painpath.audit.models import AuditEntry
from painpath.patients.models import Episode, Membership

pytestmark = pytest.mark.django_db

# Every model the admin may show, and why; a new registration must be added here, and must not
# be patient data.
REGISTERED = {
    "auth.user": "staff accounts (names and email editable; flags, groups, passwords not)",
    "auth.group": "the site administrators' group (read-only but for the superuser)",
    "otp_totp.totpdevice": "who has an authenticator (never its key)",
    "otp_static.staticdevice": "who has backup codes (never the codes)",
    "axes.accessattempt": "failed sign-ins and lockouts",
    "axes.accesslog": "sign-ins",
    "axes.accessfailurelog": "failed sign-ins",
    "audit.auditentry": "the audit log, read-only, patients by public id",
    "patients.clinic": "clinics: reference data",
    "django_tasks_database.dbtaskresult": "background tasks (superuser only)",
}
PATIENT_DATA_APPS = ("patients", "questionnaires", "pathway", "followup", "clinic", "analytics")


@pytest.fixture
def admin_client_(verified_client: Callable[[User], Client], site_admin: User) -> Client:
    return verified_client(site_admin)


def user_form(user: User, **changes: Any) -> dict[str, Any]:
    """The change form as the browser would post it, with the profile inline, plus
    ``changes`` — including fields the site administrator's form does not have."""
    data: dict[str, Any] = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "profile-TOTAL_FORMS": "0",
        "profile-INITIAL_FORMS": "0",
        "profile-MIN_NUM_FORMS": "0",
        "profile-MAX_NUM_FORMS": "1",
    }
    data.update(changes)
    return data


ESCALATION = {
    "is_superuser": "on",
    "is_staff": "on",
    "is_active": "on",
}


def test_only_known_models_are_registered_and_none_holds_patient_data() -> None:
    registered = {model._meta.label_lower for model in admin.site._registry}

    assert registered == set(REGISTERED), "decide about each model the admin shows"
    leaking = [
        label
        for label in registered
        if label.split(".")[0] in PATIENT_DATA_APPS and label != "patients.clinic"
    ]
    assert not leaking


def test_a_site_administrator_reaches_no_patient_data_in_the_admin(
    admin_client_: Client, episode: Episode
) -> None:
    for url in (
        "/admin/patients/patient/",
        f"/admin/patients/patient/{episode.patient.pk}/change/",
        "/admin/patients/episode/",
        "/admin/patients/membership/",
        "/admin/questionnaires/questionnaireresponse/",
        "/admin/pathway/classification/",
        "/admin/followup/followupplan/",
        reverse("admin:django_tasks_database_dbtaskresult_changelist"),
    ):
        assert admin_client_.get(url).status_code in (403, 404), url
    index = admin_client_.get(reverse("admin:index")).content.decode()
    assert episode.patient.name not in index
    audit = admin_client_.get(reverse("admin:audit_auditentry_changelist")).content.decode()
    assert episode.patient.name not in audit


def test_a_site_administrator_cannot_promote_their_own_account(
    admin_client_: Client, site_admin: User
) -> None:
    url = reverse("admin:auth_user_change", args=[site_admin.pk])
    clinician_group = Group.objects.get_or_create(name=CLINICIAN)[0]
    everything = list(Permission.objects.values_list("pk", flat=True)[:20])

    response = admin_client_.post(
        url,
        user_form(
            site_admin,
            **ESCALATION,
            groups=[str(clinician_group.pk)],
            user_permissions=[str(pk) for pk in everything],
        ),
    )

    assert response.status_code == 403
    site_admin.refresh_from_db()
    assert not site_admin.is_superuser
    assert list(site_admin.groups.values_list("name", flat=True)) == [SITE_ADMIN]
    assert not site_admin.user_permissions.exists()
    assert not Membership.objects.filter(user=site_admin).exists()


def test_on_a_staff_account_a_site_administrator_edits_name_and_email_only_and_it_is_audited(
    admin_client_: Client, site_admin: User, clinician: User
) -> None:
    url = reverse("admin:auth_user_change", args=[clinician.pk])
    admin_group = Group.objects.get(name=SITE_ADMIN)

    response = admin_client_.post(
        url,
        user_form(
            clinician,
            first_name="Renamed",
            **ESCALATION,
            groups=[str(admin_group.pk)],
            user_permissions=[str(Permission.objects.get(codename="view_patient").pk)],
        ),
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    clinician.refresh_from_db()
    assert clinician.first_name == "Renamed"
    assert not (clinician.is_superuser or clinician.is_staff)
    assert not clinician.groups.exists() and not clinician.user_permissions.exists()
    entry = AuditEntry.objects.get(code="accounts.admin.user_changed")
    assert (entry.user, entry.detail["fields"]) == (site_admin, ["first_name"])


def test_a_site_administrator_cannot_change_another_administrator_or_a_superuser(
    admin_client_: Client, make_staff: Callable[..., User]
) -> None:
    other = make_staff(SITE_ADMIN, "other-admin")
    root = User.objects.create_superuser("root", password="x")  # test-only
    for target in (other, root):
        url = reverse("admin:auth_user_change", args=[target.pk])
        response = admin_client_.post(url, user_form(target, first_name="Hijacked"))
        assert response.status_code == 403
        target.refresh_from_db()
        assert target.first_name != "Hijacked"


def test_a_site_administrator_sets_no_password_and_adds_no_account_in_the_admin(
    admin_client_: Client, clinician: User, site_admin: User
) -> None:
    for target in (clinician, site_admin):
        url = reverse("admin:auth_user_password_change", args=[target.pk])
        assert admin_client_.get(url).status_code == 403
        posted = admin_client_.post(
            url,
            {"password1": "a hijacking password!", "password2": "a hijacking password!"},
        )
        assert posted.status_code == 403
        target.refresh_from_db()
        assert not target.check_password("a hijacking password!")
    added = admin_client_.post(
        reverse("admin:auth_user_add"),
        {"username": "puppet", "password1": "puppet password 1", "password2": "puppet password 1"},
    )
    assert added.status_code == 403
    assert not User.objects.filter(username="puppet").exists()
    delete = reverse("admin:auth_user_delete", args=[clinician.pk])
    assert admin_client_.post(delete, {"post": "yes"}).status_code == 403
    assert User.objects.filter(pk=clinician.pk).exists()


def test_a_site_administrator_cannot_give_a_group_more_permissions(
    admin_client_: Client,
) -> None:
    group = Group.objects.get(name=SITE_ADMIN)
    view_patient = Permission.objects.get(codename="view_patient")
    before = set(group.permissions.values_list("pk", flat=True))

    response = admin_client_.post(
        reverse("admin:auth_group_change", args=[group.pk]),
        {"name": group.name, "permissions": [str(pk) for pk in {*before, view_patient.pk}]},
    )

    assert response.status_code == 403
    assert set(group.permissions.values_list("pk", flat=True)) == before
    assert admin_client_.post(reverse("admin:auth_group_add"), {"name": "x"}).status_code == 403


def test_no_admin_page_shows_an_authenticator_secret(
    admin_client_: Client, clinician: User
) -> None:
    device = TOTPDevice.objects.get(user=clinician)
    backup = StaticDevice.objects.create(user=clinician, name="backup", confirmed=True)
    StaticToken.objects.create(device=backup, token="bkupsecret42")
    pages = [
        reverse("admin:otp_totp_totpdevice_changelist"),
        reverse("admin:otp_totp_totpdevice_change", args=[device.pk]),
        reverse("admin:otp_static_staticdevice_changelist"),
        reverse("admin:otp_static_staticdevice_change", args=[backup.pk]),
        reverse("admin:auth_user_change", args=[clinician.pk]),
    ]

    assert settings.OTP_ADMIN_HIDE_SENSITIVE_DATA is True
    for page in pages:
        response = admin_client_.get(page)
        body = response.content.decode()
        assert response.status_code == 200, page
        assert device.key not in body, page
        assert "bkupsecret42" not in body, page
    for name in ("admin:otp_totp_totpdevice_config", "admin:otp_totp_totpdevice_qrcode"):
        with pytest.raises(NoReverseMatch):
            reverse(name, kwargs={"pk": device.pk})
    assert admin_client_.get(f"/admin/otp_totp/totpdevice/{device.pk}/config/").status_code in (
        302,
        404,
    )


def test_no_one_adds_or_changes_an_authenticator_in_the_admin(
    admin_client_: Client, clinician: User
) -> None:
    device = TOTPDevice.objects.get(user=clinician)
    known_key = "00" * 20

    added = admin_client_.post(
        reverse("admin:otp_totp_totpdevice_add"),
        {"user": clinician.pk, "name": "planted", "confirmed": "on", "key": known_key},
    )
    changed = admin_client_.post(
        reverse("admin:otp_totp_totpdevice_change", args=[device.pk]),
        {"user": clinician.pk, "name": "planted", "confirmed": "on", "key": known_key},
    )
    deleted = admin_client_.post(
        reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"}
    )

    assert (added.status_code, changed.status_code, deleted.status_code) == (403, 403, 403)
    assert list(TOTPDevice.objects.filter(user=clinician)) == [device]
    device.refresh_from_db()
    assert device.key != known_key


def test_the_superuser_installs_with_the_admin_and_each_request_is_audited(
    verified_client: Callable[[User], Client], make_staff: Callable[..., User], clinician: User
) -> None:
    root = make_staff(None, "root")
    root.is_superuser = root.is_staff = True
    root.save()
    client = verified_client(root)
    admin_group = Group.objects.get(name=SITE_ADMIN)

    response = client.post(
        reverse("admin:auth_user_change", args=[clinician.pk]),
        user_form(
            clinician,
            is_active="on",
            is_staff="on",
            groups=[str(admin_group.pk)],
            date_joined_0="2026-01-01",
            date_joined_1="08:00:00",
        ),
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    clinician.refresh_from_db()
    assert clinician.groups.filter(name=SITE_ADMIN).exists()
    assert AuditEntry.objects.filter(code="accounts.superuser.used", user=root).exists()
    assert AuditEntry.objects.filter(code="accounts.admin.user_changed", user=root).exists()
