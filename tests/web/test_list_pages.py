"""The long lists — patients, the audit log, staff — page by an indexed order with a unique
tie-breaker, and a page costs the same number of queries and fetched rows whether the table
holds ten times more or not (issue 13)."""

from __future__ import annotations

import datetime as dt
import html
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from painpath.accounts.roles import CLINIC_ADMIN, CLINICIAN
from painpath.administration.views import PAGE_SIZE as LOG_PAGE
from painpath.audit.models import AuditEntry
from painpath.patients.models import Clinic, Episode, Membership, Patient
from painpath.patients.views import PAGE_SIZE as PATIENT_PAGE

pytestmark = pytest.mark.django_db


@dataclass
class Cost:
    queries: list[str] = field(default_factory=list)
    rows: int = 0


@contextmanager
def cost() -> Iterator[Cost]:
    """The SQL a block runs and the rows it fetches from the database, whatever fetches them."""
    measured = Cost()
    originals = {name: getattr(CursorWrapper, name, None) for name in ("fetchone", "fetchmany")}

    def fetchone(self: CursorWrapper) -> Any:
        row = self.cursor.fetchone()
        measured.rows += row is not None
        return row

    def fetchmany(self: CursorWrapper, *args: Any) -> Any:
        rows = self.cursor.fetchmany(*args)
        measured.rows += len(rows)
        return rows

    CursorWrapper.fetchone = fetchone  # type: ignore[attr-defined]
    CursorWrapper.fetchmany = fetchmany  # type: ignore[attr-defined]
    try:
        with CaptureQueriesContext(connection) as captured:
            yield measured
    finally:
        for name, original in originals.items():
            if original is None:
                delattr(CursorWrapper, name)
            else:
                setattr(CursorWrapper, name, original)
    measured.queries = [query["sql"] for query in captured.captured_queries]


def link(response: Any, rel: str) -> str | None:
    """The pager's link (an address relative to the page's own)."""
    found = re.search(rf'rel="{rel}" href="([^"]*)"', response.content.decode())
    return response.wsgi_request.path + html.unescape(found[1]) if found else None


# --------------------------------------------------------------------------- patients


def add_patients(clinic: Clinic, count: int, start: int = 0) -> None:
    # Namesakes in pairs: only the id tells them apart, so the order must use it.
    Patient.objects.bulk_create(
        Patient(
            clinic=clinic,
            name=f"Person {(start + i) // 2:05d} (synthetic)",
            date_of_birth=dt.date(1950, 1, 1) + dt.timedelta(days=start + i),
            synthetic=True,
        )
        for i in range(count)
    )


def names_on(response: Any) -> list[str]:
    return [patient.name for patient in response.context["page"]]


def test_the_patients_list_pages_in_name_then_id_order_without_repeats(
    clinician_client: Client, clinic: Clinic, other_clinic: Clinic
) -> None:
    add_patients(clinic, PATIENT_PAGE + 7)
    add_patients(other_clinic, 3)
    url = reverse("patients:list")

    first = clinician_client.get(url)
    following = link(first, "next")
    assert following is not None
    second = clinician_client.get(following)

    ids = [p.pk for p in first.context["page"]] + [p.pk for p in second.context["page"]]
    expected = list(
        Patient.objects.filter(clinic=clinic).order_by("name", "id").values_list("pk", flat=True)
    )
    assert ids == expected
    assert link(second, "next") is None
    assert link(second, "prev") is not None


def test_a_name_search_sent_by_post_keeps_to_its_matches_on_the_next_page(
    clinician_client: Client, clinic: Clinic
) -> None:
    add_patients(clinic, PATIENT_PAGE + 10)
    Patient.objects.bulk_create(
        Patient(clinic=clinic, name=f"Zed {i:03d} (synthetic)", date_of_birth=dt.date(1960, 1, 1))
        for i in range(PATIENT_PAGE + 3)
    )

    first = clinician_client.post(reverse("patients:list"), {"q": "zed"})
    following = link(first, "next")
    assert following is not None
    second = clinician_client.get(following)

    assert all(name.startswith("Zed") for name in names_on(first) + names_on(second))
    assert len(set(names_on(first) + names_on(second))) == PATIENT_PAGE + 3


