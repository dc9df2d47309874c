"""The clinician's examination instruments (issue 15): the full DN4, whose last three items are
found by examining the painful area, is recorded on its own page of the episode — chosen among
the instruments only a clinician answers, its items in the clinician's language, the patient's
DN4-interview answers filled in — and stored as a clinician's response, audited, and the
episode reclassified so that the neuropathic grading shows the DN4 screening note. All
synthetic."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from painpath.audit.models import AuditEntry
from painpath.clinic import examination
from painpath.core.instruments import REGISTRY
from painpath.core.questionnaires import UNKNOWN_WORDING, load, wording_of
from painpath.pathway.models import Classification
from painpath.patients.models import Clinic, Episode, Patient
from painpath.questionnaires.models import QuestionnaireResponse
from painpath.questionnaires.services import store_answers_as_shown

pytestmark = pytest.mark.django_db

# Interview: burning, electric shocks, tingling, numbness (4 of 7); examination: reduced
# sensation to pinprick (1 of 3). DN4 = 5 ≥ 4 (Bouhassira 2005): "neuropathic pain likely".
ANSWERS = {f"dn4q{i}": int(i in (1, 3, 4, 6, 9)) for i in range(1, 11)}


def url(episode: Episode) -> str:
    return reverse("clinic:record_examination", args=[episode.public_id])


def post(client: Client, episode: Episode, answers: dict[str, Any], **extra: str) -> Any:
    data = {"instrument": "dn4", "answered_on": timezone.localdate().isoformat()}
    data |= {f"dn4-{code}": str(value) for code, value in answers.items()}
    return client.post(url(episode), data | extra, HTTP_ACCEPT_LANGUAGE="da")


def nothing_written(episode: Episode) -> bool:
    return (
        not QuestionnaireResponse.objects.filter(episode=episode).exists()
        and not Classification.objects.filter(episode=episode).exists()
        and not AuditEntry.objects.filter(code=examination.EXAMINATION_RECORDED.code).exists()
    )


def test_the_choice_is_every_instrument_only_a_clinician_answers(
    episode: Episode, clinician_client: Client
) -> None:
    page = clinician_client.get(url(episode), HTTP_ACCEPT_LANGUAGE="da")
    assert page.status_code == 200
    offered = [code for code, _label in page.context["choose"].fields["instrument"].choices]
    assert offered == sorted(c for c, cls in REGISTRY.items() if cls.respondent == "clinician")
    assert "dn4" in offered and "dn4i" not in offered
    assert AuditEntry.objects.filter(
        code=examination.EXAMINATION_FORM_VIEWED.code, patient=episode.patient
    ).exists()


def test_the_form_shows_every_item_in_the_clinicians_language(
    episode: Episode, clinician_client: Client
) -> None:
    html = clinician_client.get(
        url(episode), {"instrument": "dn4"}, HTTP_ACCEPT_LANGUAGE="da"
    ).content.decode()
    for item in load("dn4", "da")["item"]:
        assert item["text"] in html
    assert "Undersøgelse (klinikeren)" in html
    # A date input takes only ISO dates: a Danish 30.11.2026 would show an empty field.
    assert f'value="{timezone.localdate().isoformat()}"' in html
    # The staff screen is Danish in Danish.
    for danish in ("Registrér et undersøgelsesinstrument", "Undersøgt den", "Registrér svarene"):
        assert danish in html
    assert not QuestionnaireResponse.objects.exists()  # a GET writes only its audit entry


def test_the_patients_interview_answers_are_filled_in_and_said_so(
    episode: Episode, clinician_client: Client
) -> None:
    interview = {f"dn4q{i}": int(i in (2, 5)) for i in range(1, 8)}
    store_answers_as_shown(
        episode,
        "dn4i",
        interview,
        source="patient",
        language="da",
        answered_on=timezone.localdate() - dt.timedelta(days=3),
    )
    page = clinician_client.get(url(episode), {"instrument": "dn4"}, HTTP_ACCEPT_LANGUAGE="da")
    section = page.context["section"]
    assert {k: section[k].value() for k in interview} == {k: str(v) for k, v in interview.items()}
    assert section["dn4q8"].value() in (None, "")  # the examination is the clinician's
    assert "7 punkter er udfyldt fra patientens DN4-interview" in page.content.decode()
    assert page.context["prefill"].response.instrument == "dn4i"


def test_recording_stores_scores_audits_and_reclassifies(
    episode: Episode, clinician: User, clinician_client: Client
) -> None:
    response = post(clinician_client, episode, ANSWERS)
    assert response.status_code == 302
    assert response["Location"].endswith("#classification")
    stored = QuestionnaireResponse.objects.get(episode=episode, instrument="dn4")
    assert stored.source == QuestionnaireResponse.Source.CLINICIAN
    assert stored.answers == ANSWERS
    assert (stored.score, stored.subscales) == (5, {"interview": 4, "examination": 1})
    assert stored.band == "neuropathic pain likely"
    assert stored.recorded_by == clinician
    assert stored.answered_on == timezone.localdate()
    assert stored.language == "da"
    assert stored.wording_ref == wording_of(load("dn4", "da"))
    entry = AuditEntry.objects.get(code=examination.EXAMINATION_RECORDED.code)
    assert (entry.patient, entry.user) == (episode.patient, clinician)
    assert entry.detail["instrument"] == "dn4" and entry.detail["score"] == 5
    latest = Classification.objects.get(episode=episode, is_latest=True)
    neuropathic = latest.axis("neuropathic")
    assert neuropathic is not None
    assert neuropathic.result == "unknown" and "screening_positive" in neuropathic.fired
    page = clinician_client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="da")
    assert "DN4" in page.content.decode()


def test_a_missing_item_is_refused_at_that_item_and_nothing_is_written(
    episode: Episode, clinician_client: Client
) -> None:
    answers = {k: v for k, v in ANSWERS.items() if k != "dn4q9"}
    response = post(clinician_client, episode, answers)
    assert response.status_code == 422
    section = response.context["section"]
    assert list(section.errors) == ["dn4q9"]
    assert nothing_written(episode)


def test_an_answer_out_of_range_names_the_item(episode: Episode, clinician_client: Client) -> None:
    response = post(clinician_client, episode, {**ANSWERS, "dn4q8": 7})
    assert response.status_code == 422
    assert list(response.context["section"].errors) == ["dn4q8"]
    assert nothing_written(episode)


@pytest.mark.parametrize("instrument", ["dn4i", "nrs", "no-such"])
def test_a_patient_instrument_or_unknown_code_is_refused_naming_it(
    episode: Episode, clinician_client: Client, instrument: str
) -> None:
    response = post(clinician_client, episode, ANSWERS, instrument=instrument)
    assert response.status_code == 422
    assert instrument in str(response.context["choose"].errors["instrument"])
    assert nothing_written(episode)


def test_the_service_refuses_a_patient_instrument_and_names_a_bad_item(
    episode: Episode, clinician: User
) -> None:
    common: dict[str, Any] = {
        "answered_on": timezone.localdate(),
        "language": "en",
        "wording": UNKNOWN_WORDING,
        "user": clinician,
    }
    with pytest.raises(examination.ExaminationError, match="'dn4i' is not an instrument"):
        examination.record_examination(episode, "dn4i", {}, **common)
    with pytest.raises(examination.ExaminationError) as raised:
        examination.record_examination(episode, "dn4", {**ANSWERS, "dn4q10": 2}, **common)
    assert raised.value.item == "dn4q10"
    assert nothing_written(episode)


def test_a_future_date_is_refused(episode: Episode, clinician_client: Client) -> None:
    later = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    response = post(clinician_client, episode, ANSWERS, answered_on=later)
    assert response.status_code == 422
    assert "answered_on" in response.context["visit"].errors
    assert nothing_written(episode)


def test_a_failing_classification_leaves_nothing_half_written(
    episode: Episode, clinician: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("classification failed")

    monkeypatch.setattr(examination, "classify_episode", fail)
    with pytest.raises(RuntimeError):
        examination.record_examination(
            episode,
            "dn4",
            ANSWERS,
            answered_on=timezone.localdate(),
            language="en",
            wording=UNKNOWN_WORDING,
            user=clinician,
        )
    assert nothing_written(episode)


@pytest.mark.parametrize("role", ["secretary", "researcher", "clinic administrator"])
def test_other_roles_are_refused(
    episode: Episode,
    make_staff: Callable[..., User],
    verified_client: Callable[[User], Client],
    role: str,
) -> None:
    client = verified_client(make_staff(role))
    assert client.get(url(episode), {"instrument": "dn4"}).status_code == 403
    assert post(client, episode, ANSWERS).status_code == 403
    assert nothing_written(episode)


def test_a_clinician_of_another_clinic_gets_404(
    episode: Episode,
    other_clinic: Clinic,
    make_staff: Callable[..., User],
    verified_client: Callable[[User], Client],
) -> None:
    client = verified_client(make_staff("clinician", "other-clinician", at=other_clinic))
    assert client.get(url(episode)).status_code == 404
    assert post(client, episode, ANSWERS).status_code == 404
    assert nothing_written(episode)


def test_the_patient_page_offers_the_screen_to_clinicians(
    episode: Episode, clinician_client: Client
) -> None:
    patient: Patient = episode.patient
    page = clinician_client.get(
        reverse("clinic:episode", args=[patient.public_id, episode.public_id])
    ).content.decode()
    assert url(episode) in page
