"""What the patient answered, for the clinician: each question of a stored questionnaire
response in the clinician's language beside the answer (its words and its code), and the
intake's own pages — the body map, duration and pattern, the red-flag questions (the
positive ones first), medicines (blood thinners marked) and earlier treatments.

The question texts are the Questionnaire painpath shows in the clinician's language now
(``painpath.core.questionnaires.load``, as the intake does): the licensed wording where the
clinic has loaded it, else the shipped one — painpath's paraphrase for a licensed instrument.
Which wording the *patient* saw is recorded with the response and said on the page, so a
paraphrase is never mistaken for the validated instrument.

Reading only: the one write is the audit entry of the reading.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from painpath.accounts.decorators import verified_staff
from painpath.audit.services import Event, record
from painpath.clinic.bands import band_label
from painpath.clinic.display import axis_card
from painpath.clinic.subscales import subscale_rows
from painpath.core import medicines, vocabularies
from painpath.core import questionnaires as fhir
from painpath.core.charts import number_label
from painpath.core.errors import PainpathError
from painpath.core.instruments import REGISTRY
from painpath.core.questionnaires import WordingRef, wording_of
from painpath.core.rules import builtin_rulesets, classify, validate_episode
from painpath.pathway.services import scores_of
from painpath.patients import access
from painpath.patients.forms import RED_FLAG_QUESTIONS as RED_FLAG_LABELS
from painpath.patients.forms import REGION_LABELS
from painpath.patients.models import Episode
from painpath.questionnaires import bodymap
from painpath.questionnaires.forms import EFFECTS, TREATMENTS, UNITS, DurationForm
from painpath.questionnaires.forms import RED_FLAGS as PATIENT_QUESTIONS
from painpath.questionnaires.models import IntakeLink, QuestionnaireResponse
from painpath.questionnaires.services import red_flag_grade_of

ANSWERS_VIEWED = Event("clinic.answers.viewed", "view")
INTAKE_VIEWED = Event("clinic.intake_answers.viewed", "view")


def screen_language() -> str:
    """The clinician's language as a questionnaire language (da, en), English otherwise."""
    code = (translation.get_language() or "en")[:2].lower()
    return code if code in fhir.LANGUAGES else "en"


def language_name(code: str) -> str:
    for language in vocabularies.languages():
        if language.code == code:
            # Django's own catalogue names the languages ("Danish" → "dansk").
            return _(language.label.en)
    return code or _("not recorded")


def number(value: float) -> str:
    """A stored number in the screen's locale: a whole number without decimals."""
    if float(value).is_integer():
        return number_format(int(value))
    return number_format(round(float(value), 2), decimal_pos=None)


def score_number(value: float) -> str:
    """A score as the patient page writes it (``number_label``: three decimals below 2, so an
    EQ-5D-5L index reads 0.705, not 0.7) with the screen language's decimal mark: the answers
    view and the summary are read, and filed, beside that page."""
    return number_format(Decimal(number_label(value)), use_l10n=True)


# --------------------------------------------------------------------------- wording


def wording_words(wording: WordingRef) -> str:
    """Which wording a response was given to, in the clinician's words."""
    if wording.kind == "licensed":
        name = " ".join(p for p in (wording.translation, wording.translation_version) if p)
        return _("licensed wording (%(name)s)") % {"name": name or wording.questionnaire}
    if wording.kind == "original":
        return _("the instrument's own wording (free to use)")
    if wording.kind == "paraphrase":
        return _("painpath's paraphrase — not the validated instrument")
    return _("not recorded (taken on paper or by phone, or stored before painpath recorded it)")


# --------------------------------------------------------------------------- one response


@dataclass(frozen=True)
class ItemAnswer:
    number: int
    link_id: str
    question: str
    answer: str
    """The answer in words (the option's text, or the number with its unit)."""
    code: str
    """What was stored: the option's code, or the number."""
    answered: bool


