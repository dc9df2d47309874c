from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from painpath.api.models import CLINIC_SCOPES, Scope


class ClientForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Which system uses the token, e.g. 'Reception kiosk'."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("May"),
        choices=[(s.value, s.label) for s in Scope if s in CLINIC_SCOPES],
        widget=forms.CheckboxSelectMultiple,
    )

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give the client a name."))
        return name
