"""Inputs the fuzzer (tests/web/test_fuzz_forms.py) found answering 500 on the clinic's
screens, each refused now with a message and nothing stored."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from painpath.accounts.roles import CLINIC_ADMIN
from painpath.core.followup import ProtocolError, parse_protocol
from painpath.followup.models import ProtocolVersion

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
