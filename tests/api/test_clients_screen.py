"""The clinic administrator's integrations screen and the api_client command."""

from __future__ import annotations

import re
from collections.abc import Callable
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from painpath.accounts.roles import CLINIC_ADMIN, CLINICIAN
from painpath.api import services
from painpath.api.models import ApiClient
from painpath.audit.models import AuditEntry
from painpath.patients.models import Clinic, Episode

pytestmark = pytest.mark.django_db
URL = "/integrations/"


@pytest.fixture
def admin_client(
    make_staff: Callable[..., User], verified_client: Callable[[User], Client]
) -> Client:
    return verified_client(make_staff(CLINIC_ADMIN, "test-clinic-admin"))


def test_the_administrator_creates_a_token_shown_once(
    admin_client: Client, clinic: Clinic, episode: Episode
) -> None:
    response = admin_client.post(URL, {"name": "Kiosk", "scopes": ["episode:read"]})
    assert response.status_code == 200
    token = re.search(r'<code id="token">(pp_[^<]+)</code>', response.content.decode())
    assert token is not None
    client = ApiClient.objects.get(name="Kiosk")
    assert (client.clinic, client.scopes) == (clinic, ["episode:read"])
    assert client.created_by is not None
    assert AuditEntry.objects.filter(code=services.CLIENT_CREATED.code).exists()
    # It works, and the list shows only its first characters.
    api = Client(headers={"Authorization": f"Bearer {token[1]}"})
    assert api.get(f"/api/v1/episodes/{episode.public_id}").status_code == 200
    listed = admin_client.get(URL).content.decode()
    assert "Kiosk" in listed and token[1] not in listed and client.token_prefix in listed


def test_revoking_stops_the_token(admin_client: Client, episode: Episode) -> None:
    client, token = services.create_client(
        "Old system", clinic=episode.patient.clinic, scopes=["episode:read"]
    )
    response = admin_client.post(f"{URL}{client.pk}/revoke/")
    assert response.status_code == 302
    client.refresh_from_db()
    assert client.revoked_at is not None
    api = Client(headers={"Authorization": f"Bearer {token}"})
    assert api.get(f"/api/v1/episodes/{episode.public_id}").status_code == 401


def test_another_clinics_client_cannot_be_revoked_here(
    admin_client: Client, other_clinic: Clinic
) -> None:
    client, _token = services.create_client("Theirs", clinic=other_clinic, scopes=["report:read"])
    assert admin_client.post(f"{URL}{client.pk}/revoke/").status_code == 404
    client.refresh_from_db()
    assert client.revoked_at is None


def test_a_form_without_scopes_is_refused_and_nothing_made(admin_client: Client) -> None:
    response = admin_client.post(URL, {"name": "Kiosk"})
    assert response.status_code == 400
    assert not ApiClient.objects.exists()


def test_the_clinic_administrator_finds_the_screen_in_the_menu(
    admin_client: Client, clinician_client: Client
) -> None:
    link = f'href="{URL}"'
    assert link in admin_client.get("/clinic/settings/").content.decode()
    assert link not in clinician_client.get("/clinic/").content.decode()


def test_a_clinician_may_not_manage_integrations(
    make_staff: Callable[..., User], verified_client: Callable[[User], Client]
) -> None:
    assert verified_client(make_staff(CLINICIAN)).get(URL).status_code == 403


def test_the_screen_is_danish_in_danish(admin_client: Client) -> None:
    admin_client.cookies["django_language"] = "da"
    page = admin_client.get(URL, headers={"accept-language": "da"}).content.decode()
    assert "Integrationer" in page and "Opret token" in page


def test_the_command_creates_lists_and_revokes(clinic: Clinic) -> None:
    out = StringIO()
    call_command(
        "api_client",
        "create",
        "--name",
        "Registry feed",
        "--site",
        "aarhus",
        "--scope",
        "registry:upload",
        stdout=out,
    )
    token = out.getvalue().splitlines()[-1]
    client = ApiClient.objects.get(name="Registry feed")
    assert (client.clinic, client.site_code, client.token_hash) == (
        None,
        "aarhus",
        services.token_hash(token),
    )
    listed = StringIO()
    call_command("api_client", "list", stdout=listed)
    assert "site aarhus" in listed.getvalue() and "active" in listed.getvalue()
    call_command("api_client", "revoke", str(client.pk), stdout=StringIO())
    client.refresh_from_db()
    assert client.revoked_at is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--clinic", "nowhere", "--scope", "report:read"], "--clinic nowhere: no such clinic"),
        (["--clinic", "test", "--scope", "registry:upload"], "scopes: registry:upload"),
        (["--site", "aarhus", "--scope", "episode:read"], "scopes: episode:read"),
    ],
)
def test_the_command_refuses_in_one_line_with_exit_2(
    clinic: Clinic, args: list[str], message: str
) -> None:
    with pytest.raises(CommandError) as raised:
        call_command("api_client", "create", "--name", "X", *args, stdout=StringIO())
    assert raised.value.returncode == 2
    assert str(raised.value).startswith(message)
    assert not ApiClient.objects.exists()


def test_last_used_is_the_newest_audit_entry_naming_the_client_in_one_query(
    admin_client: Client, clinic: Clinic, episode: Episode
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def listed() -> tuple[dict[str, object], int]:
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(URL)
        assert response.status_code == 200
        return {c.name: c.last_used for c in response.context["clients"]}, len(queries)

    used, token = services.create_client("Used", clinic=clinic, scopes=["episode:read"])
    services.create_client("Never", clinic=clinic, scopes=["episode:read"])
    api = Client(headers={"Authorization": f"Bearer {token}"})
    for _ in range(2):
        assert api.get(f"/api/v1/episodes/{episode.public_id}").status_code == 200
    newest = AuditEntry.objects.filter(api_client=used).latest("at", "id").at
    shown, queries = listed()
    assert shown == {"Used": newest, "Never": None}
    for i in range(3):
        services.create_client(f"More {i}", clinic=clinic, scopes=["report:read"])
    # More clients, the same number of queries: last use is read for the list at once.
    assert listed()[1] == queries
