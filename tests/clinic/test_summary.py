"""The one-page summary: what it says (page, text, PDF), who may read it, and that reading it
writes only its audit entry (synthetic data)."""

from __future__ import annotations

import ctypes.util
import datetime as dt
import os
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from painpath.accounts.roles import CLINICIAN, RESEARCHER, SECRETARY
from painpath.audit.models import AuditEntry
from painpath.clinic import summary as summary_module
from painpath.clinic.answers import response_answers
from painpath.clinic.summary import Line, Section, summary_data, summary_text
from painpath.pathway.models import Classification, TreatmentCourse
from painpath.pathway.services import classify_episode
from painpath.patients.models import Clinic, Episode, Medication
from painpath.questionnaires.models import QuestionnaireResponse

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(episode: Episode) -> Episode:
    """A low back pain episode with a red flag, two NRS and ODI answers, a blood thinner, a
    free-text medicine naming one, and a course of massage."""
    today = timezone.localdate()
    episode.intake = {
        "pain_regions": [
            {"region": "low_back", "laterality": "midline"},
            {"region": "buttock", "laterality": "left"},
        ],
        "pattern": "constant",
        "reported_duration": {"value": 14, "unit": "months"},
        "red_flags": {"bladder_or_bowel_dysfunction": True, "saddle_anaesthesia": False},
        "prior_treatments": [{"modality": "chiropractic", "effect": "short_effect"}],
    }
    episode.save()
    for days, nrs, odi in ((90, 7, 40), (5, 4, 22)):
        day = today - dt.timedelta(days=days)
        QuestionnaireResponse.objects.create(
            episode=episode, instrument="nrs", answers={}, score=nrs, answered_on=day
        )
        QuestionnaireResponse.objects.create(
            episode=episode, instrument="odi", answers={}, score=odi, answered_on=day
        )
    Medication.objects.create(episode=episode, code="warfarin", anticoagulant=True)
    Medication.objects.create(episode=episode, code="Hjertemagnyl 75 mg")
    Medication.objects.create(episode=episode, code="paracetamol")
    course = TreatmentCourse.objects.create(
        episode=episode, modality="massage", start=today - dt.timedelta(days=60)
    )
    for days, before, after in ((60, 7, 6), (50, 6, 5)):
        course.sessions.create(
            date=today - dt.timedelta(days=days), pain_before=before, pain_after=after
        )
    classify_episode(episode)
    return episode


def test_the_summary_holds_every_part_the_clinic_records(record: Episode) -> None:
    with translation.override("en"):
        s = summary_data(record)
    assert s.cpr == "170570-••••" and s.patient == "Test Patient (synthetic)"
    assert s.duration == "14 months" and s.pain_regions == ["Lower back", "Buttock (left)"]
    assert s.red_flag_grade == "emergency" and s.red_flags
    assert s.red_flags[0].grade == "emergency"
    nrs = next(line for line in s.scores if line.code == "nrs")
    assert (nrs.current, nrs.baseline, nrs.change) == ("4", "7", "−3 (better)")
    assert nrs.important is True  # 3 points reach the NRS's MIC
    odi = next(line for line in s.scores if line.code == "odi")
    assert odi.change == "−18 (better)"
    axes = {a.axis: a for a in s.axes}
    assert {"red_flags", "stepped_care", "readiness"} <= set(axes)
    assert all(a.ruleset and a.version for a in s.axes)  # every line names its rule set
    assert s.step
    meds = {m.name: m for m in s.medicines}
    assert meds["Warfarin"].blood_thinner
    assert meds["Hjertemagnyl 75 mg"].possible_blood_thinner
    assert not meds["paracetamol"].blood_thinner and not meds["paracetamol"].possible_blood_thinner
    assert s.medicines[-1].name == "paracetamol"  # blood thinners first
    assert s.treatments[0].what == "Massage" and "2 sessions" in s.treatments[0].detail
    assert s.earlier_treatments == ["Chiropractic: Helped only briefly"]


def test_the_text_to_paste_is_plain_and_danish_for_a_danish_reader(record: Episode) -> None:
    with translation.override("da"):
        text = summary_text(summary_data(record))
    assert "<" not in text and "170570-••••" in text
    assert "Warfarin" in text and "Hjertemagnyl 75 mg" in text
    assert "Blære- eller tarmforstyrrelse" in text or "cauda equina" in text.lower()
    for english in ("COMPLAINT", "SCORES", "MEDICINES", "TREATMENTS", "none recorded", "baseline"):
        assert english not in text, english


def test_other_parts_of_the_record_add_their_own_section(
    record: Episode, monkeypatch: pytest.MonkeyPatch
) -> None:
    def diagnoses(episode: Episode) -> Section | None:
        return Section("Diagnoses", (Line("ICD-10", "DM54.5 Lændesmerter"),))

    monkeypatch.setattr(summary_module, "SECTION_PROVIDERS", [diagnoses, lambda e: None])
    s = summary_data(record)
    assert [section.title for section in s.sections] == ["Diagnoses"]
    assert "DIAGNOSES\nICD-10: DM54.5 Lændesmerter" in summary_text(s)


