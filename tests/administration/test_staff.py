"""Staff management in painpath's own screens: invite, roles per clinic, second factor,
deactivation — each audited; and what a site administrator and a clinic administrator may not
do (their own roles, an installation account, another clinic, a flag or a group)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from painpath.accounts.models import Profile
from painpath.accounts.roles import CLINIC_ADMIN, CLINICIAN, RESEARCHER, SECRETARY, SITE_ADMIN
from painpath.administration import services
from painpath.audit.models import AuditEntry
from painpath.patients.models import Clinic, Episode, Membership

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a long enough new password for tests"  # test-only


@pytest.fixture
def admin_client_(verified_client: Callable[[User], Client], site_admin: User) -> Client:
    return verified_client(site_admin)


@pytest.fixture
def clinic_admin(make_staff: Callable[..., User]) -> User:
    return make_staff(CLINIC_ADMIN, "test-clinic-admin")


LINK = re.compile(r"(http\S+/accounts/set-password/\S+/)")


def emailed_link(to: str) -> str:
    """The set-password link in the latest e-mail, which went to ``to`` and no one else."""
    message = mail.outbox[-1]
    assert (message.to, message.cc, message.bcc) == ([to], [], [])
    link = LINK.search(message.body)
    assert link, message.body
    return link.group(1)


def invite(client: Client, **fields: str) -> tuple[User, str]:
    """Invite through the screen; the new account and the link e-mailed to it."""
    data = {
        "username": "new-nurse",
        "first_name": "Nina",
        "email": "nina@clinic.example",
        "language": "da",
        **fields,
    }
    response = client.post(reverse("administration:staff_invite"), data, follow=True)
    assert response.status_code == 200, response.content.decode()[:2000]
    link = emailed_link(data["email"])
    token = link.rstrip("/").rsplit("/", 1)[-1]
    # Whoever invites never sees the link: not on the page, not in a message.
    assert token not in response.content.decode()
    assert "/accounts/set-password/" not in response.content.decode()
    return User.objects.get(username=data["username"]), link


def events(code: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(code=code).order_by("id"))


# --------------------------------------------------------------------------- invite


def test_a_site_administrator_invites_a_plain_staff_member_with_a_role_and_no_password(
    admin_client_: Client, site_admin: User, clinic: Clinic, settings: Any
) -> None:
    user, link = invite(
        admin_client_,
        clinic=str(clinic.pk),
        role=CLINIC_ADMIN,
        # Fields the form does not have: a forged POST gains nothing.
        is_superuser="on",
        is_staff="on",
        groups=str(Group.objects.get(name=SITE_ADMIN).pk),
    )

    assert not user.has_usable_password()
    assert not (user.is_superuser or user.is_staff or user.groups.exists())
    assert Membership.objects.get(user=user).role == CLINIC_ADMIN
    assert Profile.objects.get(user=user).language == "da"
    (entry,) = events(services.STAFF_INVITED.code)
    assert (entry.user, entry.object_id) == (site_admin, str(user.pk))
    assert entry.detail["role"] == CLINIC_ADMIN
    assert entry.detail["sent_to"] == "nina@clinic.example"
    # In the invitee's language (Danish here), from the configured address, not the Host.
    (message,) = mail.outbox
    assert message.subject == "Din painpath-konto: vælg din adgangskode"
    assert "Kære Nina," in message.body and "i 3 dage" in message.body
    assert link.startswith(settings.PAINPATH_BASE_URL.rstrip("/") + "/accounts/set-password/")
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert not AuditEntry.objects.filter(detail__icontains=token).exists()
    assert all(token not in entry.path for entry in AuditEntry.objects.all())


def test_the_invitation_link_sets_a_first_password_once_then_the_sign_in_enrols_a_phone(
    admin_client_: Client,
) -> None:
    user, link = invite(admin_client_)
    invitee = Client()

    form_page = invitee.get(link, follow=True)
    assert "new_password1" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    short = invitee.post(set_url, {"new_password1": "short", "new_password2": "short"})
    assert "new_password1" in short.content.decode()  # too short: asked again
    done = invitee.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert done.status_code == 302 and done["Location"] == reverse("accounts:login")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert events("accounts.password.set")[0].user == user
    again = Client().get(link, follow=True)
    assert "no longer valid" in again.content.decode()
    signed = Client().post(
        reverse("accounts:login"), {"username": user.username, "password": NEW_PASSWORD}
    )
    assert signed["Location"] == reverse("accounts:otp_setup")


def test_a_link_never_replaces_a_password_that_is_set(
    admin_client_: Client, clinician: User
) -> None:
    from painpath.accounts.services import invitation_path

    page = Client().get(invitation_path(clinician), follow=True)

    assert "no longer valid" in page.content.decode()
    response = admin_client_.post(reverse("administration:invitation_renew", args=[clinician.pk]))
    assert response.status_code == 302
    assert not events(services.INVITATION_RENEWED.code)


def test_a_new_invitation_link_makes_the_earlier_one_stale(
    admin_client_: Client, site_admin: User
) -> None:
    user, first = invite(admin_client_)

    response = admin_client_.post(
        reverse("administration:invitation_renew", args=[user.pk]), follow=True
    )

    second = emailed_link("nina@clinic.example")
    assert second != first
    assert second.rstrip("/").rsplit("/", 1)[-1] not in response.content.decode()
    assert "no longer valid" in Client().get(first, follow=True).content.decode()
    assert "new_password1" in Client().get(second, follow=True).content.decode()
    (entry,) = events(services.INVITATION_RENEWED.code)
    assert (entry.user, entry.detail["sent_to"]) == (site_admin, "nina@clinic.example")


def test_the_invitation_link_is_never_shown_to_whoever_invites(
    admin_client_: Client, site_admin: User
) -> None:
    # An inviter who saw the link could set the password and sign in as the invitee.
    response = admin_client_.post(
        reverse("administration:staff_invite"),
        {"username": "puppet", "email": "puppet@clinic.example", "language": "da"},
        follow=True,
    )

    page = response.content.decode()
    link = emailed_link("puppet@clinic.example")
    assert link.rsplit("/", 2)[-2] not in page and "set-password" not in page
    assert "puppet@clinic.example" in page  # where it went, so the inviter can say so
    assert "puppet@clinic.example" in mail.outbox[-1].to
    assert not AuditEntry.objects.filter(detail__icontains=link.rsplit("/", 2)[-2]).exists()


def test_an_invitation_needs_an_address_and_is_not_made_when_the_mail_fails(
    admin_client_: Client, site_admin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_address = admin_client_.post(
        reverse("administration:staff_invite"), {"username": "puppet", "language": "da"}
    )
    assert no_address.status_code == 200 and not User.objects.filter(username="puppet").exists()
    with pytest.raises(services.NotAllowed, match="e-mail address"):
        services.invite(site_admin, username="puppet", email="")

    def refused(*args: Any, **kwargs: Any) -> int:
        raise OSError("connection refused")

    monkeypatch.setattr("painpath.accounts.services.send_mail", refused)
    failed = admin_client_.post(
        reverse("administration:staff_invite"),
        {"username": "puppet", "email": "puppet@clinic.example", "language": "da"},
    )

    assert failed.status_code == 200 and "could not be e-mailed" in failed.content.decode()
    assert not User.objects.filter(username="puppet").exists()
    assert not events(services.STAFF_INVITED.code)


@pytest.mark.parametrize("debug", [False, True])
def test_without_debug_an_invitation_is_never_written_to_the_server_console(
    site_admin: User, settings: Any, capsys: pytest.CaptureFixture[str], debug: bool
) -> None:
    settings.DEBUG = debug
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

    if debug:  # make demo: the link is printed in the server's terminal
        services.invite(site_admin, username="demo-nurse", email="nurse@clinic.example")
        assert "/accounts/set-password/" in capsys.readouterr().out
    else:
        with pytest.raises(services.NotAllowed, match="EMAIL_BACKEND"):
            services.invite(site_admin, username="puppet", email="puppet@clinic.example")
        assert "set-password" not in capsys.readouterr().out
        assert not User.objects.filter(username="puppet").exists()


def test_only_a_site_administrator_invites(
    verified_client: Callable[[User], Client], clinic_admin: User
) -> None:
    client = verified_client(clinic_admin)
    response = client.post(reverse("administration:staff_invite"), {"username": "puppet"})
    assert response.status_code == 403
    assert not User.objects.filter(username="puppet").exists()
    with pytest.raises(services.NotAllowed):
        services.invite(clinic_admin, username="puppet", email="puppet@clinic.example")


# --------------------------------------------------------------------------- roles


def set_role(client: Client, username: str, clinic: Clinic, role: str, active: bool = True) -> Any:
    data = {"username": username, "clinic": str(clinic.pk), "role": role}
    if active:
        data["active"] = "on"
    return client.post(reverse("administration:membership_set"), data)


def test_a_site_administrator_cannot_give_a_role_that_reads_patient_data(
    admin_client_: Client, site_admin: User, clinician: User, other_clinic: Clinic
) -> None:
    # Whoever invites an account sees its set-password link: giving it a clinical role too
    # would let one person read any clinic's patients.
    for role in (CLINICIAN, SECRETARY):
        set_role(admin_client_, clinician.username, other_clinic, role)
        with pytest.raises(services.NotAllowed, match="does not give roles"):
            services.set_membership(site_admin, clinician, other_clinic, role)
    with pytest.raises(services.NotAllowed, match="does not give roles"):
        services.invite(
            site_admin,
            username="puppet",
            email="puppet@clinic.example",
            clinic=other_clinic,
            role=CLINICIAN,
        )
    assert not Membership.objects.filter(user=clinician, clinic=other_clinic).exists()
    assert not User.objects.filter(username="puppet").exists()


def test_roles_are_granted_changed_and_suspended_each_audited(
    admin_client_: Client,
    verified_client: Callable[[User], Client],
    make_staff: Callable[..., User],
    clinician: User,
    other_clinic: Clinic,
    clinic: Clinic,
    episode: Episode,
) -> None:
    other_admin = verified_client(make_staff(CLINIC_ADMIN, "other-admin", other_clinic))
    set_role(other_admin, clinician.username, other_clinic, SECRETARY)
    set_role(other_admin, clinician.username, other_clinic, CLINICIAN)
    # Taking a role away reads nothing: the site administrator may.
    set_role(admin_client_, clinician.username, clinic, CLINICIAN, active=False)

    granted = events(services.MEMBERSHIP_GRANTED.code)
    changed = events(services.MEMBERSHIP_CHANGED.code)
    assert [e.detail["role"] for e in granted] == [SECRETARY]
    assert [e.detail.get("role") for e in changed] == [[SECRETARY, CLINICIAN], None]
    assert changed[1].detail["active"] == [True, False]
    # The suspended role opens nothing in that clinic any more.
    client = verified_client(clinician)
    client.post(reverse("patients:choose_clinic"), {"clinic": clinic.pk})
    page = reverse("clinic:patient", args=[episode.patient.public_id])
    assert client.get(page).status_code == 404


def test_nobody_changes_their_own_roles(
    admin_client_: Client,
    site_admin: User,
    verified_client: Callable[[User], Client],
    clinic_admin: User,
    clinic: Clinic,
) -> None:
    set_role(admin_client_, site_admin.username, clinic, RESEARCHER)
    own = verified_client(clinic_admin)
    set_role(own, clinic_admin.username, clinic, CLINICIAN)

    assert not Membership.objects.filter(user=site_admin).exists()
    assert Membership.objects.get(user=clinic_admin).role == CLINIC_ADMIN
    assert not events(services.MEMBERSHIP_GRANTED.code)
    assert not events(services.MEMBERSHIP_CHANGED.code)
    with pytest.raises(services.NotAllowed, match="your own"):
        services.set_membership(site_admin, site_admin, clinic, RESEARCHER)


def test_no_one_touches_an_installation_account_from_these_screens(
    admin_client_: Client,
    make_staff: Callable[..., User],
    clinic: Clinic,
    clinic_admin: User,
) -> None:
    other_admin = make_staff(SITE_ADMIN, "other-site-admin")
    superuser = make_staff(None, "root")
    superuser.is_superuser = superuser.is_staff = True
    superuser.save()

    for target in (other_admin, superuser):
        set_role(admin_client_, target.username, clinic, CLINICIAN)
        admin_client_.post(
            reverse("administration:second_factor_reset", args=[target.pk]), {"confirm": "on"}
        )
        admin_client_.post(
            reverse("administration:account_active", args=[target.pk]), {"active": "0"}
        )
        target.refresh_from_db()
        assert target.is_active
        assert not target.memberships.exists()
        assert TOTPDevice.objects.filter(user=target).exists()
        with pytest.raises(services.NotAllowed, match="installation"):
            services.set_membership(clinic_admin, target, clinic, CLINICIAN)
    assert (
        AuditEntry.objects.filter(code__startswith="administration.")
        .filter(action__in=["create", "change", "delete"])
        .count()
        == 0
    )


def test_a_clinic_administrator_sets_roles_in_their_clinic_only(
    verified_client: Callable[[User], Client],
    clinic_admin: User,
    make_staff: Callable[..., User],
    clinic: Clinic,
    other_clinic: Clinic,
) -> None:
    colleague = make_staff(SECRETARY, "colleague")
    stranger = make_staff(CLINICIAN, "stranger", other_clinic)
    client = verified_client(clinic_admin)

    set_role(client, colleague.username, clinic, CLINICIAN)
    set_role(client, stranger.username, other_clinic, SECRETARY)  # not theirs: refused
    set_role(client, stranger.username, clinic, SECRETARY)  # into theirs: allowed

    assert Membership.objects.get(user=colleague, clinic=clinic).role == CLINICIAN
    assert Membership.objects.get(user=stranger, clinic=other_clinic).role == CLINICIAN
    assert Membership.objects.get(user=stranger, clinic=clinic).role == SECRETARY
    with pytest.raises(services.NotAllowed):
        services.set_membership(clinic_admin, stranger, other_clinic, SECRETARY)
    # Their staff list and pages show their clinic's staff only.
    listing = client.get(reverse("administration:staff")).content.decode()
    assert "colleague" in listing and "test-nobody" not in listing
    loner = make_staff(None, "loner")
    assert client.get(reverse("administration:staff_detail", args=[loner.pk])).status_code == 404
    # Accounts are the site administrator's.
    for name in ("second_factor_reset", "account_active", "invitation_renew"):
        response = client.post(reverse(f"administration:{name}", args=[colleague.pk]))
        assert response.status_code == 403, name


def test_a_clinic_administrator_gives_no_role_in_another_clinic_to_anyone_and_is_audited_at_home(
    verified_client: Callable[[User], Client],
    clinic_admin: User,
    make_staff: Callable[..., User],
    clinic: Clinic,
    other_clinic: Clinic,
) -> None:
    # Also a clinician in the other clinic: still no administrator there.
    Membership.objects.create(user=clinic_admin, clinic=other_clinic, role=CLINICIAN)
    puppet = make_staff(None, "puppet")
    client = verified_client(clinic_admin)

    for target in (clinic_admin, puppet):
        for role in (CLINIC_ADMIN, CLINICIAN):
            set_role(client, target.username, other_clinic, role)
            with pytest.raises(services.NotAllowed):
                services.set_membership(clinic_admin, target, other_clinic, role)
    client.post(reverse("patients:choose_clinic"), {"clinic": other_clinic.pk})
    working_there = set_role(client, puppet.username, other_clinic, CLINICIAN)

    assert working_there.status_code == 403
    assert Membership.objects.get(user=clinic_admin, clinic=other_clinic).role == CLINICIAN
    assert not puppet.memberships.exists()
    assert not events(services.MEMBERSHIP_GRANTED.code) + events(services.MEMBERSHIP_CHANGED.code)
    # At home: allowed, and the log says who gave what to whom, in which clinic.
    client.post(reverse("patients:choose_clinic"), {"clinic": clinic.pk})
    set_role(client, puppet.username, clinic, CLINICIAN)
    (entry,) = events(services.MEMBERSHIP_GRANTED.code)
    assert entry.user == clinic_admin
    assert entry.detail == {
        "username": "puppet",
        "clinic": clinic.code,
        "role": CLINICIAN,
        "active": True,
    }


def test_roles_are_clinic_roles_only(site_admin: User, clinician: User, clinic: Clinic) -> None:
    with pytest.raises(services.NotAllowed):
        services.set_membership(site_admin, clinician, clinic, SITE_ADMIN)
    assert not clinician.groups.exists()


# --------------------------------------------------------------------------- second factor


def test_resetting_the_second_factor_removes_every_authenticator_and_ends_verification(
    admin_client_: Client,
    site_admin: User,
    clinician: User,
    clinician_client: Client,
) -> None:
    StaticDevice.objects.create(user=clinician, name="backup", confirmed=True)
    assert clinician_client.get(reverse("clinic:worklist")).status_code == 200

    unconfirmed = admin_client_.post(
        reverse("administration:second_factor_reset", args=[clinician.pk])
    )
    assert unconfirmed.status_code == 302 and TOTPDevice.objects.filter(user=clinician).exists()
    admin_client_.post(
        reverse("administration:second_factor_reset", args=[clinician.pk]), {"confirm": "on"}
    )

    assert not TOTPDevice.objects.filter(user=clinician).exists()
    assert not StaticDevice.objects.filter(user=clinician).exists()
    (entry,) = events(services.SECOND_FACTOR_RESET.code)
    assert (entry.user, entry.detail["removed"]) == (site_admin, 2)
    assert clinician_client.get(reverse("clinic:worklist")).status_code == 302  # to sign in
    signed = Client().post(
        reverse("accounts:login"),
        {"username": clinician.username, "password": "correct horse battery staple"},
    )
    assert signed["Location"] == reverse("accounts:otp_setup")


def test_the_staff_pages_never_show_an_authenticator_secret(
    admin_client_: Client, clinician: User
) -> None:
    device = TOTPDevice.objects.get(user=clinician)
    pages = [
        admin_client_.get(reverse("administration:staff")),
        admin_client_.get(reverse("administration:staff_detail", args=[clinician.pk])),
    ]
    for page in pages:
        body = page.content.decode()
        assert page.status_code == 200
        assert device.key not in body


# --------------------------------------------------------------------------- deactivation


def test_a_deactivated_account_cannot_sign_in_and_its_sessions_end(
    admin_client_: Client, clinician: User, clinician_client: Client
) -> None:
    admin_client_.post(
        reverse("administration:account_active", args=[clinician.pk]), {"active": "0"}
    )

    clinician.refresh_from_db()
    assert not clinician.is_active
    assert clinician_client.get(reverse("clinic:worklist")).status_code == 302
    refused = Client().post(
        reverse("accounts:login"),
        {"username": clinician.username, "password": "correct horse battery staple"},
    )
    assert refused.status_code == 200  # the sign-in form again
    admin_client_.post(
        reverse("administration:account_active", args=[clinician.pk]), {"active": "1"}
    )
    clinician.refresh_from_db()
    assert clinician.is_active
    assert [
        e.code
        for e in AuditEntry.objects.filter(code__startswith="administration.staff").order_by("id")
    ] == [
        services.ACCOUNT_DEACTIVATED.code,
        services.ACCOUNT_REACTIVATED.code,
    ]


def test_a_site_administrator_cannot_deactivate_themselves(
    admin_client_: Client, site_admin: User
) -> None:
    admin_client_.post(
        reverse("administration:account_active", args=[site_admin.pk]), {"active": "0"}
    )
    site_admin.refresh_from_db()
    assert site_admin.is_active


# --------------------------------------------------------------------------- language


def test_the_staff_screens_speak_danish(admin_client_: Client, site_admin: User) -> None:
    Profile.objects.create(user=site_admin, language="da")
    body = admin_client_.get(reverse("administration:staff")).content.decode()
    assert "Inviter en medarbejder" in body
    assert "Invite a staff member" not in body
