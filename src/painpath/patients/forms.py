"""Forms for patients and episodes. The CPR number is validated by the core's parser and
never shown back in full: an edit form leaves the field empty and shows the masked form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any, ClassVar

from django import forms
from django.utils import formats, timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from painpath.core import opioids, vocabularies
from painpath.core.cpr import InvalidCpr, parse_cpr
from painpath.core.diagnoses import load_value_set
from painpath.core.rules import MAX_AGE
from painpath.patients import crypto
from painpath.patients.models import Allergy, Episode, Patient, WorkStatus

# The shared vocabularies (core/data/vocabularies), their English words marked for
# translation here: the msgids of the .po catalogues (tests/core/test_vocabularies.py keeps
# the catalogues' translations equal to the vocabularies').
REGIONS = tuple((region.code, _(region.label.en)) for region in vocabularies.regions())
REGION_LABELS = dict(REGIONS)

# The red-flag screening questions of the red-flags rule set (episode field red_flags).
RED_FLAG_QUESTIONS = tuple((flag.code, _(flag.label.en)) for flag in vocabularies.red_flags())
# Retired questions: shown only on an episode that holds an answer to one, so it can be seen.
RETIRED_RED_FLAGS = frozenset(f.code for f in vocabularies.red_flags() if not f.asked)
_ANSWERS = (("", _("not asked")), ("no", _("no")), ("yes", _("yes")))


class Quiet:
    """Labels without the trailing colon (the layout sets labels apart already)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


# The dates a form accepts (docs/forms.md). Nothing a pain clinic records happened before
# 1900; what happened is not after today; what is planned (a course, a procedure, a
# follow-up's index date) is at most two years ahead. A date of birth also gives an age the
# rules accept (0 to MAX_AGE years). Outside these, a date is a typo (1850, 9999), and a
# stored typo would break the calendar arithmetic and the age.
EARLIEST_DATE = dt.date(1900, 1, 1)
YEARS_AHEAD = 2


