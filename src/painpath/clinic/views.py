"""The clinician's workspace: the worklist, the patient page and its quick actions.

Views stay thin — authorise, validate, call a service, respond: an htmx partial when the
request came from htmx, else a redirect back to the patient page (so every form also
works without JavaScript). The services write the audit entries of changes; a GET writes
nothing but the audit entry of the reading.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from painpath.accounts.decorators import verified_staff
from painpath.audit.services import viewer_summary
from painpath.clinic import services as clinic
from painpath.clinic.display import SESSION_IDS, episode_panel, overview
from painpath.clinic.forms import ClinicSettingsForm, ProtocolEditForm, ProtocolImportForm
from painpath.core.followup import ProtocolError
from painpath.core.rules import InvalidEpisode
from painpath.followup import services as followup
from painpath.pathway import services
from painpath.pathway.forms import (
    AcknowledgeForm,
    CourseForm,
    ImagingForm,
    MedicationDecisionForm,
    MedicationForm,
    ProcedureForm,
    ReadinessForm,
    SessionForm,
)
from painpath.pathway.models import Classification
from painpath.patients import access, consent
from painpath.patients import services as patients
from painpath.patients.forms import REGION_LABELS
from painpath.patients.models import Clinic, ConsentDecision, Episode, Medication, Patient


def _episode(request: HttpRequest, public_id: UUID) -> Episode:
    return access.episode(request, public_id)


def episode_url(episode: Episode, anchor: str = "") -> str:
    url = reverse("clinic:episode", args=[episode.patient.public_id, episode.public_id])
    return f"{url}#{anchor}" if anchor else url


def _back(request: HttpRequest, episode: Episode, anchor: str) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(episode_url(episode, anchor))


def _form_errors(form: Any) -> str:
    return "; ".join(
        f"{form.fields[name].label if name in form.fields else ''}: {' '.join(errors)}".lstrip(": ")
        for name, errors in form.errors.items()
    )


@verified_staff
@permission_required("patients.view_episode", raise_exception=True)
def worklist(request: HttpRequest) -> HttpResponse:
    pages = {
        key: int(value)
        for key in clinic.SECTIONS
        if (value := request.GET.get(key, "")).isdigit() and len(value) < 7
    }
    work = clinic.view_worklist(request, pages)
    return render(
        request,
        "clinic/worklist.html",
        {"work": work, "pager": _pager(request, work), "ack_form": AcknowledgeForm()},
    )


def _pager(request: HttpRequest, work: clinic.Worklist) -> dict[str, dict[str, str]]:
    """The previous and next page links of each worklist section, keeping the other
    sections' pages and returning to the section."""

    def link(key: str, number: int) -> str:
        query = request.GET.copy()
        query[key] = str(number)
        return f"?{query.urlencode()}#wl-{key}"

    return {
        key: {
            "previous": link(key, page.previous) if page.has_previous else "",
            "next": link(key, page.next) if page.has_next else "",
        }
        for key, page in work.pages.items()
    }


@verified_staff
@permission_required("patients.view_patient", raise_exception=True)
@permission_required("patients.view_episode", raise_exception=True)
def patient_detail(
    request: HttpRequest, public_id: UUID, episode_id: UUID | None = None
) -> HttpResponse:
    patient = access.patient(request, public_id)
    episodes = list(patient.episodes.order_by("status", "-created_at"))
    episode: Episode | None
    if episode_id is not None:
        episode = access.episode(request, episode_id, patient=patient)
    else:
        episode = episodes[0] if episodes else None
    # Recorded first, so that "who looked at this record" includes this visit.
    clinic.record_patient_view(
        request, patient, episode=str(episode.public_id) if episode else None
    )
    context: dict[str, Any] = {
        "patient": patient,
        "age": services.age_today(patient),
        "age_notice": services.age_notice(patient),
        "episodes": episodes,
        "viewers": viewer_summary(patient),
        "consent_rows": _consent_rows(patient),
    }
    if episode is not None:
        classification = services.current_classification(episode)
        context.update(episode_panel(episode, classification))
        context.update(overview(context, timezone.localdate()))
        # The newest changes, and the whole history on request: a long-treated episode
        # would otherwise make every visit read every run it ever had.
        whole = request.GET.get("history") == "all"
        history = services.history(
            episode,
            limit=None if whole else HISTORY_SHOWN + 1,
            axes=services.history_axes(classification),
        )
        context.update(
            history=history[:HISTORY_SHOWN] if not whole else history,
            history_more=not whole and len(history) > HISTORY_SHOWN,
            region_label=REGION_LABELS.get(episode.region, episode.region),
        )
    return render(request, "clinic/patient_detail.html", context)


