"""The clinic administrator's follow-up protocol screens: list, page with change log, edit,
export and import; a bad YAML is refused at the field with the loader's message."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from painpath.accounts.roles import CLINIC_ADMIN
from painpath.audit.models import AuditEntry
from painpath.core.followup import builtin_protocol_texts, builtin_protocols
from painpath.followup import services
from painpath.followup.models import ProtocolVersion
from painpath.patients.models import Clinic

pytestmark = pytest.mark.django_db

SHIPPED = builtin_protocols()["default"]


def text(version: str = "9.0.0", protocol_id: str = "default") -> str:
    return (
        builtin_protocol_texts()["default"]
        .replace(f"version: {SHIPPED.version}", f"version: {version}")
        .replace("id: default", f"id: {protocol_id}")
    )


@pytest.fixture
def admin_client(
    make_staff: Callable[..., User], verified_client: Callable[[User], Client]
) -> Client:
    return verified_client(make_staff(CLINIC_ADMIN, "clinic-admin"))


def test_the_list_shows_each_protocol_its_version_and_source(admin_client: Client) -> None:
    page = admin_client.get(reverse("clinic:protocols")).content.decode()
    assert "default" in page and SHIPPED.version in page
    assert "shipped with painpath" in page
    assert "These are Test Clinic (synthetic)'s protocols" in page  # its own, and says so


def test_an_edit_stores_a_new_version_shown_in_the_change_log(
    admin_client: Client, clinic: Clinic
) -> None:
    url = reverse("clinic:protocol_edit", args=["default"])
    assert (
        admin_client.get(url).context["form"].initial["text"] == builtin_protocol_texts()["default"]
    )

    response = admin_client.post(url, {"text": text(), "note": "Longer windows"})

    assert response.status_code == 302
    row = ProtocolVersion.objects.get()
    assert (row.version, row.note, row.created_by.username) == (
        "9.0.0",
        "Longer windows",
        "clinic-admin",
    )
    assert AuditEntry.objects.get(code="followup.protocol.saved").username == "clinic-admin"
    page = admin_client.get(reverse("clinic:protocol", args=["default"])).content.decode()
    assert "Longer windows" in page and "clinic-admin" in page and "9.0.0" in page
    assert services.protocols(clinic.pk)["default"].version == "9.0.0"


def test_a_bad_yaml_is_refused_at_the_field_and_nothing_stored(admin_client: Client) -> None:
    url = reverse("clinic:protocol_edit", args=["default"])
    bad = text().replace("index_event: first_visit", "index_event: someday")

    response = admin_client.post(url, {"text": bad, "note": "oops"})

    assert response.status_code == 200
    assert "index_event &#x27;someday&#x27;; use one of" in response.content.decode()
    assert response.context["form"].errors["text"]
    broken = admin_client.post(url, {"text": "id: [unclosed", "note": "oops"})
    assert "not valid YAML" in broken.content.decode()
    assert not ProtocolVersion.objects.exists()
    assert not AuditEntry.objects.filter(code="followup.protocol.saved").exists()


def test_a_note_is_required(admin_client: Client) -> None:
    url = reverse("clinic:protocol_edit", args=["default"])
    response = admin_client.post(url, {"text": text(), "note": ""})
    assert response.status_code == 200 and response.context["form"].errors["note"]
    assert not ProtocolVersion.objects.exists()


def test_export_returns_the_yaml_of_any_version(
    admin_client: Client, clinician: User, clinic: Clinic
) -> None:
    services.save_protocol(text(), note="n", user=clinician, clinic=clinic, protocol_id="default")
    shipped = admin_client.get(reverse("clinic:protocol_export", args=["default", SHIPPED.version]))
    assert shipped.status_code == 200
    assert shipped.content.decode() == builtin_protocol_texts()["default"]
    assert "attachment" in shipped["Content-Disposition"]
    stored = admin_client.get(reverse("clinic:protocol_export", args=["default", "9.0.0"]))
    assert stored.content.decode() == text()
    missing = admin_client.get(reverse("clinic:protocol_export", args=["default", "7.7.7"]))
    assert missing.status_code == 404


def test_import_adds_a_version_and_refuses_a_bad_file(admin_client: Client, clinic: Clinic) -> None:
    url = reverse("clinic:protocol_import")
    upload = SimpleUploadedFile("own.yaml", text("1.0.0", "clinic-own").encode())

    response = admin_client.post(url, {"file": upload, "note": "Our own protocol"})

    assert response.status_code == 302
    assert response["Location"] == reverse("clinic:protocol", args=["clinic-own"])
    assert services.protocols(clinic.pk)["clinic-own"].version == "1.0.0"
    bad = SimpleUploadedFile(
        "bad.yaml", text("2.0.0", "clinic-own").replace("timepoints", "points").encode()
    )
    refused = admin_client.post(url, {"file": bad, "note": "again"})
    assert (
        refused.status_code == 200 and "missing &#x27;timepoints&#x27;" in refused.content.decode()
    )
    assert ProtocolVersion.objects.count() == 1


def test_a_clinician_cannot_see_or_change_protocols(clinician_client: Client) -> None:
    assert clinician_client.get(reverse("clinic:protocols")).status_code == 403
    url = reverse("clinic:protocol_edit", args=["default"])
    assert clinician_client.post(url, {"text": text(), "note": "n"}).status_code == 403
    assert not ProtocolVersion.objects.exists()


def test_a_clinic_administrator_changes_their_own_clinics_protocols_only(
    admin_client: Client,
    make_staff: Callable[..., User],
    verified_client: Callable[[User], Client],
    clinic: Clinic,
    other_clinic: Clinic,
) -> None:
    # Before: any clinic administrator's new version applied to every clinic's new plans.
    admin_client.post(
        reverse("clinic:protocol_edit", args=["default"]), {"text": text(), "note": "Ours"}
    )
    other = verified_client(make_staff(CLINIC_ADMIN, "other-admin", other_clinic))

    listing = other.get(reverse("clinic:protocols")).content.decode()
    page = other.get(reverse("clinic:protocol", args=["default"])).content.decode()
    export = other.get(reverse("clinic:protocol_export", args=["default", "9.0.0"]))

    assert SHIPPED.version in listing and "9.0.0" not in listing
    assert "Ours" not in page and "9.0.0" not in page
    assert export.status_code == 404
    assert services.protocols(other_clinic.pk)["default"] == SHIPPED
    assert services.protocols(clinic.pk)["default"].version == "9.0.0"
    # Their own edit is theirs: the same version number, another clinic's record.
    other.post(reverse("clinic:protocol_edit", args=["default"]), {"text": text(), "note": "B"})
    assert sorted(ProtocolVersion.objects.values_list("clinic__code", "note")) == [
        (other_clinic.code, "B"),
        (clinic.code, "Ours"),
    ]
