"""The record section of the patient page and its quick actions (clinic.record): who may
write, what the page shows (Danish and English), bad input named, nothing half-written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from painpath.accounts.roles import CLINICIAN, SECRETARY
from painpath.audit.models import AuditEntry
from painpath.clinic.record import record_context
from painpath.patients import services
from painpath.patients.models import Allergy, Clinic, ClinicalNote, Diagnosis, Episode, Medication

pytestmark = pytest.mark.django_db


def _url(name: str, episode: Episode) -> str:
    return reverse(f"clinic:record_{name}", args=[episode.public_id])


def _page(client: Client, episode: Episode, language: str = "en") -> str:
    url = reverse("clinic:episode", args=[episode.patient.public_id, episode.public_id])
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_a_clinician_adds_a_note_and_returns_to_the_record(
    clinician_client: Client, episode: Episode, clinician: User
) -> None:
    response = clinician_client.post(
        _url("add_note", episode),
        {"visit_date": timezone.localdate().isoformat(), "text": "Walks 2 km now."},
    )
    assert response.status_code == 302 and response["Location"].endswith("#record")
    note = ClinicalNote.objects.get()
    assert (note.episode, note.author, note.text) == (episode, clinician, "Walks 2 km now.")
    assert AuditEntry.objects.filter(code="patients.note.added", user=clinician).count() == 1


def test_a_secretary_may_not_write_the_record(
    make_staff: Callable[..., User], verified_client: Callable[[User], Client], episode: Episode
) -> None:
    client = verified_client(make_staff(SECRETARY))
    response = client.post(
        _url("add_allergy", episode), {"substance": "Penicillin", "severity": "mild"}
    )
    assert response.status_code == 403
    assert not Allergy.objects.exists()


def test_another_clinics_clinician_gets_404_and_nothing_is_written(
    make_staff: Callable[..., User],
    verified_client: Callable[[User], Client],
    episode: Episode,
    other_clinic: Clinic,
) -> None:
    outsider = make_staff(CLINICIAN, username="outsider", at=other_clinic)
    response = verified_client(outsider).post(
        _url("add_diagnosis", episode), {"code": "DM54.5", "primary": "on"}
    )
    assert response.status_code == 404
    assert not Diagnosis.objects.exists()


def test_bad_input_is_named_by_field_and_nothing_is_written(
    clinician_client: Client, episode: Episode
) -> None:
    response = clinician_client.post(
        _url("add_opioid", episode), {"opioid": "oxycodone_oral", "dose": "-5"}, follow=True
    )
    text = response.content.decode()
    assert "Not saved: Daily dose:" in text
    assert not Medication.objects.exists()
    assert not AuditEntry.objects.filter(code="patients.opioid.added").exists()


def test_a_diagnosis_twice_is_refused_with_the_fields_label(
    clinician_client: Client, episode: Episode, clinician: User
) -> None:
    services.add_diagnosis(episode, code="DM54.5", user=clinician)
    response = clinician_client.post(
        _url("add_diagnosis", episode), {"code": "DM54.5"}, follow=True
    )
    assert (
        "Not saved: ICD-10 diagnosis (SKS): DM54.5 is already recorded."
        in response.content.decode()
    )
    assert Diagnosis.objects.count() == 1


def test_removing_another_episodes_diagnosis_is_404(
    clinician_client: Client, episode: Episode, clinician: User
) -> None:
    other = Episode.objects.create(patient=episode.patient, complaint="Neck pain", region="neck")
    diagnosis = services.add_diagnosis(other, code="DM54.2", user=clinician)
    url = reverse("clinic:record_remove_diagnosis", args=[episode.public_id, diagnosis.pk])
    assert clinician_client.post(url).status_code == 404
    assert Diagnosis.objects.filter(pk=diagnosis.pk).exists()


def test_a_get_is_refused_on_every_record_action(
    clinician_client: Client, episode: Episode
) -> None:
    for name in ("add_note", "add_diagnosis", "work_status", "add_opioid", "add_allergy"):
        assert clinician_client.get(_url(name, episode)).status_code == 405


def _fill(episode: Episode, clinician: User) -> None:
    today = timezone.localdate()
    services.add_note(episode, visit_date=today, text="Første konsultation.", user=clinician)
    services.add_diagnosis(episode, code="DM54.5", primary=True, user=clinician)
    services.add_diagnosis(episode, code="DM79.7", user=clinician)
    services.record_work_status(
        episode.patient,
        status="sick_listed",
        sick_listed_since=today - dt.timedelta(weeks=6),
        user=clinician,
    )
    services.add_opioid(episode, opioid="oxycodone_oral", dose=Decimal("40"), user=clinician)
    services.add_opioid(episode, opioid="fentanyl_td", dose=Decimal("12"), user=clinician)
    services.add_opioid(episode, opioid="methadone_oral", dose=Decimal("20"), user=clinician)
    services.add_allergy(
        episode.patient,
        substance="Penicillin",
        reaction="urticaria",
        severity="severe",
        user=clinician,
    )


def test_the_context_totals_the_ome_and_leaves_methadone_out(
    episode: Episode, clinician: User
) -> None:
    _fill(episode, clinician)
    context = record_context(episode)
    assert context["ome"].ome == Decimal(96)  # 40 × 1.5 + 12 × 3
    assert not context["ome"].complete
    assert [row["diagnosis"].code for row in context["diagnoses"]] == ["DM54.5", "DM79.7"]
    assert context["sick_leave_weeks"] == 6
    assert "PS01(PM)" in context["ome_source"]


def test_the_page_shows_the_record_in_danish(
    clinician_client: Client, episode: Episode, clinician: User
) -> None:
    _fill(episode, clinician)
    page = _page(clinician_client, episode, "da")
    for words in (
        "DM54.5",
        "Lændesmerter",
        "Fibromyalgi",
        "96 mg OME/døgn",
        "Omtrentlig.",
        "PS01(PM) Appendix 2021",
        "Sygemeldt",
        "6 uger",
        "Penicillin",
        "Første konsultation.",
        "Forslag til ICD-11",
    ):
        assert words in page, words
    for english in ("Approximate", "Work status", "Clinical notes", "No allergy recorded"):
        assert english not in page, english


def test_the_page_shows_the_record_in_english(
    clinician_client: Client, episode: Episode, clinician: User
) -> None:
    _fill(episode, clinician)
    page = _page(clinician_client, episode, "en")
    for words in ("Low back pain", "96 mg OME/day", "Approximate.", "sick-listed", "6 weeks"):
        assert words in page, words


def test_reading_the_page_writes_nothing_but_its_view(
    clinician_client: Client, episode: Episode, clinician: User
) -> None:
    _fill(episode, clinician)
    before = AuditEntry.objects.exclude(action="view").count()
    counts = (ClinicalNote.objects.count(), Diagnosis.objects.count(), Medication.objects.count())
    _page(clinician_client, episode)
    assert AuditEntry.objects.exclude(action="view").count() == before
    assert (
        ClinicalNote.objects.count(),
        Diagnosis.objects.count(),
        Medication.objects.count(),
    ) == counts


def test_doses_and_factors_are_written_as_the_locale_writes_them() -> None:
    from django.utils import translation

    from painpath.clinic.record import number

    with translation.override("da"):
        assert [number(Decimal("2.50")), number(Decimal("0.13")), number(Decimal("40.00"))] == [
            "2,5",
            "0,13",
            "40",
        ]
        assert number(Decimal("5.25"), 1) == "5,3"
    with translation.override("en"):
        assert number(Decimal("12.50")) == "12.5"


def test_the_one_page_summary_carries_the_record(episode: Episode, clinician: User) -> None:
    from django.utils import translation

    from painpath.clinic.summary import summary_data, summary_text

    _fill(episode, clinician)
    with translation.override("da"):
        text = summary_text(summary_data(episode))
    for words in (
        "DM54.5: Lændesmerter (aktionsdiagnose)",
        "DM79.7: Fibromyalgi",
        "Sygemeldt",
        "Sygemeldt siden:",
        "(6 uger)",
        "oxycodon (peroral): 40 mg/døgn → 60 mg OME/døgn",
        "metadon (peroral): 20 mg/døgn → ikke omregnet",
        "I alt: 96 mg OME/døgn",
        "Omtrentlig.",
        "PS01(PM) Appendix 2021",
        "Penicillin: urticaria, svær (anafylaksi)",
    ):
        assert words in text, words


def test_a_summary_without_a_record_has_none_of_its_sections(episode: Episode) -> None:
    from painpath.clinic.summary import summary_data

    assert summary_data(episode).sections == []


def test_a_blood_thinner_cannot_be_stopped_through_the_opioid_action(
    clinician_client: Client, episode: Episode, clinician: User
) -> None:
    warfarin = services.add_medication(episode, code="warfarin", anticoagulant=True)
    url = reverse("clinic:record_stop_opioid", args=[episode.public_id, warfarin.pk])
    assert clinician_client.post(url).status_code == 404
    assert Medication.objects.filter(pk=warfarin.pk).exists()


def test_another_patients_allergy_is_404(
    clinician_client: Client, episode: Episode, clinician: User
) -> None:
    from painpath.patients.models import Patient

    other = Patient.objects.create(
        name="Other Person (synthetic)",
        date_of_birth=dt.date(1980, 1, 1),
        synthetic=True,
        clinic=episode.patient.clinic,
    )
    allergy = services.add_allergy(other, substance="Latex", user=clinician)
    url = reverse("clinic:record_remove_allergy", args=[episode.public_id, allergy.pk])
    assert clinician_client.post(url).status_code == 404
    assert Allergy.objects.filter(pk=allergy.pk).exists()


def test_a_clinician_stops_an_opioid_from_the_page(
    clinician_client: Client, episode: Episode, clinician: User
) -> None:
    oxycodone = services.add_opioid(episode, opioid="oxycodone_oral", dose=40, user=clinician)
    url = reverse("clinic:record_stop_opioid", args=[episode.public_id, oxycodone.pk])
    assert url in _page(clinician_client, episode)
    response = clinician_client.post(url, follow=True)
    page = response.content.decode()
    assert "oxycodone (oral) stopped." in page
    assert not Medication.objects.exists()
    # Still readable, struck through under "Stopped", and out of the OME total.
    stopped = page.split('id="record-opioids"')[1].split("</details>")[0]
    assert "<del>oxycodone (oral): 40</del>" in stopped
    assert f"stopped by {clinician.get_username()}" in stopped
    assert record_context(episode)["ome"].ome == 0


def test_the_stop_message_names_the_drug_in_danish(
    clinician_client: Client, episode: Episode, clinician: User
) -> None:
    oxycodone = services.add_opioid(episode, opioid="oxycodone_oral", dose=40, user=clinician)
    url = reverse("clinic:record_stop_opioid", args=[episode.public_id, oxycodone.pk])
    response = clinician_client.post(url, follow=True, HTTP_ACCEPT_LANGUAGE="da")
    assert "oxycodon (peroral) seponeret." in response.content.decode()


def test_the_record_sections_ids_are_not_used_elsewhere_on_the_page(
    clinician_client: Client, episode: Episode, clinician: User
) -> None:
    import re
    from collections import Counter

    _fill(episode, clinician)
    page = _page(clinician_client, episode)
    section = page[page.index('<section id="record"') :]
    section = section[: section.index("</section>")]
    ids = Counter(re.findall(r'\sid="([^"]+)"', page))
    mine = re.findall(r'\sid="([^"]+)"', section)
    assert "record-opioid-dose" in mine
    assert not [name for name in mine if ids[name] > 1]


def test_a_removed_diagnosis_and_allergy_stay_readable_struck_through(
    clinician_client: Client, episode: Episode, clinician: User
) -> None:
    diagnosis = services.add_diagnosis(episode, code="DM79.7", user=clinician)
    allergy = services.add_allergy(episode.patient, substance="Latex", user=clinician)
    refused = clinician_client.post(
        reverse("clinic:record_remove_diagnosis", args=[episode.public_id, diagnosis.pk]),
        follow=True,
    )
    assert "Not removed: Say why the entry is removed." in refused.content.decode()
    assert Diagnosis.objects.filter(pk=diagnosis.pk).exists()
    clinician_client.post(
        reverse("clinic:record_remove_diagnosis", args=[episode.public_id, diagnosis.pk]),
        {"reason": "typed for the wrong patient"},
    )
    clinician_client.post(
        reverse("clinic:record_remove_allergy", args=[episode.public_id, allergy.pk]),
        {"reason": "not an allergy: nausea"},
    )
    page = _page(clinician_client, episode)
    diagnoses = page.split('id="record-diagnoses"')[1].split('id="record-opioids"')[0]
    assert '<del class="mono">DM79.7</del>' in diagnoses
    assert f"removed by {clinician.get_username()}" in diagnoses
    assert "typed for the wrong patient" in diagnoses
    allergies = page.split('id="record-allergies"')[1].split('id="record-notes"')[0]
    assert "<del>Latex</del>" in allergies and "not an allergy: nausea" in allergies
    assert "No allergy recorded." in allergies and "No diagnosis recorded." in diagnoses
    from painpath.clinic.summary import summary_data

    summary = summary_data(episode)
    assert not summary_text_mentions(summary, "DM79.7") and not summary_text_mentions(
        summary, "Latex"
    )


def summary_text_mentions(summary: object, word: str) -> bool:
    from painpath.clinic.summary import summary_text

    return word in summary_text(summary)  # type: ignore[arg-type]