@dataclass(frozen=True)
class ResponseAnswers:
    response: QuestionnaireResponse
    title: str
    items: list[ItemAnswer]
    score: str
    band: str
    patient_wording: WordingRef
    patient_wording_words: str
    patient_language: str
    shown_wording: WordingRef | None
    """The wording of the question texts on this page (None: the instrument is unknown)."""
    notes: list[str] = field(default_factory=list)
    red_flags: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)
    """The red flags these answers raise alone, under their headings (a PHQ-9 item 9:
    thoughts of death or self-harm), as the red-flag card groups them."""
    subscales: list[tuple[str, str]] = field(default_factory=list)
    """(name, value) of the subscales the page names (``clinic.subscales``: the KOOS's five
    and its derived KOOS-12 scales)."""

    @property
    def unanswered(self) -> int:
        return sum(not item.answered for item in self.items)


def _option_words(item: dict[str, Any]) -> dict[str, str]:
    return {
        option["valueCoding"]["code"]: option["valueCoding"]["display"]
        for option in item.get("answerOption", [])
    }


def _unit(item: dict[str, Any]) -> str:
    for extension in item.get("extension", []):
        if extension.get("url") == fhir.UNIT_URL:
            return str(extension["valueCoding"].get("display", ""))
    return ""


def _item_answer(number_: int, item: dict[str, Any], value: Any) -> ItemAnswer:
    link_id = item["linkId"]
    if isinstance(value, str):
        # Answers entered by hand may hold the number as text (but "1.0e999" is no number
        # to show: it stays the text it was stored as).
        with contextlib.suppress(ValueError):
            parsed = float(value) if "." in value else int(value)
            if math.isfinite(parsed):
                value = parsed
    if value is None or value == "":
        return ItemAnswer(number_, link_id, item["text"], _("not answered"), "", False)
    if item.get("type") == "choice" and isinstance(value, int | float):
        code = str(int(value))
        words = _option_words(item).get(code)
        if words is None:
            words = _("answer %(code)s is not one of this questionnaire's options") % {"code": code}
        return ItemAnswer(number_, link_id, item["text"], words, code, True)
    if isinstance(value, int | float) and not isinstance(value, bool):
        shown = number(value)
        unit = _unit(item)
        return ItemAnswer(
            number_, link_id, item["text"], f"{shown} {unit}".strip(), str(value), True
        )
    return ItemAnswer(number_, link_id, item["text"], str(value), str(value), True)


def response_answers(response: QuestionnaireResponse) -> ResponseAnswers:
    """Every question of the response's instrument with the patient's answer, in order; a
    stored answer to a question the Questionnaire no longer has is listed after them."""
    language = screen_language()
    answers = dict(response.answers or {})
    patient_wording = response.wording_ref
    notes: list[str] = []
    try:
        questionnaire = fhir.load(response.instrument, language)
    except PainpathError:
        questionnaire = None
    items: list[ItemAnswer] = []
    shown: WordingRef | None = None
    if questionnaire is None:
        title = response.instrument.upper()
        notes.append(
            _("painpath no longer knows this instrument: the answers are shown as stored.")
        )
    else:
        title = str(questionnaire.get("title", response.instrument))
        shown = wording_of(questionnaire)
        for position, item in enumerate(questionnaire.get("item", []), start=1):
            items.append(_item_answer(position, item, answers.pop(item["linkId"], None)))
    for position, (link_id, value) in enumerate(sorted(answers.items()), start=len(items) + 1):
        items.append(ItemAnswer(position, link_id, link_id, str(value), str(value), True))
    if shown is not None and patient_wording.kind != "unknown":
        if shown.kind != patient_wording.kind:
            notes.append(
                _(
                    "The questions here are in %(shown)s; the patient answered %(patient)s. "
                    "The meaning is the same, the words are not."
                )
                % {"shown": wording_words(shown), "patient": wording_words(patient_wording)}
            )
        elif response.language and response.language != language:
            notes.append(
                _("The questions here are in %(shown)s; the patient answered them in %(lang)s.")
                % {"shown": language_name(language), "lang": language_name(response.language)}
            )
    cls = REGISTRY.get(response.instrument)
    score = ""
    if response.score is not None:
        score = score_number(response.score)
        if cls is not None and cls.score_unit and cls.score_unit != "points":
            score = f"{score} {cls.score_unit}"
    return ResponseAnswers(
        response=response,
        title=title,
        items=items,
        score=score,
        band=_band_words(response),
        patient_wording=patient_wording,
        patient_wording_words=wording_words(patient_wording),
        patient_language=language_name(response.language),
        shown_wording=shown,
        notes=notes,
        red_flags=red_flags_of(response),
        subscales=subscale_rows(response.instrument, response.subscales or {}, score_number),
    )


