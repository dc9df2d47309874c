"""Small forms for the patient page: each records one thing quickly."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django import forms
from django.core.validators import MaxValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from painpath.core.rules import episode_schema
from painpath.pathway.models import (
    ProcedureBooking,
    ReadinessItem,
    RedFlagAcknowledgement,
    TreatmentCourse,
)
from painpath.patients.forms import REGIONS, YEARS_AHEAD, DateInput, Quiet, limit_dates
from painpath.patients.models import Episode, ImagingStudy, Medication

# The longest blood-thinner pause the episode schema takes (medications[].pause_agreed_days,
# decision.days).
PAUSE_DAYS_MAX = 60
# The most sessions a course holds in the episode schema (treatment_courses[].sessions).
_COURSE = episode_schema()["properties"]["treatment_courses"]["items"]
SESSIONS_MAX: int = _COURSE["properties"]["sessions"]["maxItems"]


class SessionForm(Quiet, forms.Form):
    course = forms.ModelChoiceField(queryset=TreatmentCourse.objects.none(), label=_("Course"))
    date = forms.DateField(label=_("Date"), widget=DateInput())
    dose = forms.CharField(label=_("Dose"), required=False, max_length=100)
    pain_before = forms.FloatField(label=_("Pain before"), required=False, min_value=0)
    pain_after = forms.FloatField(label=_("Pain after"), required=False, min_value=0)

    def __init__(self, *args: Any, episode: Episode, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        courses = episode.courses.order_by("-start", "-id")
        field = self.fields["course"]
        field.queryset = courses  # type: ignore[attr-defined]
        field.label_from_instance = lambda c: (  # type: ignore[attr-defined]
            f"{c.get_modality_display()} ({_('from')} {c.start:%Y-%m-%d})"
        )
        latest = courses.first()
        if latest is not None:
            field.initial = latest.pk
        self.fields["date"].initial = timezone.localdate()
        limit_dates(self, "date")  # a session is logged once it took place

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        course = data.get("course")
        if course is not None and course.sessions.count() >= SESSIONS_MAX:
            # More than the episode schema holds: the reclassification would fail (a 500).
            self.add_error(
                "course",
                _(
                    "This course holds %(max)s sessions, the most the rules take: "
                    "start a new course."
                )
                % {"max": SESSIONS_MAX},
            )
        high = 100 if course is not None and course.pain_instrument == "vas" else 10
        for name in ("pain_before", "pain_after"):
            value = data.get(name)
            if value is not None and value > high:
                self.add_error(
                    name, _("Pain is scored 0–%(high)s on this course.") % {"high": high}
                )
        return data


class CourseForm(Quiet, forms.ModelForm):
    class Meta:
        model = TreatmentCourse
        fields = ("modality", "start", "planned_sessions", "planned_dose", "pain_instrument")
        widgets: ClassVar[dict[str, Any]] = {"start": DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["start"].initial = timezone.localdate()
        limit_dates(self, "start", ahead=YEARS_AHEAD)


IMAGING_KINDS = (
    ("mri", _("MRI")),
    ("xray", _("X-ray")),
    ("ct", _("CT")),
    ("ultrasound", _("ultrasound")),
)


class ImagingForm(Quiet, forms.ModelForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=IMAGING_KINDS)
    region = forms.ChoiceField(label=_("Region"), choices=REGIONS)
    modic_types = forms.MultipleChoiceField(
        label=_("Modic changes"),
        required=False,
        choices=(("1", _("type 1")), ("2", _("type 2")), ("3", _("type 3"))),
        widget=forms.CheckboxSelectMultiple,
    )
    multifidus_fat_grade = forms.TypedChoiceField(
        label=_("Multifidus fat grade"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=(("", "—"), ("0", "0"), ("1", "1"), ("2", "2"), ("3", "3")),
    )
    osteoarthritis_grade = forms.TypedChoiceField(
        label=_("Osteoarthritis (Kellgren–Lawrence)"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=(("", "—"), *((str(g), str(g)) for g in range(5))),
    )
    disc_herniation = forms.BooleanField(label=_("Disc herniation"), required=False)

    class Meta:
        model = ImagingStudy
        fields = ("kind", "region", "date", "requested_on", "received_on")
        widgets: ClassVar[dict[str, Any]] = {
            "date": DateInput(),
            "requested_on": DateInput(),
            "received_on": DateInput(),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_dates(self, "date", "requested_on", "received_on")

    def findings(self) -> dict[str, Any]:
        data = self.cleaned_data
        found: dict[str, Any] = {}
        if data.get("modic_types"):
            found["modic_types"] = sorted(int(t) for t in data["modic_types"])
        for name in ("multifidus_fat_grade", "osteoarthritis_grade"):
            if data.get(name) is not None:
                found[name] = data[name]
        if data.get("disc_herniation"):
            found["disc_herniation"] = True
        return found


class MedicationForm(Quiet, forms.ModelForm):
    class Meta:
        model = Medication
        fields = ("code", "anticoagulant", "pause_agreed_days")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The episode schema's range: a longer pause broke the reclassification (a 500).
        days = self.fields["pause_agreed_days"]
        days.validators.append(MaxValueValidator(PAUSE_DAYS_MAX))
        days.widget.attrs["max"] = PAUSE_DAYS_MAX


class MedicationDecisionForm(Quiet, forms.Form):
    """The doctor's decision on one blood thinner before the procedure, and the details the
    pause table asks for (``patients.services.decide_medication``)."""

    medication = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(label=_("Decision"), choices=Medication.Decision.choices)
    days = forms.IntegerField(
        label=_("Pause, days"), required=False, min_value=1, max_value=PAUSE_DAYS_MAX
    )
    reason = forms.CharField(label=_("Why"), required=False, max_length=1000)
    indication = forms.ChoiceField(
        label=_("Indication"),
        required=False,
        choices=(("", _("not recorded")), *Medication.Indication.choices),
    )
    dose_level = forms.ChoiceField(
        label=_("Dose"),
        required=False,
        choices=(("", _("not recorded")), *Medication.DoseLevel.choices),
    )
    renal_impaired = forms.NullBooleanField(
        label=_("Impaired renal function"), required=False, widget=forms.NullBooleanSelect
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("decision") == Medication.Decision.PAUSE and not data.get("days"):
            self.add_error("days", _("A pause needs the number of days."))
        return data


class ProcedureForm(Quiet, forms.ModelForm):
    region = forms.ChoiceField(label=_("Region"), choices=REGIONS)

    class Meta:
        model = ProcedureBooking
        fields = ("kind", "region", "appointment_date")
        widgets: ClassVar[dict[str, Any]] = {"appointment_date": DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_dates(self, "appointment_date", ahead=YEARS_AHEAD)


class ReadinessForm(Quiet, forms.Form):
    item = forms.ChoiceField(choices=ReadinessItem.Item.choices)
    state = forms.ChoiceField(choices=ReadinessItem.State.choices)
    date = forms.DateField(label=_("Date"), required=False, widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_dates(self, "date", ahead=YEARS_AHEAD)

    def clean_date(self) -> dt.date | None:
        return self.cleaned_data.get("date")


class AcknowledgeForm(Quiet, forms.Form):
    """What was done about a red flag (required), and a note."""

    classification = forms.IntegerField(widget=forms.HiddenInput)
    action = forms.ChoiceField(
        label=_("What was done"),
        choices=[
            (value, label)
            for value, label in RedFlagAcknowledgement.Action.choices
            if value != RedFlagAcknowledgement.Action.UNRECORDED
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Say what was done about the red flag.")},
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=500)