HISTORY_SHOWN = 20


def _consent_rows(patient: Patient) -> list[dict[str, Any]]:
    now = consent.current(patient)
    defaults = {
        ConsentDecision.Purpose.CARE: _("counted in the clinic's own report"),
        ConsentDecision.Purpose.RESEARCH: _("not sent to research"),
    }
    return [
        {"purpose": purpose, "label": label, "decision": now[purpose], "default": defaults[purpose]}
        for purpose, label in ConsentDecision.Purpose.choices
    ]


class WithdrawConsentForm(forms.Form):
    purpose = forms.ChoiceField(choices=ConsentDecision.Purpose.choices)
    note = forms.CharField(max_length=300, required=False)


@require_POST
@verified_staff
@permission_required("patients.change_episode", raise_exception=True)
def withdraw_consent(request: HttpRequest, public_id: UUID) -> HttpResponse:
    patient = access.patient(request, public_id)
    form = WithdrawConsentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nothing recorded: %s") % _form_errors(form))
    else:
        try:
            consent.withdraw(
                patient,
                form.cleaned_data["purpose"],
                source=ConsentDecision.Source.STAFF,
                user=request.user,
                request=request,
                note=form.cleaned_data["note"],
            )
        except consent.NothingToWithdraw:
            messages.error(request, _("Nothing recorded: there is no consent to withdraw."))
        else:
            messages.success(request, _("Withdrawal recorded. It applies from now on."))
    return HttpResponseRedirect(reverse("clinic:patient", args=[patient.public_id]) + "#consent")


@require_POST
@verified_staff
@permission_required("pathway.add_redflagacknowledgement", raise_exception=True)
def acknowledge(request: HttpRequest, episode_id: UUID) -> HttpResponse:
    episode = _episode(request, episode_id)
    form = AcknowledgeForm(request.POST)
    if "classification" in form.errors:
        raise Http404
    classification = get_object_or_404(
        Classification, pk=form["classification"].value(), episode=episode
    )
    if services.red_flag_grade(classification) is None:
        raise Http404  # nothing to acknowledge in that run
    if form.is_valid():
        services.acknowledge_red_flag(
            classification,
            user=request.user,
            action=form.cleaned_data["action"],
            note=form.cleaned_data["note"],
            request=request,
        )
        if not request.htmx:
            messages.success(
                request, _("Red flag for %(name)s acknowledged.") % {"name": episode.patient.name}
            )
            return _back(request, episode, "red-flag")
    elif not request.htmx:
        messages.error(request, _("Not acknowledged: %s") % _form_errors(form))
        return _back(request, episode, "red-flag")
    # htmx swaps only a 2xx answer: an invalid form comes back with its errors as a 200.
    context = {**episode_panel(episode, classification), "ack_form": form}
    clinic.record_partial_view(request, episode, "red flags")
    return render(request, "clinic/_red_flag.html", context)


@require_POST
@verified_staff
@permission_required("pathway.add_treatmentsession", raise_exception=True)
def log_session(request: HttpRequest, episode_id: UUID) -> HttpResponse:
    episode = _episode(request, episode_id)
    form = SessionForm(request.POST, episode=episode, auto_id=SESSION_IDS)
    if form.is_valid():
        data = form.cleaned_data
        services.log_session(
            data["course"],
            date=data["date"],
            dose=data["dose"],
            pain_before=data["pain_before"],
            pain_after=data["pain_after"],
            user=request.user,
            request=request,
        )
        if not request.htmx:
            messages.success(request, _("Session logged."))
            return _back(request, episode, "treatments")
        form = SessionForm(episode=episode, auto_id=SESSION_IDS)
    elif not request.htmx:
        messages.error(request, _("The session was not logged: %s") % _form_errors(form))
        return _back(request, episode, "treatments")
    classification = services.latest_classification(episode)
    clinic.record_partial_view(request, episode, "treatments")
    context = {**episode_panel(episode, classification), "session_form": form, "oob": True}
    context["history"] = services.history(episode, limit=HISTORY_SHOWN)
    return render(request, "clinic/_session_logged.html", context)


