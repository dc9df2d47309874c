"""The clinic administrator's settings form."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from painpath.core.instruments import REGISTRY
from painpath.patients.forms import REGION_LABELS
from painpath.patients.models import Clinic
from painpath.questionnaires.forms import (
    DEFAULT_INSTRUMENTS,
    PatientInstrumentsField,
    for_patients,
)

# The main regions whose intake the clinic may tailor (those painpath has a set for).
SET_REGIONS = tuple(DEFAULT_INSTRUMENTS)


class ClinicSettingsForm(forms.ModelForm):
    class Meta:
        model = Clinic
        fields = ("name", "address", "phone", "link_days")
        widgets: ClassVar = {"link_days": forms.NumberInput(attrs={"min": 1, "max": 90})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["link_days"].validators.append(_days_in_range)
        # A set is sent to patients: the clinician-only instruments are not offered.
        choices = [(code, REGISTRY[code].title) for code in for_patients(REGISTRY)]
        for region in SET_REGIONS:
            chosen = self.instance.instruments_for(region, DEFAULT_INSTRUMENTS[region])
            self.fields[f"set_{region}"] = PatientInstrumentsField(
                label=REGION_LABELS.get(region, region),
                choices=choices,
                initial=list(chosen),
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )

    def region_fields(self) -> list[forms.BoundField]:
        return [self[f"set_{region}"] for region in SET_REGIONS]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for region in SET_REGIONS:
            # Absent from the data: the field has already said what is wrong with it.
            if f"set_{region}" in data and not data[f"set_{region}"]:
                self.add_error(
                    f"set_{region}",
                    _("Choose at least one questionnaire: a link must ask something."),
                )
        return data

    def save(self, commit: bool = True) -> Clinic:
        clinic = super().save(commit=False)
        clinic.questionnaire_sets = {
            region: list(self.cleaned_data[f"set_{region}"]) for region in SET_REGIONS
        }
        if commit:
            clinic.save()
        return clinic


def _days_in_range(value: int | None) -> None:
    if value is not None and not 1 <= value <= 90:
        raise forms.ValidationError(_("Between 1 and 90 days."))


# The clinic's follow-up protocols: a new version from its YAML text, edited on screen
# or uploaded. The core loader validates it in painpath.followup.services.save_protocol.

MAX_PROTOCOL_BYTES = 100_000


class ProtocolEditForm(forms.Form):
    text = forms.CharField(
        label=_("Protocol (YAML)"),
        strip=False,
        max_length=MAX_PROTOCOL_BYTES,
        widget=forms.Textarea(attrs={"rows": 30, "cols": 90, "spellcheck": "false"}),
        help_text=_("Raise the version: it must be higher than the current one."),
    )
    note = forms.CharField(
        label=_("Why (for the change log)"),
        max_length=300,
        widget=forms.TextInput(attrs={"size": 80}),
    )


class ProtocolImportForm(forms.Form):
    file = forms.FileField(label=_("Protocol file (YAML)"))
    note = forms.CharField(
        label=_("Why (for the change log)"),
        max_length=300,
        widget=forms.TextInput(attrs={"size": 80}),
    )

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_PROTOCOL_BYTES:
            raise forms.ValidationError(_("The file is too large for a protocol."))
        try:
            return str(upload.read().decode("utf-8"))
        except UnicodeDecodeError:
            raise forms.ValidationError(_("The file is not UTF-8 text.")) from None
