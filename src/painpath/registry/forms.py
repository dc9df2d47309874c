from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from painpath.registry.models import Site

# An extract of a large clinic is tens of megabytes; anything far beyond is not one.
MAX_UPLOAD = 512 * 1024 * 1024


class UploadForm(forms.Form):
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none())
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "A pooled site's extract (.zip, from 'painpath registry extract'); an "
            "aggregate-only site's contribution (.json)."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = Site.objects.select_related("registry").order_by(  # type: ignore[attr-defined]
            "registry__code", "code"
        )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 512 MB."))
        return upload
