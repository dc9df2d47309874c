import logging

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext as _

from painpath import __version__
from painpath.core.instruments import REGISTRY
from painpath.web import log

logger = logging.getLogger(__name__)


def home(request: HttpRequest) -> HttpResponse:
    instruments = [
        {"code": code, "title": cls.title, "version": cls.version, "source": cls.source}
        for code, cls in REGISTRY.items()
    ]
    return render(request, "home.html", {"instruments": instruments, "version": __version__})


def health(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return JsonResponse({"status": "ok", "database": connection.vendor, "version": __version__})


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page (``handler500``), in the language of the request, with its id.

    It may run because the database failed, so it renders without a request context (no
    context processor touches the session, the user or their clinic) and reads the language
    from what the locale middleware chose, else from the cookie or Accept-Language. Should the
    page itself fail, a line of text in that language answers instead.
    """
    language = _language_of(request)
    rid = log.request_id.get()
    with translation.override(language):
        try:
            page = loader.render_to_string(
                "500.html", {"request_id": rid, "LANGUAGE_CODE": language}
            )
        except Exception:
            logger.exception("The 500 page could not be rendered")
            line = _("Sorry, something went wrong. Reference: %(reference)s")
            return HttpResponseServerError(
                line % {"reference": rid}, content_type="text/plain; charset=utf-8"
            )
    return HttpResponseServerError(page)


def _language_of(request: HttpRequest) -> str:
    supported = {code for code, _name in settings.LANGUAGES}
    chosen = getattr(request, "LANGUAGE_CODE", None)
    if chosen in supported:
        return str(chosen)
    try:
        return translation.get_language_from_request(request)
    except Exception:  # a malformed header must not cost the error page
        return settings.LANGUAGE_CODE
