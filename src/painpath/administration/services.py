"""Managing staff: invite, roles per clinic, second factor, deactivation — and what each
administrator may do.

Two administrators, neither with any patient data:

- a **site administrator** (the installation-wide group) manages every staff account and
  every clinic's roles;
- a **clinic administrator** (a role in one clinic) manages the roles of that clinic only.

Neither changes their own account or roles, nor touches an installation account (a superuser,
a staff-flagged account or a site administrator): appointing and removing those is the
installation's superuser's job, in the Django admin, where each request is audited. No screen
here sets a superuser or staff flag or a group. Every change writes its audit entry in its own
transaction; a refusal raises :class:`NotAllowed` with a message that says what to do instead.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_otp import devices_for_user

from painpath.accounts.models import Profile
from painpath.accounts.roles import CLINIC_ADMIN
from painpath.accounts.services import (
    InvitationNotSent,
    is_installation_account,
    is_site_admin,
    send_invitation,
)
from painpath.audit.services import Event, record
from painpath.core.cpr import parse_cpr
from painpath.patients import crypto
from painpath.patients.models import Clinic, Membership, Patient

STAFF_INVITED = Event("administration.staff.invited", "create")
INVITATION_RENEWED = Event("administration.staff.invitation_renewed", "change")
MEMBERSHIP_GRANTED = Event("administration.membership.granted", "create")
MEMBERSHIP_CHANGED = Event("administration.membership.changed", "change")
SECOND_FACTOR_RESET = Event("administration.staff.second_factor_reset", "delete")
ACCOUNT_DEACTIVATED = Event("administration.staff.deactivated", "change")
ACCOUNT_REACTIVATED = Event("administration.staff.reactivated", "change")
LOG_SEARCHED_BY_CPR = Event("administration.log.searched_by_cpr", "view")

User = get_user_model()


class NotAllowed(PermissionDenied):
    """An administrator asked for a change their role does not allow; the message says why
    and who can make it instead."""


@dataclass(frozen=True)
class Scope:
    """Whose staff an administrator manages: every clinic's (``clinic`` is None: a site
    administrator, who also manages accounts), or one clinic's roles."""

    actor: Any
    clinic: Clinic | None

    @property
    def accounts(self) -> bool:
        return self.clinic is None

    def clinics(self) -> QuerySet[Clinic]:
        everyone = Clinic.objects.all()
        return everyone if self.clinic is None else everyone.filter(pk=self.clinic.pk)

    def staff(self) -> QuerySet[Any]:
        """The accounts in view: every one, or those with a role (active or not) in the
        clinic; each with the memberships in view and its authenticators."""
        memberships = Membership.objects.select_related("clinic")
        accounts = User.objects.order_by("username")
        if self.clinic is not None:
            memberships = memberships.filter(clinic=self.clinic)
            accounts = accounts.filter(memberships__clinic=self.clinic)
        return accounts.prefetch_related(
            Prefetch("memberships", queryset=memberships, to_attr="memberships_in_view"),
            "groups",
        )


def scope_for(actor: Any, membership: Membership | None) -> Scope | None:
    """The scope of whoever is signed in, working under ``membership`` (the clinic they chose);
    None for anyone who administers nothing."""
    if is_site_admin(actor):
        return Scope(actor, None)
    if (
        membership is not None
        and membership.active
        and membership.role == CLINIC_ADMIN
        and getattr(actor, "is_active", False)
    ):
        return Scope(actor, membership.clinic)
    return None


# --------------------------------------------------------------------------- the rules


def _may_change(actor: Any, staff: Any) -> None:
    if staff.pk == actor.pk:
        raise NotAllowed(
            _("You cannot change your own account or roles: ask another administrator.")
        )
    if is_installation_account(staff):
        raise NotAllowed(
            _(
                "%(username)s is a site administrator or an installation account: only the "
                "installation's superuser changes it, in the Django admin."
            )
            % {"username": staff.get_username()}
        )


def _accounts(actor: Any) -> None:
    if not is_site_admin(actor):
        raise NotAllowed(_("Only a site administrator manages staff accounts."))


# Roles that read patient data. The site administrator — who invites accounts and chooses the
# address their set-password link is e-mailed to — must not also hand such a role out: one
# person could otherwise make an account, sign in with it and read any clinic's patients. Only
# the clinic's own clinic administrator grants them; the site administrator appoints clinic
# administrators and researchers.
CLINICAL_ROLES = frozenset({Membership.Role.CLINICIAN, Membership.Role.SECRETARY})


def _grants_clinical_role(actor: Any, role: str, active: bool = True) -> None:
    if active and role in CLINICAL_ROLES and is_site_admin(actor):
        raise NotAllowed(
            _(
                "A site administrator does not give roles that read patient data: the "
                "clinic's clinic administrator does."
            )
        )


def _roles_in(actor: Any, clinic: Clinic) -> None:
    if is_site_admin(actor):
        return
    administers = Membership.objects.filter(
        user=actor, clinic=clinic, role=CLINIC_ADMIN, active=True
    ).exists()
    if not (getattr(actor, "is_active", False) and administers):
        raise NotAllowed(
            _("Only a site administrator or %(clinic)s's clinic administrator sets its roles.")
            % {"clinic": clinic.name}
        )


# --------------------------------------------------------------------------- use cases


@dataclass(frozen=True)
class Invitation:
    user: Any
    sent_to: str  # the address the one-time link was e-mailed to (the link itself: nowhere)
    membership: Membership | None


def _send(actor: Any, staff: Any) -> str:
    try:
        return send_invitation(staff, inviter=actor)
    except InvitationNotSent as error:
        # Raised inside the transaction: no account, or no new link, without its e-mail.
        raise NotAllowed(str(error)) from error


