"""The Django admin: for the installation's superuser and, read-mostly, site administrators
(reference data, accounts, authenticators, lockouts); never the clinician's interface, and
never opened by a password alone.

A site administrator who is not a superuser manages staff in painpath's own screens
(``painpath.administration``: audited, and never their own roles). Here they may correct a
staff member's name and email, and look; they cannot add or delete accounts, set a password,
or change a flag, a group or a permission — so they cannot make themselves or anyone else a
superuser, a member of another group or a clinician — and they see no authenticator's secret.
No patient data is registered here at all (``tests/accounts/test_admin_escalation.py``)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, reverse
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminSite

# Imported for their registrations, which are replaced below.
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from painpath.accounts.models import Profile
from painpath.accounts.roles import SITE_ADMIN
from painpath.accounts.services import is_installation_account
from painpath.audit.services import Event, record

ADMIN_USER_CHANGED = Event("accounts.admin.user_changed", "change")


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


# What a site administrator who is not a superuser may edit on a staff account.
SITE_ADMIN_EDITS = frozenset({"first_name", "last_name", "email"})


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    inlines = (ProfileInline,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # New staff are invited in painpath's screens: no password chosen by someone else.
        return bool(getattr(request.user, "is_superuser", False))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # An account is deactivated, never deleted: the audit log names it.
        return bool(getattr(request.user, "is_superuser", False))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        user: Any = request.user
        if user.is_superuser or obj is None:
            return super().has_change_permission(request, obj)
        # Not one's own account, and not another administrator's or an installation account.
        return bool(
            super().has_change_permission(request, obj)
            and obj.pk != user.pk
            and not is_installation_account(obj)
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if getattr(request.user, "is_superuser", False) or obj is None:
            return super().get_readonly_fields(request, obj)
        shown = [
            name
            for _title, options in self.get_fieldsets(request, obj)
            for name in options["fields"]
        ]
        # The password stays the form's masked summary: as a read-only field the admin would
        # print the stored hash.
        return [name for name in shown if name not in SITE_ADMIN_EDITS and name != "password"]

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        # Setting someone's password would let an administrator sign in as them.
        if not getattr(request.user, "is_superuser", False):
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        record(
            request,
            ADMIN_USER_CHANGED,
            obj=obj,
            username=obj.get_username(),
            fields=sorted(form.changed_data),
            created=not change,
        )


def _without_secret_views(urls: list[URLPattern | URLResolver]) -> list[URLPattern | URLResolver]:
    return [
        url
        for url in urls
        if not (isinstance(url, URLPattern) and str(url.name).endswith(("_config", "_qrcode")))
    ]


class AuthenticatorAdminMixin:
    """Who has an authenticator, since when, last used: never its secret (no key, no QR
    code, no static tokens), and nothing added or changed here — staff enrol at sign-in, and a
    lost one is removed in painpath's staff screens (audited). Deleting is the superuser's."""

    fieldsets = ((None, {"fields": ("user", "name", "confirmed", "created_at", "last_used_at")}),)
    inlines: Any = ()
    list_display = ("user", "name", "created_at", "last_used_at", "confirmed")

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fieldsets

    def get_list_display(self, request: HttpRequest) -> Any:
        return self.list_display

    def get_inline_instances(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        return []

    def get_urls(self) -> list[URLPattern | URLResolver]:
        return _without_secret_views(super().get_urls())  # type: ignore[misc]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(getattr(request.user, "is_superuser", False))


class AuthenticatorAdmin(AuthenticatorAdminMixin, TOTPDeviceAdmin):
    pass


class BackupCodesAdmin(AuthenticatorAdminMixin, StaticDeviceAdmin):
    pass


for model, model_admin in ((TOTPDevice, AuthenticatorAdmin), (StaticDevice, BackupCodesAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
