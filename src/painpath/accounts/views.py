"""Staff login: password and a one-time code from the user's authenticator (django-otp)."""

from __future__ import annotations

from django_otp.forms import OTPAuthenticationForm
from django_otp.views import LoginView


class StaffLoginView(LoginView):  # type: ignore[misc]
    template_name = "accounts/login.html"
    authentication_form = OTPAuthenticationForm
    redirect_authenticated_user = True
