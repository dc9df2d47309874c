"""The clinician's follow-up forms: start a plan, and record a follow-up by phone or paper."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import formats
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from painpath.core import questionnaires as fhir
from painpath.core.instruments import REGISTRY
from painpath.followup import services
from painpath.followup.models import FollowUpPlan, FollowUpPoint
from painpath.patients.forms import YEARS_AHEAD, DateInput, limit_dates
from painpath.patients.models import Episode
from painpath.questionnaires.forms import LANGUAGES, InstrumentForm
from painpath.questionnaires.models import QuestionnaireResponse


class StartPlanForm(forms.Form):
    protocol = forms.ChoiceField(label=_("Protocol"))
    index_date = forms.DateField(
        label=_("Count from (index date)"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty to use the date of the protocol's index event."),
    )
    language = forms.ChoiceField(label=_("Language of the messages"), choices=LANGUAGES)

    def __init__(self, *args: Any, episode: Episode, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.episode = episode
        events = dict(FollowUpPlan.IndexEvent.choices)
        choices = []
        for protocol in services.protocols(episode.patient.clinic_id).values():
            day = services.index_date_for(episode, protocol.index_event)
            when = formats.date_format(day, "SHORT_DATE_FORMAT") if day else _("not recorded yet")
            asks = ", ".join(
                REGISTRY[code].title for code in services.instruments_for(episode, protocol)
            )
            choices.append(
                (
                    protocol.id,
                    f"{protocol.title_in(get_language())} — {events[protocol.index_event]}: "
                    f"{when} — " + _("asks %(instruments)s") % {"instruments": asks},
                )
            )
        self.fields["protocol"].choices = choices
        self.fields["protocol"].initial = "default"
        self.fields["language"].initial = services.default_language(episode)
        limit_dates(self, "index_date", ahead=YEARS_AHEAD)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        available = services.protocols(self.episode.patient.clinic_id)
        protocol = available.get(data.get("protocol", ""))
        if protocol is not None and not data.get("index_date"):
            day = services.index_date_for(self.episode, protocol.index_event)
            if day is None:
                self.add_error(
                    "index_date",
                    _("This episode has no %(event)s yet: enter the index date.")
                    % {"event": FollowUpPlan.IndexEvent(protocol.index_event).label},
                )
            data["index_date"] = day
        return data


SHOWN, OTHER = "shown", "other"


class RecordForm(forms.Form):
    point = forms.ModelChoiceField(label=_("Time point"), queryset=FollowUpPoint.objects.none())
    answered_on = forms.DateField(label=_("Answered on"), widget=DateInput())
    source = forms.ChoiceField(
        label=_("Taken"),
        choices=(
            (QuestionnaireResponse.Source.PHONE, _("by phone")),
            (QuestionnaireResponse.Source.PAPER, _("on paper")),
        ),
        widget=forms.RadioSelect,
    )
    wording = forms.ChoiceField(
        label=_("Wording the patient answered"),
        choices=(
            (SHOWN, _("The questions as shown below (read out, or printed from painpath)")),
            (OTHER, _("Another form or wording (recorded as unknown)")),
        ),
        initial=SHOWN,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, plan: FollowUpPlan, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["point"].queryset = plan.points.all()
        self.fields["point"].label_from_instance = lambda p: (
            _("%(months)s months (target %(target)s, window %(start)s – %(end)s)")
            % {
                "months": p.months,
                "target": formats.date_format(p.target, "SHORT_DATE_FORMAT"),
                "start": formats.date_format(p.window_start, "SHORT_DATE_FORMAT"),
                "end": formats.date_format(p.window_end, "SHORT_DATE_FORMAT"),
            }
        )
        limit_dates(self, "answered_on")


def instrument_forms(
    instruments: list[str], language: str, data: Any = None
) -> list[tuple[str, str, InstrumentForm]]:
    """One form per instrument, in the language the questions are read out in; each choice
    starts empty, so nothing is recorded that was not asked."""
    out = []
    for code in instruments:
        questionnaire = fhir.load(code, language)
        form = InstrumentForm(questionnaire, data, prefix=code, auto_id="id_%s")
        for field in form.fields.values():
            if isinstance(field, forms.ChoiceField):
                field.choices = [("", "—"), *field.choices]
        out.append((code, questionnaire["title"], form))
    return out