@transaction.atomic
def invite(
    actor: Any,
    *,
    username: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    language: str = "da",
    clinic: Clinic | None = None,
    role: str = "",
    request: HttpRequest | None = None,
) -> Invitation:
    """A new staff account without a password, with a one-time link to set one e-mailed to
    ``email`` (the holder then enrols an authenticator at their first sign-in) and, if given,
    a role in a clinic. No flag, no group: a plain staff member. The link is never returned:
    whoever invites does not see it."""
    _accounts(actor)
    if clinic is not None and role:
        _grants_clinical_role(actor, role)
    if not email.strip():
        raise NotAllowed(_("Give their e-mail address: the invitation link is sent there only."))
    user = User(username=username, first_name=first_name, last_name=last_name, email=email)
    user.set_unusable_password()
    user.save()
    Profile.objects.create(user=user, language=language)
    membership = None
    if clinic is not None and role:
        membership = Membership.objects.create(user=user, clinic=clinic, role=role)
    sent_to = _send(actor, user)
    record(
        request,
        STAFF_INVITED,
        user=actor,
        obj=user,
        username=username,
        clinic=clinic.code if membership and clinic else "",
        role=role if membership else "",
        sent_to=sent_to,
    )
    return Invitation(user, sent_to, membership)


@transaction.atomic
def renew_invitation(actor: Any, staff: Any, *, request: HttpRequest | None = None) -> str:
    """E-mail a new one-time link to someone who has not set a password yet (to their address
    only); earlier links stop working (the token is keyed on the password hash, which this
    replaces). Returns the address it went to; the audit entry names it too."""
    _accounts(actor)
    _may_change(actor, staff)
    if staff.has_usable_password():
        raise NotAllowed(
            _(
                "%(username)s has set a password already: a link cannot replace it. If they "
                "have forgotten it, the installation's superuser sets a new one."
            )
            % {"username": staff.get_username()}
        )
    staff.set_unusable_password()
    staff.save(update_fields=["password"])
    sent_to = _send(actor, staff)
    record(
        request,
        INVITATION_RENEWED,
        user=actor,
        obj=staff,
        username=staff.get_username(),
        sent_to=sent_to,
    )
    return sent_to


@transaction.atomic
def set_membership(
    actor: Any,
    staff: Any,
    clinic: Clinic,
    role: str,
    *,
    active: bool = True,
    request: HttpRequest | None = None,
) -> Membership:
    """Give ``staff`` ``role`` in ``clinic``, change their role there, or (``active=False``)
    suspend it; a clinic role only, never a flag or a group."""
    _roles_in(actor, clinic)
    _grants_clinical_role(actor, role, active)
    _may_change(actor, staff)
    if role not in Membership.Role.values:
        raise NotAllowed(_("Not a clinic role: %(role)s.") % {"role": role})
    membership = Membership.objects.select_for_update().filter(user=staff, clinic=clinic).first()
    if membership is None:
        membership = Membership.objects.create(user=staff, clinic=clinic, role=role, active=active)
        event, detail = MEMBERSHIP_GRANTED, {"role": role, "active": active}
    else:
        event = MEMBERSHIP_CHANGED
        detail = {
            name: [old, new]
            for name, old, new in (
                ("role", membership.role, role),
                ("active", membership.active, active),
            )
            if old != new
        }
        if not detail:
            return membership
        membership.role, membership.active = role, active
        membership.save(update_fields=["role", "active"])
    record(
        request,
        event,
        user=actor,
        obj=membership,
        username=staff.get_username(),
        clinic=clinic.code,
        **detail,
    )
    return membership


@transaction.atomic
def reset_second_factor(actor: Any, staff: Any, *, request: HttpRequest | None = None) -> int:
    """Remove every authenticator of ``staff`` (a lost or replaced phone); they enrol a new one
    at their next sign-in, and a session verified by a removed one is no longer verified."""
    _accounts(actor)
    _may_change(actor, staff)
    devices = list(devices_for_user(staff, confirmed=None))
    for device in devices:
        device.delete()
    record(
        request,
        SECOND_FACTOR_RESET,
        user=actor,
        obj=staff,
        username=staff.get_username(),
        removed=len(devices),
    )
    return len(devices)


@transaction.atomic
def set_account_active(
    actor: Any, staff: Any, active: bool, *, request: HttpRequest | None = None
) -> bool:
    """Deactivate an account (it can no longer sign in; its open sessions end at their next
    request) or reactivate it. Returns whether anything changed. Its roles stay as they are,
    for a reactivation."""
    _accounts(actor)
    _may_change(actor, staff)
    if staff.is_active == active:
        return False
    staff.is_active = active
    staff.save(update_fields=["is_active"])
    event = ACCOUNT_REACTIVATED if active else ACCOUNT_DEACTIVATED
    record(request, event, user=actor, obj=staff, username=staff.get_username())
    return True


# --------------------------------------------------------------------------- the audit log


def patients_with_cpr(cpr_text: str) -> list[Patient]:
    """Every clinic's record of the person with this CPR number, found through its keyed hash
    (the number is never compared, stored or logged in clear). Raises ``InvalidCpr``."""
    cpr = parse_cpr(cpr_text)
    return list(Patient.objects.filter(cpr_hash=crypto.lookup_hash(cpr.digits)).order_by("id"))


def record_cpr_search(request: HttpRequest, found: Iterable[Patient]) -> None:
    """The search itself, filed under the patient it found (one entry per record), never
    with the number."""
    records = list(found)
    for patient in records or [None]:
        record(
            request,
            LOG_SEARCHED_BY_CPR,
            patient=patient,
            object_type="audit.log",
            by="CPR number",
            records=[str(p.public_id) for p in records],
        )
