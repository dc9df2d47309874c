"""Deployment checks, secure headers, the content security policy, and lockout after
repeated failed sign-ins (django-axes)."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from painpath.web.env import env_bool, env_int

PASSWORD = "correct horse battery staple"  # as in conftest.make_staff; test-only


def test_check_deploy_is_clean_with_production_settings(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "SECURE_", "SESSION_", "CSRF_", "DATABASE_URL"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="painpath.web.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        PAINPATH_FIELD_KEY=secrets.token_urlsafe(32),
        ALLOWED_HOSTS="clinic.example",
        PAINPATH_VAR_DIR=str(tmp_path),
    )
    code = (
        "import django; django.setup(); from django.core.management import call_command; "
        "call_command('check', '--deploy', '--fail-level', 'WARNING')"
    )

    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout + result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DJANGO_SETTINGS_MODULE")}
    env.update(DEBUG="0", PAINPATH_VAR_DIR=str(tmp_path))
    code = "import painpath.web.settings"

    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)

    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["home", "accounts:login"])
def test_responses_carry_a_strict_content_security_policy(client: Client, url_name: str) -> None:
    response = client.get(reverse(url_name))

    policy = dict(
        [*part.strip().split(" ", 1), ""][:2]
        for part in response["Content-Security-Policy"].split(";")
        if part.strip()
    )
    assert policy["script-src"] == "'self'"
    assert "unsafe-inline" not in policy["style-src"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert policy["frame-ancestors"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_the_sign_in_pages_need_no_inline_script_or_style(client: Client) -> None:
    body = client.get(reverse("accounts:login")).content.decode()

    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body)
    assert not re.search(r"\sstyle=", body)
    assert "<style" not in body


def fail_password(client: Client, user: User) -> object:
    return client.post(reverse("accounts:login"), {"username": user.username, "password": "nope"})


@pytest.mark.django_db
def test_repeated_wrong_passwords_lock_out_even_the_right_one(
    client: Client, clinician: User
) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert fail_password(client, clinician).status_code == 200

    locked = fail_password(client, clinician)
    assert locked.status_code == 429
    body = locked.content.decode()
    assert "Account locked for now" in body
    assert "contact a site administrator" in body

    right = client.post(
        reverse("accounts:login"), {"username": clinician.username, "password": PASSWORD}
    )
    assert right.status_code == 429
    assert "Account locked for now" in right.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_repeated_wrong_codes_lock_out_too(client: Client, clinician: User) -> None:
    device = TOTPDevice.objects.get(user=clinician)
    right_code = f"{totp(device.bin_key):06d}"
    wrong = f"{(int(right_code) + 1) % 1_000_000:06d}"
    client.post(reverse("accounts:login"), {"username": clinician.username, "password": PASSWORD})

    statuses = []
    for _ in range(settings.AXES_FAILURE_LIMIT):
        statuses.append(client.post(reverse("accounts:verify"), {"code": wrong}).status_code)
    assert statuses[-1] == 429

    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0)
    again = client.post(
        reverse("accounts:login"), {"username": clinician.username, "password": PASSWORD}
    )
    assert again.status_code == 429


@pytest.mark.django_db
def test_a_lockout_does_not_affect_other_accounts(
    client: Client, clinician: User, researcher: User
) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        fail_password(client, clinician)

    response = client.post(
        reverse("accounts:login"), {"username": researcher.username, "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:verify")


def test_environment_helpers_fail_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAINPATH_TEST_INT", "twelve")
    monkeypatch.setenv("PAINPATH_TEST_BOOL", "maybe")
    with pytest.raises(ImproperlyConfigured, match="not a whole number"):
        env_int("PAINPATH_TEST_INT", 1)
    with pytest.raises(ImproperlyConfigured, match="not a boolean"):
        env_bool("PAINPATH_TEST_BOOL", False)
    monkeypatch.setenv("PAINPATH_TEST_INT", " 42 ")
    assert env_int("PAINPATH_TEST_INT", 1) == 42
    monkeypatch.delenv("PAINPATH_TEST_INT")
    assert env_int("PAINPATH_TEST_INT", 7) == 7