# A quick action: one small form on the patient page, one service call, back to the page.
Save = Callable[[HttpRequest, Episode, Any], object]


def _quick_action(
    permission: str, form_class: type[forms.Form], save: Save, anchor: str, done: Promise
) -> Callable[..., HttpResponse]:
    @require_POST
    @verified_staff
    @permission_required(permission, raise_exception=True)
    def view(request: HttpRequest, episode_id: UUID) -> HttpResponse:
        episode = _episode(request, episode_id)
        form = form_class(request.POST)
        if form.is_valid():
            try:
                save(request, episode, form)
            except InvalidEpisode as refused:
                # E.g. a 41st imaging study: more than the episode schema holds. The service's
                # transaction stored nothing; say what the rules refuse instead of a 500.
                problems = "; ".join(f"{where}: {what}" for where, what in refused.problems)
                messages.error(request, _("Not saved: the rules cannot take it (%s).") % problems)
            else:
                messages.success(request, str(done))
        else:
            messages.error(request, _("Not saved: %s") % _form_errors(form))
        return _back(request, episode, anchor)

    return view


def _imaging(request: HttpRequest, episode: Episode, form: ImagingForm) -> object:
    fields = {
        k: form.cleaned_data[k] for k in ("kind", "region", "date", "requested_on", "received_on")
    }
    return patients.add_imaging(
        episode, findings=form.findings(), user=request.user, request=request, **fields
    )


add_course = _quick_action(
    "pathway.add_treatmentcourse",
    CourseForm,
    lambda request, episode, form: services.start_course(
        episode, user=request.user, request=request, **form.cleaned_data
    ),
    "treatments",
    gettext_lazy("Treatment course started."),
)
add_imaging = _quick_action(
    "patients.change_episode", ImagingForm, _imaging, "imaging", gettext_lazy("Imaging added.")
)
add_medication = _quick_action(
    "patients.change_episode",
    MedicationForm,
    lambda request, episode, form: patients.add_medication(
        episode, user=request.user, request=request, **form.cleaned_data
    ),
    "readiness",
    gettext_lazy("Medication added."),
)


def _decide_medication(
    request: HttpRequest, episode: Episode, form: MedicationDecisionForm
) -> object:
    data = form.cleaned_data
    medication = get_object_or_404(Medication, pk=data["medication"], episode=episode)
    return patients.decide_medication(
        medication,
        decision=data["decision"],
        days=data["days"],
        reason=data["reason"],
        indication=data["indication"],
        dose_level=data["dose_level"],
        renal_impaired=data["renal_impaired"],
        user=request.user,
        request=request,
    )


decide_medication = _quick_action(
    "patients.change_episode",
    MedicationDecisionForm,
    _decide_medication,
    "readiness",
    gettext_lazy("Decision on the blood thinner recorded."),
)
book_procedure = _quick_action(
    "patients.change_episode",
    ProcedureForm,
    lambda request, episode, form: services.book_procedure(
        episode, user=request.user, request=request, **form.cleaned_data
    ),
    "readiness",
    gettext_lazy("Procedure booking saved."),
)


@require_POST
@verified_staff
@permission_required("pathway.change_readinessitem", raise_exception=True)
def set_readiness(request: HttpRequest, episode_id: UUID) -> HttpResponse:
    episode = _episode(request, episode_id)
    form = ReadinessForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Not saved: %s") % _form_errors(form))
        return _back(request, episode, "readiness")
    data = form.cleaned_data
    _item, classification = services.set_readiness(
        episode,
        data["item"],
        state=data["state"],
        date=data["date"],
        user=request.user,
        request=request,
    )
    if request.htmx:
        context = episode_panel(episode, classification)
        clinic.record_partial_view(request, episode, "readiness")
        return render(request, "clinic/_readiness.html", context)
    messages.success(request, _("Checklist updated."))
    return _back(request, episode, "readiness")


