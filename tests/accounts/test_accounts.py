"""Signing in with a password and a one-time code, enrolling an authenticator, the profile,
and the Django admin for site administrators only."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from painpath.accounts import services
from painpath.accounts.models import Profile
from painpath.accounts.roles import CLINIC_ROLES, CLINICIAN, PERMISSIONS, RESEARCHER, SITE_ADMIN
from painpath.audit.models import AuditEntry
from painpath.patients.models import Clinic, Membership

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # as in conftest.make_staff; test-only


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def wrong_code(device: TOTPDevice) -> str:
    return f"{(int(current_code(device)) + 1) % 1_000_000:06d}"


def sign_in_with_password(client: Client, user: User, **extra: str) -> object:
    data = {"username": user.username, "password": PASSWORD, **extra}
    return client.post(reverse("accounts:login"), data)


def is_signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_a_password_alone_does_not_sign_in(client: Client, clinician: User) -> None:
    response = sign_in_with_password(client, clinician)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:verify")
    assert not is_signed_in(client)
    worklist = client.get(reverse("clinic:worklist"))
    assert worklist.status_code == 302
    assert worklist["Location"].startswith(reverse("accounts:login"))


def test_the_right_code_signs_in_verified_and_lands_on_the_worklist(
    client: Client, clinician: User
) -> None:
    sign_in_with_password(client, clinician)
    device = TOTPDevice.objects.get(user=clinician)

    response = client.post(reverse("accounts:verify"), {"code": current_code(device)})

    assert response.status_code == 302
    assert response["Location"] == reverse("clinic:worklist")
    assert client.get(reverse("clinic:worklist")).status_code == 200
    assert AuditEntry.objects.filter(action="login", user=clinician).exists()


def test_a_wrong_code_is_refused_with_a_clear_message_and_audited(
    client: Client, clinician: User
) -> None:
    sign_in_with_password(client, clinician)
    device = TOTPDevice.objects.get(user=clinician)

    response = client.post(reverse("accounts:verify"), {"code": wrong_code(device)})

    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert not is_signed_in(client)
    failed = AuditEntry.objects.get(action="login_failed")
    assert failed.username == clinician.username
    assert failed.detail == {"stage": "otp"}


def test_codes_tried_in_quick_succession_are_refused_with_a_wait_message(
    client: Client, clinician: User
) -> None:
    sign_in_with_password(client, clinician)
    device = TOTPDevice.objects.get(user=clinician)
    client.post(reverse("accounts:verify"), {"code": wrong_code(device)})

    # Even the right code waits out django-otp's back-off after a wrong one.
    response = client.post(reverse("accounts:verify"), {"code": current_code(device)})

    assert "wait a few seconds" in response.content.decode()
    assert not is_signed_in(client)


def test_a_wrong_password_is_refused_and_audited_under_the_username_tried(
    client: Client, clinician: User
) -> None:
    response = client.post(
        reverse("accounts:login"), {"username": clinician.username, "password": "wrong"}
    )

    assert response.status_code == 200
    assert "do not match" in response.content.decode()
    entry = AuditEntry.objects.get(action="login_failed")
    assert (entry.username, entry.user, entry.detail) == (
        clinician.username,
        None,
        {"stage": "password"},
    )
    assert "wrong" not in str(entry.detail)


def test_roles_land_on_the_screen_they_use(make_staff: Callable[..., User]) -> None:
    assert services.landing_url(make_staff(CLINICIAN)) == reverse("clinic:worklist")
    assert services.landing_url(make_staff(SITE_ADMIN)) == reverse("administration:audit_log")
    assert services.landing_url(make_staff(RESEARCHER)) == reverse("analytics:report")


def test_next_is_followed_only_within_the_site(client: Client, clinician: User) -> None:
    device = TOTPDevice.objects.get(user=clinician)
    sign_in_with_password(client, clinician, next=reverse("accounts:profile"))
    response = client.post(reverse("accounts:verify"), {"code": current_code(device)})
    assert response["Location"] == reverse("accounts:profile")

    other = Client()
    sign_in_with_password(other, clinician, next="https://evil.example/")
    device.refresh_from_db()
    device.last_t = -1  # the same code may not be used twice; allow it for this test
    device.save()
    response = other.post(reverse("accounts:verify"), {"code": current_code(device)})
    assert response["Location"] == reverse("clinic:worklist")


def test_the_code_step_without_a_password_step_goes_back_to_the_login(client: Client) -> None:
    response = client.get(reverse("accounts:verify"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")


def test_a_pending_sign_in_expires(client: Client, clinician: User) -> None:
    sign_in_with_password(client, clinician)
    session = client.session
    session[services.PENDING_KEY]["since"] = time.time() - services.PENDING_SECONDS - 1
    session.save()

    response = client.get(reverse("accounts:verify"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("accounts:login")
    assert "timed out" in response.content.decode()


def test_staff_without_an_authenticator_enrol_one_and_are_signed_in(clinic: Clinic) -> None:
    user = User.objects.create_user("new-clinician", password=PASSWORD)
    Membership.objects.create(user=user, clinic=clinic, role=CLINICIAN)
    client = Client()

    response = sign_in_with_password(client, user)
    assert response["Location"] == reverse("accounts:otp_setup")

    page = client.get(reverse("accounts:otp_setup"))
    body = page.content.decode()
    assert page.status_code == 200
    assert 'src="data:image/svg+xml' in body
    assert " style=" not in body  # the CSP forbids inline style attributes
    # Opening the page stores nothing: the new secret waits in the session.
    assert not TOTPDevice.objects.filter(user=user).exists()
    shown = TOTPDevice(user=user, key=client.session[services.ENROL_KEY])

    refused = client.post(reverse("accounts:otp_setup"), {"code": wrong_code(shown)})
    assert "does not match" in refused.content.decode()
    assert not is_signed_in(client)

    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed and device.key == shown.key
    device.throttle_reset()  # django-otp backs off for a second after a wrong code
    response = client.post(reverse("accounts:otp_setup"), {"code": current_code(device)})
    assert response["Location"] == reverse("clinic:worklist")
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("clinic:worklist")).status_code == 200


def test_reloading_the_setup_page_keeps_the_same_secret(db: None) -> None:
    user = User.objects.create_user("new-admin", password=PASSWORD)
    client = Client()
    sign_in_with_password(client, user)

    first = client.get(reverse("accounts:otp_setup")).context["manual_key"]
    second = client.get(reverse("accounts:otp_setup")).context["manual_key"]

    assert first == second
    assert not TOTPDevice.objects.filter(user=user).exists()  # stored when a code is tried


def test_staff_with_an_authenticator_cannot_enrol_another_with_a_password(
    client: Client, clinician: User
) -> None:
    sign_in_with_password(client, clinician)

    response = client.get(reverse("accounts:otp_setup"))

    assert response["Location"] == reverse("accounts:verify")
    assert TOTPDevice.objects.filter(user=clinician).count() == 1


def test_a_verified_user_is_sent_from_setup_to_the_profile(clinician_client: Client) -> None:
    response = clinician_client.get(reverse("accounts:otp_setup"))
    assert response["Location"] == reverse("accounts:profile")


def test_the_profile_creates_a_profile_and_switches_the_language(
    clinician: User, clinician_client: Client
) -> None:
    assert not Profile.objects.filter(user=clinician).exists()
    assert clinician_client.get(reverse("accounts:profile")).status_code == 200

    response = clinician_client.post(reverse("accounts:profile"), {"language": "en"})
    assert response.status_code == 302
    assert Profile.objects.get(user=clinician).language == "en"
    assert '<html lang="en"' in clinician_client.get(reverse("accounts:profile")).content.decode()

    clinician_client.post(reverse("accounts:profile"), {"language": "da"})
    assert Profile.objects.get(user=clinician).language == "da"
    assert '<html lang="da"' in clinician_client.get(reverse("accounts:profile")).content.decode()


def test_the_profile_refuses_a_language_staff_screens_do_not_have(
    clinician: User, clinician_client: Client
) -> None:
    response = clinician_client.post(reverse("accounts:profile"), {"language": "de"})
    assert response.status_code == 200
    assert not Profile.objects.filter(user=clinician, language="de").exists()


def test_only_installation_roles_are_groups_and_they_hold_exactly_their_permissions(
    db: None,
) -> None:
    assert not Group.objects.filter(name__in=CLINIC_ROLES).exists()  # clinic roles: memberships
    for role, wanted in PERMISSIONS.items():
        if role in CLINIC_ROLES:
            continue
        have = set(
            Group.objects.get(name=role).permissions.values_list(
                "content_type__app_label", "codename"
            )
        )
        assert have == set(wanted), role


def test_the_admin_opens_for_a_verified_site_administrator(
    verified_client: Callable[[User], Client], site_admin: User
) -> None:
    client = verified_client(site_admin)
    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:audit_auditentry_changelist")).status_code == 200


def test_a_password_alone_never_opens_the_admin(client: Client, site_admin: User) -> None:
    client.force_login(site_admin)  # signed in, not verified with a second factor

    response = client.get(reverse("admin:index"), follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("accounts:login"))
    posted = client.post(
        reverse("admin:login"), {"username": site_admin.username, "password": PASSWORD}
    )
    assert posted.status_code == 302
    assert posted["Location"].startswith(reverse("accounts:login"))
    assert client.get(reverse("admin:index")).status_code == 302


def test_the_admin_is_not_the_clinicians_interface(
    verified_client: Callable[[User], Client], clinician: User
) -> None:
    clinician.is_staff = True  # even with the staff flag, the role is missing
    clinician.save()
    client = verified_client(clinician)

    assert client.get(reverse("admin:index"), follow=True).status_code == 403


def test_audit_entries_are_read_only_in_the_admin(
    verified_client: Callable[[User], Client], site_admin: User, clinician: User
) -> None:
    client = verified_client(site_admin)
    entry = AuditEntry.objects.filter(user=clinician).first() or AuditEntry.objects.create(
        action="view", username="x"
    )

    assert client.get(reverse("admin:audit_auditentry_add")).status_code == 403
    assert client.get(reverse("admin:audit_auditentry_delete", args=[entry.pk])).status_code == 403
    change = client.post(reverse("admin:audit_auditentry_change", args=[entry.pk]), {"action": "x"})
    assert change.status_code == 403
    entry.refresh_from_db()
    assert entry.action != "x"
