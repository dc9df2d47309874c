"""The outcome report in the app: the registry export, access, audit, and that the page
shows exactly what the core computes. All patients are synthetic."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from painpath.accounts.roles import CLINICIAN
from painpath.analytics import services
from painpath.analytics.demo import load_synthetic_registry, synthetic_axes
from painpath.audit.models import AuditEntry
from painpath.core.analytics import outcome_table
from painpath.core.consent import RESEARCH
from painpath.pathway.models import Classification, ProcedureBooking, TreatmentCourse
from painpath.patients.consent import record_decision
from painpath.patients.models import Clinic, Episode, ImagingStudy, Patient
from painpath.questionnaires.models import QuestionnaireResponse

pytestmark = pytest.mark.django_db

INDEX = dt.date(2024, 3, 1)


def respond(episode: Episode, code: str, score: float, day: dt.date) -> None:
    QuestionnaireResponse.objects.create(
        episode=episode, instrument=code, answers={}, score=score, answered_on=day
    )


@pytest.fixture
def booked(db: None) -> Episode:
    """Synthetic: a patient of clinic "north", booked for gold implantation on INDEX."""
    clinic = Clinic.objects.create(name="North (synthetic)", code="north")
    patient = Patient.objects.create(
        name="Registry Testperson (synthetic)",
        date_of_birth=dt.date(1975, 6, 1),
        sex="male",
        synthetic=True,
        clinic=clinic,
    )
    patient.set_cpr("010175-1234")
    patient.save()
    # Only patients with research consent are exported (docs/consent.md).
    record_decision(patient, RESEARCH, "given", version=1, source="intake")
    episode = Episode.objects.create(patient=patient, complaint="Low back pain")
    ProcedureBooking.objects.create(
        episode=episode, kind="gold_implantation", region="low_back", appointment_date=INDEX
    )
    TreatmentCourse.objects.create(episode=episode, modality="exercise_therapy", start=INDEX)
    ImagingStudy.objects.create(
        episode=episode,
        kind="mri",
        region="low_back",
        date=INDEX,
        findings={"multifidus_fat_grade": 1},
    )
    Classification.objects.create(
        episode=episode,
        as_of=INDEX,
        result=synthetic_axes(INDEX, startback="high", stepped_care="step_2"),
    )
    respond(episode, "nrs", 9, INDEX - dt.timedelta(days=40))  # earlier, not the baseline
    respond(episode, "nrs", 8, INDEX - dt.timedelta(days=2))  # baseline: latest on/before
    respond(episode, "nrs", 5, dt.date(2024, 6, 10))  # 3 months (target 1 June), +9 days
    respond(episode, "nrs", 4, dt.date(2024, 6, 3))  # 3 months, nearer: kept
    respond(episode, "nrs", 3, dt.date(2024, 10, 1))  # 6 months (target 1 Sep), +30: outside
    return episode


def test_the_export_places_baseline_and_follow_ups_and_hides_identity(booked: Episode) -> None:
    frame = services.export_registry()
    rows = {r["timepoint"]: r for r in frame.iter_rows(named=True)}

    assert sorted(rows) == [0, 3, 6]
    assert rows[0]["score"] == 8 and rows[0]["in_window"]
    assert rows[3]["score"] == 4 and rows[3]["in_window"] and rows[3]["days_from_target"] == 2
    assert rows[6]["score"] == 3 and not rows[6]["in_window"]
    first = rows[0]
    assert first["clinic"] == "north" and first["sex"] == "male" and first["age"] == 48
    assert first["procedure"] == "gold_implantation" and first["treatment"] == "exercise_therapy"
    assert first["index_date"] == INDEX and first["index_event"] == "procedure_date"
    assert first["axis_startback"] == "high" and first["axis_stepped_care"] == "step_2"
    assert first["multifidus_fat_grade"] == 1
    # Pseudonymised: a keyed hash, stable, and nothing identifying in any column.
    assert first["patient_id"] == services.pseudonym(booked.patient.public_id)
    text = str(frame.to_dicts())
    for secret in ("Testperson", "010175", str(booked.patient.public_id), "1975-06-01"):
        assert secret not in text


def test_without_a_procedure_the_first_visit_is_the_index(booked: Episode) -> None:
    ProcedureBooking.objects.all().delete()
    Episode.objects.filter(pk=booked.pk).update(
        created_at=timezone.make_aware(dt.datetime(2024, 2, 28, 10))
    )
    frame = services.export_registry()
    assert set(frame["index_event"]) == {"first_visit"}
    assert set(frame["index_date"]) == {dt.date(2024, 2, 28)}


def test_a_follow_up_plan_sets_protocol_and_index(booked: Episode) -> None:
    plan_model = pytest.importorskip("painpath.followup.models").FollowUpPlan
    fields = {f.name for f in plan_model._meta.get_fields()}
    values: dict[str, Any] = {
        "episode": booked,
        "protocol_id": "default",
        "index_date": INDEX + dt.timedelta(days=5),
    }
    if "protocol_version" in fields:
        values["protocol_version"] = "1.0.0"
    if "index_event" in fields:
        values["index_event"] = "procedure_date"
    plan_model.objects.create(**values)
    frame = services.export_registry()
    assert set(frame["index_event"]) == {"follow_up_plan"}
    assert set(frame["index_date"]) == {INDEX + dt.timedelta(days=5)}


@pytest.fixture
def registry(db: None, settings: Any) -> None:
    load_synthetic_registry(120, seed=3, today=dt.date(2025, 6, 1))
    # Few research columns, so that disclosure control keeps most of these 120 patients
    # (tests/analytics/test_report_disclosure.py tests it).
    settings.PAINPATH_RESEARCH_COLUMNS = ["clinic"]


def test_researcher_sees_the_report_and_the_view_is_audited(
    registry: None, researcher: User, verified_client: Callable[[User], Any]
) -> None:
    client = verified_client(researcher)
    response = client.get(reverse("analytics:report"), {"clinic": ["clinic-a"]})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Synthetic Registry" not in page  # names never reach the report
    # The plots are SVG drawn on the server: no chart script, and nothing a strict CSP
    # (style-src without 'unsafe-inline') would block — no style element or attribute.
    assert "<script" not in page.split("<main", 1)[1]
    assert "plotly" not in page.lower()
    assert re.search(r"<style|\sstyle=", page) is None
    for code in ("nrs", "odi", "eq5d5l"):
        figure = re.search(
            rf'<figure class="plot" id="figure-course-{code}".*?</figure>', page, re.S
        )
        assert figure and "<svg" in figure.group(0) and "<details" in figure.group(0), code
    entry = AuditEntry.objects.filter(object_type="analytics").latest("id")
    assert (entry.action, entry.username, entry.patient_id) == ("view", researcher.username, None)
    assert entry.detail["filters"] == ["clinic=clinic-a"]


def test_staff_without_a_role_are_refused(
    make_staff: Callable[..., User], verified_client: Callable[[User], Any]
) -> None:
    client = verified_client(make_staff(None))
    assert client.get(reverse("analytics:report")).status_code == 403
    assert client.get(reverse("analytics:report_pdf")).status_code == 403


def _cells(
    page: str, instrument: str, timepoint: int, wording: str | None = None
) -> dict[str, str]:
    attributes = f'data-instrument="{instrument}"'
    if wording is not None:
        attributes += f' data-wording="{wording}"'
    table = re.search(rf'<table class="outcome-table" {attributes}>(.*?)</table>', page, re.S)
    assert table, instrument
    row = re.search(rf'<tr data-timepoint="{timepoint}">(.*?)</tr>', table.group(1), re.S)
    assert row
    return {
        cls: html.unescape(value).strip()
        for cls, value in re.findall(r'<td class="([\w-]+)">(.*?)</td>', row.group(1), re.S)
    }


def test_the_page_shows_the_numbers_outcome_table_computes(
    registry: None, make_staff: Callable[..., User], verified_client: Callable[[User], Any]
) -> None:
    # A clinician's report: their own clinic's patients, no disclosure control.
    own = Clinic.objects.get(code="clinic-a")
    client = verified_client(make_staff(CLINICIAN, "clinician-a", at=own))
    query = {"treatment": ["exercise_therapy", "acupuncture"], "age_min": "30"}
    page = client.get(reverse("analytics:report"), query).content.decode()

    table = services.registry_table(services.export_registry(own_clinic=own))
    cohort = table.filter(
        table.treatment.isin(["exercise_therapy", "acupuncture"])
        & (table.age >= 30)
        & (table.clinic == "clinic-a")
    )
    rows = outcome_table(cohort, instruments=["nrs", "odi"], timepoints=[3, 6, 12, 24])
    for row in rows:
        cells = _cells(page, row.instrument, row.timepoint, row.wording)
        assert cells["n-baseline"] == str(row.n_baseline)
        assert cells["n-followed"].startswith(f"{row.n_followed} (")
        assert cells["followup"] == f"{row.followup_mean:.1f} ± {row.followup_sd:.1f}"
        low, high = row.change_ci or (0, 0)
        expected = f"{row.change_mean:.1f} ({low:.1f} to {high:.1f})"
        assert cells["change"] == expected.replace("-0.0", "0.0")


def test_the_pdf_download_is_a_pdf_and_audited_as_an_export(
    registry: None, researcher: User, verified_client: Callable[[User], Any]
) -> None:
    pytest.importorskip("weasyprint")
    response = verified_client(researcher).get(reverse("analytics:report_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert AuditEntry.objects.filter(object_type="analytics", action="export").exists()


def test_a_bad_filter_is_a_form_error_not_a_crash(
    registry: None, clinician: User, verified_client: Callable[[User], Any]
) -> None:
    # Free ranges: a clinician's form (a researcher's has bands only).
    response = verified_client(clinician).get(
        reverse("analytics:report"), {"age_min": "70", "age_max": "20"}
    )
    assert response.status_code == 200
    assert "must not be before" in response.content.decode()


# -- which wording the patients saw --------------------------------------------------------------


def test_the_export_carries_the_wording_each_answer_was_given_in(booked: Episode) -> None:
    QuestionnaireResponse.objects.filter(episode=booked, score=8).update(
        wording={"kind": "paraphrase", "questionnaire": "nrs-da", "version": "1.0.0"}
    )
    frame = services.export_registry()
    rows = {r["timepoint"]: r for r in frame.iter_rows(named=True)}
    assert (rows[0]["wording"], rows[0]["wording_id"]) == ("paraphrase", "paraphrase nrs-da 1.0.0")
    assert (rows[3]["wording"], rows[3]["wording_id"]) == ("unknown", "unknown")


def test_the_report_shows_each_wording_apart_with_a_note(
    registry: None, researcher: User, verified_client: Callable[[User], Any]
) -> None:
    # The synthetic registry records the shipped wording; give a third of its patients the
    # (synthetic) licensed Danish ODI instead.
    licensed = {
        "kind": "licensed",
        "questionnaire": "odi-da",
        "version": "1.0.0",
        "translation": "ODI-dk",
        "translation_version": "synthetic-1",
    }
    episodes = list(Episode.objects.order_by("id").values_list("id", flat=True))[::3]
    QuestionnaireResponse.objects.filter(instrument="odi", episode_id__in=episodes).update(
        wording=licensed
    )
    client = verified_client(researcher)

    page = client.get(reverse("analytics:report"), {"plot_instrument": "odi"}).content.decode()

    assert 'id="wording-note"' in page
    assert '<table class="outcome-table" data-instrument="odi" data-wording="licensed">' in page
    assert '<table class="outcome-table" data-instrument="odi" data-wording="paraphrase">' in page
    assert 'data-instrument="nrs" data-wording="original"' in page
    assert "The comparisons and plots show ODI answered in" in page
    frame = services.export_registry()
    table = services.registry_table(frame)
    rows = outcome_table(table, instruments=["odi"], timepoints=[3, 6, 12, 24])
    for row in rows:
        cells = _cells(page, row.instrument, row.timepoint, row.wording)
        assert cells["n-baseline"] == str(row.n_baseline)

    # The PDF is WeasyPrint's rendering of this document.
    from painpath.analytics.render import render_document
    from painpath.analytics.report import Options, build

    # Only answers in one wording (a per-answer filter: not offered to researchers).
    only = render_document(build(table, ["wording=licensed"], Options()), "en")
    assert 'data-wording="paraphrase"' not in only

    document = render_document(build(table, [], Options()), "da")
    assert 'id="wording-note"' in document
    assert "painpaths omskrivning (ikke det validerede instrument)" in document
