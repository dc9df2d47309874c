"""Shared test setup: environment for Django, a loud list of what was skipped and why, and the
Django fixtures (staff in each role, signed in with a verified second factor, and a small
synthetic patient with an episode) that the app tests under tests/<app>/ share."""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Callable, Iterator

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import settings as hypothesis_settings

from painpath.accounts.roles import CLINIC_ROLES, CLINICIAN, RESEARCHER, SITE_ADMIN
from painpath.patients.models import Clinic, Episode, Membership, Patient

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls in that same
# thread are still synchronous, so the async-safety guard is a false alarm in tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

IN_CI = bool(os.environ.get("CI"))

# Hypothesis' 200 ms deadline per example measures the machine, not the code: on 2 shared
# cores a property over a polars frame passes in 50 ms one minute and 400 ms the next. The
# properties stay; the wall-clock limit goes (speed is measured in benchmarks/).
hypothesis_settings.register_profile("painpath", deadline=None)
hypothesis_settings.load_profile("painpath")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped:
        return
    reasons: Counter[str] = Counter()
    for report in skipped:
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        reasons[reason.removeprefix("Skipped: ")] += 1
    bar = "!" * 78
    terminalreporter.write_line("")
    terminalreporter.write_line(bar, red=True, bold=True)
    terminalreporter.write_line(f"!! SKIPPED {len(skipped)} tests:", red=True, bold=True)
    for reason, count in reasons.most_common():
        terminalreporter.write_line(f"!!   {count} × {reason}", red=True, bold=True)
    terminalreporter.write_line(bar, red=True, bold=True)


@pytest.fixture(autouse=True)
def _language_back() -> Iterator[None]:
    """Restore the active language after each test: a view that activates the patient's or a
    staff member's language leaves it active in the thread, and the next test would run in
    Danish."""
    language = translation.get_language()
    yield
    translation.activate(language)


PASSWORD = "correct horse battery staple"  # test-only


@pytest.fixture
def clinic(db: None) -> Clinic:
    """The clinic the test patients and staff belong to (synthetic)."""
    return Clinic.objects.get_or_create(code="test", defaults={"name": "Test Clinic (synthetic)"})[
        0
    ]


@pytest.fixture
def other_clinic(db: None) -> Clinic:
    """A second clinic, whose staff must not see the first one's patients (synthetic)."""
    return Clinic.objects.get_or_create(
        code="other", defaults={"name": "Other Clinic (synthetic)"}
    )[0]


@pytest.fixture
def make_staff(clinic: Clinic) -> Callable[..., User]:
    """``make_staff(role, username=None, clinic=None)``: a staff member with a confirmed
    authenticator, holding a clinic role in ``clinic`` (the test clinic by default), or the
    site administrator's installation-wide group, or no role (``None``)."""

    def make(role: str | None, username: str | None = None, at: Clinic | None = None) -> User:
        user = User.objects.create_user(username or f"test-{role or 'nobody'}", password=PASSWORD)
        if role in CLINIC_ROLES:
            Membership.objects.create(user=user, clinic=at or clinic, role=role)
        elif role is not None:
            user.groups.add(Group.objects.get(name=role))
        if role == SITE_ADMIN:
            user.is_staff = True
            user.save()
        TOTPDevice.objects.create(user=user, name="test authenticator", confirmed=True)
        return user

    return make


def sign_in_verified(user: User) -> Client:
    """A client signed in as ``user`` and verified with the user's TOTP device."""
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user).persistent_id
    session.save()
    return client


@pytest.fixture
def verified_client() -> Callable[[User], Client]:
    """Sign any user in, verified with their TOTP device: ``verified_client(user)``."""
    return sign_in_verified


@pytest.fixture
def clinician(make_staff: Callable[..., User]) -> User:
    return make_staff(CLINICIAN)


@pytest.fixture
def researcher(make_staff: Callable[..., User]) -> User:
    return make_staff(RESEARCHER)


@pytest.fixture
def site_admin(make_staff: Callable[..., User]) -> User:
    return make_staff(SITE_ADMIN)


@pytest.fixture
def clinician_client(clinician: User) -> Client:
    return sign_in_verified(clinician)


@pytest.fixture
def episode(clinic: Clinic) -> Episode:
    """Synthetic: a made-up patient of the test clinic with chronic low back pain."""
    patient = Patient(
        name="Test Patient (synthetic)",
        date_of_birth=dt.date(1970, 5, 17),
        sex="female",
        synthetic=True,
        clinic=clinic,
    )
    patient.set_cpr("170570-1233")  # synthetic; passes the modulus-11 check
    patient.save()
    return Episode.objects.create(
        patient=patient,
        complaint="Low back pain",
        region="low_back",
        onset_date=dt.date(2025, 1, 10),
        intake={"pain_regions": [{"region": "low_back", "laterality": "midline"}]},
    )
