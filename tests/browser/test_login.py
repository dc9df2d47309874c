"""A clinician signs in with a password and the current code from their authenticator; a
wrong code is refused with a clear message; a researcher is refused the worklist."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from painpath.accounts.roles import CLINIC_ROLES, CLINICIAN, RESEARCHER
from painpath.patients.models import Clinic, Membership

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # test-only
SHOTS = Path("/tmp/shots")


def staff(username: str, role: str, *, with_device: bool = True) -> User:
    user = User.objects.create_user(username, password=PASSWORD, first_name="Synthetic")
    if role in CLINIC_ROLES:
        clinic = Clinic.objects.get_or_create(code="test", defaults={"name": "Test (synthetic)"})[0]
        Membership.objects.create(user=user, clinic=clinic, role=role)
    else:
        user.groups.add(Group.objects.get(name=role))
    if with_device:
        TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    return f"{(totp(device.bin_key, step=device.step, t0=device.t0) + offset) % 1_000_000:06d}"


def enter_password(page: Page, base_url: str, user: User) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()


def enter_code(page: Page, code: str, button: str = "Sign in") -> None:
    page.get_by_label("6-digit code from your authenticator app").fill(code)
    page.get_by_role("button", name=button).click()


def test_a_clinician_signs_in_with_password_and_code_and_reaches_the_worklist(
    live_server, page: Page
) -> None:
    SHOTS.mkdir(exist_ok=True)
    user = staff("dr-hansen", CLINICIAN)
    page.goto(f"{live_server.url}/accounts/login/")
    page.screenshot(path=str(SHOTS / "login.png"), full_page=True)

    enter_password(page, live_server.url, user)
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    page.screenshot(path=str(SHOTS / "login-code.png"), full_page=True)
    enter_code(page, code_for(TOTPDevice.objects.get(user=user)))

    expect(page).to_have_url(f"{live_server.url}/clinic/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Worklist")
    page.screenshot(path=str(SHOTS / "login-worklist.png"), full_page=True)


def test_a_wrong_code_is_refused_with_a_clear_message(live_server, page: Page) -> None:
    user = staff("dr-jensen", CLINICIAN)

    enter_password(page, live_server.url, user)
    enter_code(page, code_for(TOTPDevice.objects.get(user=user), offset=1))

    expect(page.get_by_role("alert")).to_contain_text("That code is not right")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/code/")
    page.screenshot(path=str(SHOTS / "login-wrong-code.png"), full_page=True)
    page.goto(f"{live_server.url}/clinic/")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/clinic/")


def test_a_researcher_is_refused_the_worklist(live_server, page: Page) -> None:
    user = staff("researcher-1", RESEARCHER)

    enter_password(page, live_server.url, user)
    enter_code(page, code_for(TOTPDevice.objects.get(user=user)))
    expect(page.get_by_role("heading", level=1)).to_have_text("Outcomes")  # their start page

    response = page.goto(f"{live_server.url}/clinic/")

    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Not available to you")
    page.screenshot(path=str(SHOTS / "login-403.png"), full_page=True)


def test_staff_without_an_authenticator_set_one_up_on_first_sign_in(
    live_server, page: Page
) -> None:
    user = staff("new-colleague", CLINICIAN, with_device=False)

    enter_password(page, live_server.url, user)
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your authenticator app")
    qr = page.get_by_role("img", name="QR code for your authenticator app")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.naturalWidth") > 0  # the data: URI rendered under the CSP
    page.screenshot(path=str(SHOTS / "otp-setup.png"), full_page=True)

    # The page stores nothing yet: the secret is the one shown to type in by hand.
    assert not TOTPDevice.objects.filter(user=user).exists()
    page.get_by_text("Cannot scan? Type this key instead").click()
    typed = page.locator(".manual-key").inner_text().replace(" ", "")
    shown = TOTPDevice(key=base64.b32decode(typed + "=" * (-len(typed) % 8)).hex())
    enter_code(page, code_for(shown), button="Confirm and sign in")

    expect(page.get_by_role("heading", level=1)).to_contain_text("Worklist")
    assert TOTPDevice.objects.get(user=user).confirmed
