"""What a pain clinic records beside the pathway (issue 14): a note per visit, ICD-10
diagnoses in their SKS form beside the ICD-11 suggestion, work status and sick leave,
opioids as oral morphine equivalents, allergies.

:func:`record_context` gives the patient page's record section what it shows (read only;
the page's own view has written the audit entry of the reading). The views are quick
actions: authorise, validate, call a ``patients.services`` function (which writes the audit
entry in its transaction), and go back to the section with a message.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils import formats, timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from painpath.accounts.decorators import verified_staff
from painpath.clinic.display import axis_card
from painpath.clinic.summary import Line, Section, add_section_provider
from painpath.clinic.views import episode_url
from painpath.core import opioids
from painpath.core.diagnoses import DiagnosisError, load_value_set
from painpath.pathway.models import Classification
from painpath.patients import access
from painpath.patients import services as patients
from painpath.patients.forms import AllergyForm, DiagnosisForm, NoteForm, OpioidForm, WorkStatusForm
from painpath.patients.models import Allergy, Diagnosis, Episode, Medication

ANCHOR = "record"


def _language() -> str:
    return (translation.get_language() or "en").split("-")[0]


def _diagnosis_rows(episode: Episode, language: str) -> list[dict[str, Any]]:
    value_set = load_value_set()
    rows = []
    for diagnosis in episode.diagnoses.all():
        try:
            label = value_set.get(diagnosis.code).label(language)
        except DiagnosisError:
            label = ""  # a code a later value set dropped: still shown, by its code
        rows.append({"diagnosis": diagnosis, "label": label})
    return rows


def number(value: Decimal | None, places: int | None = None) -> str:
    """A dose, factor or OME as the user's locale writes it, without trailing zeros
    (40, 2,5, 0,13 in Danish); ``places`` rounds first (an OME to one decimal)."""
    if value is None:
        return ""
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return formats.number_format(Decimal(format(value.normalize(), "f")), use_l10n=True)


def _opioid_rows(episode: Episode, language: str) -> tuple[list[dict[str, Any]], Any]:
    taken = [m for m in episode.medications.all() if m.opioid and m.opioid_dose is not None]
    table = opioids.load_table()
    known = [m for m in taken if m.opioid in table.codes()]
    result = opioids.total([(m.opioid, m.opioid_dose) for m in known], table)
    rows = [
        {
            "medication": medication,
            "name": conversion.opioid.label(language),
            "unit": conversion.opioid.unit,
            "conversion": conversion,
            "dose": number(conversion.dose),
            "factor": number(conversion.opioid.factor),
            "ome": number(conversion.ome, 1),
        }
        for medication, conversion in zip(known, result.conversions, strict=True)
    ]
    return rows, result


def icd11_suggestion(classification: Classification | None) -> Any:
    """The ICD-11 axis of the classification the page shows, as its card (or None)."""
    axis = classification.axis("icd11_code") if classification is not None else None
    return axis_card(axis) if axis is not None else None


def record_context(
    episode: Episode, classification: Classification | None = None
) -> dict[str, Any]:
    """Everything the record section shows for ``episode`` and its patient; reads only."""
    language = _language()
    patient = episode.patient
    work = patient.work_statuses.select_related("recorded_by").first()
    opioid_rows, ome = _opioid_rows(episode, language)
    table = opioids.load_table()
    return {
        "episode": episode,
        "notes": list(episode.notes.select_related("author")),
        "diagnoses": _diagnosis_rows(episode, language),
        "icd11": icd11_suggestion(classification),
        "work": work,
        "sick_leave_weeks": work.sick_leave_weeks(timezone.localdate()) if work else None,
        "opioids": opioid_rows,
        "ome": ome,
        "ome_total": number(ome.ome, 1),
        "ome_warning": table.warning_text(language),
        "ome_source": table.short,
        "allergies": list(patient.allergies.all()),
        # Entries taken back stay readable, struck through, with who, when and why.
        "removed_diagnoses": list(
            Diagnosis.all_objects.filter(episode=episode, removed_at__isnull=False)
            .select_related("removed_by")
            .order_by("removed_at", "id")
        ),
        "removed_allergies": list(
            Allergy.all_objects.filter(patient=patient, removed_at__isnull=False)
            .select_related("removed_by")
            .order_by("removed_at", "id")
        ),
        "stopped_opioids": [
            (medication, medication.display_name)
            for medication in Medication.all_objects.filter(
                episode=episode, stopped_at__isnull=False
            )
            .exclude(opioid="")
            .select_related("stopped_by")
            .order_by("stopped_at", "id")
        ],
        # Ids of their own: the page's other forms have fields named code, dose, date too.
        "note_form": NoteForm(auto_id="record-note-%s"),
        "diagnosis_form": DiagnosisForm(auto_id="record-diagnosis-%s"),
        "work_form": WorkStatusForm(auto_id="record-work-%s"),
        "opioid_form": OpioidForm(auto_id="record-opioid-%s"),
        "allergy_form": AllergyForm(auto_id="record-allergy-%s"),
    }


def _errors(form: forms.Form) -> str:
    parts = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        label = f"{field.label}: " if field is not None and field.label else ""
        parts.append(label + " ".join(str(error) for error in errors))
    return "; ".join(parts)


Save = Callable[[HttpRequest, Episode, dict[str, Any]], object]


def _record_action(
    form_class: type[forms.Form], save: Save, done: Promise
) -> Callable[..., HttpResponse]:
    @require_POST
    @verified_staff
    @permission_required("patients.view_episode", raise_exception=True)
    @permission_required("patients.change_episode", raise_exception=True)
    def view(request: HttpRequest, episode_id: UUID) -> HttpResponse:
        episode = access.episode(request, episode_id)
        form = form_class(request.POST)
        if not form.is_valid():
            messages.error(request, _("Not saved: %s") % _errors(form))
        else:
            try:
                save(request, episode, form.cleaned_data)
            except patients.RecordError as refused:
                field = form.fields.get(refused.field)
                label = field.label if field is not None else refused.field
                messages.error(
                    request,
                    _("Not saved: %(field)s: %(problem)s")
                    % {
                        "field": label,
                        "problem": refused.message,
                    },
                )
            else:
                messages.success(request, str(done))
        return HttpResponseRedirect(episode_url(episode, ANCHOR))

    return view


def _by(request: HttpRequest) -> dict[str, Any]:
    return {"user": request.user, "request": request}


add_note = _record_action(
    NoteForm,
    lambda request, episode, data: patients.add_note(episode, **data, **_by(request)),
    gettext_lazy("Note saved."),
)
add_diagnosis = _record_action(
    DiagnosisForm,
    lambda request, episode, data: patients.add_diagnosis(episode, **data, **_by(request)),
    gettext_lazy("Diagnosis recorded."),
)
record_work_status = _record_action(
    WorkStatusForm,
    lambda request, episode, data: patients.record_work_status(
        episode.patient, **data, **_by(request)
    ),
    gettext_lazy("Work status recorded."),
)
add_opioid = _record_action(
    OpioidForm,
    lambda request, episode, data: patients.add_opioid(episode, **data, **_by(request)),
    gettext_lazy("Opioid recorded."),
)
add_allergy = _record_action(
    AllergyForm,
    lambda request, episode, data: patients.add_allergy(episode.patient, **data, **_by(request)),
    gettext_lazy("Allergy recorded."),
)


# Taking an entry back: the entry is named by its row id, looked up among the episode's (or
# its patient's) own, so another record's id is a 404 like any other.
Remove = Callable[[HttpRequest, Episode, int], str]


def _removal(remove: Remove) -> Callable[..., HttpResponse]:
    @require_POST
    @verified_staff
    @permission_required("patients.view_episode", raise_exception=True)
    @permission_required("patients.change_episode", raise_exception=True)
    def view(request: HttpRequest, episode_id: UUID, entry_id: int) -> HttpResponse:
        episode = access.episode(request, episode_id)
        try:
            done = remove(request, episode, entry_id)
        except patients.RecordError as refused:
            messages.error(request, _("Not removed: %(problem)s") % {"problem": refused.message})
        else:
            messages.success(request, done)
        return HttpResponseRedirect(episode_url(episode, ANCHOR))

    return view


def _remove_diagnosis(request: HttpRequest, episode: Episode, pk: int) -> str:
    diagnosis = get_object_or_404(Diagnosis, pk=pk, episode=episode)
    patients.remove_diagnosis(diagnosis, reason=request.POST.get("reason", ""), **_by(request))
    return _("Diagnosis %(code)s removed.") % {"code": diagnosis.code}


def _stop_opioid(request: HttpRequest, episode: Episode, pk: int) -> str:
    medication = get_object_or_404(Medication, pk=pk, episode=episode, opioid__gt="")
    patients.stop_opioid(medication, **_by(request))
    return _("%(drug)s stopped.") % {"drug": medication.display_name}


def _remove_allergy(request: HttpRequest, episode: Episode, pk: int) -> str:
    allergy = get_object_or_404(Allergy, pk=pk, patient=episode.patient)
    patients.remove_allergy(allergy, reason=request.POST.get("reason", ""), **_by(request))
    return _("Allergy to %(substance)s removed.") % {"substance": allergy.substance}


remove_diagnosis = _removal(_remove_diagnosis)
stop_opioid = _removal(_stop_opioid)
remove_allergy = _removal(_remove_allergy)


# --------------------------------------------------------------------------- the summary
# The one-page summary (clinic.summary) shows what the clinic recorded after its treatments,
# in the page, the PDF and the pasted text alike: one section each, none when empty.


def _diagnoses_section(episode: Episode) -> Section | None:
    rows = _diagnosis_rows(episode, _language())
    if not rows:
        return None
    lines = tuple(
        Line(
            row["diagnosis"].code,
            row["label"] + (f" ({_('primary')})" if row["diagnosis"].primary else ""),
        )
        for row in rows
    )
    return Section(_("Diagnoses (ICD-10)"), lines)


def _work_section(episode: Episode) -> Section | None:
    work = episode.patient.work_statuses.first()
    if work is None:
        return None
    value = str(work.get_status_display())
    if work.hours_per_week is not None:
        value += ", " + ngettext(
            "%(hours)s hour a week", "%(hours)s hours a week", work.hours_per_week
        ) % {"hours": work.hours_per_week}
    lines = [Line("", value[:1].upper() + value[1:])]
    if work.sick_listed_since is not None:
        weeks = work.sick_leave_weeks(timezone.localdate()) or 0
        lines.append(
            Line(
                _("Sick-listed since"),
                f"{formats.date_format(work.sick_listed_since, 'SHORT_DATE_FORMAT')} ("
                + ngettext("%(weeks)s week", "%(weeks)s weeks", weeks) % {"weeks": weeks}
                + ")",
            )
        )
    return Section(_("Work status"), tuple(lines))


def _opioid_section(episode: Episode) -> Section | None:
    rows, ome = _opioid_rows(episode, _language())
    if not rows:
        return None
    lines = [
        Line(
            row["name"],
            f"{row['dose']} {_('µg/h') if row['unit'] == 'µg/h' else _('mg/day')} → "
            + (f"{row['ome']} {_('mg OME/day')}" if row["ome"] else _("not converted")),
            warn=not row["ome"],
        )
        for row in rows
    ]
    lines.append(Line(_("Total"), f"{number(ome.ome, 1)} {_('mg OME/day')}"))
    table = opioids.load_table()
    note = f"{table.warning_text(_language())} {_('Source')}: {table.short}"
    if not ome.complete:
        note = (
            _(
                "Methadone is left out of the total: its equivalence depends on the dose. "
                "The total is a lower bound."
            )
            + f" {note}"
        )
    return Section(_("Opioids (oral morphine equivalents)"), tuple(lines), note)


def _allergy_section(episode: Episode) -> Section | None:
    allergies = list(episode.patient.allergies.all())
    if not allergies:
        return None
    return Section(
        _("Allergies"),
        tuple(
            Line(
                a.substance,
                ", ".join(filter(None, (a.reaction, str(a.get_severity_display())))),
                warn=a.severity == a.Severity.SEVERE,
            )
            for a in allergies
        ),
    )


def register_summary_sections() -> None:
    """Add the record's sections to the one-page summary (called by the clinic app's
    ``ready()``, so every caller of ``summary_data`` has them; registering twice is a no-op)."""
    for provider in (_diagnoses_section, _work_section, _opioid_section, _allergy_section):
        add_section_provider(provider)