def years_after(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later (or earlier, negative); 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def earliest_birth() -> dt.date:
    return max(EARLIEST_DATE, years_after(timezone.localdate(), -MAX_AGE))


class DateWindow:
    """A date field's validator: the date lies between ``earliest`` (a date, or a function
    giving one when the form is checked) and ``ahead`` years after today. The message names
    the field and the window."""

    def __init__(
        self, label: Any, *, earliest: dt.date | Callable[[], dt.date], ahead: int
    ) -> None:
        self.label = label
        self.earliest = earliest
        self.ahead = ahead

    def __call__(self, day: dt.date) -> None:
        earliest = self.earliest() if callable(self.earliest) else self.earliest
        today = timezone.localdate()
        latest = years_after(today, self.ahead)
        if earliest <= day <= latest:
            return
        params = {
            "field": capfirst(self.label),
            "earliest": formats.date_format(earliest, "SHORT_DATE_FORMAT"),
            "latest": formats.date_format(latest, "SHORT_DATE_FORMAT"),
        }
        if latest == today:
            message = _("%(field)s must be between %(earliest)s and today.")
        else:
            message = _("%(field)s must be between %(earliest)s and %(latest)s.")
        raise forms.ValidationError(message, code="date_window", params=params)


def limit_dates(
    form: forms.BaseForm,
    *names: str,
    ahead: int = 0,
    earliest: dt.date | Callable[[], dt.date] = EARLIEST_DATE,
) -> None:
    """Give each named date field of ``form`` its window (see :class:`DateWindow`): by
    default from 1900 to today; ``ahead=YEARS_AHEAD`` for a planned date."""
    for name in names:
        field = form.fields[name]
        field.validators.append(DateWindow(field.label or name, earliest=earliest, ahead=ahead))


class PatientForm(Quiet, forms.ModelForm):
    cpr = forms.CharField(
        label=_("CPR number (optional)"),
        required=False,
        max_length=11,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
        help_text=_("DDMMYY-SSSS. Stored encrypted; lists show only DDMMYY-••••."),
    )
    clear_cpr = forms.BooleanField(label=_("Remove the CPR number"), required=False)

    class Meta:
        model = Patient
        fields = ("name", "date_of_birth", "sex", "email", "phone")
        widgets: ClassVar[dict[str, Any]] = {"date_of_birth": DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.cpr_masked:
            self.fields["cpr"].help_text = _(
                "On file: %(masked)s. Leave empty to keep it; type a number to replace it."
            ) % {"masked": self.instance.cpr_masked}
        else:
            del self.fields["clear_cpr"]
        limit_dates(self, "date_of_birth", earliest=earliest_birth)

    def clean_cpr(self) -> str:
        text = self.cleaned_data.get("cpr", "").strip()
        if not text:
            return ""
        try:
            cpr = parse_cpr(text)
        except InvalidCpr as error:
            raise forms.ValidationError(
                _("This is not a valid CPR number (%(reason)s). Check the number and try again."),
                params={"reason": error},
                code="invalid_cpr",
            ) from None
        # Unique within the clinic: another clinic's record of the same person is theirs.
        taken = Patient.objects.filter(
            clinic_id=self.instance.clinic_id, cpr_hash=crypto.lookup_hash(cpr.digits)
        )
        if self.instance.pk:
            taken = taken.exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(
                _("Another patient already has this CPR number; search for them instead."),
                code="duplicate_cpr",
            )
        return cpr.digits

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        born = data.get("date_of_birth")
        digits = data.get("cpr")
        if born and digits and parse_cpr(digits).birth_date != born:
            self.add_error(
                "date_of_birth",
                _("The date of birth does not match the CPR number (%(date)s).")
                % {"date": formats.date_format(parse_cpr(digits).birth_date, "SHORT_DATE_FORMAT")},
            )
        return data


class SearchForm(Quiet, forms.Form):
    q = forms.CharField(
        label=_("Name or CPR number"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class EpisodeForm(Quiet, forms.ModelForm):
    region = forms.ChoiceField(label=_("Main region"), choices=(("", "—"), *REGIONS))
    pattern = forms.ChoiceField(
        label=_("Pattern"),
        required=False,
        choices=(
            ("", _("not recorded")),
            ("constant", _("constant")),
            ("recurring", _("recurring")),
        ),
    )

    class Meta:
        model = Episode
        fields = ("complaint", "region", "onset_date", "status")
        widgets: ClassVar[dict[str, Any]] = {"onset_date": DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        intake = self.instance.intake or {}
        self.fields["pattern"].initial = intake.get("pattern", "")
        answered = intake.get("red_flags", {})
        for code, label in RED_FLAG_QUESTIONS:
            value = answered.get(code)
            if code in RETIRED_RED_FLAGS and value is None:
                continue
            self.fields[f"rf_{code}"] = forms.ChoiceField(
                label=label,
                required=False,
                choices=_ANSWERS,
                initial="" if value is None else ("yes" if value else "no"),
            )
        if not self.instance.pk:
            del self.fields["status"]
        born = self.instance.patient.date_of_birth if self.instance.patient_id else None
        # Not before the patient's birth (unless the stored date of birth is itself wrong).
        if born is None or not EARLIEST_DATE <= born <= timezone.localdate():
            born = EARLIEST_DATE
        limit_dates(self, "onset_date", earliest=born)

    def red_flag_fields(self) -> list[forms.BoundField]:
        return [
            self[f"rf_{code}"] for code, _label in RED_FLAG_QUESTIONS if f"rf_{code}" in self.fields
        ]

    def intake(self) -> dict[str, Any]:
        """The episode's intake with this form's answers merged in (others kept)."""
        intake = dict(self.instance.intake or {})
        data = self.cleaned_data
        if data.get("pattern"):
            intake["pattern"] = data["pattern"]
        else:
            intake.pop("pattern", None)
        region = data.get("region")
        regions = list(intake.get("pain_regions", []))
        if region and region not in {r.get("region") for r in regions}:
            regions.insert(0, {"region": region})
        if regions:
            intake["pain_regions"] = regions
        flags = dict(intake.get("red_flags", {}))
        for code, _label in RED_FLAG_QUESTIONS:
            if f"rf_{code}" not in self.fields:
                continue  # a retired question not shown: its stored answer, if any, stays
            answer = data.get(f"rf_{code}")
            if answer:
                flags[code] = answer == "yes"
            else:
                flags.pop(code, None)  # "not asked" is left out, never assumed negative
        if flags:
            intake["red_flags"] = flags
        else:
            intake.pop("red_flags", None)
        return intake


# --------------------------------------------------------------------------- the record


def _language() -> str:
    return (translation.get_language() or "en").split("-")[0]


class NoteForm(Quiet, forms.Form):
    visit_date = forms.DateField(label=_("Visit date"), widget=DateInput())
    text = forms.CharField(
        label=_("Note"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["visit_date"].initial = timezone.localdate
        limit_dates(self, "visit_date")


class DiagnosisForm(Quiet, forms.Form):
    code = forms.ChoiceField(label=_("ICD-10 diagnosis (SKS)"))
    primary = forms.BooleanField(label=_("Primary diagnosis"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = _language()
        self.fields["code"].choices = [
            ("", "—"),
            *((d.code, f"{d.code} {d.label(language)}") for d in load_value_set().diagnoses),
        ]


class WorkStatusForm(Quiet, forms.Form):
    status = forms.ChoiceField(label=_("Work status"), choices=WorkStatus.Status.choices)
    sick_listed_since = forms.DateField(
        label=_("Sick-listed since"), required=False, widget=DateInput()
    )
    hours_per_week = forms.IntegerField(
        label=_("Hours per week"),
        required=False,
        min_value=0,
        max_value=WorkStatus.MAX_HOURS_PER_WEEK,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_dates(self, "sick_listed_since")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        sick = data.get("status") in WorkStatus.SICK_LEAVE
        if sick and not data.get("sick_listed_since") and "sick_listed_since" not in self.errors:
            self.add_error("sick_listed_since", _("Sick leave needs the date it began."))
        return data


class OpioidForm(Quiet, forms.Form):
    opioid = forms.ChoiceField(label=_("Opioid"))
    dose = forms.DecimalField(
        label=_("Daily dose"),
        min_value=Decimal("0.01"),
        max_value=opioids.MAX_DOSE,
        max_digits=9,
        decimal_places=2,
        localize=True,
        help_text=_("mg per day; for a patch µg per hour"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = _language()
        self.fields["opioid"].choices = [
            ("", "—"),
            *((o.code, f"{o.label(language)}, {o.unit}") for o in opioids.load_table().opioids),
        ]


class AllergyForm(Quiet, forms.Form):
    substance = forms.CharField(label=_("Substance"), max_length=100)
    reaction = forms.CharField(label=_("Reaction"), max_length=200, required=False)
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Allergy.Severity.choices, initial=Allergy.Severity.UNKNOWN
    )
