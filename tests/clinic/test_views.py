"""The worklist and the quick actions on the patient page (all synthetic data)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from painpath.accounts.roles import RESEARCHER
from painpath.audit.models import AuditEntry
from painpath.clinic.services import worklist
from painpath.pathway.models import (
    Classification,
    ProcedureBooking,
    ReadinessItem,
    RedFlagAcknowledgement,
    TreatmentCourse,
)
from painpath.pathway.services import classify_episode, latest_classification
from painpath.patients.models import Clinic, Episode, Patient
from painpath.questionnaires.models import QuestionnaireResponse

pytestmark = pytest.mark.django_db


@pytest.fixture
def red_flag_episode(episode: Episode) -> Episode:
    episode.intake["red_flags"] = {"bladder_or_bowel_dysfunction": True}
    episode.save()
    classify_episode(episode)
    return episode


@pytest.fixture
def step_one_course(episode: Episode) -> TreatmentCourse:
    """A recent episode (Step 1) with four sessions of massage without effect."""
    today = timezone.localdate()
    episode.onset_date = today - dt.timedelta(days=40)
    episode.save()
    course = TreatmentCourse.objects.create(
        episode=episode, modality="massage", start=today - dt.timedelta(days=28)
    )
    for days in (28, 21, 14, 7):
        course.sessions.create(date=today - dt.timedelta(days=days), pain_before=6, pain_after=6)
    classify_episode(episode)
    return course


def _page(episode: Episode) -> str:
    return reverse("clinic:episode", args=[episode.patient.public_id, episode.public_id])


def test_the_worklist_shows_red_flags_first(
    clinician_client: Client, red_flag_episode: Episode
) -> None:
    QuestionnaireResponse.objects.create(
        episode=red_flag_episode, instrument="nrs", answers={"nrs": 5}, score=5
    )
    body = clinician_client.get(reverse("clinic:worklist")).content.decode()
    assert body.index("Red flags awaiting acknowledgement") < body.index("New intakes")
    assert body.index("New intakes") < body.index("Escalation suggestions")
    red = body.split('id="wl-red"')[1].split("</section>")[0]
    assert "Test Patient (synthetic)" in red
    assert "Possible cauda equina syndrome" in red


def test_acknowledging_records_who_and_when_and_audits(
    clinician_client: Client, clinician: User, red_flag_episode: Episode
) -> None:
    classification = latest_classification(red_flag_episode)
    assert classification is not None
    response = clinician_client.post(
        reverse("clinic:acknowledge", args=[red_flag_episode.public_id]),
        {
            "classification": classification.pk,
            "action": "referred",
            "note": "Sent to the emergency department",
            "next": reverse("clinic:worklist"),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("clinic:worklist")
    ack = RedFlagAcknowledgement.objects.get()
    assert ack.user == clinician
    assert (ack.action, ack.note) == ("referred", "Sent to the emergency department")
    assert abs((timezone.now() - ack.at).total_seconds()) < 60
    entry = AuditEntry.objects.get(action="acknowledge")
    assert entry.patient == red_flag_episode.patient
    assert entry.detail["red_flags"] == ["cauda_equina"]
    assert (entry.detail["action"], entry.detail["grade"]) == ("referred", "emergency")
    assert worklist(_clinic()).red_flags == []
    body = clinician_client.get(_page(red_flag_episode)).content.decode()
    assert f"Acknowledged by {clinician.username}" in body
    assert "Referred for assessment. Sent to the emergency department" in body


def test_acknowledging_without_saying_what_was_done_is_refused(
    clinician_client: Client, red_flag_episode: Episode
) -> None:
    classification = latest_classification(red_flag_episode)
    assert classification is not None
    url = reverse("clinic:acknowledge", args=[red_flag_episode.public_id])
    response = clinician_client.post(url, {"classification": classification.pk, "note": "seen"})
    assert response.status_code == 302
    assert not RedFlagAcknowledgement.objects.exists()
    page = clinician_client.get(response["Location"]).content.decode()
    assert "Not acknowledged" in page and "Say what was done about the red flag." in page
    # From the patient page (htmx): the card comes back with the question, nothing stored.
    partial = clinician_client.post(
        url, {"classification": classification.pk, "action": "shrugged"}, HTTP_HX_REQUEST="true"
    )
    assert partial.status_code == 200
    assert 'id="red-flag"' in partial.content.decode()
    assert not RedFlagAcknowledgement.objects.exists()


def test_the_ack_forms_ask_what_was_done_and_a_note(
    clinician_client: Client, red_flag_episode: Episode
) -> None:
    for url in (_page(red_flag_episode), reverse("clinic:worklist")):
        body = clinician_client.get(url).content.decode()
        form = body.split('class="ack-form')[1].split("</form>")[0]
        for value in ("referred", "patient_contacted", "not_relevant"):
            assert f'name="action" value="{value}" required' in form
        assert 'name="note"' in form


def test_acknowledging_with_htmx_records_the_action_and_returns_the_card(
    clinician_client: Client, red_flag_episode: Episode
) -> None:
    classification = latest_classification(red_flag_episode)
    assert classification is not None
    response = clinician_client.post(
        reverse("clinic:acknowledge", args=[red_flag_episode.public_id]),
        {"classification": classification.pk, "action": "patient_contacted", "note": "Called"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Patient contacted. Called" in body and 'class="ack-form' not in body
    assert RedFlagAcknowledgement.objects.get().action == "patient_contacted"


def _clinic() -> Clinic:
    return Clinic.objects.get(code="test")  # the conftest's clinic, whose staff the tests are


def _red_flag_patient(name: str, flags: dict[str, bool]) -> Episode:
    patient = Patient.objects.create(
        name=name,
        date_of_birth=dt.date(1980, 1, 1),
        sex="male",
        synthetic=True,
        clinic=_clinic(),
    )
    episode = Episode.objects.create(
        patient=patient, complaint="Low back pain", region="low_back", intake={"red_flags": flags}
    )
    classify_episode(episode)
    return episode


def test_the_worklist_orders_red_flags_by_grade_then_by_time(clinician_client: Client) -> None:
    # Raised in this order: review, urgent, emergency, urgent again (red-flags 2.0.0 grades).
    review = _red_flag_patient("Rita Review", {"inflammatory_features": True})
    urgent = _red_flag_patient("Ulla Urgent", {"history_of_cancer": True})
    emergency = _red_flag_patient("Erik Emergency", {"saddle_anaesthesia": True})
    later = _red_flag_patient("Lars Later", {"structural_deformity": True})
    rows = worklist(_clinic()).red_flags
    assert [row.episode for row in rows] == [emergency, urgent, later, review]
    assert [row.grade for row in rows] == ["emergency", "urgent", "urgent", "review"]
    red = clinician_client.get(reverse("clinic:worklist")).content.decode().split('id="wl-red"')[1]
    names = ["Erik Emergency", "Ulla Urgent", "Lars Later", "Rita Review"]
    assert sorted(names, key=red.index) == names
    assert red.index("Emergency — same day") < red.index("Erik Emergency")
    assert "Urgent — within days" in red and "Review" in red


def test_an_acknowledgement_carries_over_reruns_but_not_new_red_flags(
    clinician: User, red_flag_episode: Episode
) -> None:
    first = latest_classification(red_flag_episode)
    assert first is not None
    RedFlagAcknowledgement.objects.create(
        classification=first, user=clinician, action="patient_contacted"
    )
    classify_episode(red_flag_episode)  # the same red flag again
    assert worklist(_clinic()).red_flags == []
    red_flag_episode.intake["red_flags"]["history_of_cancer"] = True
    red_flag_episode.save()
    classify_episode(red_flag_episode)
    assert [row.episode for row in worklist(_clinic()).red_flags] == [red_flag_episode]


def test_logging_a_session_with_htmx_returns_the_sessions_and_the_new_step(
    clinician_client: Client, step_one_course: TreatmentCourse
) -> None:
    episode = step_one_course.episode
    before = latest_classification(episode)
    assert before is not None
    assert before.result["axes"]["stepped_care"]["result"] == "step_1"
    response = clinician_client.post(
        reverse("clinic:log_session", args=[episode.public_id]),
        {
            "course": step_one_course.pk,
            "date": timezone.localdate().isoformat(),
            "dose": "30 min",
            "pain_before": "6",
            "pain_after": "6",
        },
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="treatments"' in body
    assert "30 min" in body
    card = body.split('id="axis-stepped_care"')[1].split("</article>")[0]
    assert 'hx-swap-oob="true"' in card
    assert "Step 2" in card
    assert "no_notable_effect" in card
    assert step_one_course.sessions.count() == 5
    entry = AuditEntry.objects.get(action="create", object_type="pathway.treatmentsession")
    assert entry.patient == episode.patient
    assert entry.detail["stepped_care"] == "step_2"


def test_logging_a_session_without_javascript_redirects_back(
    clinician_client: Client, step_one_course: TreatmentCourse
) -> None:
    episode = step_one_course.episode
    response = clinician_client.post(
        reverse("clinic:log_session", args=[episode.public_id]),
        {"course": step_one_course.pk, "date": timezone.localdate().isoformat(), "pain_before": 6},
    )
    assert response.status_code == 302
    assert response["Location"] == _page(episode) + "#treatments"


def test_a_session_with_pain_out_of_range_is_refused(
    clinician_client: Client, step_one_course: TreatmentCourse
) -> None:
    episode = step_one_course.episode
    response = clinician_client.post(
        reverse("clinic:log_session", args=[episode.public_id]),
        {"course": step_one_course.pk, "date": timezone.localdate().isoformat(), "pain_before": 11},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Pain is scored 0–10" in response.content.decode()
    assert step_one_course.sessions.count() == 4


def test_the_worklist_lists_escalations_and_procedures_not_ready(
    clinician_client: Client, episode: Episode, step_one_course: TreatmentCourse, clinician: User
) -> None:
    today = timezone.localdate()
    step_one_course.sessions.create(date=today, pain_before=6, pain_after=6)
    classify_episode(episode)
    assert [row.episode for row in worklist(_clinic()).escalations] == [episode]
    ProcedureBooking.objects.create(
        episode=episode,
        kind="gold_implantation",
        region="low_back",
        appointment_date=today + dt.timedelta(days=5),
    )
    classify_episode(episode)
    work = worklist(_clinic())
    assert work.escalations == []  # acted on: a procedure is booked
    assert [row.episode for row in work.not_ready] == [episode]
    assert any("companion" in item for item in work.not_ready[0].detail)
    assert (
        "Arrange a companion" in clinician_client.get(reverse("clinic:worklist")).content.decode()
    )


def test_new_intakes_disappear_once_the_patient_page_is_opened(
    clinician_client: Client, episode: Episode
) -> None:
    QuestionnaireResponse.objects.create(episode=episode, instrument="odi", answers={}, score=40)
    assert [row.episode for row in worklist(_clinic()).new_intakes] == [episode]
    clinician_client.get(_page(episode))
    assert worklist(_clinic()).new_intakes == []


def test_setting_a_readiness_item_records_who_confirmed_it(
    clinician_client: Client, clinician: User, episode: Episode
) -> None:
    response = clinician_client.post(
        reverse("clinic:set_readiness", args=[episode.public_id]),
        {"item": "companion_arranged", "state": "done"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    item = ReadinessItem.objects.get()
    assert item.confirmed_by == clinician
    assert item.date == timezone.localdate()
    assert AuditEntry.objects.get(action="change").patient == episode.patient


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("add_course", {"modality": "tens", "start": "2026-01-05", "pain_instrument": "nrs"}),
        (
            "add_imaging",
            {
                "kind": "mri",
                "region": "low_back",
                "date": "2025-11-01",
                "modic_types": ["1"],
                "multifidus_fat_grade": "2",
            },
        ),
        ("add_medication", {"code": "apixaban", "anticoagulant": "on"}),
        (
            "book_procedure",
            {"kind": "gold_implantation", "region": "low_back", "appointment_date": "2026-12-01"},
        ),
    ],
)
def test_each_small_form_saves_reclassifies_and_audits(
    clinician_client: Client, episode: Episode, name: str, data: dict[str, object]
) -> None:
    response = clinician_client.post(reverse(f"clinic:{name}", args=[episode.public_id]), data)
    assert response.status_code == 302
    assert Classification.objects.filter(episode=episode).count() == 1
    assert AuditEntry.objects.get(action="create").patient == episode.patient


def test_imaging_findings_reach_the_engine(clinician_client: Client, episode: Episode) -> None:
    clinician_client.post(
        reverse("clinic:add_imaging", args=[episode.public_id]),
        {
            "kind": "mri",
            "region": "low_back",
            "date": "2025-11-01",
            "modic_types": ["1", "2"],
            "multifidus_fat_grade": "1",
        },
    )
    study = episode.imaging.get()
    assert study.findings == {"modic_types": [1, 2], "multifidus_fat_grade": 1}


def test_the_worklist_view_is_audited(clinician_client: Client, red_flag_episode: Episode) -> None:
    clinician_client.get(reverse("clinic:worklist"))
    entry = AuditEntry.objects.get(object_type="worklist")
    assert entry.detail["patients"] == [str(red_flag_episode.patient.public_id)]


@pytest.mark.parametrize(
    "name",
    [
        "acknowledge",
        "log_session",
        "add_course",
        "add_imaging",
        "add_medication",
        "book_procedure",
        "set_readiness",
    ],
)
def test_a_researcher_is_refused_every_pathway_action(
    verified_client: Callable[[User], Client],
    make_staff: Callable[..., User],
    red_flag_episode: Episode,
    name: str,
) -> None:
    client = verified_client(make_staff(RESEARCHER))
    url = reverse(f"clinic:{name}", args=[red_flag_episode.public_id])
    assert client.post(url, {}).status_code == 403
    assert client.get(reverse("clinic:worklist")).status_code == 403
    assert not AuditEntry.objects.filter(patient=red_flag_episode.patient).exists()
    assert not AuditEntry.objects.filter(object_type="worklist").exists()


def test_actions_only_accept_post(clinician_client: Client, episode: Episode) -> None:
    url = reverse("clinic:log_session", args=[episode.public_id])
    assert clinician_client.get(url).status_code == 405


def test_a_danish_clinician_reads_the_rule_sets_in_danish(
    clinician: User, verified_client: Callable[[User], Client], red_flag_episode: Episode
) -> None:
    from painpath.accounts.models import Profile
    from painpath.core.rules.i18n import rule_text

    Profile.objects.update_or_create(user=clinician, defaults={"language": "da"})
    axes = latest_classification(red_flag_episode).result["axes"]  # type: ignore[union-attr]
    english = axes["red_flags"]["findings"][0]
    danish = rule_text(english, "da")
    assert danish != english
    client = verified_client(clinician)
    page = client.get(_page(red_flag_episode)).content.decode()
    assert danish in page and english not in page
    worklist_page = client.get(reverse("clinic:worklist")).content.decode()
    assert danish in worklist_page
    Profile.objects.filter(user=clinician).update(language="en")
    assert english in client.get(_page(red_flag_episode)).content.decode()
