"""The server chooses a submission's id (kept in the link's draft): another link's id, a
made-up or all-zero one is refused with 409 and stores nothing; sending the same page twice
stays one submission."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import User
from django.test import Client
from tests.questionnaires.test_intake import INSTRUMENTS, answer_all, as_draft, page_data, url

from painpath.patients.models import ConsentDecision, Episode
from painpath.questionnaires import services
from painpath.questionnaires.models import IntakeDraft, IntakeLink, QuestionnaireResponse

pytestmark = pytest.mark.django_db


def _issue(episode: Episode, clinician: User) -> tuple[IntakeLink, str]:
    link, path = services.issue_link(episode, INSTRUMENTS, "en", clinician, days=14)
    return link, path.rstrip("/").rsplit("/", 1)[-1]


def _stored(link: IntakeLink) -> tuple[int, int, bool]:
    link.refresh_from_db()
    responses = QuestionnaireResponse.objects.filter(link=link).count()
    consents = ConsentDecision.objects.filter(patient=link.episode.patient).count()
    return responses, consents, link.completed_at is not None


@pytest.fixture
def sent_and_open(episode: Episode, clinician: User) -> tuple[IntakeLink, IntakeLink, str]:
    """One link sent, a second one of the same episode answered but not yet sent."""
    first, first_token = _issue(episode, clinician)
    answer_all(Client(), first_token, "en")
    draft = IntakeDraft.objects.get(link=first)
    sent = Client().post(url("submit", first_token), {"submission_id": draft.submission_id})
    assert sent.status_code == 302, sent.content.decode()[:2000]
    first.refresh_from_db()
    second, token = _issue(episode, clinician)
    answer_all(Client(), token, "en")
    return first, second, token


def test_another_links_submission_id_is_a_409_and_stores_nothing(
    sent_and_open: tuple[IntakeLink, IntakeLink, str],
) -> None:
    # The bug: the first link's id reused on the second gave an IntegrityError, a 500.
    first, second, token = sent_and_open
    before = _stored(second)

    response = Client().post(url("submit", token), {"submission_id": first.submission_id})

    assert response.status_code == 409
    page = response.content.decode()
    assert "Your answers were not sent" in page
    assert url("review", token) in page
    assert _stored(second) == before and not before[2]


@pytest.mark.parametrize("made_up", [uuid.UUID(int=0), uuid.uuid4()])
def test_a_made_up_or_all_zero_submission_id_is_a_409(
    sent_and_open: tuple[IntakeLink, IntakeLink, str], made_up: uuid.UUID
) -> None:
    _first, second, token = sent_and_open
    response = Client().post(url("submit", token), {"submission_id": str(made_up)})
    assert response.status_code == 409
    assert _stored(second)[2] is False
    assert second.submission_id is None


def test_the_servers_id_sends_and_a_replay_of_it_changes_nothing(
    sent_and_open: tuple[IntakeLink, IntakeLink, str],
) -> None:
    _first, second, token = sent_and_open
    issued = IntakeDraft.objects.get(link=second).submission_id
    client = Client()

    first = client.post(url("submit", token), {"submission_id": issued})
    after = _stored(second)
    again = client.post(url("submit", token), {"submission_id": issued})

    assert first.status_code == again.status_code == 302
    assert again["Location"] == url("done", token)
    assert after[0] == len(INSTRUMENTS) and after[2]
    assert _stored(second) == after
    assert second.submission_id == issued


def test_a_replay_to_a_sent_link_with_another_id_is_a_409(
    sent_and_open: tuple[IntakeLink, IntakeLink, str],
) -> None:
    first, second, token = sent_and_open
    issued = IntakeDraft.objects.get(link=second).submission_id
    Client().post(url("submit", token), {"submission_id": issued})
    before = _stored(second)

    response = Client().post(url("submit", token), {"submission_id": first.submission_id})

    assert response.status_code == 409
    assert "already sent" in response.content.decode()
    assert _stored(second) == before


def test_the_service_refuses_another_links_id_instead_of_failing(
    sent_and_open: tuple[IntakeLink, IntakeLink, str],
) -> None:
    first, second, _token = sent_and_open
    assert first.submission_id is not None
    with pytest.raises(services.SubmissionClash):
        services.submit(second, as_draft(page_data()), first.submission_id)
    assert _stored(second)[0] == 0


def test_a_submit_before_any_answer_goes_to_the_pages(episode: Episode, clinician: User) -> None:
    link, token = _issue(episode, clinician)
    response = Client().post(url("submit", token), {"submission_id": str(uuid.uuid4())})
    assert response.status_code == 302
    assert not IntakeDraft.objects.filter(link=link).exists()
