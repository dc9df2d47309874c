"""The patient who answers PHQ-9 item 9 above "not at all" is told at once, on the done page,
that the clinic will see the answer but may not read it today, and where to get help now
(issue 15; data/safety/self-harm-advice.yaml). Only that link's patient is told."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from painpath.core.safety import needs_self_harm_advice, self_harm_advice
from painpath.patients.models import Clinic, Episode, Patient
from painpath.questionnaires import services
from painpath.questionnaires.forms import RED_FLAGS, TREATMENTS
from painpath.questionnaires.models import IntakeLink

pytestmark = pytest.mark.django_db

# The first words of the advice, per language: the clinic may not read it today.
MAY_NOT_READ_TODAY = {
    "da": "Klinikken vil se dit svar, men læser det måske ikke i dag.",
    "en": "The clinic will see this answer, but may not read it today.",
    "de": "Die Klinik wird diese Antwort sehen, liest sie aber vielleicht nicht",
}
LIVSLINIEN = '<a href="tel:70201201"><strong>70 201 201</strong></a>'
EMERGENCY = '<a href="tel:112"><strong>112</strong></a>'
CLINIC_PHONE = "33 12 34 56"  # synthetic


def _answers(phq9_item9: int | None) -> dict[str, dict[str, list[str]]]:
    """A whole intake as the draft stores it; with a PHQ-9 (items 1–8 at 1) unless None."""
    answers: dict[str, dict[str, Any]] = {
        "regions": {"regions": ["low_back"]},
        "duration": {"duration_value": "8", "duration_unit": "months", "pattern": "constant"},
        "red_flags": {code: "no" for code, _question in RED_FLAGS},
        "medications": {"takes_medicine": "no"},
        "treatments": {f"treatment_{code}": "not_tried" for code, _name in TREATMENTS},
        "instrument:nrs": {"nrs": "6"},
    }
    if phq9_item9 is not None:
        answers["instrument:phq9"] = {f"phq{n}": "1" for n in range(1, 9)} | {
            "phq9": str(phq9_item9)
        }
    return {
        page: {k: v if isinstance(v, list) else [v] for k, v in fields.items()}
        for page, fields in answers.items()
    }


def _submitted(
    episode: Episode, clinician: User, language: str, phq9_item9: int | None
) -> tuple[IntakeLink, str]:
    instruments = ["nrs"] if phq9_item9 is None else ["nrs", "phq9"]
    link, path = services.issue_link(episode, instruments, language, clinician, days=14)
    services.submit(link, _answers(phq9_item9), uuid.uuid4())
    return link, path.rstrip("/").rsplit("/", 1)[-1]


def _done(client: Client, token: str) -> str:
    response = client.get(reverse("questionnaires:done", args=[token]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def phoned_episode(episode: Episode) -> Episode:
    clinic = episode.patient.clinic
    clinic.phone = CLINIC_PHONE
    clinic.save(update_fields=["phone"])
    return episode


@pytest.mark.parametrize("item9", [1, 2, 3])
@pytest.mark.parametrize("language", ["da", "en", "de"])
def test_the_done_page_tells_item_9_above_not_at_all_where_to_get_help_now(
    client: Client, phoned_episode: Episode, clinician: User, language: str, item9: int
) -> None:
    _link, token = _submitted(phoned_episode, clinician, language, item9)
    page = _done(client, token)
    advice = self_harm_advice(language)
    assert 'id="self-harm-advice"' in page and 'role="alert"' in page
    assert MAY_NOT_READ_TODAY[language] in page
    assert advice.heading in page and advice.help_now in page
    assert EMERGENCY in page and LIVSLINIEN in page
    assert f'<a href="tel:33123456"><strong>{CLINIC_PHONE}</strong></a>' in page
    # First: above the thank-you lead and any other advice.
    assert page.index('id="self-harm-advice"') < page.index('class="lead"')
    # In the patient's language only: no other language's words.
    for other, words in MAY_NOT_READ_TODAY.items():
        if other != language:
            assert words not in page


@pytest.mark.parametrize("item9", [0, None])
def test_the_done_page_says_nothing_for_not_at_all_or_without_a_phq9(
    client: Client, phoned_episode: Episode, clinician: User, item9: int | None
) -> None:
    _link, token = _submitted(phoned_episode, clinician, "da", item9)
    page = _done(client, token)
    assert "self-harm-advice" not in page
    assert MAY_NOT_READ_TODAY["da"] not in page and "70 201 201" not in page


def test_without_a_clinic_phone_the_clinic_line_is_left_out(
    client: Client, episode: Episode, clinician: User
) -> None:
    assert not episode.patient.clinic.phone
    _link, token = _submitted(episode, clinician, "en", 2)
    page = _done(client, token)
    assert LIVSLINIEN in page
    assert "you can also call the clinic" not in page


def test_another_patients_link_does_not_show_this_patients_advice(
    client: Client, episode: Episode, clinician: User, other_clinic: Clinic
) -> None:
    _submitted(episode, clinician, "da", 3)
    someone = Patient(
        name="Other Patient (synthetic)",
        date_of_birth=episode.patient.date_of_birth,
        sex="male",
        synthetic=True,
        clinic=episode.patient.clinic,
    )
    someone.set_cpr("010180-1234")
    someone.save()
    theirs = Episode.objects.create(patient=someone, region=episode.region)
    _other_link, other_token = _submitted(theirs, clinician, "da", 0)
    assert "self-harm-advice" not in _done(client, other_token)
    # The same patient's next link (a PHQ-9 answered "not at all") is not told either: the
    # advice belongs to the answer on that link.
    _next, next_token = _submitted(episode, clinician, "da", 0)
    assert "self-harm-advice" not in _done(client, next_token)


def test_a_made_up_or_unsent_link_shows_no_advice(
    client: Client, episode: Episode, clinician: User
) -> None:
    _submitted(episode, clinician, "da", 3)
    made_up = client.get(reverse("questionnaires:done", args=["x" * 43]))
    assert made_up.status_code in (404, 410) and b"self-harm-advice" not in made_up.content
    _link, path = services.issue_link(episode, ["nrs", "phq9"], "da", clinician, days=14)
    token = path.rstrip("/").rsplit("/", 1)[-1]
    unsent = client.get(reverse("questionnaires:done", args=[token]))
    assert unsent.status_code == 302 and b"self-harm-advice" not in unsent.content


def test_the_advice_data_speaks_every_patient_language_and_reads_item_9_as_the_red_flag() -> None:
    for language in ("da", "en", "de"):
        advice = self_harm_advice(language)
        assert [c.id for c in advice.contacts] == [
            "emergency",
            "livslinien",
            "own-doctor",
            "clinic",
        ]
        assert advice.language == language and not advice.reviewed
    # red-flags 2.1.0 phq9_self_harm_thoughts: "phq9_item9 > 0"; absent is no flag.
    assert [needs_self_harm_advice(v) for v in (None, 0, 1, 2, 3, 0.0, "3", True)] == [
        False,
        False,
        True,
        True,
        True,
        False,
        False,
        False,
    ]


def test_a_follow_up_link_with_a_phq9_tells_it_too(client: Client, episode: Episode) -> None:
    link, token = IntakeLink.issue(
        episode,
        purpose=IntakeLink.Purpose.FOLLOW_UP,
        instruments=["phq9"],
        language="en",
        expires_at=timezone.now() + dt.timedelta(days=7),
    )
    answers = {f"phq{n}": ["0"] for n in range(1, 9)} | {"phq9": ["1"]}
    services.submit(link, {"instrument:phq9": answers}, uuid.uuid4())
    page = _done(client, token)
    assert MAY_NOT_READ_TODAY["en"] in page and LIVSLINIEN in page
