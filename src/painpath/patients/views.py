"""Patients: the list with search, the patient form and the episode form (the patient page
is the clinician's workspace, ``painpath.clinic``).

Every view that shows or changes a patient writes an audit entry naming the patient (the
services write those of changes, in the change's transaction). The full CPR number is never
shown or logged: lists show the masked form, and a CPR search is sent by POST so the number
does not end up in a URL, an access log or the audit path.
"""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from painpath.accounts.decorators import verified_staff
from painpath.audit.services import record
from painpath.patients import access, services
from painpath.patients.forms import EpisodeForm, PatientForm, SearchForm
from painpath.patients.models import Episode, Patient

PAGE_SIZE = 50


@verified_staff
@permission_required("patients.view_patient", raise_exception=True)
def patient_list(request: HttpRequest) -> HttpResponse:
    if any(c.isdigit() for c in request.GET.get("q", "")):
        # A CPR number, or part of one, in an address ends up in access logs and browser
        # history: such a search is not run, echoed or logged — only the form (POST) searches.
        messages.error(request, _("Search by CPR number with the search field, not the address."))
        return redirect("patients:list")
    # A POST searches with its own body only, never with a query string beside it.
    form = SearchForm((request.POST if request.method == "POST" else request.GET) or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    search = services.search_patients(access.patients(request), query)
    # In the order of the clinic's (clinic, name, id) index; the id breaks ties between
    # namesakes, so that a page never repeats or skips one.
    page = Paginator(search.patients.order_by("name", "id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    # Episodes counted for this page's patients only, not grouped over the whole clinic.
    counts = dict(
        access.episodes(request)
        .filter(patient__in=[p.pk for p in page])
        .order_by()
        .values_list("patient")
        .annotate(n=Count("id"))
    )
    for patient in page:
        patient.episode_count = counts.get(patient.pk, 0)
    if search.kind == "cpr":
        form = SearchForm()  # the number is not echoed back into the page
    # The query itself is not logged: it may be a CPR number.
    record(
        request,
        services.LIST_VIEWED,
        object_type="patient_list",
        search=search.kind,
        patients=[str(p.public_id) for p in page],
    )
    context = {
        "form": form,
        "page": page,
        "search": search,
        "query_given": bool(query),
        # A name search (no digits, so it may be in an address) follows the pages; a search
        # by number is POST only and answers in one page (PAGE_SIZE births on one day).
        "keep": query if search.kind == "name" else None,
    }
    return render(request, "patients/patient_list.html", context)


@verified_staff
@permission_required("patients.add_patient", raise_exception=True)
def patient_create(request: HttpRequest) -> HttpResponse:
    clinic = access.clinic_of(request)
    if clinic is None:
        raise PermissionDenied("not working in a clinic")
    form = PatientForm(request.POST or None, instance=Patient(clinic=clinic))
    if request.method == "POST" and form.is_valid():
        patient = services.save_patient(
            form.save(commit=False),
            cpr=form.cleaned_data["cpr"],
            fields=services.changed_fields(form),
            request=request,
        )
        messages.success(request, _("Patient registered. Now open an episode of care."))
        return redirect("patients:episode_create", patient.public_id)
    return render(request, "patients/patient_form.html", {"form": form})


@verified_staff
@permission_required("patients.change_patient", raise_exception=True)
def patient_edit(request: HttpRequest, public_id: UUID) -> HttpResponse:
    patient = access.patient(request, public_id)
    form = PatientForm(request.POST or None, instance=patient)
    if request.method == "POST" and form.is_valid():
        services.save_patient(
            form.save(commit=False),
            cpr=form.cleaned_data["cpr"],
            clear_cpr=form.cleaned_data.get("clear_cpr", False),
            fields=services.changed_fields(form),
            request=request,
        )
        messages.success(request, _("Patient details saved."))
        return redirect("clinic:patient", patient.public_id)
    record(request, services.FORM_VIEWED, patient=patient, obj=patient, form="edit")
    return render(request, "patients/patient_form.html", {"form": form, "patient": patient})


@verified_staff
@permission_required("patients.add_episode", raise_exception=True)
def episode_create(request: HttpRequest, public_id: UUID) -> HttpResponse:
    patient = access.patient(request, public_id)
    form = EpisodeForm(request.POST or None, instance=Episode(patient=patient))
    if request.method == "POST" and form.is_valid():
        episode = services.save_episode(
            form.save(commit=False), intake=form.intake(), request=request
        )
        messages.success(request, _("Episode opened and classified."))
        return redirect(reverse("clinic:episode", args=[patient.public_id, episode.public_id]))
    record(request, services.FORM_VIEWED, patient=patient, obj=patient, form="new episode")
    return render(request, "patients/episode_form.html", {"form": form, "patient": patient})


@verified_staff
@permission_required("patients.change_episode", raise_exception=True)
def episode_edit(request: HttpRequest, public_id: UUID, episode_id: UUID) -> HttpResponse:
    patient = access.patient(request, public_id)
    episode = access.episode(request, episode_id, patient=patient)
    form = EpisodeForm(request.POST or None, instance=episode)
    if request.method == "POST" and form.is_valid():
        services.save_episode(
            form.save(commit=False),
            intake=form.intake(),
            fields=sorted(form.changed_data),
            request=request,
        )
        messages.success(request, _("Episode saved and classified again."))
        return redirect(reverse("clinic:episode", args=[patient.public_id, episode.public_id]))
    record(request, services.FORM_VIEWED, patient=patient, obj=episode, form="edit episode")
    context = {"form": form, "patient": patient, "episode": episode}
    return render(request, "patients/episode_form.html", context)


@require_POST
@verified_staff
def choose_clinic(request: HttpRequest) -> HttpResponse:
    """Work in another of one's clinics: every list and page shows that clinic's records."""
    try:
        clinic_id = int(request.POST.get("clinic", ""))
    except ValueError:
        raise Http404("no such clinic") from None
    membership = access.choose_clinic(request, clinic_id)
    messages.success(
        request, _("You are now working in %(clinic)s.") % {"clinic": membership.clinic.name}
    )
    return redirect(settings.LOGIN_REDIRECT_URL)
