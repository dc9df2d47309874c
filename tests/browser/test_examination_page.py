"""The clinician's DN4 on a phone, in Danish (issue 15): from the patient page, "Record an
examination instrument", choose the DN4, find the patient's DN4-interview answers filled in,
add the examination and record; the patient page then shows the DN4 screening note on the
neuropathic card. Each page at 360 px passes axe (WCAG 2.1 A/AA) without sideways scrolling.
Demo data, synthetic. Screenshots in /tmp/shots/examination-*.png."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from tests.browser.followup_pages import check

from painpath.core.questionnaires import load
from painpath.patients.models import Episode, Patient
from painpath.questionnaires.models import QuestionnaireResponse
from painpath.questionnaires.services import store_answers_as_shown

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The patient's DN4-interview: burning, electric shocks and numbness (3 of 7).
INTERVIEW = {f"dn4q{i}": int(i in (1, 3, 6)) for i in range(1, 8)}


def _patient_with_an_interview() -> Episode:
    demo = Patient.objects.get(name="Charlie Fiktivsen (demo)")
    patient = Patient.objects.create(
        name="Nina Nervesen (synthetic)",
        date_of_birth=dt.date(1968, 9, 2),
        sex="female",
        synthetic=True,
        clinic=demo.clinic,
    )
    episode = Episode.objects.create(patient=patient, complaint="Brændende fodsmerter")
    store_answers_as_shown(
        episode,
        "dn4i",
        INTERVIEW,
        source="patient",
        language="da",
        answered_on=timezone.localdate() - dt.timedelta(days=2),
    )
    return episode


def test_a_clinician_records_the_dn4_examination_on_a_phone(
    live_server: Any, page: Page, clinician_on_worklist: Page
) -> None:
    episode = _patient_with_an_interview()
    page.set_extra_http_headers({"Accept-Language": "da"})
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{live_server.url}/patients/{episode.patient.public_id}/")
    page.get_by_role("link", name="Registrér et undersøgelsesinstrument").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Registrér et undersøgelsesinstrument"
    )
    check(page, "examination-choose-360-da")
    title = load("dn4", "da")["title"]
    page.get_by_label(title).check()
    page.get_by_role("button", name="Fortsæt").click()

    expect(page.locator(".notice")).to_contain_text("7 punkter er udfyldt fra patientens DN4")
    for code, value in INTERVIEW.items():
        expect(page.locator(f'select[name="dn4-{code}"]')).to_have_value(str(value))
    # The examination: reduced sensation to pinprick; touch and brushing normal.
    for code, value in (("dn4q8", "0"), ("dn4q9", "1"), ("dn4q10", "0")):
        page.locator(f'select[name="dn4-{code}"]').select_option(value)
    check(page, "examination-dn4-360-da")
    page.get_by_role("button", name="Registrér svarene").click()

    # 3 of 7 + 1 of 3 = 4: at the cut-off (Bouhassira 2005), so the screening note shows.
    expect(page.locator("body")).to_contain_text("DN4 registreret: 4")
    expect(page.locator("#classification")).to_contain_text("en positiv DN4-screening")
    stored = QuestionnaireResponse.objects.get(episode=episode, instrument="dn4")
    assert (stored.source, stored.score) == ("clinician", 4)
    check(page, "examination-done-360-da")
