"""Secretaries register patients and send questionnaire links, and see no clinical detail
(docs/administration.md, painpath.accounts.roles): the link pages name the episode by the
date it was opened, not by its complaint, for them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from painpath.accounts.roles import SECRETARY
from painpath.patients.models import Episode

pytestmark = pytest.mark.django_db


def test_a_secretary_issues_a_link_without_seeing_the_complaint(
    episode: Episode, make_staff: Callable[..., User], verified_client: Callable[[User], Client]
) -> None:
    secretary = verified_client(make_staff(SECRETARY))
    page = reverse("questionnaires:issue", args=[episode.public_id])

    form = secretary.get(page).content.decode()
    issued = secretary.post(page, {"instruments": ["nrs"], "language": "da", "days": "14"})

    assert issued.status_code == 200 and "/q/" in issued.content.decode()
    for html in (form, issued.content.decode()):
        assert episode.patient.name in html
        assert episode.complaint not in html
        assert f"episode opened {timezone.localdate(episode.created_at):%Y-%m-%d}" in html


def test_a_clinician_sees_the_complaint_on_the_link_pages(
    episode: Episode, clinician_client: Client
) -> None:
    html = clinician_client.get(reverse("questionnaires:issue", args=[episode.public_id]))
    assert episode.complaint in html.content.decode()