def test_a_patients_page_costs_the_same_with_ten_times_the_patients(
    clinician_client: Client, clinic: Clinic
) -> None:
    def page_two() -> Cost:
        with cost() as measured:
            response = clinician_client.get(reverse("patients:list"), {"page": 2})
        assert len(response.context["page"]) == PATIENT_PAGE
        return measured

    def with_episodes(count: int, start: int) -> None:
        add_patients(clinic, count, start)
        Episode.objects.bulk_create(
            Episode(patient=patient, complaint="back pain (synthetic)")
            for patient in Patient.objects.filter(clinic=clinic, episodes=None)
        )

    with_episodes(2 * PATIENT_PAGE + 10, 0)
    small = page_two()
    with_episodes(18 * PATIENT_PAGE + 90, 2 * PATIENT_PAGE + 10)
    large = page_two()

    assert len(large.queries) == len(small.queries)
    assert large.rows == small.rows
    # The page and its episode counts, a count and the session's few rows; not the clinic.
    assert large.rows < 2 * PATIENT_PAGE + 20


def test_the_episode_count_is_each_patients_own(clinician_client: Client, clinic: Clinic) -> None:
    add_patients(clinic, 3)
    first, second, _ = Patient.objects.filter(clinic=clinic).order_by("name", "id")
    Episode.objects.bulk_create(
        [Episode(patient=first, complaint="a (synthetic)") for _ in range(2)]
        + [Episode(patient=second, complaint="b (synthetic)")]
    )

    response = clinician_client.get(reverse("patients:list"))

    assert [p.episode_count for p in response.context["page"]] == [2, 1, 0]


# --------------------------------------------------------------------------- the audit log


@pytest.fixture
def admin_client_(verified_client: Callable[[User], Client], site_admin: User) -> Client:
    return verified_client(site_admin)


def add_entries(user: User, count: int, *, action: str = "view") -> None:
    # Many in the same microsecond: only the id orders those.
    now = timezone.now()
    AuditEntry.objects.bulk_create(
        AuditEntry(user=user, username=user.username, action=action, code="test.viewed")
        for _ in range(count)
    )
    AuditEntry.objects.filter(at__gte=now).update(at=now - dt.timedelta(hours=1))


def shown(response: Any) -> list[int]:
    return [entry.pk for entry in response.context["page"]]


def test_the_log_pages_by_older_and_newer_without_repeats_while_the_log_grows(
    admin_client_: Client, clinician: User
) -> None:
    add_entries(clinician, 2 * LOG_PAGE + 5)
    oldest_first = list(AuditEntry.objects.order_by("-at", "-id").values_list("pk", flat=True))
    url = reverse("administration:audit_log")

    # Each page view adds its own entry (the search is audited) at the top of the log: a page
    # counted by offset would show the last entry of the page before again.
    first = admin_client_.get(url)
    older = link(first, "next")
    assert older is not None
    second = admin_client_.get(older)
    third = admin_client_.get(link(second, "next") or "")

    assert shown(first) + shown(second) + shown(third) == oldest_first
    assert link(third, "next") is None
    back = admin_client_.get(link(third, "prev") or "")
    assert shown(back) == shown(second)
    assert link(first, "prev") is None


def test_the_log_pages_keep_the_search(admin_client_: Client, clinician: User) -> None:
    add_entries(clinician, LOG_PAGE + 5)
    add_entries(clinician, 10, action="change")
    url = reverse("administration:audit_log")

    first = admin_client_.get(url, {"action": "view", "user": "clinician"})
    second = admin_client_.get(link(first, "next") or "")

    entries = list(first.context["page"]) + list(second.context["page"])
    assert len({e.pk for e in entries}) == LOG_PAGE + 5
    assert {e.action for e in entries} == {"view"}


def test_a_patient_search_finds_the_reads_of_the_record_and_the_refused_ones(
    admin_client_: Client, clinician: User, episode: Episode
) -> None:
    record = episode.patient
    add_entries(clinician, 20)
    read = AuditEntry.objects.create(user=clinician, action="view", patient=record)
    refused = AuditEntry.objects.create(
        user=clinician, action="view", detail={"requested": str(record.public_id)}
    )
    unmatched = AuditEntry.objects.create(
        user=clinician, action="view", detail={"patient_record": str(uuid.uuid4())}
    )
    stray = AuditEntry.objects.create(
        user=clinician, action="view", detail={"patient_record": str(record.public_id)}
    )

    response = admin_client_.get(
        reverse("administration:audit_log"), {"patient": str(record.public_id)}
    )

    assert set(shown(response)) >= {read.pk, refused.pk, stray.pk}
    assert unmatched.pk not in shown(response)
    assert all(
        e.patient == record or record.public_id.hex in str(e.detail).replace("-", "")
        for e in response.context["page"]
    )