def red_flags_of(response: QuestionnaireResponse) -> list[tuple[str, list[tuple[str, str]]]]:
    """The red flags this response raises on its own (the shipped red-flag rule sets on its
    scores alone), as ``(heading, [(grade, finding), …])``; none for an unscored response
    or an instrument no red-flag rule reads."""
    if response.score is None:
        return []
    scores = scores_of([response])
    if not scores:
        return []
    document = {"id": str(response.submission_id), "questionnaires": scores}
    red = [rs for rs in builtin_rulesets().values() if rs.axis == "red_flags"]
    if not red:
        return []
    axis = classify(validate_episode(document), as_of=response.answered_on, rulesets=red)
    return axis_card(axis["red_flags"]).finding_groups if axis["red_flags"].fired else []


def _band_words(response: QuestionnaireResponse) -> str:
    return band_label(response.instrument, response.band) if response.band else ""


# --------------------------------------------------------------------------- the intake


@dataclass(frozen=True)
class RedFlagAnswer:
    code: str
    label: str
    question: str
    answer: str
    """``yes``, ``no`` or ``unknown`` (don't know, or not asked)."""

    @property
    def positive(self) -> bool:
        return self.answer == "yes"


@dataclass(frozen=True)
class MedicineAnswer:
    name: str
    blood_thinner: bool
    possible_blood_thinner: bool = False
    """Written as free text and naming a blood thinner (``core.medicines.recognise``): the
    patient did not tick it, so the clinician confirms, as on the patient page."""


@dataclass(frozen=True)
class TreatmentAnswer:
    modality: str
    effect: str
    effect_code: str


@dataclass(frozen=True)
class BodyView:
    key: str
    title: str
    shapes: list[bodymap.DrawnShape]


@dataclass(frozen=True)
class IntakeAnswers:
    regions: list[str]
    views: list[BodyView]
    duration: str
    onset: dt.date | None
    pattern: str
    red_flags: list[RedFlagAnswer]
    red_flag_grade: str | None
    medicines: list[MedicineAnswer] | None
    """None: the intake holds no answer about medicines (an empty list: "none")."""
    treatments: list[TreatmentAnswer]
    other_treatments: str
    reported_at: dt.datetime | None
    reported_language: str
    link_id: int | None

    @property
    def positive_red_flags(self) -> list[RedFlagAnswer]:
        return [flag for flag in self.red_flags if flag.positive]

    @property
    def blood_thinners(self) -> list[MedicineAnswer]:
        return [m for m in self.medicines or [] if m.blood_thinner or m.possible_blood_thinner]


def selected_values(pain_regions: list[dict[str, str]]) -> set[str]:
    """The body map's checkbox values of the episode schema's ``pain_regions`` (the inverse
    of ``bodymap.pain_regions``)."""
    values: set[str] = set()
    for entry in pain_regions or []:
        code, side = entry.get("region", ""), entry.get("laterality", "")
        region = bodymap.REGIONS.get(code)
        if region is None:
            continue
        if not region.lateral:
            values.add(code)
        elif side == "bilateral":
            values |= {f"{code}:left", f"{code}:right"}
        elif side in ("left", "right"):
            values.add(f"{code}:{side}")
        else:
            values |= {f"{code}:left", f"{code}:right"}  # a side not given: both drawn
    return values


