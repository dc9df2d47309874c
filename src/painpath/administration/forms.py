from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from painpath.audit.models import AuditEntry


class AuditSearchForm(forms.Form):
    user = forms.CharField(label=_("Staff member"), required=False, max_length=150)
    patient = forms.CharField(
        label=_("Patient"),
        required=False,
        max_length=200,
        help_text=_("Name, or the patient's public id"),
    )
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("any")), *AuditEntry.Action.choices],
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("“From” is after “To”; swap the dates."))
        return data

    def filters(self) -> dict[str, Any]:
        """The filters as given, JSON-ready, for recording the search itself."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {
            key: value.isoformat() if hasattr(value, "isoformat") else value
            for key, value in data.items()
            if value
        }
