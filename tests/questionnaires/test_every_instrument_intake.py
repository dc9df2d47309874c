"""Every patient instrument through the intake in Danish, English and German (issue 15's "renders
in the intake in da/en/de"): its page opens in the patient's language with the Questionnaire's
own item texts, the answers a patient can give are taken, and the stored response is scored and
records the wording of that language — enumerated from the REGISTRY, so a new instrument is
covered without a change here."""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from tests.questionnaires.test_intake import page_data, url

from painpath.core import questionnaires as fhir
from painpath.core.instruments import REGISTRY
from painpath.patients.models import Episode
from painpath.questionnaires import services
from painpath.questionnaires.models import IntakeDraft, QuestionnaireResponse

pytestmark = pytest.mark.django_db

PATIENT_INSTRUMENTS = sorted(c for c, cls in REGISTRY.items() if cls.respondent == "patient")
FIXED = [key for key in page_data() if not key.startswith("instrument:")]


def _items(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for item in items:
        if item.get("type") == "group":
            yield from _items(item.get("item", []))
        elif item.get("type") != "display":
            yield item


def _an_answer(item: dict[str, Any]) -> str:
    """The first answer option (the form's values are the options' codes), or the lowest
    number the item allows."""
    options = item.get("answerOption")
    if options:
        value = options[0]
        coding = value.get("valueCoding")
        return str(coding["code"] if coding else next(iter(value.values())))
    for extension in item.get("extension", []):
        if extension.get("url", "").endswith("minValue"):
            return str(next(v for k, v in extension.items() if k.startswith("value")))
    return "0"


@pytest.mark.parametrize("language", ["da", "en", "de"])
@pytest.mark.parametrize("code", PATIENT_INSTRUMENTS)
def test_the_instrument_is_answered_in_the_patients_language(
    episode: Episode, clinician: User, client: Client, code: str, language: str
) -> None:
    link, path = services.issue_link(episode, [code], language, clinician, days=14)
    token = path.rstrip("/").rsplit("/", 1)[-1]
    assert client.post(url("start", token), {"language": language}).status_code == 302
    for number, key in enumerate(FIXED, start=1):
        response = client.post(url("page", token, number), page_data()[key])
        assert response.status_code == 302, response.content.decode()[:2000]

    questionnaire = fhir.load(code, language)
    items = list(_items(questionnaire["item"]))
    page = client.get(url("page", token, len(FIXED) + 1))
    assert page.status_code == 200
    shown = html.unescape(page.content.decode())
    assert f'lang="{language}"' in shown
    assert items[0]["text"] in shown, f"{code} {language}: the first item's text is not on the page"

    answers = {item["linkId"]: _an_answer(item) for item in items}
    sent = client.post(url("page", token, len(FIXED) + 1), answers)
    assert sent.status_code == 302, html.unescape(sent.content.decode())[:3000]
    draft = IntakeDraft.objects.get(link=link)
    done = client.post(url("submit", token), {"submission_id": draft.submission_id})
    assert done.status_code == 302 and done["Location"] == url("done", token)

    stored = QuestionnaireResponse.objects.get(link=link, instrument=code)
    assert stored.language == language
    assert stored.error == "" and stored.score is not None
    expected = REGISTRY[code]().score({k: v for k, v in stored.answers.items()})
    assert stored.score == pytest.approx(expected.score)
    assert stored.wording == fhir.wording_of(questionnaire).as_dict()
