"""Secretaries register patients and send questionnaire links, and see no clinical detail
(docs/administration.md, painpath.accounts.roles): the link pages name the episode by the
date it was opened, not by its complaint, for them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone, translation

from painpath.accounts.roles import SECRETARY
from painpath.patients.models import Episode

pytestmark = pytest.mark.django_db


def _short(day: dt.date) -> str:
    with translation.override("en"):
        return formats.date_format(day, "SHORT_DATE_FORMAT")


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
        # The date as the page's language writes it (staff pages never show ISO dates).
        assert f"episode opened {_short(timezone.localdate(episode.created_at))}" in html


def test_a_clinician_sees_the_complaint_on_the_link_pages(
    episode: Episode, clinician_client: Client
) -> None:
    html = clinician_client.get(reverse("questionnaires:issue", args=[episode.public_id]))
    assert episode.complaint in html.content.decode()