def region_words(pain_regions: list[dict[str, str]]) -> list[str]:
    words = []
    for entry in pain_regions or []:
        code, side = entry.get("region", ""), entry.get("laterality", "")
        name = str(bodymap.REGIONS[code].label) if code in bodymap.REGIONS else None
        name = name or str(REGION_LABELS.get(code, code.replace("_", " ")))
        side_words = {
            "left": _("left"),
            "right": _("right"),
            "bilateral": _("both sides"),
        }.get(side)
        words.append(f"{name} ({side_words})" if side_words else name)
    return words


def body_views(pain_regions: list[dict[str, str]]) -> list[BodyView]:
    selected = selected_values(pain_regions)
    return [
        BodyView("front", _("Front"), bodymap.view("front", selected)),
        BodyView("back", _("Back"), bodymap.view("back", selected)),
    ]


def duration_words(intake: dict[str, Any]) -> str:
    reported = intake.get("reported_duration")
    if not isinstance(reported, dict) or reported.get("value") is None:
        return ""
    unit = dict(UNITS).get(reported.get("unit", ""), reported.get("unit", ""))
    return f"{number(reported['value'])} {unit}"


def pattern_words(code: str | None) -> str:
    choices = dict(DurationForm.base_fields["pattern"].choices)  # type: ignore[attr-defined]
    return str(choices.get(code, code or ""))


def red_flag_answers(answers: dict[str, Any]) -> list[RedFlagAnswer]:
    """Every red-flag question the intake asks, and any retired one answered: positive
    answers first, then "don't know" (never assumed negative), then the negative ones."""
    labels = dict(RED_FLAG_LABELS)
    questions = dict(PATIENT_QUESTIONS)
    codes = [code for code, _q in PATIENT_QUESTIONS]
    codes += [code for code in answers if code not in questions and code in labels]
    rows = []
    for code in codes:
        value = answers.get(code)
        answer = "yes" if value is True else "no" if value is False else "unknown"
        rows.append(
            RedFlagAnswer(
                code=code,
                label=str(labels[code]),
                question=str(questions.get(code, "")),
                answer=answer,
            )
        )
    order = {"yes": 0, "unknown": 1, "no": 2}
    return sorted(rows, key=lambda row: order[row.answer])


def medicine_answers(medications: Any) -> list[MedicineAnswer] | None:
    if not isinstance(medications, list):
        return None
    drugs = {drug.code: drug for drug in vocabularies.drugs()}
    rows = []
    for entry in medications:
        code = str(entry.get("code", ""))
        drug = drugs.get(code)
        name = code
        if drug is not None:
            name = drug.label.in_language(screen_language())
            if drug.brands:
                name = f"{name} ({', '.join(drug.brands)})"
        ticked = bool(entry.get("anticoagulant"))
        possible = not ticked and medicines.recognise(code) is not None
        rows.append(MedicineAnswer(name, ticked, possible))
    return sorted(rows, key=lambda row: not (row.blood_thinner or row.possible_blood_thinner))


def treatment_answers(tried: Any) -> list[TreatmentAnswer]:
    names, effects = dict(TREATMENTS), dict(EFFECTS)
    return [
        TreatmentAnswer(
            str(names.get(str(entry.get("modality")), entry.get("modality", ""))),
            str(effects.get(str(entry.get("effect")), entry.get("effect", ""))),
            str(entry.get("effect", "")),
        )
        for entry in tried or []
        if isinstance(entry, dict)
    ]


