"""The patient's answers for the clinician: each question beside its answer, the body map, the
red-flag answers with the positive ones first, and who may read them (synthetic data)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import translation

from painpath.accounts.roles import CLINICIAN, RESEARCHER, SECRETARY
from painpath.audit.models import AuditEntry
from painpath.clinic.answers import intake_answers, response_answers, selected_values
from painpath.patients.models import Clinic, Episode
from painpath.questionnaires import services
from painpath.questionnaires.forms import RED_FLAGS, TREATMENTS
from painpath.questionnaires.models import IntakeLink, QuestionnaireResponse

pytestmark = pytest.mark.django_db

INSTRUMENTS = ["nrs", "odi"]


def page_data() -> dict[str, dict[str, Any]]:
    """Valid answers for every page, as a browser posts them: a red flag answered yes."""
    treatments = {f"treatment_{code}": "not_tried" for code, _name in TREATMENTS}
    treatments["treatment_massage"] = "no_effect"
    return {
        "regions": {"regions": ["low_back", "thigh:left", "knee:left", "knee:right"]},
        "duration": {"duration_value": "8", "duration_unit": "months", "pattern": "constant"},
        "red_flags": {code: "no" for code, _q in RED_FLAGS}
        | {"history_of_cancer": "unknown", "saddle_anaesthesia": "yes"},
        "medications": {
            "takes_medicine": "yes",
            "anticoagulants": ["apixaban"],
            "other_medicines": "paracetamol",
        },
        "treatments": treatments | {"other_treatments": "yoga twice a week"},
        "instrument:nrs": {"nrs": "6"},
        "instrument:odi": {f"odi{i}": "2" for i in range(1, 11)},
    }


def as_draft(data: dict[str, dict[str, Any]]) -> dict[str, dict[str, list[str]]]:
    return {
        page: {k: v if isinstance(v, list) else [v] for k, v in fields.items()}
        for page, fields in data.items()
    }


@pytest.fixture
def submitted(episode: Episode, clinician: User) -> IntakeLink:
    link, _path = services.issue_link(episode, INSTRUMENTS, "da", clinician, days=14)
    services.choose_language(link, "da")
    services.submit(link, as_draft(page_data()), uuid.uuid4())
    link.refresh_from_db()
    return link


def _response(link: IntakeLink, code: str) -> QuestionnaireResponse:
    return QuestionnaireResponse.objects.get(link=link, instrument=code)


def answers_url(response: QuestionnaireResponse) -> str:
    return reverse("clinic:answers", args=[response.episode.public_id, response.submission_id])


def test_each_question_stands_beside_the_answer_in_the_clinicians_language(
    submitted: IntakeLink,
) -> None:
    odi = _response(submitted, "odi")
    with translation.override("en"):
        english = response_answers(odi)
    with translation.override("da"):
        danish = response_answers(odi)
    assert [item.link_id for item in english.items] == [f"odi{i}" for i in range(1, 11)]
    first_en, first_da = english.items[0], danish.items[0]
    assert first_en.code == first_da.code == "2"
    assert first_en.question != first_da.question  # the same question, in two languages
    assert first_en.answer and first_en.answer != "2"  # the option's words, not just its code
    assert all(item.answered for item in english.items)
    # The patient saw painpath's Danish paraphrase of the ODI, and the page says so.
    assert english.patient_wording.kind == "paraphrase"
    assert "paraphrase" in english.patient_wording_words
    assert english.score == "40 %"  # the ODI is a percentage


def test_the_intake_shows_the_body_map_and_the_positive_red_flag_first(
    submitted: IntakeLink, episode: Episode
) -> None:
    episode.refresh_from_db()
    with translation.override("en"):
        intake = intake_answers(episode)
    assert intake is not None
    assert intake.red_flags[0].code == "saddle_anaesthesia" and intake.red_flags[0].positive
    assert [f.code for f in intake.positive_red_flags] == ["saddle_anaesthesia"]
    # "Don't know" is never shown as a no: it comes before the negative answers.
    answers = [f.answer for f in intake.red_flags]
    assert answers.index("unknown") < answers.index("no")
    assert intake.red_flag_grade == "emergency"
    front = {s.value for s in intake.views[0].shapes if s.selected}
    back = {s.value for s in intake.views[1].shapes if s.selected}
    assert front == {"thigh:left", "knee:left", "knee:right"}
    assert back == {"low_back", "thigh:left", "knee:left", "knee:right"}
    assert intake.duration == "8 months" and intake.pattern.startswith("It is there")
    assert [m.name for m in intake.blood_thinners] == ["Apixaban (Eliquis)"]
    assert [(t.modality, t.effect) for t in intake.treatments] == [("Massage", "No effect")]
    assert intake.other_treatments == "yoga twice a week"
    assert intake.link_id == submitted.pk


def test_a_bilateral_region_is_drawn_on_both_sides() -> None:
    assert selected_values(
        [{"region": "knee", "laterality": "bilateral"}, {"region": "neck", "laterality": "midline"}]
    ) == {"knee:left", "knee:right", "neck"}


def test_the_clinician_reads_the_answers_page_in_danish_and_it_is_audited(
    submitted: IntakeLink, clinician_client: Client, episode: Episode
) -> None:
    odi = _response(submitted, "odi")
    before = AuditEntry.objects.count()
    page = clinician_client.get(answers_url(odi), HTTP_ACCEPT_LANGUAGE="da")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ridebukseanæstesi" in html  # the positive red flag, in the clinician's words
    assert "<svg" in html and "is-selected" in html  # the body map with marked regions
    assert "odi1" in html and "Apixaban" in html
    assert 'href="{}"'.format(answers_url(_response(submitted, "nrs"))) in html
    entries = list(AuditEntry.objects.order_by("id")[before:])
    assert [(e.code, e.patient_id, e.action) for e in entries] == [
        ("clinic.answers.viewed", episode.patient.pk, "view")
    ]


def test_the_intake_page_lists_every_questionnaire_of_the_submission(
    submitted: IntakeLink, clinician_client: Client, episode: Episode
) -> None:
    page = clinician_client.get(reverse("clinic:intake_answers", args=[episode.public_id]))
    assert page.status_code == 200
    html = page.content.decode()
    for code in INSTRUMENTS:
        assert answers_url(_response(submitted, code)) in html
    assert AuditEntry.objects.filter(
        code="clinic.intake_answers.viewed", patient=episode.patient
    ).exists()


def test_a_response_not_sent_with_the_intake_points_to_the_intake(
    clinician_client: Client, episode: Episode
) -> None:
    response = QuestionnaireResponse.objects.create(
        episode=episode, instrument="nrs", answers={"nrs": 4}, score=4, source="phone"
    )
    html = clinician_client.get(answers_url(response)).content.decode()
    assert reverse("clinic:intake_answers", args=[episode.public_id]) in html
    assert "Not scored" not in html


def test_another_clinics_clinician_gets_404_and_the_refusal_is_audited(
    submitted: IntakeLink,
    make_staff: Callable[..., User],
    verified_client: Callable[[User], Client],
    other_clinic: Clinic,
) -> None:
    outsider = verified_client(make_staff(CLINICIAN, "outsider", other_clinic))
    odi = _response(submitted, "odi")
    assert outsider.get(answers_url(odi)).status_code == 404
    assert AuditEntry.objects.filter(code="patients.read_refused", username="outsider").exists()
    assert not AuditEntry.objects.filter(code="clinic.answers.viewed").exists()


def test_a_response_of_another_episode_is_not_found_under_this_one(
    submitted: IntakeLink, clinician_client: Client, clinic: Clinic, episode: Episode
) -> None:
    other = Episode.objects.create(patient=episode.patient, complaint="Neck pain")
    odi = _response(submitted, "odi")
    url = reverse("clinic:answers", args=[other.public_id, odi.submission_id])
    assert clinician_client.get(url).status_code == 404
    assert (
        clinician_client.get(
            reverse("clinic:answers", args=[episode.public_id, uuid.uuid4()])
        ).status_code
        == 404
    )


@pytest.mark.parametrize("role", [SECRETARY, RESEARCHER])
def test_the_secretary_and_the_researcher_are_refused(
    role: str,
    submitted: IntakeLink,
    make_staff: Callable[..., User],
    verified_client: Callable[[User], Client],
) -> None:
    # Clinical content: the secretary sends links but reads no answers (as the patient page).
    client = verified_client(make_staff(role))
    assert client.get(answers_url(_response(submitted, "odi"))).status_code == 403
    intake = reverse("clinic:intake_answers", args=[submitted.episode.public_id])
    assert client.get(intake).status_code == 403


def test_an_answer_stored_as_text_or_outside_the_options_is_still_shown(episode: Episode) -> None:
    response = QuestionnaireResponse.objects.create(
        episode=episode, instrument="odi", answers={"odi1": "3", "odi2": 9, "odi99": 1}
    )
    with translation.override("en"):
        shown = {item.link_id: item for item in response_answers(response).items}
    assert shown["odi1"].code == "3" and shown["odi1"].answer != "3"  # the option's words
    assert "not one of this questionnaire's options" in shown["odi2"].answer
    assert not shown["odi3"].answered and shown["odi3"].answer == "not answered"
    assert shown["odi99"].answer == "1"  # a stored answer the Questionnaire no longer asks


def test_the_patient_pages_history_links_the_intake_and_each_response(
    submitted: IntakeLink, clinician_client: Client, episode: Episode
) -> None:
    page = clinician_client.get(
        reverse("clinic:episode", args=[episode.patient.public_id, episode.public_id])
    )
    html = page.content.decode()
    assert reverse("clinic:intake_answers", args=[episode.public_id]) in html
    for code in INSTRUMENTS:
        assert answers_url(_response(submitted, code)) in html


def test_a_blood_thinner_written_among_other_medicines_is_flagged_to_confirm(
    episode: Episode, clinician_client: Client
) -> None:
    """A patient who writes "Marevan 2,5 mg" among the other medicines instead of ticking it
    has a blood thinner all the same: the answers are flagged as the summary and the patient
    page flag them ("possible blood thinner — confirm"), never shown as a plain medicine."""
    episode.intake = {
        "medications": [
            {"code": "Marevan 2,5 mg", "anticoagulant": False},
            {"code": "paracetamol", "anticoagulant": False},
        ]
    }
    episode.save()
    with translation.override("en"):
        intake = intake_answers(episode)
    assert intake is not None and intake.medicines is not None
    marevan, paracetamol = intake.medicines
    assert marevan.name == "Marevan 2,5 mg" and marevan.possible_blood_thinner
    assert not paracetamol.possible_blood_thinner and not paracetamol.blood_thinner
    assert [m.name for m in intake.blood_thinners] == ["Marevan 2,5 mg"]
    page = clinician_client.get(reverse("clinic:intake_answers", args=[episode.public_id]))
    assert "possible blood thinner" in page.content.decode()


def test_an_answer_stored_as_text_too_large_for_a_number_is_shown_as_stored(
    episode: Episode,
) -> None:
    # "1.0e999" reads as infinity: no option's code, no number to format — shown as text.
    response = QuestionnaireResponse.objects.create(
        episode=episode, instrument="odi", answers={"odi1": "1.0e999", "odi2": "nan"}
    )
    with translation.override("en"):
        shown = {item.link_id: item for item in response_answers(response).items}
    assert shown["odi1"].answer == "1.0e999" and shown["odi2"].answer == "nan"
