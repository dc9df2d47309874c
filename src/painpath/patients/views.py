"""Patients: the list with search, the patient form, the episode form and the patient page.

Every view that shows or changes a patient writes an audit entry naming the patient. The
full CPR number is never shown or logged: lists show the masked form, and a CPR search is
sent by POST so the number does not end up in a URL, an access log or the audit path.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from painpath.accounts.decorators import verified_staff
from painpath.audit import services as audit
from painpath.audit.models import AuditEntry
from painpath.audit.services import record
from painpath.pathway import services as pathway
from painpath.pathway.display import episode_panel
from painpath.patients import services
from painpath.patients.forms import REGION_LABELS, EpisodeForm, PatientForm, SearchForm
from painpath.patients.models import Episode, Patient

PAGE_SIZE = 50


@verified_staff
@permission_required("patients.view_patient", raise_exception=True)
def patient_list(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.POST or request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    search = services.search_patients(query)
    patients = search.patients.annotate(episode_count=Count("episodes")).order_by("name", "id")
    page = Paginator(patients, PAGE_SIZE).get_page(request.GET.get("page"))
    if search.kind == "cpr":
        form = SearchForm()  # the number is not echoed back into the page
    # The query itself is not logged: it may be a CPR number.
    record(
        request,
        "view",
        object_type="patient_list",
        search=search.kind,
        patients=[str(p.public_id) for p in page],
    )
    context = {"form": form, "page": page, "search": search, "query_given": bool(query)}
    return render(request, "patients/patient_list.html", context)


@verified_staff
@permission_required("patients.add_patient", raise_exception=True)
def patient_create(request: HttpRequest) -> HttpResponse:
    form = PatientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        patient = services.save_patient(form.save(commit=False), cpr=form.cleaned_data["cpr"])
        record(
            request, "create", patient=patient, obj=patient, fields=services.changed_fields(form)
        )
        messages.success(request, _("Patient registered. Now open an episode of care."))
        return redirect("patients:episode_create", patient.public_id)
    return render(request, "patients/patient_form.html", {"form": form})


@verified_staff
@permission_required("patients.change_patient", raise_exception=True)
def patient_edit(request: HttpRequest, public_id: UUID) -> HttpResponse:
    patient = get_object_or_404(Patient, public_id=public_id)
    form = PatientForm(request.POST or None, instance=patient)
    if request.method == "POST" and form.is_valid():
        services.save_patient(
            form.save(commit=False),
            cpr=form.cleaned_data["cpr"],
            clear_cpr=form.cleaned_data.get("clear_cpr", False),
        )
        record(
            request, "change", patient=patient, obj=patient, fields=services.changed_fields(form)
        )
        messages.success(request, _("Patient details saved."))
        return redirect("patients:detail", patient.public_id)
    record(request, "view", patient=patient, obj=patient, form="edit")
    return render(request, "patients/patient_form.html", {"form": form, "patient": patient})


def viewers(patient: Patient, limit: int = 10) -> list[dict[str, Any]]:
    """Who opened this patient's record, most recent first: user, last time, how often."""
    summary = getattr(audit, "viewer_summary", None)
    if summary is not None:
        return [
            {"username": v.username, "last": v.last, "count": v.count}
            for v in summary(patient, limit=limit)
        ]
    viewers_of = getattr(audit, "viewers_of", None)
    if viewers_of is not None:
        rows = []
        for item in list(viewers_of(patient))[:limit]:
            if isinstance(item, dict):
                rows.append(item)
            else:
                rows.append(
                    {
                        "username": getattr(item, "username", str(item)),
                        "last": getattr(item, "last", getattr(item, "at", None)),
                        "count": getattr(item, "count", None),
                    }
                )
        return rows
    return list(
        AuditEntry.objects.filter(patient=patient, action="view")
        .values("username")
        .annotate(last=Max("at"), count=Count("id"))
        .order_by("-last")[:limit]
    )


@verified_staff
@permission_required("patients.view_patient", raise_exception=True)
@permission_required("patients.view_episode", raise_exception=True)
def patient_detail(
    request: HttpRequest, public_id: UUID, episode_id: UUID | None = None
) -> HttpResponse:
    patient = get_object_or_404(Patient, public_id=public_id)
    episodes = list(patient.episodes.order_by("status", "-created_at"))
    episode: Episode | None
    if episode_id is not None:
        episode = get_object_or_404(Episode, public_id=episode_id, patient=patient)
    else:
        episode = episodes[0] if episodes else None
    # Recorded first, so that "who looked at this record" includes this visit.
    record(
        request,
        "view",
        patient=patient,
        obj=patient,
        episode=str(episode.public_id) if episode else None,
    )
    context: dict[str, Any] = {
        "patient": patient,
        "age": patient.age_on(timezone.localdate()),
        "episodes": episodes,
        "viewers": viewers(patient),
    }
    if episode is not None:
        classification = pathway.current_classification(episode)
        context.update(episode_panel(episode, classification))
        context.update(
            history=pathway.history(episode),
            region_label=REGION_LABELS.get(episode.region, episode.region),
        )
    return render(request, "patients/patient_detail.html", context)


@verified_staff
@permission_required("patients.add_episode", raise_exception=True)
def episode_create(request: HttpRequest, public_id: UUID) -> HttpResponse:
    patient = get_object_or_404(Patient, public_id=public_id)
    form = EpisodeForm(request.POST or None, instance=Episode(patient=patient))
    if request.method == "POST" and form.is_valid():
        episode = services.save_episode(form.save(commit=False), intake=form.intake())
        pathway.classify_episode(episode, trigger="episode opened")
        record(request, "create", patient=patient, obj=episode)
        messages.success(request, _("Episode opened and classified."))
        return redirect(reverse("patients:episode", args=[patient.public_id, episode.public_id]))
    record(request, "view", patient=patient, obj=patient, form="new episode")
    return render(request, "patients/episode_form.html", {"form": form, "patient": patient})


@verified_staff
@permission_required("patients.change_episode", raise_exception=True)
def episode_edit(request: HttpRequest, public_id: UUID, episode_id: UUID) -> HttpResponse:
    patient = get_object_or_404(Patient, public_id=public_id)
    episode = get_object_or_404(Episode, public_id=episode_id, patient=patient)
    form = EpisodeForm(request.POST or None, instance=episode)
    if request.method == "POST" and form.is_valid():
        services.save_episode(form.save(commit=False), intake=form.intake())
        pathway.classify_episode(episode, trigger="episode changed")
        record(request, "change", patient=patient, obj=episode, fields=sorted(form.changed_data))
        messages.success(request, _("Episode saved and classified again."))
        return redirect(reverse("patients:episode", args=[patient.public_id, episode.public_id]))
    record(request, "view", patient=patient, obj=episode, form="edit episode")
    context = {"form": form, "patient": patient, "episode": episode}
    return render(request, "patients/episode_form.html", context)
