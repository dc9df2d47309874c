"""The report's filter form: cohort filters (turned into the core's ``column=…`` filter
texts) and what to show. Choices come from the values present in the registry export.

A researcher's form (``research_columns`` given) offers only those columns, age and index
date in bands (``age_band``, ``index_year``) instead of free ranges, no per-answer filter
(window, wording) and all time points: any two cohorts it can describe are unions of the
disclosure-control atoms (docs/disclosure.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl
from django import forms
from django.utils.translation import gettext_lazy as _

from painpath.analytics.render import responder_text, stratum_label, wording_label
from painpath.analytics.report import STRATA_COLUMNS, Options
from painpath.core.analytics import MIXED, WORDING_ORDER, responder_definitions
from painpath.core.instruments import REGISTRY
from painpath.patients.forms import YEARS_AHEAD, DateInput, limit_dates

TIMEPOINTS = (3, 6, 12, 24)
COHORT_COLUMNS = ("clinic", "treatment", "procedure", "sex", "multifidus_fat_grade", "wording")


def _values(frame: pl.DataFrame, column: str) -> list[str]:
    if column not in frame.columns:
        return []
    return sorted({str(v) for v in frame[column].drop_nulls().unique().to_list()})


class ReportForm(forms.Form):
    index_from = forms.DateField(label=_("Index date from"), required=False, widget=DateInput())
    index_to = forms.DateField(label=_("Index date to"), required=False, widget=DateInput())
    age_min = forms.IntegerField(label=_("Age from"), required=False, min_value=0, max_value=120)
    age_max = forms.IntegerField(label=_("Age to"), required=False, min_value=0, max_value=120)
    in_window = forms.BooleanField(
        label=_("Only answers inside the time point's window"), required=False
    )
    instruments = forms.MultipleChoiceField(label=_("Instruments"), required=False)
    timepoints = forms.TypedMultipleChoiceField(
        label=_("Time points (months)"),
        required=False,
        coerce=int,
        choices=[(t, str(t)) for t in TIMEPOINTS],
    )
    stratum = forms.ChoiceField(label=_("Compare by"), required=False)
    definition = forms.ChoiceField(label=_("Responder definition (comparisons)"), required=False)
    plot_instrument = forms.ChoiceField(
        label=_("Instrument (comparisons and plots)"), required=False
    )
    plot_timepoint = forms.TypedChoiceField(
        label=_("Time point (comparisons and plots)"),
        required=False,
        coerce=int,
        choices=[(t, str(t)) for t in TIMEPOINTS],
        empty_value=12,
    )
    plot_wording = forms.ChoiceField(label=_("Wording (comparisons and plots)"), required=False)

    cohort_names: list[str]

    def __init__(
        self, data: Any, frame: pl.DataFrame, *, research_columns: Sequence[str] | None = None
    ) -> None:
        super().__init__(data)
        self.research_columns = research_columns
        labels = {
            "clinic": _("Clinic"),
            "treatment": _("Treatment"),
            "procedure": _("Procedure"),
            "sex": _("Sex"),
            "multifidus_fat_grade": _("Multifidus fat grade"),
            "wording": _("Only answers in this wording"),
            "age_band": _("Age band"),
            "index_year": _("Index year"),
        }
        axes = sorted(c for c in frame.columns if c.startswith("axis_"))
        columns = (*COHORT_COLUMNS, *axes) if research_columns is None else research_columns
        self.cohort_names = []
        for column in columns:
            values = _values(frame, column)
            if not values:
                continue
            label = labels.get(column) or stratum_label(column)
            shown = wording_label if column == "wording" else str
            self.fields[column] = forms.MultipleChoiceField(
                label=label, required=False, choices=[(v, shown(v)) for v in values]
            )
            self.cohort_names.append(column)
        ranges = ["index_from", "index_to", "age_min", "age_max", "in_window"]
        if research_columns is None:
            self.cohort_names += ranges
            limit_dates(self, "index_from", "index_to", ahead=YEARS_AHEAD)
        else:
            for name in (*ranges, "timepoints"):
                del self.fields[name]
        present = set(_values(frame, "instrument"))
        codes = [c for c in REGISTRY if c in present]
        self.fields["instruments"].choices = [(c, REGISTRY[c].title) for c in codes]
        self.fields["plot_instrument"].choices = [("", _("first shown"))] + [
            (c, REGISTRY[c].title) for c in codes
        ]
        strata = [c for c in (*STRATA_COLUMNS, *axes, "clinic", "sex") if c in frame.columns]
        if research_columns is not None:
            # Compare only by what the atoms are made of: any other column could split off
            # a single patient of the difference between two cohorts.
            strata = [c for c in (*STRATA_COLUMNS, *research_columns) if c in self.cohort_names]
        self.fields["stratum"].choices = [(c, stratum_label(c)) for c in dict.fromkeys(strata)]
        self.fields["definition"].choices = [
            (d.id, responder_text(d.label)) for d in responder_definitions()
        ]
        present = _values(frame, "wording")
        groups = [g for g in WORDING_ORDER if g in present or (g == MIXED and len(present) > 1)]
        groups += [g for g in present if g not in groups]
        self.fields["plot_wording"].choices = [("", _("the one most patients answered"))] + [
            (group, wording_label(group)) for group in groups
        ]
        defaults = Options()
        if "timepoints" in self.fields:
            self.fields["timepoints"].initial = list(defaults.timepoints)
        self.fields["stratum"].initial = (
            defaults.stratum if defaults.stratum in strata else next(iter(strata), "")
        )
        self.fields["definition"].initial = defaults.definition
        self.fields["plot_timepoint"].initial = defaults.plot_timepoint

    def cohort_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.cohort_names]

    def report_fields(self) -> list[forms.BoundField]:
        names = (
            "instruments",
            *(("timepoints",) if "timepoints" in self.fields else ()),
            "stratum",
            "definition",
            "plot_instrument",
            "plot_timepoint",
            "plot_wording",
        )
        return [self[name] for name in names]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for low, high in (("index_from", "index_to"), ("age_min", "age_max")):
            if data.get(low) is not None and data.get(high) is not None and data[low] > data[high]:
                self.add_error(high, _("must not be before the start of the range"))
        return data

    def filters(self) -> list[str]:
        """The cohort as the core's filter texts (``column=a,b``, ``column=lo..hi``)."""
        data = self.cleaned_data
        out = []
        for column in self.cohort_names:
            values = data.get(column)
            if isinstance(values, list) and values:
                out.append(f"{column}={','.join(values)}")
        for column, low, high in (
            ("index_date", "index_from", "index_to"),
            ("age", "age_min", "age_max"),
        ):
            lo, hi = data.get(low), data.get(high)
            if lo is not None or hi is not None:
                out.append(f"{column}={'' if lo is None else lo}..{'' if hi is None else hi}")
        if data.get("in_window"):
            out.append("in_window=true")
        return out

    def options(self) -> Options:
        data = self.cleaned_data
        return Options(
            instruments=tuple(data.get("instruments") or ()),
            timepoints=tuple(data.get("timepoints") or TIMEPOINTS),
            stratum=data.get("stratum") or self.fields["stratum"].initial,
            definition=data.get("definition") or "mic",
            plot_instrument=data.get("plot_instrument") or "",
            plot_timepoint=data.get("plot_timepoint") or 12,
            plot_wording=data.get("plot_wording") or "",
        )
