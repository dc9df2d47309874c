"""What the patient is told about their red-flag answers (red-flags 2.0.0, issue 10): an
emergency answer — see a doctor today: own doctor or lægevagten (1813 in the Capital Region),
112 if life is at risk — on the red-flag page and on the done page, in Danish, English and
German; an urgent one — the clinic will contact you, or see your own doctor."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from painpath.patients.models import Episode
from painpath.questionnaires import services
from painpath.questionnaires.forms import RED_FLAGS, TREATMENTS
from painpath.questionnaires.models import IntakeLink

pytestmark = pytest.mark.django_db

# The first sentence of each message, per language.
EMERGENCY = {
    "da": "Nogle af dine svar betyder, at en læge bør se dig i dag.",
    "en": "Some of your answers mean that a doctor should see you today.",
    "de": "Einige Ihrer Antworten bedeuten, dass Sie heute ärztlich untersucht werden sollten.",
}
URGENT = {
    "da": "Nogle af dine svar bør ses af en læge inden for de næste par dage.",
    "en": "Some of your answers should be looked at by a doctor within the next few days.",
    "de": "Einige Ihrer Antworten sollten in den nächsten Tagen ärztlich angesehen werden.",
}
WHERE_TO_CALL = {
    "da": "Kontakt din egen læge nu eller lægevagten (i Region Hovedstaden: ring 1813)",
    "en": "or the out-of-hours doctor (lægevagten; in the Capital Region of Denmark call 1813)",
    "de": "ärztlichen Bereitschaftsdienst (lægevagten; in der Region Hovedstaden in Dänemark",
}


def _pages(flags: dict[str, str]) -> list[dict[str, Any]]:
    """The intake's first three pages as a browser posts them: body map, duration, red flags
    (every question "no" but those given)."""
    return [
        {"regions": ["low_back"]},
        {"duration_value": "8", "duration_unit": "months", "pattern": "constant"},
        {code: "no" for code, _question in RED_FLAGS} | flags,
    ]


def _draft(flags: dict[str, str]) -> dict[str, dict[str, list[str]]]:
    """A whole intake (with the NRS) as the draft stores it, for ``services.submit``."""
    regions, duration, red_flags = _pages(flags)
    answers = {
        "regions": regions,
        "duration": duration,
        "red_flags": red_flags,
        "medications": {"takes_medicine": "no"},
        "treatments": {f"treatment_{code}": "not_tried" for code, _name in TREATMENTS},
        "instrument:nrs": {"nrs": "6"},
    }
    return {
        page: {k: v if isinstance(v, list) else [v] for k, v in fields.items()}
        for page, fields in answers.items()
    }


def _issue(episode: Episode, clinician: User, language: str) -> tuple[IntakeLink, str]:
    link, path = services.issue_link(episode, ["nrs"], language, clinician, days=14)
    return link, path.rstrip("/").rsplit("/", 1)[-1]


def _url(name: str, token: str, *args: Any) -> str:
    return reverse(f"questionnaires:{name}", args=[token, *args])


def _red_flag_page(client: Client, episode: Episode, clinician: User, language: str) -> str:
    """A new link's token, its first two pages answered: the red flags are page 3."""
    _link, token = _issue(episode, clinician, language)
    assert client.post(_url("start", token), {"language": language}).status_code == 302
    for number, data in enumerate(_pages({})[:2], start=1):
        assert client.post(_url("page", token, number), data).status_code == 302
    return token


def _done_page(client: Client, link: IntakeLink, token: str, flags: dict[str, str]) -> str:
    services.submit(link, _draft(flags), uuid.uuid4())
    return client.get(_url("done", token)).content.decode()


@pytest.mark.parametrize("language", ["da", "en", "de"])
def test_the_done_page_tells_an_emergency_to_see_a_doctor_today(
    client: Client, episode: Episode, clinician: User, language: str
) -> None:
    # Saddle anaesthesia: a possible cauda equina, an emergency (BASS 2018, Finucane 2020).
    link, token = _issue(episode, clinician, language)
    page = _done_page(client, link, token, {"saddle_anaesthesia": "yes"})
    assert EMERGENCY[language] in page
    assert WHERE_TO_CALL[language] in page and "112" in page
    assert URGENT[language] not in page


@pytest.mark.parametrize("language", ["da", "en", "de"])
def test_the_done_page_tells_an_urgent_finding_the_clinic_will_be_in_touch(
    client: Client, episode: Episode, clinician: User, language: str
) -> None:
    # A history of cancer alone is urgent (Henschke 2013).
    link, token = _issue(episode, clinician, language)
    page = _done_page(client, link, token, {"history_of_cancer": "yes"})
    assert URGENT[language] in page
    assert EMERGENCY[language] not in page


def test_the_done_page_says_nothing_extra_without_a_red_flag_or_for_review_only(
    client: Client, episode: Episode, clinician: User
) -> None:
    link, token = _issue(episode, clinician, "en")
    # Inflammatory features alone are for the clinician's review: no message.
    page = _done_page(client, link, token, {"inflammatory_features": "yes"})
    assert EMERGENCY["en"] not in page and URGENT["en"] not in page
    assert "red-flag-advice" not in page


def test_an_emergency_answer_holds_the_patient_on_the_red_flag_page_once(
    client: Client, episode: Episode, clinician: User
) -> None:
    token = _red_flag_page(client, episode, clinician, "da")
    answers = _pages({"progressive_leg_weakness": "yes"})[2]
    first = client.post(_url("page", token, 3), answers)
    body = first.content.decode()
    assert first.status_code == 200
    assert 'role="alert" id="red-flag-advice"' in body and EMERGENCY["da"] in body
    assert 'name="advice_shown" value="1"' in body
    # The answers were kept; "Next" again goes on to the next page.
    again = client.post(_url("page", token, 3), answers | {"advice_shown": "1"})
    assert again.status_code == 302 and again["Location"] == _url("page", token, 4)
    # Back on the page later, the advice is still there.
    assert EMERGENCY["da"] in client.get(_url("page", token, 3)).content.decode()


def test_an_urgent_answer_is_told_on_the_page_but_does_not_hold_the_patient(
    client: Client, episode: Episode, clinician: User
) -> None:
    token = _red_flag_page(client, episode, clinician, "en")
    answers = _pages({"unexplained_weight_loss": "yes"})[2]
    response = client.post(_url("page", token, 3), answers)
    assert response.status_code == 302 and response["Location"] == _url("page", token, 4)
    assert URGENT["en"] in client.get(_url("page", token, 3)).content.decode()


def test_the_danish_red_flag_page_asks_in_the_reviewed_words(
    client: Client, episode: Episode, clinician: User
) -> None:
    token = _red_flag_page(client, episode, clinician, "da")
    page = client.get(_url("page", token, 3)).content.decode()
    for wording in (
        "Har du nedsat eller ingen følelse i skridtet, omkring endetarmsåbningen eller på "
        "indersiden af lårene?",
        "Har du tabt dig i vægt uden at have forsøgt?",
        "Har du nogensinde sprøjtet dig med stoffer (fixet)?",
        "Har du for nylig mærket nye problemer med din seksuelle funktion",
        "Bliver det ene af dine ben mere og mere svagt?",
    ):
        assert wording in page
    for old in (
        "Er huden følelsesløs omkring endetarmen",
        "uden at prøve på det",
        "sprøjtet stoffer?",
    ):
        assert old not in page
    # The question asked before 2.0.0 (both legs or a worsening leg in one) is not asked.
    assert "Er begge ben svage eller følelsesløse" not in page
