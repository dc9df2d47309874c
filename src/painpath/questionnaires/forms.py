"""The intake's pages, as forms: what each page asks, how it is checked, what it stores.

A draft keeps each page's submitted data as ``{field: [values]}``; a page is checked by binding
its form to that data again, so the check at the end is the same one the patient saw.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from painpath.core import consent as consent_texts
from painpath.core import questionnaires as fhir
from painpath.core import vocabularies
from painpath.core.errors import ScoringError
from painpath.core.instruments import REGISTRY
from painpath.core.instruments import get as get_instrument
from painpath.patients.forms import EARLIEST_DATE
from painpath.questionnaires import bodymap

LANGUAGES = tuple((language.code, language.name) for language in vocabularies.languages())

# A suggestion for the issue form, by the episode's main region; the clinician chooses.
DEFAULT_INSTRUMENTS: dict[str, tuple[str, ...]] = {
    "low_back": ("nrs", "odi", "startback", "eq5d5l"),
    "neck": ("nrs", "ndi", "eq5d5l"),
    "knee": ("nrs", "oks", "eq5d5l"),
    "hip": ("nrs", "ohs", "eq5d5l"),
}
FALLBACK_INSTRUMENTS = ("nrs", "eq5d5l")


def for_patients(codes: Any) -> list[str]:
    """The codes among ``codes`` that a patient answers (not the full DN4's examination)."""
    return [c for c in codes if c in REGISTRY and REGISTRY[c].respondent == "patient"]


class PatientInstrumentsField(forms.MultipleChoiceField):
    """Instruments to send to a patient. Offers only those a patient answers, and refuses a
    clinician-only one by name (a crafted request, a set saved before it was marked so)."""

    def validate(self, value: Any) -> None:
        clinician = [c for c in value if c in REGISTRY and c not in for_patients([c])]
        if clinician:
            raise forms.ValidationError(
                _(
                    "%(instruments)s: answered by the clinician (it includes an examination), "
                    "so it cannot be sent to a patient."
                )
                % {"instruments": ", ".join(REGISTRY[c].title for c in clinician)},
                code="clinician_only",
            )
        super().validate(value)


YES_NO_UNKNOWN = (
    ("yes", pgettext_lazy("answer", "Yes")),
    ("no", pgettext_lazy("answer", "No")),
    ("unknown", _("Don't know")),
)


class PageForm(forms.Form):
    """A form whose fields carry how the template draws them (``field.kind``)."""

    required_css_class = "required"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_%s")
        super().__init__(*args, **kwargs)


def _kind(field: forms.Field, kind: str, **extra: Any) -> forms.Field:
    field.kind = kind  # type: ignore[attr-defined]
    for key, value in extra.items():
        setattr(field, key, value)
    return field


# -- body map --------------------------------------------------------------------------------


class RegionsForm(PageForm):
    regions = forms.MultipleChoiceField(
        label=_("Where do you have pain?"),
        choices=[(value, value) for value in bodymap.values()],
        error_messages={
            "required": _("Choose at least one place where you have pain."),
            "invalid_choice": _("Choose places from the list."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _kind(self.fields["regions"], "bodymap")

    def intake(self) -> dict[str, Any]:
        return {"pain_regions": bodymap.pain_regions(self.cleaned_data["regions"])}


# -- duration and pattern --------------------------------------------------------------------

UNITS = (
    ("days", _("days")),
    ("weeks", _("weeks")),
    ("months", _("months")),
    ("years", _("years")),
)


class DurationForm(PageForm):
    duration_value = forms.IntegerField(
        label=_("How long have you had this pain?"),
        help_text=_("A number, then choose days, weeks, months or years."),
        required=False,
        min_value=0,
        max_value=1200,
        error_messages={
            "invalid": _("Enter a whole number from 0 to 1200."),
            "min_value": _("Enter a whole number from 0 to 1200."),
            "max_value": _("Enter a whole number from 0 to 1200."),
        },
    )
    duration_unit = forms.ChoiceField(
        label=_("Unit"),
        choices=(("", _("Choose…")), *UNITS),
        required=False,
        error_messages={"invalid_choice": _("Choose days, weeks, months or years.")},
    )
    onset_date = forms.DateField(
        label=_("Or: the date the pain started, if you know it"),
        required=False,
        error_messages={"invalid": _("Enter a date, for example 2024-03-31.")},
    )
    pattern = forms.ChoiceField(
        label=_("Is the pain there all the time, or does it come and go?"),
        choices=(
            ("constant", _("It is there all or nearly all the time")),
            ("recurring", _("It comes and goes")),
        ),
        error_messages={"required": _("Choose one answer.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _kind(self.fields["duration_value"], "number", low=0, high=1200, step="1")
        # The unit belongs to the number: one question on the page, not two.
        _kind(self.fields["duration_unit"], "select", part_of="duration_value")
        _kind(self.fields["onset_date"], "date")
        _kind(self.fields["pattern"], "radio")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        value, unit = data.get("duration_value"), data.get("duration_unit")
        onset = data.get("onset_date")
        if onset and onset > timezone.localdate():
            self.add_error("onset_date", _("The date cannot be in the future."))
        elif onset and onset < EARLIEST_DATE:
            self.add_error(
                "onset_date",
                _("The date is too far back: enter a date from %(earliest)s on.")
                % {"earliest": EARLIEST_DATE.isoformat()},
            )
        if value is not None and not unit:
            self.add_error("duration_unit", _("Choose days, weeks, months or years."))
        elif unit and value is None and "duration_value" not in self.errors:
            self.add_error(
                "duration_value", _("Enter how many %(unit)s.") % {"unit": dict(UNITS)[unit]}
            )
        elif (
            value is None
            and not onset
            and "duration_value" not in self.errors
            and "onset_date" not in self.errors
        ):
            self.add_error(
                "duration_value", _("Say how long you have had the pain, or give the date.")
            )
        return data

    def intake(self) -> dict[str, Any]:
        data = self.cleaned_data
        result: dict[str, Any] = {"pattern": data["pattern"]}
        if data.get("duration_value") is not None:
            result["reported_duration"] = {
                "value": data["duration_value"],
                "unit": data["duration_unit"],
            }
        if data.get("onset_date"):
            result["onset_date"] = data["onset_date"].isoformat()
        return result


# -- red flags -------------------------------------------------------------------------------

# The episode schema's red_flags, in plain words (the rule set red-flags.yaml cites the
# clinical source of each), retired questions left out. The words are the vocabulary's,
# marked for translation here: the msgids of the .po catalogues
# (tests/core/test_vocabularies.py keeps the two equal).
RED_FLAGS: tuple[tuple[str, Promise], ...] = tuple(
    (flag.code, _(flag.question.en)) for flag in vocabularies.asked_red_flags()
)


class RedFlagsForm(PageForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, question in RED_FLAGS:
            self.fields[code] = _kind(
                forms.ChoiceField(
                    label=question,
                    choices=YES_NO_UNKNOWN,
                    error_messages={"required": _("Choose yes, no or don't know.")},
                ),
                "radio",
                inline=True,
            )

    def intake(self) -> dict[str, Any]:
        # "Don't know" is left out: an unanswered flag is never assumed negative.
        flags = {
            code: self.cleaned_data[code] == "yes"
            for code, _question in RED_FLAGS
            if self.cleaned_data[code] in ("yes", "no")
        }
        return {"red_flags": flags}


# -- medications -----------------------------------------------------------------------------


def _split_lines(text: str) -> list[str]:
    return [part.strip() for part in text.replace(",", "\n").splitlines() if part.strip()]


class MedicationsForm(PageForm):
    takes_medicine = forms.ChoiceField(
        label=_("Do you take any medicine regularly?"),
        choices=(("yes", pgettext_lazy("answer", "Yes")), ("no", pgettext_lazy("answer", "No"))),
        error_messages={"required": _("Choose yes or no.")},
    )
    anticoagulants = forms.MultipleChoiceField(
        label=_("Blood thinners you take"),
        help_text=_(
            "Blood thinners must often be paused before a procedure. "
            "Never stop one yourself – we agree it with you."
        ),
        required=False,
    )
    other_anticoagulant = forms.CharField(
        label=_("Another blood thinner (name)"), required=False, max_length=60
    )
    other_medicines = forms.CharField(
        label=_("Other medicines"),
        help_text=_("One per line, for example: paracetamol"),
        required=False,
        max_length=1000,
        widget=forms.Textarea,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Brand names help patients recognise their medicine.
        self.fields["anticoagulants"].choices = [
            (
                drug.code,
                f"{drug.label.en} ({', '.join(drug.brands)})" if drug.brands else drug.label.en,
            )
            for drug in vocabularies.drugs()
        ]
        _kind(self.fields["takes_medicine"], "radio", inline=True)
        _kind(self.fields["anticoagulants"], "checkboxes")
        _kind(self.fields["other_anticoagulant"], "text")
        _kind(self.fields["other_medicines"], "textarea")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        listed = (
            data.get("anticoagulants")
            or (data.get("other_anticoagulant") or "").strip()
            or (data.get("other_medicines") or "").strip()
        )
        if data.get("takes_medicine") == "yes" and not listed:
            self.add_error(
                "anticoagulants", _("Tick your blood thinner or write the names of your medicines.")
            )
        if data.get("takes_medicine") == "no" and listed:
            self.add_error(
                "takes_medicine",
                _("You answered no, but listed medicines: answer yes, or remove them."),
            )
        medicines = _split_lines(data.get("other_medicines") or "")
        if any(len(name) > 60 for name in medicines) or len(medicines) > 30:
            self.add_error(
                "other_medicines", _("Write at most 30 medicines, each on its own line.")
            )
        return data

    def intake(self) -> dict[str, Any]:
        data = self.cleaned_data
        if data["takes_medicine"] == "no":
            return {"medications": []}
        medications = [{"code": code, "anticoagulant": True} for code in data["anticoagulants"]]
        other = data["other_anticoagulant"].strip()
        if other:
            medications.append({"code": other, "anticoagulant": True})
        medications += [
            {"code": name, "anticoagulant": False} for name in _split_lines(data["other_medicines"])
        ]
        return {"medications": medications}


# -- prior treatments ------------------------------------------------------------------------

TREATMENTS: tuple[tuple[str, Promise], ...] = (
    ("exercise_therapy", _("Physiotherapy or exercise therapy")),
    ("chiropractic", _("Chiropractic")),
    ("massage", _("Massage")),
    ("acupuncture", _("Acupuncture")),
    ("relaxation_exercises", _("Relaxation exercises")),
    ("tens", _("TENS (electrical nerve stimulation)")),
    ("pain_medication", _("Pain medicine")),
    ("injection", _("Injections")),
    ("surgery", _("Surgery")),
)
EFFECTS = (
    ("not_tried", _("Not tried")),
    ("no_effect", _("No effect")),
    ("short_effect", _("Helped only briefly")),
    ("lasting_effect", _("Helped for a long time")),
    ("worse", _("Made it worse")),
)


class TreatmentsForm(PageForm):
    other_treatments = forms.CharField(
        label=_("Other treatments you have tried, and how they worked"),
        required=False,
        max_length=1000,
        widget=forms.Textarea,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        other = self.fields.pop("other_treatments")
        for code, name in TREATMENTS:
            self.fields[f"treatment_{code}"] = _kind(
                forms.ChoiceField(
                    label=name,
                    choices=EFFECTS,
                    initial="not_tried",
                    error_messages={"required": _("Choose how it worked, or 'Not tried'.")},
                ),
                "select",
            )
        self.fields["other_treatments"] = _kind(other, "textarea")

    def intake(self) -> dict[str, Any]:
        data = self.cleaned_data
        tried = [
            {"modality": code, "effect": data[f"treatment_{code}"]}
            for code, _name in TREATMENTS
            if data[f"treatment_{code}"] != "not_tried"
        ]
        result: dict[str, Any] = {"prior_treatments": tried}
        if data["other_treatments"].strip():
            result["prior_treatments_other"] = data["other_treatments"].strip()
        return result


# -- instruments, from their FHIR Questionnaire ----------------------------------------------


def _extension(item: dict[str, Any], url: str) -> Any:
    for extension in item.get("extension", []):
        if extension["url"] == url:
            return next(value for key, value in extension.items() if key.startswith("value"))
    return None


class InstrumentForm(PageForm):
    """One instrument's items, built from its FHIR Questionnaire in the patient's language."""

    def __init__(self, questionnaire: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questionnaire = questionnaire
        self.paraphrase = _extension(questionnaire, fhir.WORDING_URL) == "paraphrase"
        self.instrument = get_instrument(fhir.instrument_code(questionnaire))
        optional = {item.code for item in self.instrument.items if item.optional}
        for number, item in enumerate(questionnaire["item"], start=1):
            field = self._field(item, number)
            # Not required because the missing-answer rule counts (any one ODI section may
            # be left out), not because the item is optional: not labelled "(optional)".
            field.counted = not field.required and item["linkId"] not in optional  # type: ignore[attr-defined]
            self.fields[item["linkId"]] = field

    def _field(self, item: dict[str, Any], number: int) -> forms.Field:
        required = bool(item.get("required"))
        wording = _extension(item, fhir.WORDING_URL)
        common = {"label": item["text"], "required": required}
        if item["type"] == "choice":
            field: forms.Field = forms.ChoiceField(
                choices=[
                    (option["valueCoding"]["code"], option["valueCoding"]["display"])
                    for option in item["answerOption"]
                ],
                error_messages={
                    "required": _("Choose an answer."),
                    "invalid_choice": _("Choose one of the answers shown."),
                },
                **common,
            )
            return _kind(field, "radio", number=number, paraphrase=wording == "paraphrase")
        low = _extension(item, fhir.MIN_VALUE_URL)
        high = _extension(item, fhir.MAX_VALUE_URL)
        integer = item["type"] == "integer"
        message = (
            _("Enter a whole number from %(low)s to %(high)s.")
            if integer
            else _("Enter a number from %(low)s to %(high)s.")
        ) % {"low": low, "high": high}
        field_class = forms.IntegerField if integer else forms.FloatField
        field = field_class(
            min_value=low,
            max_value=high,
            error_messages={
                "required": _("Enter a number."),
                "invalid": message,
                "min_value": message,
                "max_value": message,
            },
            **common,
        )
        unit = _extension(item, fhir.UNIT_URL)
        return _kind(
            field,
            "number",
            number=number,
            paraphrase=wording == "paraphrase",
            low=low,
            high=high,
            step="1" if integer else "any",
            unit=unit["display"] if unit else "",
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        # The missing-answer rule is a count (any one ODI section may be left out): when more
        # are left out than it allows, every unanswered counted item asks for its answer.
        try:
            self.instrument.check_missing(self.instrument.validate(self.answers()))
        except ScoringError:
            for name, field in self.fields.items():
                if getattr(field, "counted", False) and cleaned.get(name) in (None, ""):
                    self.add_error(name, field.error_messages["required"])
        return cleaned

    def answers(self) -> dict[str, int | float]:
        """``linkId`` → the number the scorer expects (a choice's code is its score)."""
        result: dict[str, int | float] = {}
        for link_id, field in self.fields.items():
            value = self.cleaned_data.get(link_id)
            if value in (None, ""):
                continue
            result[link_id] = int(value) if field.kind == "radio" else value  # type: ignore[attr-defined]
        return result


# -- the pages of one link -------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    key: str
    title: Promise | str
    template: str
    instrument: str = ""

    def form(self, language: str, data: MultiValueDict | None = None, **kwargs: Any) -> PageForm:
        if self.instrument:
            return InstrumentForm(fhir.load(self.instrument, language), data, **kwargs)
        return _FORMS[self.key](data, **kwargs)


_FORMS: dict[str, type[PageForm]] = {
    "regions": RegionsForm,
    "duration": DurationForm,
    "red_flags": RedFlagsForm,
    "medications": MedicationsForm,
    "treatments": TreatmentsForm,
}

FIXED_PAGES = (
    Page("regions", _("Where does it hurt?"), "questionnaires/pages/regions.html"),
    Page("duration", _("How long and how often"), "questionnaires/pages/form.html"),
    Page("red_flags", _("Important health questions"), "questionnaires/pages/form.html"),
    Page("medications", _("Medicines"), "questionnaires/pages/form.html"),
    Page("treatments", _("Treatments you have tried"), "questionnaires/pages/form.html"),
)


def pages(instruments: list[str], language: str, *, follow_up: bool = False) -> list[Page]:
    """Every page of an intake with these instruments, in order. A follow-up asks only the
    instruments: the body map, red flags and history belong to the first visit."""
    result = [] if follow_up else list(FIXED_PAGES)
    for code in instruments:
        if code not in REGISTRY:
            continue
        title = fhir.load(code, language)["title"]
        result.append(
            Page(f"instrument:{code}", title, "questionnaires/pages/instrument.html", code)
        )
    return result


def question_counts(all_pages: list[Page], language: str) -> list[int]:
    """How many questions each page asks, as the patient counts them: every field but one
    that completes another (a duration's unit)."""
    return [
        sum(1 for field in page.form(language).fields.values() if not getattr(field, "part_of", ""))
        for page in all_pages
    ]


def bind(page: Page, language: str, stored: dict[str, list[str]] | None) -> PageForm:
    return page.form(language, MultiValueDict(stored or {}))


def initial(page: Page, language: str, stored: dict[str, list[str]] | None) -> PageForm:
    """An unbound form showing what the patient answered before (no error messages)."""
    form = page.form(language)
    values: dict[str, Any] = {}
    for name, field in form.fields.items():
        if name not in (stored or {}):
            continue
        given = stored[name]  # type: ignore[index]
        multiple = isinstance(field, forms.MultipleChoiceField)
        values[name] = given if multiple else (given[0] if given else "")
    form.initial.update(values)
    return form


def form_data(form: PageForm, post: Any) -> dict[str, list[str]]:
    """The part of a POST that belongs to ``form``, in the draft's shape."""
    return {name: [str(v)[:2000] for v in post.getlist(name)][:60] for name in form.fields}


# -- consent (shown before the pages; not one of them) -----------------------------------------

CONSENT_CHOICES = (
    ("given", pgettext_lazy("consent", "Yes")),
    ("refused", pgettext_lazy("consent", "No")),
)


class ConsentForm(PageForm):
    """The patient's choice per purpose on the current consent texts
    (:mod:`painpath.core.consent`), each with the version it was made on: a choice made on a
    text that has since changed is asked again."""

    def __init__(self, language: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.texts = [consent_texts.current(purpose) for purpose in consent_texts.PURPOSES]
        for text in self.texts:
            self.fields[text.purpose] = _kind(
                forms.ChoiceField(
                    label=text.question_in(language),
                    choices=CONSENT_CHOICES,
                    error_messages={"required": _("Choose yes or no.")},
                ),
                "radio",
                inline=True,
            )
            self.fields[f"{text.purpose}_version"] = forms.IntegerField(
                widget=forms.HiddenInput, initial=text.version
            )
        self.sections = [
            {
                "title": text.title_in(language),
                "paragraphs": text.paragraphs_in(language),
                "field": self[text.purpose],
            }
            for text in self.texts
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for text in self.texts:
            if data.get(f"{text.purpose}_version") != text.version:
                self.add_error(
                    text.purpose,
                    _("This text has changed since you chose. Read it again and choose."),
                )
        return data

    def choices(self) -> dict[str, tuple[str, int]]:
        """Per purpose, the decision and the version of the text it was made on."""
        return {
            text.purpose: (self.cleaned_data[text.purpose], text.version) for text in self.texts
        }