@verified_staff
@permission_required("patients.change_clinic", raise_exception=True)
def clinic_settings(request: HttpRequest) -> HttpResponse:
    """The clinic administrator's settings of the clinic they work in: what its patients see
    (name, address, phone), how long links last, which questionnaires each region asks."""
    clinic = access.clinic_of(request)
    if clinic is None:
        raise Http404("not working in a clinic")
    form = ClinicSettingsForm(request.POST or None, instance=clinic)
    if request.method == "POST" and form.is_valid():
        patients.save_clinic_settings(
            form.save(commit=False),
            fields=form.changed_data,
            user=request.user,
            request=request,
        )
        messages.success(request, _("The clinic's settings are saved."))
        return HttpResponseRedirect(reverse("clinic:settings"))
    return render(request, "clinic/settings.html", {"form": form, "clinic": clinic})


# --------------------------------------------------------------------------- protocols
# Follow-up protocols are each clinic's own (on the shipped files as the base): its clinic
# administrator's new version applies to that clinic's new plans only (a plan keeps the
# version it started with). Each save is a new version, audited by
# painpath.followup.services.save_protocol.


def _working_clinic(request: HttpRequest) -> Clinic:
    clinic = access.clinic_of(request)
    if clinic is None:
        raise Http404("not working in a clinic")
    return clinic


@verified_staff
@permission_required("followup.view_protocolversion", raise_exception=True)
def protocol_list(request: HttpRequest) -> HttpResponse:
    language = translation.get_language() or "en"
    rows = [
        {
            "id": protocol_id,
            "title": entry.protocol.title_in(language),
            "version": entry.version,
            "source": entry.source,
        }
        for protocol_id, entry in sorted(
            followup.current_protocols(_working_clinic(request).pk).items()
        )
    ]
    return render(request, "clinic/protocols.html", {"rows": rows})


def _versions(request: HttpRequest, protocol_id: str) -> list[followup.ProtocolEntry]:
    versions = followup.protocol_versions(protocol_id, _working_clinic(request).pk)
    if not versions:
        raise Http404("no such protocol")
    return versions


@verified_staff
@permission_required("followup.view_protocolversion", raise_exception=True)
def protocol_detail(request: HttpRequest, protocol_id: str) -> HttpResponse:
    versions = _versions(request, protocol_id)
    current = versions[0]
    return render(
        request,
        "clinic/protocol_detail.html",
        {
            "protocol_id": protocol_id,
            "current": current,
            "title": current.protocol.title_in(translation.get_language() or "en"),
            "versions": versions,
        },
    )


def _save_version(
    request: HttpRequest, form: forms.Form, field: str, protocol_id: str | None, how: str
) -> HttpResponse | None:
    """Store the form's YAML as a new version (the redirect to its protocol page), or put the
    loader's message at the field (None: show the form again; nothing is stored)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        row = followup.save_protocol(
            form.cleaned_data[field],
            note=form.cleaned_data["note"],
            user=request.user,
            clinic=_working_clinic(request),
            protocol_id=protocol_id,
            how=how,
            request=request,
        )
    except ProtocolError as error:
        form.add_error(field, str(error))
        return None
    messages.success(
        request,
        _("Version %(version)s of %(id)s is saved.")
        % {"version": row.version, "id": row.protocol_id},
    )
    return HttpResponseRedirect(reverse("clinic:protocol", args=[row.protocol_id]))


@verified_staff
@permission_required("followup.add_protocolversion", raise_exception=True)
def protocol_edit(request: HttpRequest, protocol_id: str) -> HttpResponse:
    current = _versions(request, protocol_id)[0]
    form = ProtocolEditForm(request.POST or None, initial={"text": current.text})
    saved = _save_version(request, form, "text", protocol_id, "edited")
    return saved or render(
        request,
        "clinic/protocol_edit.html",
        {"form": form, "protocol_id": protocol_id, "current": current},
    )


@verified_staff
@permission_required("followup.add_protocolversion", raise_exception=True)
def protocol_import(request: HttpRequest) -> HttpResponse:
    form = ProtocolImportForm(request.POST or None, request.FILES or None)
    saved = _save_version(request, form, "file", None, "imported")
    return saved or render(request, "clinic/protocol_import.html", {"form": form})


@verified_staff
@permission_required("followup.view_protocolversion", raise_exception=True)
def protocol_export(request: HttpRequest, protocol_id: str, version: str) -> HttpResponse:
    for entry in _versions(request, protocol_id):
        if entry.version == version:
            response = HttpResponse(entry.text, content_type="application/yaml; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{protocol_id}-{version}.yaml"'
            return response
    raise Http404("no such version")
