"""Instruments the clinician records at the visit (issue 15): those with items a patient
cannot answer — the full DN4, whose last three items are the examination of the painful area.

Patient links, clinic questionnaire sets and follow-up protocols refuse such instruments, so
this page is their one way in: "Record an examination instrument" on the patient page lists
every instrument whose respondent is the clinician (``Instrument.respondent`` in the core's
REGISTRY), then shows the chosen one's items from its FHIR Questionnaire in the clinician's
language. Items a patient already answered in a patient instrument with the same item codes
(the DN4-interview's dn4q1…dn4q7) are filled in from the latest such response, and the page
says so. :func:`record_examination` stores the answers the way every scored questionnaire is
stored (``store_scored_response``: source clinician, the wording of the Questionnaire shown,
the date of the visit), writes its audit entry and reclassifies the episode, so that the
neuropathic grading shows the DN4 screening note — all in one transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from painpath.accounts.decorators import verified_staff
from painpath.audit.services import Event, record
from painpath.clinic.bands import band_label
from painpath.clinic.views import episode_url
from painpath.core import questionnaires as fhir
from painpath.core import vocabularies
from painpath.core.errors import PainpathError, ScoringError
from painpath.core.instruments import REGISTRY
from painpath.core.instruments import get as get_instrument
from painpath.core.questionnaires import WordingRef
from painpath.followup.forms import instrument_forms
from painpath.pathway.services import classify_episode
from painpath.patients import access
from painpath.patients.forms import DateInput, limit_dates
from painpath.patients.models import Episode
from painpath.questionnaires.forms import InstrumentForm
from painpath.questionnaires.models import QuestionnaireResponse
from painpath.questionnaires.services import store_scored_response

EXAMINATION_RECORDED = Event("clinic.examination.recorded", "create")
EXAMINATION_FORM_VIEWED = Event("clinic.examination_form.viewed", "view")
ANCHOR = "classification"


class ExaminationError(PainpathError):
    """Answers that cannot be recorded; ``item`` names the item, if one is at fault."""

    def __init__(self, message: str, *, item: str | None = None) -> None:
        self.item = item
        super().__init__(message)


def clinician_instruments() -> list[str]:
    """Every instrument only a clinician can answer, as the core's REGISTRY says."""
    return sorted(code for code, cls in REGISTRY.items() if cls.respondent == "clinician")


def patient_parts(code: str) -> list[str]:
    """The patient instruments whose items are all items of ``code`` (dn4i for dn4)."""
    items = {item.code for item in REGISTRY[code].items}
    return sorted(
        other
        for other, cls in REGISTRY.items()
        if cls.respondent == "patient" and {item.code for item in cls.items} <= items
    )


@dataclass(frozen=True)
class Prefill:
    """What the patient already answered of a clinician's instrument."""

    response: QuestionnaireResponse
    title: str
    answers: dict[str, Any]


def prefill_of(episode: Episode, code: str) -> Prefill | None:
    """The latest response of the episode to a patient part of ``code``, or None."""
    parts = patient_parts(code)
    if not parts:
        return None
    response = (
        episode.responses.filter(instrument__in=parts)
        .exclude(answers={})
        .order_by("-answered_on", "-id")
        .first()
    )
    if response is None:
        return None
    items = {item.code for item in REGISTRY[code].items}
    answers = {k: v for k, v in (response.answers or {}).items() if k in items and v is not None}
    if not answers:
        return None
    return Prefill(response, REGISTRY[response.instrument].title, answers)


def record_examination(
    episode: Episode,
    instrument: str,
    answers: dict[str, Any],
    *,
    answered_on: dt.date,
    language: str,
    wording: WordingRef,
    user: Any,
    request: HttpRequest | None = None,
) -> QuestionnaireResponse:
    """Score and store the clinician's ``answers`` to ``instrument`` (one with examination
    items) as taken at the visit on ``answered_on``, audit it and reclassify the episode —
    all or nothing. Raises :class:`ExaminationError` naming the instrument or the item."""
    allowed = clinician_instruments()
    if instrument not in allowed:
        raise ExaminationError(
            f"{instrument!r} is not an instrument the clinician records at the visit; "
            f"choose one of {', '.join(allowed) or '(none)'}"
        )
    try:
        result = get_instrument(instrument).score(answers)
    except ScoringError as error:
        raise ExaminationError(str(error), item=error.item) from None
    with transaction.atomic():
        response = store_scored_response(
            episode,
            instrument,
            answers,
            result,
            source=QuestionnaireResponse.Source.CLINICIAN,
            language=language,
            wording=wording,
            answered_on=answered_on,
            recorded_by=user,
        )
        record(
            request,
            EXAMINATION_RECORDED,
            user=user,
            patient=episode.patient,
            obj=response,
            instrument=instrument,
            score=result.score,
            band=result.band or "",
            answered_on=answered_on.isoformat(),
        )
        classify_episode(episode, trigger=f"{instrument} recorded by the clinician")
    return response


