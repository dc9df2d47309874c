import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

pytestmark = pytest.mark.django_db


def test_health_reports_the_database_it_runs_on(client: Client) -> None:
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] == connection.vendor


def test_the_home_page_lists_every_instrument(client: Client) -> None:
    from painpath.core.instruments import REGISTRY

    body = client.get("/").content.decode()
    for code in REGISTRY:
        assert f"<code>{code}</code>" in body


def test_load_demo_is_idempotent_and_marks_the_login_synthetic() -> None:
    from django.contrib.auth import get_user_model

    call_command("load_demo")
    call_command("load_demo")
    users = get_user_model().objects.filter(username="demo-admin")
    assert users.count() == 1
    assert "synthetic" in users.get().first_name
    assert users.get().check_password("painpath-demo")


def test_no_migration_is_missing() -> None:
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
