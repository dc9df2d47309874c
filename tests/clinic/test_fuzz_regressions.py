"""Inputs the fuzzer (tests/web/test_fuzz_forms.py) found answering 500 on the clinic's
screens, each refused now with a message and nothing stored."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from painpath.accounts.roles import CLINIC_ADMIN
from painpath.core.followup import ProtocolError, parse_protocol
from painpath.followup.models import ProtocolVersion
from painpath.patients.models import Episode, ImagingStudy

pytestmark = pytest.mark.django_db

# YAML that PyYAML cannot build: an impossible date (a ValueError, not a YAMLError), and
# nesting deeper than Python's recursion limit.
UNBUILDABLE = ["0000-00-00", "when: 2024-02-30", "[" * 5000 + "]" * 5000]


@pytest.mark.parametrize("text", UNBUILDABLE)
def test_a_protocol_yaml_that_cannot_be_built_is_a_protocol_error(text: str) -> None:
    with pytest.raises(ProtocolError, match="not valid YAML"):
        parse_protocol(text, "upload")


@pytest.mark.parametrize("text", UNBUILDABLE[:2])
def test_importing_it_shows_the_message_at_the_field_and_stores_nothing(
    text: str, make_staff: Callable[..., User], verified_client: Callable[[User], Client]
) -> None:
    # Found: a file holding "0000-00-00" answered 500 (year 0 is out of range).
    client = verified_client(make_staff(CLINIC_ADMIN, "clinic-admin"))
    upload = SimpleUploadedFile("protocol.yaml", text.encode())

    response = client.post(reverse("clinic:protocol_import"), {"file": upload, "note": "x"})

    assert response.status_code == 200
    assert "not valid YAML" in response.content.decode()
    assert not ProtocolVersion.objects.exists()


def test_an_imaging_study_beyond_what_the_episode_schema_holds_is_refused_with_a_message(
    episode: Episode, clinician_client: Client
) -> None:
    # Found beside the fuzzer's finds: the 41st imaging study (the schema holds 40) failed
    # the reclassification, a 500. Now: refused with the schema's words, nothing stored.
    ImagingStudy.objects.bulk_create(
        ImagingStudy(episode=episode, kind="mri", region="low_back", date=dt.date(2025, 1, 1))
        for _ in range(40)
    )
    response = clinician_client.post(
        reverse("clinic:add_imaging", args=[episode.public_id]),
        {"kind": "mri", "region": "low_back", "date": "2025-02-01"},
    )
    assert response.status_code == 302
    assert episode.imaging.count() == 40
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("Not saved: the rules cannot take it" in m and "/imaging" in m for m in shown)