# --------------------------------------------------------------------------- the page


def _language() -> str:
    language = (translation.get_language() or "en").split("-")[0]
    return language if language in vocabularies.language_codes() else "en"


def _title(code: str, language: str) -> str:
    return str(fhir.load(code, language).get("title", REGISTRY[code].title))


class ChooseForm(forms.Form):
    instrument = forms.ChoiceField(
        label=gettext_lazy("Instrument"),
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choose an instrument."),
            "invalid_choice": gettext_lazy(
                "%(value)s is not an instrument the clinician records; choose one of those shown."
            ),
        },
    )

    def __init__(self, *args: Any, language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = [
            (code, _title(code, language)) for code in clinician_instruments()
        ]


class VisitForm(forms.Form):
    answered_on = forms.DateField(label=gettext_lazy("Examined on"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_dates(self, "answered_on")


def _section(
    code: str, language: str, data: Any, prefill: Prefill | None
) -> tuple[str, InstrumentForm]:
    ((_code, title, section),) = instrument_forms([code], language, data)
    if prefill is not None and data is None:
        section.initial.update({k: str(int(v)) for k, v in prefill.answers.items()})
    return str(title), section


@never_cache
@require_http_methods(["GET", "POST"])
@verified_staff
@permission_required("patients.view_episode", raise_exception=True)
@permission_required("questionnaires.add_questionnaireresponse", raise_exception=True)
def record_view(request: HttpRequest, episode_id: UUID) -> HttpResponse:
    episode = access.episode(request, episode_id)
    language = _language()
    posted = request.method == "POST"
    source = request.POST if posted else request.GET
    choose = ChooseForm(source if "instrument" in source else None, language=language)
    context: dict[str, Any] = {
        "episode": episode,
        "patient": episode.patient,
        "choose": choose,
        "language": language,
    }
    if not choose.is_bound or not choose.is_valid():
        if not posted:
            record(request, EXAMINATION_FORM_VIEWED, patient=episode.patient, obj=episode)
        status = 422 if posted or choose.is_bound else 200
        return render(request, "clinic/examination.html", context, status=status)
    code = choose.cleaned_data["instrument"]
    prefill = prefill_of(episode, code)
    data = request.POST if posted else None
    visit = VisitForm(data, initial={"answered_on": timezone.localdate()})
    title, section = _section(code, language, data, prefill)
    context.update(code=code, title=title, visit=visit, section=section, prefill=prefill)
    if not posted:
        record(
            request, EXAMINATION_FORM_VIEWED, patient=episode.patient, obj=episode, instrument=code
        )
        return render(request, "clinic/examination.html", context)
    if all([visit.is_valid(), section.is_valid()]):
        try:
            response = record_examination(
                episode,
                code,
                section.answers(),
                answered_on=visit.cleaned_data["answered_on"],
                language=language,
                wording=fhir.wording_of(section.questionnaire),
                user=request.user,
                request=request,
            )
        except ExaminationError as error:
            section.add_error(error.item if error.item in section.fields else None, str(error))
        else:
            messages.success(
                request,
                _("%(title)s recorded: %(score)s.")
                % {"title": REGISTRY[code].title, "score": _score_words(response)},
            )
            return HttpResponseRedirect(episode_url(episode, ANCHOR))
    return render(request, "clinic/examination.html", context, status=422)


def _score_words(response: QuestionnaireResponse) -> str:
    score = "" if response.score is None else f"{response.score:g}"
    band = band_label(response.instrument, response.band) if response.band else ""
    return f"{score} ({band})" if band else score
