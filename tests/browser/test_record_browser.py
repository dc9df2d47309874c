"""The record section of the patient page (issue 14) as a clinician uses it: a diagnosis and
an opioid added through the page's own forms, the OME total with its source and warning, at
360 and 1280 px without sideways scrolling (demo data, synthetic). Screenshots in
var/screenshots/record-*.png."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Page, expect

from painpath.patients import services
from painpath.patients.models import Episode, Patient

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
NAME = "Charlie Fiktivsen (demo)"


def _fill_the_rest(name: str) -> None:
    patient = Patient.objects.get(name=name)
    episode = patient.episodes.first()
    assert episode is not None
    user = User.objects.get(username="demo-clinician")
    today = timezone.localdate()
    services.add_note(
        episode,
        visit_date=today - dt.timedelta(days=14),
        text="Synthetic note: pain 6/10 at rest, worse when sitting; walks 1 km.\n"
        "Plan: exercise therapy, review in 6 weeks.",
        user=user,
    )
    services.add_note(episode, visit_date=today, text="Synthetic note: better.", user=user)
    services.record_work_status(
        patient,
        status="partly_sick_listed",
        sick_listed_since=today - dt.timedelta(weeks=11),
        hours_per_week=15,
        user=user,
    )
    services.add_opioid(episode, opioid="fentanyl_td", dose=Decimal(12), user=user)
    services.add_opioid(episode, opioid="methadone_oral", dose=Decimal(20), user=user)
    services.add_allergy(
        patient, substance="Penicillin", reaction="urticaria", severity="moderate", user=user
    )


def test_a_clinician_records_a_diagnosis_and_an_opioid_and_sees_the_ome(
    live_server, page: Page, clinician_on_worklist: Page
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    _fill_the_rest(NAME)
    page.get_by_role("link", name=NAME).first.click()
    record = page.locator("#record")

    record.locator("#record-diagnoses summary").click()
    record.get_by_label("ICD-10 diagnosis (SKS)").select_option("DM54.5")
    record.get_by_label("Primary diagnosis").check()
    record.get_by_role("button", name="Add diagnosis").click()
    expect(page.locator("body")).to_contain_text("Diagnosis recorded.")

    record.locator("#record-opioids summary").click()
    record.get_by_label("Opioid").select_option("oxycodone_oral")
    record.get_by_label("Daily dose").fill("40")
    record.get_by_role("button", name="Add opioid").click()
    expect(page.locator("body")).to_contain_text("Opioid recorded.")

    expect(record.locator("#record-diagnoses")).to_contain_text("DM54.5 Low back pain")
    expect(record.locator("#record-diagnoses")).to_contain_text("primary")
    expect(record.locator("#record-diagnoses")).to_contain_text("ICD-11 suggestion")
    # 40 mg oxycodone × 1.5 + a 12 µg/h fentanyl patch × 3; methadone left out, and said so.
    expect(record.locator(".record-total")).to_contain_text("96 mg OME/day")
    expect(record.locator(".record-total")).to_contain_text("Methadone is left out")
    expect(record.locator(".record-warning")).to_contain_text("Approximate.")
    expect(record.locator("#record-opioids")).to_contain_text("PS01(PM) Appendix 2021")
    expect(record.locator("#record-work")).to_contain_text("11 weeks")
    # Taking a diagnosis back asks why; it stays readable, struck through, with who and why.
    record.locator("#record-diagnoses summary", has_text="Remove DM54.5").click()
    remove = record.get_by_role("button", name="Remove DM54.5")
    expect(remove).to_be_visible()
    record.locator("#record-diagnoses").get_by_label("Why (entered in error)").fill(
        "Synthetic: typed for the wrong side"
    )
    remove.click()
    expect(page.locator("body")).to_contain_text("Diagnosis DM54.5 removed.")
    record.locator("#record-diagnoses .record-removed summary").click()
    expect(record.locator("#record-diagnoses del")).to_have_text("DM54.5")
    expect(record.locator("#record-diagnoses .record-removed")).to_contain_text("wrong side")
    notes = record.locator(".record-note")
    expect(notes.first).to_contain_text("better")  # newest visit first

    for width, height in ((360, 740), (768, 1024), (1280, 800)):
        page.set_viewport_size({"width": width, "height": height})
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"the page scrolls sideways at {width} px ({scroll} px wide)"
        record.screenshot(path=str(SHOTS / f"record-{width}.png"))


def test_the_record_in_danish_on_a_phone(
    live_server, page: Page, clinician_on_worklist: Page
) -> None:
    # A patient of the demo clinic without score charts: the record section alone is judged.
    demo = Patient.objects.get(name=NAME)
    patient = Patient.objects.create(
        name="Rikke Journalsen (synthetic)",
        date_of_birth=dt.date(1971, 3, 4),
        sex="female",
        synthetic=True,
        clinic=demo.clinic,
    )
    episode = Episode.objects.create(patient=patient, complaint="Lændesmerter", region="low_back")
    _fill_the_rest(patient.name)
    services.add_diagnosis(
        episode,
        code="DM54.5",
        primary=True,
        user=User.objects.get(username="demo-clinician"),
    )
    page.set_extra_http_headers({"Accept-Language": "da"})
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/patients/{patient.public_id}/episodes/{episode.public_id}/")
    record = page.locator("#record")
    expect(record.locator("#record-title")).to_have_text("Journal")
    expect(record.locator("#record-diagnoses")).to_contain_text("DM54.5 Lændesmerter")
    expect(record.locator("#record-diagnoses")).to_contain_text("aktionsdiagnose")
    expect(record.locator(".record-total")).to_contain_text("36 mg OME/døgn")
    expect(record.locator(".record-warning")).to_contain_text("Omtrentlig.")
    expect(record.locator("#record-work")).to_contain_text("Delvist sygemeldt")
    expect(record.locator("#record-work")).to_contain_text("11 uger")
    text = record.inner_text()
    for english in ("Approximate", "Total", "Work status", "Allergies", "written", "primary"):
        assert english not in text, english
    record.screenshot(path=str(SHOTS / "record-360-da.png"))
    # Nothing in the section reaches past the screen's edge (the page's other tables are
    # judged by their own tests).
    wide = record.evaluate(
        "(r) => [...r.querySelectorAll('*')].filter("
        "e => e.getBoundingClientRect().right > window.innerWidth + 1).length"
    )
    assert wide == 0, f"{wide} elements of the record reach past 360 px"
