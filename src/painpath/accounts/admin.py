"""The Django admin: for site administrators (reference data, accounts, authenticators,
lockouts), never the clinician's interface, and never opened by a password alone."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminSite

from painpath.accounts.models import Profile
from painpath.accounts.roles import SITE_ADMIN


class PainpathAdminSite(OTPAdminSite):
    """Staff flag, the site administrator role *and* a verified second factor."""

    site_header = _("painpath administration")
    site_title = _("painpath admin")
    index_title = _("Reference data and accounts")

    def has_permission(self, request: HttpRequest) -> bool:
        user: Any = request.user
        return bool(
            super().has_permission(request)
            and (user.is_superuser or user.groups.filter(name=SITE_ADMIN).exists())
        )

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        # One sign-in page for everything, with the one-time code; the admin's own form
        # would otherwise be a second door to guard.
        user: Any = request.user
        if user.is_authenticated and user.is_verified():
            raise PermissionDenied
        next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        return redirect_to_login(next_url, reverse("accounts:login"))


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    extra = 0


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    inlines = (ProfileInline,)
