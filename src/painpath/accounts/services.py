"""Signing staff in with a password and a one-time code, enrolling an authenticator, and
choosing a language.

A password alone never signs anyone in: it only opens a short *pending* state in the session
(no authenticated user yet). The session becomes a signed-in, verified one only once a code
from the user's confirmed authenticator matches (:func:`complete_login`). Staff without a
confirmed authenticator enrol one from the pending state (trust on first use: accounts are
created by a site administrator, who removes a lost authenticator in painpath's staff screens).

A new account has no password until its holder sets one through the one-time link e-mailed
to them (:func:`send_invitation`) — to the invitee's address only, never shown to whoever
invited them; that link never replaces a password that has been set, so sending links cannot
take over an account.
"""

from __future__ import annotations

import time
from base64 import b32encode
from dataclasses import dataclass
from typing import Any

import segno
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_failure_limit, get_lockout_response
from django.conf import settings
from django.contrib.auth import get_user_model, login, user_login_failed
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from painpath.accounts.models import Profile
from painpath.accounts.roles import SITE_ADMIN
from painpath.audit.services import Event, record

PENDING_KEY = "painpath.pending_login"
# The new authenticator's secret waits in the session until a code from it confirms it.
ENROL_KEY = "painpath.enrol_key"
# Long enough to open an authenticator app; short enough that an unattended screen with a
# typed password does not stay half signed in.
PENDING_SECONDS = 5 * 60
ENROL_DEVICE_NAME = "authenticator"

PASSWORD_SET = Event("accounts.password.set", "change")


@dataclass(frozen=True)
class Pending:
    user: Any
    backend: str
    next_url: str


def start_pending_login(request: HttpRequest, user: Any, next_url: str) -> None:
    """The password was right: remember who, and wait for the one-time code."""
    request.session.cycle_key()  # no session fixation across the password step
    request.session[PENDING_KEY] = {
        "user_id": user.pk,
        "backend": user.backend,
        "next": safe_next(request, next_url),
        "since": time.time(),
    }


def pending_login(request: HttpRequest) -> Pending | None:
    state = request.session.get(PENDING_KEY)
    if not state or time.time() - state.get("since", 0) > PENDING_SECONDS:
        return None
    user = get_user_model().objects.filter(pk=state["user_id"], is_active=True).first()
    if user is None:
        return None
    return Pending(user=user, backend=state["backend"], next_url=state.get("next", ""))


def clear_pending_login(request: HttpRequest) -> None:
    request.session.pop(PENDING_KEY, None)
    request.session.pop(ENROL_KEY, None)


def has_confirmed_device(user: Any) -> bool:
    return any(devices_for_user(user, confirmed=True))


def lockout_response(request: HttpRequest, username: str) -> HttpResponse | None:
    """The lockout page if django-axes has locked this username from this address."""
    credentials = {"username": username}
    if AxesProxyHandler.is_locked(request, credentials):
        return get_lockout_response(request, credentials=credentials)
    return None


