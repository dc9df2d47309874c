"""Staff sign-in (password, then a one-time code), authenticator enrolment, a new account's
first password, and the profile.

Views authorise, validate, call ``services`` and respond; the rules live in ``services.py``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.views import PasswordResetConfirmView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _

from painpath.accounts import services
from painpath.accounts.decorators import verified_staff
from painpath.accounts.forms import CodeForm, LanguageForm, PasswordForm


def _verified(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_authenticated and user.is_verified())  # type: ignore[union-attr]


def login(request: HttpRequest) -> HttpResponse:
    if _verified(request):
        return redirect(services.landing_url(request.user))
    next_url = request.POST.get("next") or request.GET.get("next", "")
    form = PasswordForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        services.start_pending_login(request, user, next_url)
        if services.has_confirmed_device(user):
            return redirect("accounts:verify")
        return redirect("accounts:otp_setup")
    context = {"form": form, "next": services.safe_next(request, next_url)}
    return render(request, "accounts/login.html", context)


def _second_step(
    request: HttpRequest, *, enrolled: bool
) -> tuple[services.Pending | None, HttpResponse | None]:
    """The password step's pending login, or where to send the user instead: back to the
    start, to the other second step (enrolled or not), or the lockout page."""
    pending = services.pending_login(request)
    if pending is None:
        return None, _start_again(request)
    if services.has_confirmed_device(pending.user) != enrolled:
        return None, redirect("accounts:otp_setup" if enrolled else "accounts:verify")
    locked = services.lockout_response(request, pending.user.get_username())
    if locked is not None:
        services.clear_pending_login(request)
        return None, locked
    return pending, None


def verify(request: HttpRequest) -> HttpResponse:
    pending, elsewhere = _second_step(request, enrolled=True)
    if pending is None:
        return elsewhere or _start_again(request)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = services.verify_code(request, pending, form.cleaned_data["code"])
        if check.device is not None:
            return redirect(services.complete_login(request, pending, check.device))
        form.add_error("code", _wrong_code_message(check))
    return render(request, "accounts/verify.html", {"form": form, "pending": pending})


def otp_setup(request: HttpRequest) -> HttpResponse:
    if _verified(request):
        messages.info(request, _("Your authenticator app is already set up."))
        return redirect("accounts:profile")
    pending, elsewhere = _second_step(request, enrolled=False)
    if pending is None:
        return elsewhere or _start_again(request)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = services.confirm_enrolment(request, pending, form.cleaned_data["code"])
        if check.device is not None:
            next_url = services.complete_login(request, pending, check.device)
            messages.success(request, _("Your authenticator app is set up. Welcome."))
            return redirect(next_url)
        form.add_error(
            "code",
            _wrong_code_message(check)
            if check.throttled
            else _(
                "That code does not match the new authenticator. Scan the QR code again "
                "and enter the code your app shows now."
            ),
        )
    device = services.enrolment_device(request, pending.user)
    context = {
        "form": form,
        "pending": pending,
        "qr": services.qr_data_uri(device),
        "manual_key": services.manual_key(device),
    }
    return render(request, "accounts/otp_setup.html", context)


class SetPasswordView(PasswordResetConfirmView):
    """The one-time link an administrator hands a new staff member: set a first password,
    then sign in and enrol an authenticator. Django's view checks the token (and moves it
    from the address into the session before showing the form); painpath only lets it set a
    first password (``services.may_set_password_by_link``) and audits it."""

    template_name = "accounts/set_password.html"
    success_url = reverse_lazy("accounts:login")
    reset_url_token = "new"  # the placeholder the address shows once the token is taken

    def get_user(self, uidb64: str) -> Any:
        user = super().get_user(uidb64)
        return user if services.may_set_password_by_link(user) else None

    def form_valid(self, form: SetPasswordForm[Any]) -> HttpResponse:
        services.set_password_from_link(form, self.request)
        messages.success(
            self.request,
            _("Your password is set. Sign in now; next you set up the authenticator app."),
        )
        return redirect(self.success_url)


@verified_staff
def profile(request: HttpRequest) -> HttpResponse:
    profile = services.profile_for(request.user, translation.get_language() or "")
    form = LanguageForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        language = form.cleaned_data["language"]
        services.set_language(request.user, language)
        translation.activate(language)
        messages.success(request, _("Saved: your screens are now shown in this language."))
        return redirect("accounts:profile")
    roles = sorted(request.user.groups.values_list("name", flat=True))  # type: ignore[union-attr]
    return render(request, "accounts/profile.html", {"form": form, "roles": roles})


def _wrong_code_message(check: services.CodeCheck) -> str:
    if check.throttled:
        return _(
            "Several wrong codes in a row: wait a few seconds, then enter the code your app "
            "shows now."
        )
    return _(
        "That code is not right. Codes change every 30 seconds: enter the one your app shows now."
    )


def _start_again(request: HttpRequest) -> HttpResponse:
    if services.PENDING_KEY in request.session:
        services.clear_pending_login(request)
        messages.info(request, _("Your sign-in timed out. Please start again."))
    return redirect("accounts:login")
