"""Forms of the administration screens: the audit log search and the staff screens.

None of them has a superuser flag, a staff flag or a group: those are the installation's."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from painpath.accounts.models import Profile
from painpath.audit.models import AuditEntry
from painpath.audit.services import as_uuid
from painpath.core.cpr import InvalidCpr, parse_cpr
from painpath.patients.forms import DateInput, limit_dates
from painpath.patients.models import Clinic, Membership


class AuditSearchForm(forms.Form):
    user = forms.CharField(label=_("Staff member"), required=False, max_length=150)
    patient = forms.CharField(
        label=_("Patient record"),
        required=False,
        max_length=400,
        help_text=_("The record's public id (several: separated by spaces)"),
    )
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("any")), *AuditEntry.Action.choices],
    )
    since = forms.DateField(label=_("From"), required=False, widget=DateInput())
    until = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_dates(self, "since", "until")

    def clean_patient(self) -> str:
        # Public ids only: a name would let the site administrator, who reads no patient
        # data, find out who is a patient.
        text = " ".join(self.cleaned_data["patient"].replace(",", " ").split())
        if any(as_uuid(part) is None for part in text.split()):
            raise forms.ValidationError(
                _("Enter a patient record's public id; to find a person, use the CPR search.")
            )
        return text

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


class CprSearchForm(forms.Form):
    """Sent by POST only, so the number never reaches an address, an access log or the
    audit path."""

    cpr = forms.CharField(
        label=_("CPR number"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
        help_text=_("Finds the entries about every clinic's record of this person."),
    )

    def clean_cpr(self) -> str:
        try:
            return parse_cpr(self.cleaned_data["cpr"]).digits
        except InvalidCpr as error:
            raise forms.ValidationError(str(error)) from error


class InviteForm(forms.Form):
    username = forms.RegexField(
        label=_("Username"),
        max_length=150,
        regex=r"^[\w.@+-]+$",
        help_text=_("Letters, digits and . @ + - _ only; the person signs in with it."),
    )
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(
        label=_("Email"),
        help_text=_("Their own work address: the link to set their password is sent there only."),
    )
    language = forms.ChoiceField(label=_("Language of their screens"), choices=Profile.LANGUAGES)
    clinic = forms.ModelChoiceField(
        label=_("Clinic"), queryset=Clinic.objects.all(), required=False, empty_label=_("none yet")
    )
    role = forms.ChoiceField(
        label=_("Role there"),
        choices=[("", _("none yet")), *Membership.Role.choices],
        required=False,
    )

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This username is taken: choose another."))
        return username

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("clinic")) != bool(data.get("role")):
            raise forms.ValidationError(_("Choose a clinic and a role there, or neither."))
        return data


class MembershipForm(forms.Form):
    """A role in a clinic for an existing staff member, named by username."""

    username = forms.CharField(label=_("Username"), max_length=150)
    clinic = forms.ModelChoiceField(label=_("Clinic"), queryset=Clinic.objects.none())
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)
    active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("Untick to suspend the role; it can be given back later."),
    )

    def __init__(self, *args: Any, clinics: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["clinic"].queryset = clinics  # type: ignore[attr-defined]
        if clinics.count() == 1:  # a clinic administrator's own clinic
            self.fields["clinic"].empty_label = None  # type: ignore[attr-defined]

    def clean_username(self) -> Any:
        staff = get_user_model().objects.filter(username=self.cleaned_data["username"]).first()
        if staff is None:
            raise forms.ValidationError(_("No staff account has this username."))
        return staff


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I have confirmed who is asking (in person, or by calling them back)."),
    )


class AccountActiveForm(forms.Form):
    active = forms.TypedChoiceField(
        choices=[("1", _("reactivate")), ("0", _("deactivate"))], coerce=lambda v: v == "1"
    )
