"""Show a staff member's screens in their chosen language (Danish or English), and keep the
installation's superuser to installing."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.utils import translation
from django.utils.translation import gettext as _

from painpath.audit.services import Event, record


class UserLanguageMiddleware:
    """After authentication: a signed-in user's profile language wins over the browser's.

    Patient pages set their language from the link or the patient's choice instead, so they
    are not affected: patients have no account.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        profile = getattr(user, "profile", None) if user and user.is_authenticated else None
        if profile is not None:
            translation.activate(profile.language)
            request.LANGUAGE_CODE = profile.language
        return self.get_response(request)


# Where a Django superuser may go: installing and repairing (the admin), their own sign-in and
# settings, and the pages anyone may open.
SUPERUSER_PATHS = ("/admin/", "/accounts/", "/q/", "/health/", "/static/")
STAFF_ONLY_PATHS = ("/q/issue/",)  # under the patients' /q/, but a clinic screen
SUPERUSER_USED = Event("accounts.superuser.used", "view")
SUPERUSER_REFUSED = Event("accounts.superuser.refused", "view")


class SuperuserInstallationOnlyMiddleware:
    """Django's superuser is for installing painpath, not for working in it: it has every
    permission, so it is kept out of the clinic's and the researchers' screens (403), and each
    admin request it makes is audited."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_superuser:
            return self.get_response(request)
        path = request.path_info
        if path != "/" and (
            not path.startswith(SUPERUSER_PATHS) or path.startswith(STAFF_ONLY_PATHS)
        ):
            record(request, SUPERUSER_REFUSED, object_type="page")
            return HttpResponseForbidden(
                _("The installation account cannot open clinic screens: sign in as staff.")
            )
        if path.startswith("/admin/"):
            record(request, SUPERUSER_USED, object_type="admin")
        return self.get_response(request)
