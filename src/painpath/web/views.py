from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from painpath import __version__
from painpath.core.instruments import REGISTRY


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
