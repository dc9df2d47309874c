"""Clinician pages for follow-up: start a plan, withdraw it, record a phone or paper answer.

Each view authorises, validates, calls a service and redirects back to the patient page's
follow-up card; every one writes an audit entry naming the patient (the services do for
changes, the record page for its view).
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from painpath.accounts.decorators import verified_staff
from painpath.audit.services import record
from painpath.core import questionnaires as fhir
from painpath.followup import services
from painpath.followup.forms import SHOWN, RecordForm, StartPlanForm, instrument_forms
from painpath.followup.models import FollowUpPoint
from painpath.patients import access
from painpath.patients.models import Episode, Patient
from painpath.questionnaires import sending


def _episode(request: HttpRequest, public_id: UUID) -> Episode:
    return access.episode(request, public_id)


def _card(episode: Episode) -> HttpResponseRedirect:
    url = reverse("clinic:episode", args=[episode.patient.public_id, episode.public_id])
    return HttpResponseRedirect(f"{url}#followup")


@require_POST
@verified_staff
@permission_required("followup.add_followupplan", raise_exception=True)
def start(request: HttpRequest, episode_id: UUID) -> HttpResponse:
    episode = _episode(request, episode_id)
    form = StartPlanForm(request.POST, episode=episode)
    if not form.is_valid():
        messages.error(
            request,
            _("Follow-up not started: %(errors)s")
            % {"errors": " ".join(m for ms in form.errors.values() for m in ms)},
        )
        return _card(episode)
    try:
        plan = services.start_plan(
            episode,
            form.cleaned_data["protocol"],
            form.cleaned_data["index_date"],
            request.user,
            language=form.cleaned_data["language"],
            request=request,
        )
    except services.FollowUpError as error:
        messages.error(request, str(error))
        return _card(episode)
    messages.success(
        request,
        _("Follow-up started: %(count)s time points from %(date)s.")
        % {"count": plan.points.count(), "date": date_format(plan.index_date, "DATE_FORMAT")},
    )
    unreachable = _unreachable(episode.patient)
    if unreachable:
        messages.warning(request, unreachable)
    return _card(episode)


def _unreachable(patient: Patient) -> str:
    """Why no link or reminder of the plan can reach the patient, if none can."""
    if not patient.email and not patient.phone:
        return _(
            "The patient has neither an e-mail address nor a phone number on record, so no "
            "link or reminder can be sent: add one to the patient's details, or record the "
            "answers by phone or on paper."
        )
    if not patient.email and not sending.sms_available():
        return _(
            "The patient has no e-mail address, and painpath sends no text messages here: "
            "no link or reminder can be sent. Add an e-mail address, or record the answers "
            "by phone or on paper."
        )
    return ""


@require_POST
@verified_staff
@permission_required("followup.change_followupplan", raise_exception=True)
def withdraw(request: HttpRequest, episode_id: UUID) -> HttpResponse:
    episode = _episode(request, episode_id)
    plan = services.active_plan(episode)
    if plan is None:
        messages.error(request, _("There is no active follow-up plan to withdraw."))
        return _card(episode)
    services.withdraw(plan, request.user, request=request)
    messages.success(request, _("Follow-up withdrawn: no more links or reminders will be sent."))
    return _card(episode)


@never_cache
@require_http_methods(["GET", "POST"])
@verified_staff
@permission_required("followup.change_followupplan", raise_exception=True)
@permission_required("questionnaires.add_questionnaireresponse", raise_exception=True)
def record_answer(request: HttpRequest, episode_id: UUID) -> HttpResponse:
    episode = _episode(request, episode_id)
    plan = services.active_plan(episode) or episode.followup_plans.first()
    context: dict[str, object] = {"episode": episode, "patient": episode.patient, "plan": plan}
    if plan is None:
        record(
            request,
            services.RECORD_FORM_VIEWED,
            patient=episode.patient,
            obj=episode,
            page="record follow-up",
        )
        return render(request, "followup/record.html", context)
    protocol = services.protocol_of(plan)
    data = request.POST if request.method == "POST" else None
    form = RecordForm(data, plan=plan, initial=_initial(plan))
    sections = instrument_forms(services.instruments_of(plan), plan.language, data)
    if request.method == "POST":
        valid = form.is_valid()
        valid = all([form_.is_valid() for _c, _t, form_ in sections]) and valid
        if valid:
            answers = {code: form_.answers() for code, _t, form_ in sections}
            wordings = (
                {code: fhir.wording_of(form_.questionnaire) for code, _t, form_ in sections}
                if form.cleaned_data["wording"] == SHOWN
                else {}
            )
            try:
                answer = services.record_by_clinician(
                    form.cleaned_data["point"],
                    answered_on=form.cleaned_data["answered_on"],
                    source=form.cleaned_data["source"],
                    answers=answers,
                    language=plan.language,
                    user=request.user,
                    wordings=wordings,
                    request=request,
                )
            except services.AnswersInvalid as invalid:
                for code, _t, form_ in sections:
                    if code in invalid.errors:
                        form_.add_error(None, invalid.errors[code])
            else:
                if answer.in_window:
                    messages.success(request, _("Follow-up recorded."))
                else:
                    messages.warning(
                        request,
                        _(
                            "Follow-up recorded on the %(months)s-month time point, flagged: "
                            "answered %(days)s days from its target date, outside its window."
                        )
                        % {"months": answer.point.months, "days": answer.days_from_target},
                    )
                return _card(episode)
    else:
        record(
            request,
            services.RECORD_FORM_VIEWED,
            patient=episode.patient,
            obj=plan,
            page="record follow-up",
        )
    context.update(
        form=form,
        sections=sections,
        protocol=protocol,
        protocol_title=protocol.title_in(get_language() or "en"),
    )
    return render(request, "followup/record.html", context, status=422 if data else 200)


def _initial(plan: object) -> dict[str, object]:
    today = timezone.localdate()
    points = list(plan.points.all())  # type: ignore[attr-defined]
    # The point most likely being recorded: the first one not answered whose window has
    # opened (an overdue one first), else the nearest.
    open_ = [p for p in points if p.status in (*FollowUpPoint.OPEN, FollowUpPoint.Status.MISSED)]
    started = [p for p in open_ if p.window_start <= today]
    choice = started[0] if started else (open_[0] if open_ else None)
    return {"answered_on": today, "source": "phone", "point": choice.pk if choice else None}
