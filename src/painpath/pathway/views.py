"""Clinician pages. Views stay thin: use cases are in ``services.py``."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from painpath.accounts.decorators import verified_staff
from painpath.audit.services import record
from painpath.patients.models import Episode


@verified_staff
@permission_required("patients.view_episode", raise_exception=True)
def worklist(request: HttpRequest) -> HttpResponse:
    episodes = Episode.objects.filter(status=Episode.Status.OPEN).select_related("patient")
    record(request, "view", object_type="worklist", count=episodes.count())
    return render(request, "pathway/worklist.html", {"episodes": episodes})
