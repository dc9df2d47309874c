"""The worklist's "new" marker goes only when the clinician opened the patient page in
painpath: a request another site started (a link in an e-mail or on a web page, which
carries the SameSite=Lax session cookie) is audited as a reading but marks nothing seen."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from painpath.audit.models import AuditEntry
from painpath.audit.services import viewer_summary
from painpath.clinic.services import VIEWED_FROM_ELSEWHERE, worklist
from painpath.patients.models import Episode
from painpath.patients.services import VIEWED
from painpath.questionnaires.models import QuestionnaireResponse

pytestmark = pytest.mark.django_db


@pytest.fixture
def new_intake(episode: Episode) -> Episode:
    QuestionnaireResponse.objects.create(episode=episode, instrument="odi", answers={}, score=40)
    return episode


def _page(episode: Episode) -> str:
    return reverse("clinic:episode", args=[episode.patient.public_id, episode.public_id])


def _new(episode: Episode) -> list[Episode]:
    return [row.episode for row in worklist(episode.patient.clinic).new_intakes]


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_a_page_opened_from_another_site_leaves_the_intake_new(
    clinician_client: Client, clinician: User, new_intake: Episode, site: str
) -> None:
    response = clinician_client.get(_page(new_intake), headers={"Sec-Fetch-Site": site})

    assert response.status_code == 200
    assert _new(new_intake) == [new_intake]
    entry = AuditEntry.objects.get(code=VIEWED_FROM_ELSEWHERE.code)
    assert (entry.user, entry.patient, entry.detail["fetch_site"]) == (
        clinician,
        new_intake.patient,
        site,
    )
    assert not AuditEntry.objects.filter(code=VIEWED.code).exists()
    # Still a reading of the record: "who looked at it" names the clinician.
    assert [v.username for v in viewer_summary(new_intake.patient)] == [clinician.username]


@pytest.mark.parametrize("site", ["same-origin", "none", None])
def test_a_page_opened_in_painpath_marks_the_intake_seen(
    clinician_client: Client, new_intake: Episode, site: str | None
) -> None:
    headers = {} if site is None else {"Sec-Fetch-Site": site}

    clinician_client.get(_page(new_intake), headers=headers)

    assert _new(new_intake) == []
    assert AuditEntry.objects.filter(code=VIEWED.code, patient=new_intake.patient).exists()


def test_a_link_from_elsewhere_then_a_click_in_painpath_clears_it(
    verified_client: Callable[[User], Client], clinician: User, new_intake: Episode
) -> None:
    client = verified_client(clinician)
    client.get(_page(new_intake), headers={"Sec-Fetch-Site": "cross-site"})
    assert _new(new_intake) == [new_intake]

    client.get(_page(new_intake), headers={"Sec-Fetch-Site": "same-origin"})

    assert _new(new_intake) == []