def lockout_page(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """django-axes' lockout response (``AXES_LOCKOUT_CALLABLE``): a page that says what
    happened and what to do, instead of a bare status code."""
    clear_pending_login(request)
    minutes = int(get_cool_off(request).total_seconds() // 60) if get_cool_off(request) else 0
    context = {"failure_limit": get_failure_limit(request, credentials), "minutes": minutes}
    return render(request, "accounts/locked_out.html", context, status=429)


@dataclass(frozen=True)
class CodeCheck:
    """The device that accepted a code (``None`` if none did), and whether a device refused
    to check at all because of recent wrong codes (django-otp's back-off)."""

    device: Device | None
    throttled: bool = False


def check_code(
    request: HttpRequest, pending: Pending, devices: list[Device], code: str
) -> CodeCheck:
    """Try ``code`` on ``devices``. A wrong code counts as a failed login for django-axes
    (and the audit log), so guessing codes locks the account just like guessing passwords."""
    code = "".join(code.split())
    throttled = False
    for device in devices:
        allowed, _ = device.verify_is_allowed()
        if not allowed:
            throttled = True
        elif code.isdigit() and device.verify_token(code):
            return CodeCheck(device)
    user_login_failed.send(
        sender=__name__,
        credentials={"username": pending.user.get_username()},
        request=request,
        stage="otp",
    )
    return CodeCheck(None, throttled)


def verify_code(request: HttpRequest, pending: Pending, code: str) -> CodeCheck:
    return check_code(request, pending, list(devices_for_user(pending.user, confirmed=True)), code)


def complete_login(request: HttpRequest, pending: Pending, device: Device) -> str:
    """Sign the user in, verified by ``device``; return where to go next."""
    clear_pending_login(request)
    login(request, pending.user, backend=pending.backend)
    otp_login(request, device)
    return pending.next_url or landing_url(pending.user)


def enrolment_device(request: HttpRequest, user: Any) -> TOTPDevice:
    """The authenticator being set up in this session. Its secret is chosen on the first
    call and kept in the session; the device is stored only when a code is tried (a POST), so
    that opening the set-up page writes nothing."""
    key = request.session.get(ENROL_KEY)
    if not key:
        key = random_hex(20)
        request.session[ENROL_KEY] = key
    stored = TOTPDevice.objects.filter(user=user, confirmed=False, key=key).first()
    return stored or TOTPDevice(user=user, name=ENROL_DEVICE_NAME, confirmed=False, key=key)


def confirm_enrolment(request: HttpRequest, pending: Pending, code: str) -> CodeCheck:
    """Confirm the new authenticator with a code from it; the caller then signs in."""
    device = enrolment_device(request, pending.user)
    if device.pk is None:
        # An abandoned earlier set-up leaves an unconfirmed device: only this one stays.
        TOTPDevice.objects.filter(user=pending.user, confirmed=False).delete()
        device.save()
    check = check_code(request, pending, [device], code)
    if check.device is not None:
        check.device.confirmed = True
        check.device.save(update_fields=["confirmed"])
    return check


def qr_data_uri(device: TOTPDevice) -> str:
    """The device's ``otpauth://`` URL as an SVG QR code in a ``data:`` URI (the content
    security policy allows images from ``data:`` but no inline style or script)."""
    return str(segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2))


def manual_key(device: TOTPDevice) -> str:
    """The secret in base32, grouped in fours, for apps that cannot scan a code."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def safe_next(request: HttpRequest, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


def landing_url(user: Any) -> str:
    """Where a signed-in staff member starts: the first screen of ``PAINPATH_LANDING`` (the
    project's settings: a permission and the URL name of the screen that needs it) whose
    permission they hold, else their profile. Configuration, because those screens belong to
    apps above this one."""
    for permission, url_name in settings.PAINPATH_LANDING:
        if user.has_perm(permission):
            return reverse(url_name)
    return reverse("accounts:profile")


def profile_for(user: AbstractBaseUser, default_language: str) -> Profile:
    """The user's profile; an unsaved one with ``default_language`` until they save it (so
    that opening the page writes nothing)."""
    language = default_language if default_language in dict(Profile.LANGUAGES) else "da"
    return Profile.objects.filter(user=user).first() or Profile(user=user, language=language)


def set_language(user: AbstractBaseUser, language: str) -> Profile:
    profile, created = Profile.objects.get_or_create(user=user, defaults={"language": language})
    if not created and profile.language != language:
        profile.language = language
        profile.save(update_fields=["language"])
    return profile


def is_site_admin(user: Any) -> bool:
    """An active member of the site administrators' group (the installation's superuser is
    not one: it installs, in the Django admin)."""
    return bool(
        getattr(user, "is_active", False)
        and user.is_authenticated
        and user.groups.filter(name=SITE_ADMIN).exists()
    )


def is_installation_account(user: Any) -> bool:
    """A superuser, a staff-flagged account or a site administrator: only the installation's
    superuser changes these (in the Django admin), never painpath's staff screens — so no
    administrator can promote, demote or lock out another."""
    return bool(user.is_superuser or user.is_staff or user.groups.filter(name=SITE_ADMIN).exists())


def invitation_path(user: Any) -> str:
    """The one-time link for ``user`` to set their first password: valid for
    ``PASSWORD_RESET_TIMEOUT`` seconds and only until a password is set (the token is keyed
    on the password hash)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("accounts:set_password", args=[uid, default_token_generator.make_token(user)])


# Backends that write a message on the server instead of sending it: fine in development
# (``make demo`` shows the invitation in its terminal), never with DEBUG off.
WRITES_MAIL_LOCALLY = frozenset(
    {
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.filebased.EmailBackend",
    }
)


class InvitationNotSent(Exception):
    """The invitation e-mail could not be sent; the message says why."""


def send_invitation(user: Any, *, inviter: Any) -> str:
    """E-mail ``user`` their one-time link to set a first password, in their language, to
    their own address only: whoever invites never sees the link, so they cannot use it to
    take the account over. Returns the address it went to. The link starts with
    ``PAINPATH_BASE_URL`` (the configured address, not the request's Host header)."""
    address = (user.email or "").strip()
    if not address:
        raise InvitationNotSent(
            _("%(username)s has no e-mail address: the invitation link goes there only.")
            % {"username": user.get_username()}
        )
    if not settings.DEBUG and settings.EMAIL_BACKEND in WRITES_MAIL_LOCALLY:
        # The link would land in the server's output or files, for whoever reads those.
        raise InvitationNotSent(
            _(
                "painpath cannot send e-mail here (EMAIL_BACKEND writes it to the server): "
                "the installation must set an SMTP backend before anyone is invited."
            )
        )
    profile = Profile.objects.filter(user=user).first()
    language = profile.language if profile is not None else "da"
    context = {
        "user": user,
        "inviter": inviter.get_full_name() or inviter.get_username(),
        "link": settings.PAINPATH_BASE_URL.rstrip("/") + invitation_path(user),
        "days": settings.PASSWORD_RESET_TIMEOUT // (24 * 60 * 60),
    }
    with translation.override(language):
        subject = _("Your painpath account: set your password")
        body = render_to_string("accounts/invitation_email.txt", context)
    try:
        send_mail(subject, body, None, [address])
    except Exception as error:  # SMTP, DNS, refused address …: the caller rolls back
        raise InvitationNotSent(
            _("The invitation could not be e-mailed to %(address)s (%(error)s); try again.")
            % {"address": address, "error": error}
        ) from error
    return str(address)


def may_set_password_by_link(user: Any) -> bool:
    """Only an active account that has never had a password: a link cannot replace one."""
    return bool(user is not None and user.is_active and not user.has_usable_password())


@transaction.atomic
def set_password_from_link(form: SetPasswordForm[Any], request: HttpRequest | None) -> Any:
    user = form.save()
    record(request, PASSWORD_SET, user=user, obj=user, through="invitation link")
    return user
