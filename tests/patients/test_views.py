"""The patient list, search, forms and the patient page (all synthetic data)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from painpath.accounts.roles import RESEARCHER
from painpath.audit.models import AuditEntry
from painpath.pathway.models import Classification, TreatmentCourse
from painpath.pathway.services import classify_episode
from painpath.patients.models import Episode, Patient
from painpath.questionnaires.models import QuestionnaireResponse

pytestmark = pytest.mark.django_db


FULL_CPR = "170570-1233"  # the fixture's synthetic number


def _page(episode: Episode) -> str:
    return reverse("clinic:episode", args=[episode.patient.public_id, episode.public_id])


def test_the_list_shows_only_the_masked_cpr(clinician_client: Client, episode: Episode) -> None:
    response = clinician_client.get(reverse("patients:list"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Test Patient (synthetic)" in body
    assert "170570-••••" in body
    assert "1233" not in body


def test_searching_by_full_cpr_finds_the_patient_through_the_hash(
    clinician_client: Client, episode: Episode
) -> None:
    Patient.objects.create(
        name="Other Person (synthetic)",
        date_of_birth=dt.date(1980, 1, 1),
        clinic=episode.patient.clinic,
    )
    response = clinician_client.post(reverse("patients:list"), {"q": "1705701233"})
    body = response.content.decode()
    assert "Test Patient (synthetic)" in body
    assert "Other Person" not in body
    assert "1233" not in body  # not even echoed back into the search field


def test_the_audit_log_never_holds_the_searched_cpr(
    clinician_client: Client, episode: Episode
) -> None:
    clinician_client.post(reverse("patients:list"), {"q": FULL_CPR})
    entry = AuditEntry.objects.get(object_type="patient_list")
    assert entry.detail["search"] == "cpr"
    assert "1233" not in str(entry.detail) + entry.path
    assert entry.detail["patients"] == [str(episode.patient.public_id)]


def test_searching_by_name_and_by_an_invalid_cpr(
    clinician_client: Client, episode: Episode
) -> None:
    body = clinician_client.get(reverse("patients:list"), {"q": "test pat"}).content.decode()
    assert "Test Patient (synthetic)" in body
    body = clinician_client.post(reverse("patients:list"), {"q": "170570-1234"}).content.decode()
    assert "Not a valid CPR number" in body
    assert "Test Patient (synthetic)" not in body


def test_registering_a_patient_validates_the_cpr_with_a_clear_message(
    clinician_client: Client,
) -> None:
    data = {"name": "New Person (synthetic)", "date_of_birth": "1990-03-14", "sex": "female"}
    response = clinician_client.post(reverse("patients:create"), {**data, "cpr": "140390-1235"})
    assert response.status_code == 200
    assert "This is not a valid CPR number" in response.content.decode()
    assert not Patient.objects.exists()


def test_registering_a_patient_stores_the_cpr_encrypted(clinician_client: Client) -> None:
    data = {"name": "New Person (synthetic)", "date_of_birth": "1970-05-17", "sex": "female"}
    response = clinician_client.post(reverse("patients:create"), {**data, "cpr": FULL_CPR})
    patient = Patient.objects.get()
    assert response.status_code == 302
    assert patient.cpr() == "1705701233"
    assert "1705701233" not in patient.cpr_encrypted
    assert patient.cpr_masked == "170570-••••"
    entry = AuditEntry.objects.get(action="create", patient=patient)
    assert "1233" not in str(entry.detail)


def test_a_duplicate_cpr_is_refused(clinician_client: Client, episode: Episode) -> None:
    data = {"name": "Twin (synthetic)", "date_of_birth": "1970-05-17", "sex": "male"}
    response = clinician_client.post(reverse("patients:create"), {**data, "cpr": FULL_CPR})
    assert "already has this CPR number" in response.content.decode()


def test_editing_keeps_the_cpr_when_the_field_is_left_empty(
    clinician_client: Client, episode: Episode
) -> None:
    patient = episode.patient
    url = reverse("patients:edit", args=[patient.public_id])
    assert "1233" not in clinician_client.get(url).content.decode()
    data = {"name": "Renamed (synthetic)", "date_of_birth": "1970-05-17", "sex": "female"}
    assert clinician_client.post(url, {**data, "cpr": ""}).status_code == 302
    patient.refresh_from_db()
    assert patient.name == "Renamed (synthetic)"
    assert patient.cpr() == "1705701233"


def test_a_new_date_of_birth_reclassifies_open_episodes_and_a_new_name_does_not(
    clinician_client: Client, episode: Episode
) -> None:
    patient = episode.patient
    url = reverse("patients:edit", args=[patient.public_id])
    data = {"name": "Renamed (synthetic)", "date_of_birth": "1970-05-17", "sex": "female"}
    clinician_client.post(url, {**data, "cpr": ""})
    assert not episode.classifications.exists()

    clinician_client.post(url, {**data, "date_of_birth": "1950-05-17", "cpr": ""})

    run = episode.classifications.get()
    assert run.trigger == "patient details changed"


def test_opening_an_episode_classifies_it(clinician_client: Client, episode: Episode) -> None:
    patient = episode.patient
    response = clinician_client.post(
        reverse("patients:episode_create", args=[patient.public_id]),
        {
            "complaint": "Neck pain",
            "region": "neck",
            "onset_date": "2026-01-01",
            "rf_saddle_anaesthesia": "no",
            "rf_history_of_cancer": "yes",
        },
    )
    new = patient.episodes.get(complaint="Neck pain")
    assert response.status_code == 302
    assert new.intake["red_flags"] == {"saddle_anaesthesia": False, "history_of_cancer": True}
    assert new.intake["pain_regions"] == [{"region": "neck"}]
    assert Classification.objects.get(episode=new).urgent


def test_the_patient_page_shows_the_red_flag_before_anything_else(
    clinician_client: Client, episode: Episode
) -> None:
    episode.intake["red_flags"] = {"saddle_anaesthesia": True}
    episode.save()
    body = clinician_client.get(_page(episode)).content.decode()
    alert = body.index('id="red-flag"')
    assert "Possible cauda equina syndrome" in body
    assert alert < body.index('id="classification"') < body.index('id="treatments"')
    assert "Acknowledge red flag" in body


def test_the_patient_page_shows_cards_chart_sessions_and_viewers(
    clinician_client: Client, episode: Episode, clinician: User
) -> None:
    for day, score in ((dt.date(2026, 1, 5), 7.0), (dt.date(2026, 3, 5), 4.0)):
        QuestionnaireResponse.objects.create(
            episode=episode,
            instrument="nrs",
            answers={"nrs": score},
            score=score,
            answered_on=day,
        )
    course = TreatmentCourse.objects.create(
        episode=episode, modality="acupuncture", start=dt.date(2026, 1, 10)
    )
    course.sessions.create(date=dt.date(2026, 1, 10), pain_before=7, pain_after=5)
    course.sessions.create(date=dt.date(2026, 1, 17), pain_before=6, pain_after=4)
    clinician_client.get(_page(episode))
    body = clinician_client.get(_page(episode)).content.decode()
    assert 'id="axis-stepped_care"' in body
    assert "stepped-care-seed004" in body and "1.0.0" in body
    assert "It read" in body  # the trace, in words
    assert '<svg viewBox="0 0 360 150" role="img"' in body
    assert "03/05/2026" in body  # the chart's table, in the screen's (English) date format
    assert 'class="sparkline"' in body
    assert clinician.username in body.split('id="viewers"')[1]
    assert "170570-••••" in body and "1233" not in body


def test_step_two_options_are_shown_as_options_not_a_prescription(
    clinician_client: Client, episode: Episode
) -> None:
    body = clinician_client.get(_page(episode)).content.decode()  # onset 2025: chronic
    assert "Step 2" in body
    assert "not a prescription" in body
    assert "Gold implantation" in body


def test_the_history_lists_what_changed(clinician_client: Client, episode: Episode) -> None:
    classify_episode(episode, as_of=dt.date(2025, 2, 1))
    classify_episode(episode, as_of=dt.date(2026, 2, 1))
    body = clinician_client.get(_page(episode)).content.decode()
    history = body.split('id="history"')[1].split("</section>")[0]
    assert "→" in history


def test_every_patient_view_is_audited_with_the_patient(
    clinician_client: Client, episode: Episode
) -> None:
    patient = episode.patient
    for url in (
        reverse("clinic:patient", args=[patient.public_id]),
        _page(episode),
        reverse("patients:edit", args=[patient.public_id]),
        reverse("patients:episode_create", args=[patient.public_id]),
        reverse("patients:episode_edit", args=[patient.public_id, episode.public_id]),
    ):
        before = AuditEntry.objects.filter(patient=patient, action="view").count()
        assert clinician_client.get(url).status_code == 200, url
        assert AuditEntry.objects.filter(patient=patient, action="view").count() == before + 1


@pytest.mark.parametrize(
    "name",
    [
        "patients:list",
        "patients:create",
        "clinic:patient",
        "patients:edit",
        "patients:episode_create",
        "clinic:episode",
        "patients:episode_edit",
    ],
)
def test_a_researcher_is_refused_every_patient_page(
    verified_client: Callable[[User], Client],
    make_staff: Callable[..., User],
    episode: Episode,
    name: str,
) -> None:
    client = verified_client(make_staff(RESEARCHER))
    patient = episode.patient
    args = {
        "patients:list": [],
        "patients:create": [],
        "clinic:patient": [patient.public_id],
        "patients:edit": [patient.public_id],
        "patients:episode_create": [patient.public_id],
        "clinic:episode": [patient.public_id, episode.public_id],
        "patients:episode_edit": [patient.public_id, episode.public_id],
    }[name]
    assert client.get(reverse(name, args=args)).status_code == 403
    assert not AuditEntry.objects.filter(patient=patient).exists()


def test_an_unverified_login_is_sent_to_the_login_page(clinician: User, episode: Episode) -> None:
    client = Client()
    client.force_login(clinician)  # password only, no second factor
    response = client.get(_page(episode))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_a_cpr_in_the_address_is_not_searched_even_beside_a_post(
    clinician_client: Client, episode: Episode
) -> None:
    response = clinician_client.post(reverse("patients:list") + "?q=1705701233", {})
    assert response.status_code == 302  # refused and sent back to the plain list
    assert "1705701233" not in response["Location"]