def test_the_log_says_more_than_a_thousand_rather_than_counting_them(
    admin_client_: Client, clinician: User
) -> None:
    add_entries(clinician, 1005)

    body = admin_client_.get(reverse("administration:audit_log")).content.decode()

    assert "More than 1000 entries" in body


def test_a_cursor_that_is_not_one_shows_the_newest_page(
    admin_client_: Client, clinician: User
) -> None:
    add_entries(clinician, 3)
    url = reverse("administration:audit_log")

    for bad in ("x", "1-", "99999999999999999999-1", "-99999999999999999-1"):
        newest = list(AuditEntry.objects.order_by("-at", "-id").values_list("pk", flat=True))
        response = admin_client_.get(url, {"before": bad, "after": bad})
        assert response.status_code == 200
        assert shown(response) == newest


def test_an_audit_log_page_costs_the_same_with_ten_times_the_log(
    admin_client_: Client, clinician: User, site_admin: User
) -> None:
    def older_page(**search: str) -> Cost:
        first = admin_client_.get(reverse("administration:audit_log"), search)
        with cost() as measured:
            response = admin_client_.get(link(first, "next") or "")
        assert len(shown(response)) == LOG_PAGE
        return measured

    add_entries(clinician, 2 * LOG_PAGE + 10)
    small = [older_page(), older_page(user="clinician", action="view")]
    add_entries(clinician, 18 * LOG_PAGE + 90)
    add_entries(site_admin, 10 * LOG_PAGE)
    large = [older_page(), older_page(user="clinician", action="view")]

    for before, after in zip(small, large, strict=True):
        assert len(after.queries) == len(before.queries)
        assert after.rows == before.rows
        # No query reads the log without a limit: the page, and a count up to a bound.
        log_queries = [
            sql
            for sql in after.queries
            if sql.lstrip().upper().startswith("SELECT") and "audit_auditentry" in sql
        ]
        assert log_queries
        assert all("LIMIT" in sql for sql in log_queries), log_queries


# --------------------------------------------------------------------------- staff


def test_the_staff_list_pages_by_username(
    make_staff: Callable[..., User], verified_client: Callable[[User], Client], clinic: Clinic
) -> None:
    admin = make_staff(CLINIC_ADMIN)
    users = User.objects.bulk_create(User(username=f"staff-{i:03d}") for i in range(55))
    Membership.objects.bulk_create(Membership(user=u, clinic=clinic, role=CLINICIAN) for u in users)
    client = verified_client(admin)

    first = client.get(reverse("administration:staff"))
    second = client.get(link(first, "next") or "")

    names = [u.username for u in first.context["page"]] + [
        u.username for u in second.context["page"]
    ]
    assert names == sorted(
        User.objects.filter(memberships__clinic=clinic).values_list("username", flat=True)
    )


# --------------------------------------------------------------------------- who may page


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("administration:audit_log", {"before": "1-1"}),
        ("administration:audit_log", {"after": "1-1", "user": "a"}),
        ("administration:staff", {"page": "2"}),
    ],
)
def test_a_page_further_down_is_refused_to_whoever_may_not_see_the_first(
    clinician_client: Client, name: str, params: dict[str, str]
) -> None:
    before = AuditEntry.objects.count()

    response = clinician_client.get(reverse(name), params)

    assert response.status_code == 403
    # Only the refusal itself is recorded, nothing from the log or the staff list.
    assert AuditEntry.objects.count() - before <= 1
    assert "audit-table" not in response.content.decode()


def test_another_clinics_patients_are_on_no_page(
    verified_client: Callable[[User], Client],
    make_staff: Callable[..., User],
    clinic: Clinic,
    other_clinic: Clinic,
) -> None:
    add_patients(clinic, PATIENT_PAGE + 5)
    outsider = verified_client(make_staff(CLINICIAN, "outsider", other_clinic))

    for page in ("1", "2"):
        response = outsider.get(reverse("patients:list"), {"page": page})
        assert list(response.context["page"]) == []
