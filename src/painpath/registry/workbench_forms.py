"""The workbench's forms: the report's question (a GET form: reading changes nothing) and a
draft rule set's upload."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from painpath.analytics.render import responder_text
from painpath.core.analytics.report import responder_definitions
from painpath.core.instruments import REGISTRY
from painpath.registry import workbench
from painpath.registry.models import Registry

CLASS_RANGE = re.compile(r"^\s*(\d)\s*\.\.\s*(\d)\s*$")


class ReportForm(forms.Form):
    classification = forms.ChoiceField(label=_("Classification"))
    second = forms.ChoiceField(
        label=_("Compare with (agreement, net reclassification)"), required=False
    )
    outcome = forms.ChoiceField(label=_("Outcome instrument"))
    timepoint = forms.TypedChoiceField(
        label=_("Time point"),
        coerce=int,
    )
    responder = forms.ChoiceField(label=_("Responder definition"))
    lca_items = forms.CharField(
        label=_("Latent classes: baseline items"),
        required=False,
        max_length=2000,
        help_text=_(
            "Comma-separated. Answers as INSTRUMENT.ITEM (categorical) or instrument codes "
            "(their baseline totals, continuous)."
        ),
    )
    lca_kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("categorical", _("categorical answers")), ("continuous", _("summary scores"))],
        required=False,
    )
    lca_classes = forms.CharField(
        label=_("Numbers of classes"), required=False, initial="1..4", max_length=10
    )
    seed = forms.IntegerField(label=_("Seed"), required=False, min_value=0, max_value=2**31 - 1)

    def __init__(self, registry: Registry, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        known = [(c.key, c.label) for c in workbench.choices(registry)]
        self.fields["classification"].choices = known
        self.fields["second"].choices = [("", "—"), *known]
        self.fields["outcome"].choices = [(code, code) for code in sorted(REGISTRY)]
        # Built per request, in the reader's language (a choice made at import would be
        # English whatever the page's language).
        self.fields["timepoint"].choices = [
            (m, ngettext("%(months)s month", "%(months)s months", m) % {"months": m})
            for m in workbench.TIMEPOINTS
        ]
        self.fields["responder"].choices = [
            (d.id, responder_text(d.label)) for d in responder_definitions()
        ]

    def clean_lca_classes(self) -> tuple[int, int]:
        text = self.cleaned_data.get("lca_classes") or "1..4"
        match = CLASS_RANGE.match(text)
        if match is None:
            raise forms.ValidationError(_("Give a range such as 1..4."))
        low, high = int(match[1]), int(match[2])
        if not 1 <= low <= high <= workbench.MAX_CLASSES:
            raise forms.ValidationError(
                _("From 1 to %(most)s classes, the smaller first.")
                % {"most": workbench.MAX_CLASSES}
            )
        return low, high

    def clean_lca_items(self) -> tuple[str, ...]:
        text = self.cleaned_data.get("lca_items") or ""
        items = tuple(dict.fromkeys(i.strip() for i in text.split(",") if i.strip()))
        if len(items) > 40:
            raise forms.ValidationError(_("At most 40 items."))
        return items

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        uses_lca = "lca" in (data.get("classification"), data.get("second"))
        if uses_lca and not data.get("lca_items"):
            self.add_error("lca_items", _("Latent classes need the items to fit them on."))
        return data

    def query(self) -> workbench.Query:
        data = self.cleaned_data
        seed = data.get("seed") or 1
        lca = workbench.LcaQuery(
            items=data["lca_items"],
            kind=data.get("lca_kind") or "categorical",
            classes=data["lca_classes"],
            seed=seed,
        )
        return workbench.Query(
            classification=data["classification"],
            outcome=data["outcome"],
            timepoint=data["timepoint"],
            responder=data["responder"],
            second=data.get("second") or "",
            lca=lca if lca.items else None,
            seed=seed,
        )


class DraftForm(forms.Form):
    file = forms.FileField(
        label=_("Rule set (YAML)"),
        help_text=_("Checked by the rule engine; kept as a draft of this registry only."),
    )

    def clean_file(self) -> tuple[str, str]:
        upload = self.cleaned_data["file"]
        if upload.size > workbench.MAX_YAML_BYTES:
            raise forms.ValidationError(_("The file is larger than 200 kB."))
        try:
            text = upload.read().decode("utf-8")
        except UnicodeDecodeError:
            raise forms.ValidationError(_("The file is not UTF-8 text.")) from None
        return upload.name or "draft.yaml", text