def summary_urls(episode: Episode) -> list[str]:
    return [
        reverse(name, args=[episode.public_id])
        for name in ("clinic:summary", "clinic:summary_txt", "clinic:summary_pdf")
    ]


def _pdf_missing() -> str | None:
    if ctypes.util.find_library("pango-1.0") is None:
        return "Pango is not installed"
    try:
        import pypdfium2  # noqa: F401
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as error:
        return f"weasyprint/pypdfium2 not usable: {error}"
    return None


def test_the_page_and_the_text_file_are_audited_and_write_nothing_else(
    record: Episode, clinician_client: Client
) -> None:
    runs = Classification.objects.count()
    page_url, text_url, _pdf = summary_urls(record)
    before = AuditEntry.objects.count()
    page = clinician_client.get(page_url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "170570-••••" in html and 'id="summary-text"' in html
    assert "Warfarin" in html and "<svg" in html
    text = clinician_client.get(text_url)
    assert text["Content-Type"].startswith("text/plain")
    assert "attachment" in text["Content-Disposition"]
    assert "Warfarin" in text.content.decode()
    entries = list(AuditEntry.objects.order_by("id")[before:])
    assert [(e.code, e.action, e.patient_id) for e in entries] == [
        ("clinic.summary.viewed", "view", record.patient.pk),
        ("clinic.summary.exported", "export", record.patient.pk),
    ]
    assert entries[1].detail["format"] == "txt"
    assert Classification.objects.count() == runs


def test_the_pdf_is_one_page_that_carries_the_summary(
    record: Episode, clinician_client: Client
) -> None:
    reason = _pdf_missing()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must render the PDF: {reason}")
        pytest.skip(f"PDF TEST NOT RUN: {reason}")
    import pypdfium2 as pdfium

    response = clinician_client.get(summary_urls(record)[2])
    assert response["Content-Type"] == "application/pdf"
    document = pdfium.PdfDocument(response.content)
    assert len(document) == 1
    text = document[0].get_textpage().get_text_range()
    assert "Test Patient (synthetic)" in text and "170570-" in text
    assert "Warfarin" in text and "BLOOD THINNER" in text


def test_another_clinic_gets_404_on_every_form_of_the_summary(
    record: Episode,
    make_staff: Callable[..., User],
    verified_client: Callable[[User], Client],
    other_clinic: Clinic,
) -> None:
    outsider = verified_client(make_staff(CLINICIAN, "outsider", other_clinic))
    for url in summary_urls(record):
        assert outsider.get(url).status_code == 404, url
    assert not AuditEntry.objects.filter(code__startswith="clinic.summary").exists()
    assert AuditEntry.objects.filter(code="patients.read_refused", username="outsider").count() == 3


@pytest.mark.parametrize("role", [SECRETARY, RESEARCHER])
def test_the_secretary_and_the_researcher_are_refused(
    role: str,
    record: Episode,
    make_staff: Callable[..., User],
    verified_client: Callable[[User], Client],
) -> None:
    client = verified_client(make_staff(role))
    for url in summary_urls(record):
        assert client.get(url).status_code == 403, url


def test_scores_read_as_on_the_patient_page_an_eq5d_index_to_three_decimals(
    episode: Episode,
) -> None:
    """The summary is pasted into the clinic's record beside what the patient page showed:
    an EQ-5D-5L index of 0.705 from 0.418 must not become 0.7 from 0.42 (change +0.29)."""
    days_ago = {0.418: 90, 0.705: 5}
    QuestionnaireResponse.objects.bulk_create(
        QuestionnaireResponse(
            episode=episode, instrument="eq5d5l", answers={}, score=index, answered_on=day
        )
        for index, day in ((i, timezone.localdate() - dt.timedelta(d)) for i, d in days_ago.items())
    )
    with translation.override("en"):
        eq5d = next(line for line in summary_data(episode).scores if line.code == "eq5d5l")
    assert (eq5d.current, eq5d.baseline, eq5d.change) == ("0.705", "0.418", "+0.287 (better)")
    with translation.override("da"):
        eq5d = next(line for line in summary_data(episode).scores if line.code == "eq5d5l")
    assert (eq5d.current, eq5d.baseline) == ("0,705", "0,418")
    assert eq5d.change.startswith("+0,287 ")
    latest = QuestionnaireResponse.objects.get(episode=episode, score=0.705)
    with translation.override("en"):
        assert response_answers(latest).score.startswith("0.705")  # the answers view too


def test_an_opioid_in_the_medicines_is_named_in_the_readers_language(
    episode: Episode, clinician: User
) -> None:
    """The record stores an opioid's medicine under the table's English name; a Danish
    summary (pasted into a Danish record) names it in Danish, as its opioid section does."""
    from painpath.patients import services as patients

    patients.add_opioid(episode, opioid="oxycodone_oral", dose="40", user=clinician)
    with translation.override("da"):
        names = [m.name for m in summary_data(episode).medicines]
    assert names == ["oxycodon (peroral)"]
