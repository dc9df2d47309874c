from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from painpath.accounts.models import Profile


class PasswordForm(AuthenticationForm):
    """Step one: username and password (``authenticate`` runs through django-axes)."""

    error_messages: ClassVar[dict[str, Any]] = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "That username and password do not match. Check them and try again; after "
            "repeated failures the account is locked for a while."
        ),
    }


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("6-digit code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "autofocus": True,
                "pattern": "[0-9 ]*",
            }
        ),
    )


class LanguageForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = ("language",)
        labels: ClassVar[dict[str, Any]] = {"language": _("Language of your screens")}
        widgets: ClassVar[dict[str, Any]] = {"language": forms.RadioSelect}