def intake_answers(episode: Episode) -> IntakeAnswers | None:
    """The intake's own answers as the episode holds them (the latest intake's; staff may
    have corrected them on the episode form), or None when there is none."""
    intake = dict(episode.intake or {})
    if not intake:
        return None
    reported = intake.get("reported_by_patient") or {}
    at = parse_datetime(str(reported.get("at", ""))) if reported else None
    onset = episode.onset_date or (
        parse_date(str(intake["onset_date"])) if intake.get("onset_date") else None
    )
    red_flags = intake.get("red_flags") or {}
    return IntakeAnswers(
        regions=region_words(intake.get("pain_regions", [])),
        views=body_views(intake.get("pain_regions", [])),
        duration=duration_words(intake),
        onset=onset,
        pattern=pattern_words(intake.get("pattern")),
        red_flags=red_flag_answers(red_flags),
        red_flag_grade=red_flag_grade_of(episode, intake) if red_flags else None,
        medicines=medicine_answers(intake.get("medications")),
        treatments=treatment_answers(intake.get("prior_treatments")),
        other_treatments=str(intake.get("prior_treatments_other", "")),
        reported_at=at,
        reported_language=language_name(str(reported.get("language", ""))) if reported else "",
        link_id=reported.get("link") if reported else None,
    )


def from_this_intake(response: QuestionnaireResponse, intake: IntakeAnswers | None) -> bool:
    """The response was sent with the intake the episode holds (same link)."""
    return bool(
        intake is not None and response.link_id is not None and response.link_id == intake.link_id
    )


# --------------------------------------------------------------------------- views


def clinical_reading(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Who may read a patient's answers: a verified clinician of the clinic (as the patient
    page; the secretary sends links but reads no clinical content)."""
    for permission in ("patients.view_episode", "patients.view_patient"):
        view = permission_required(permission, raise_exception=True)(view)
    return verified_staff(view)


def _scoped_response(request: HttpRequest, episode: Episode, response_id: uuid.UUID) -> Any:
    found = (
        QuestionnaireResponse.objects.filter(episode=episode, submission_id=response_id)
        .select_related("link")
        .first()
    )
    if found is None:
        record(request, access.REFUSED, object_type="response", requested=str(response_id))
        raise Http404("no such response")
    return found


def _siblings(episode: Episode, response: QuestionnaireResponse | None, link_id: int | None) -> Any:
    """The other responses sent in the same submission (the same link)."""
    if link_id is None:
        return []
    others = QuestionnaireResponse.objects.filter(episode=episode, link_id=link_id)
    if response is not None:
        others = others.exclude(pk=response.pk)
    return list(others.order_by("id"))


@clinical_reading
def answers_view(
    request: HttpRequest, episode_id: uuid.UUID, response_id: uuid.UUID
) -> HttpResponse:
    """One questionnaire response as the patient answered it (and the intake's pages, when it
    came with the intake)."""
    episode = access.episode(request, episode_id)
    response = _scoped_response(request, episode, response_id)
    intake = intake_answers(episode)
    with_intake = from_this_intake(response, intake)
    record(
        request,
        ANSWERS_VIEWED,
        patient=episode.patient,
        obj=response,
        episode=str(episode.public_id),
        instrument=response.instrument,
    )
    return render(
        request,
        "clinic/answers.html",
        {
            "patient": episode.patient,
            "episode": episode,
            "responses": [response_answers(response)],
            "intake": intake if with_intake else None,
            "intake_elsewhere": intake is not None and not with_intake,
            "siblings": _siblings(episode, response, response.link_id),
            "single": response,
        },
    )


@clinical_reading
def intake_view(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    """The episode's intake: the body map, duration, red flags, medicines and earlier
    treatments, with every questionnaire sent in the same submission."""
    episode = access.episode(request, episode_id)
    intake = intake_answers(episode)
    record(request, INTAKE_VIEWED, patient=episode.patient, obj=episode)
    link_id = intake.link_id if intake is not None else None
    responses = _siblings(episode, None, link_id)
    link = IntakeLink.objects.filter(pk=link_id, episode=episode).first() if link_id else None
    return render(
        request,
        "clinic/answers.html",
        {
            "patient": episode.patient,
            "episode": episode,
            "responses": [response_answers(r) for r in responses],
            "intake": intake,
            "intake_page": True,
            "intake_link": link,
        },
    )
