"""Patients filling in the intake against a live server (tests/live_server.py): links made in
the server's database beforehand, each patient walked through every step by HTTP as a
browser would, and what the database holds per link afterwards."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.live_server import Browser, Response, run_django
from tests.questionnaires.test_intake import INSTRUMENTS, page_data

PREPARE = """
import datetime as dt
from django.core.management import call_command
from painpath.patients.models import Clinic, Episode, Patient
from painpath.questionnaires import services

if {migrate}:
    call_command("migrate", verbosity=0, interactive=False)
clinic, _ = Clinic.objects.get_or_create(code={clinic!r}, defaults={{"name": {clinic_name!r}}})
result = []
for n in range({count}):
    patient = Patient.objects.create(
        name=f"Live Patient {{n}} (synthetic)", date_of_birth=dt.date(1960 + n % 40, 1, 1),
        sex="female", synthetic=True, clinic=clinic,
    )
    episode = Episode.objects.create(patient=patient, complaint="Low back pain", region="low_back")
    link, path = services.issue_link(episode, {instruments!r}, "da", None, days=14)
    result.append({{"link": link.pk, "token": path.rstrip("/").rsplit("/", 1)[-1]}})
"""

STATE = """
from painpath.audit.models import AuditEntry
from painpath.pathway.models import Classification
from painpath.patients.models import ConsentDecision, Medication
from painpath.questionnaires.models import IntakeDraft, IntakeLink, QuestionnaireResponse

result = {}
for link in IntakeLink.objects.select_related("episode").filter(purpose="intake"):
    episode = link.episode
    instruments = list(
        QuestionnaireResponse.objects.filter(link=link).values_list("instrument", flat=True)
    )
    result[link.pk] = {
        "completed": link.completed_at is not None,
        "instruments": sorted(instruments),
        "responses": len(instruments),
        "reported": (episode.intake or {}).get("reported_by_patient", {}).get("link") == link.pk,
        "medications": Medication.objects.filter(episode=episode).count(),
        "consents": ConsentDecision.objects.filter(
            patient=episode.patient, source="intake"
        ).count(),
        "classifications": Classification.objects.filter(
            episode=episode, trigger="patient intake"
        ).count(),
        "submitted_audits": AuditEntry.objects.filter(
            action="patient_submit", object_id=str(link.pk)
        ).count(),
        "draft": IntakeDraft.objects.filter(link=link).exists(),
    }
"""


def prepare(
    env: Mapping[str, str],
    count: int,
    *,
    migrate: bool = True,
    clinic: str = "live",
    clinic_name: str = "Live (synthetic)",
) -> list[dict[str, Any]]:
    """Migrate the server's database and issue ``count`` intake links (one synthetic patient
    each, in ``clinic``, made if missing); their ids and tokens."""
    code = PREPARE.format(
        migrate=migrate,
        count=count,
        instruments=INSTRUMENTS,
        clinic=clinic,
        clinic_name=clinic_name,
    )
    links: list[dict[str, Any]] = run_django(code, env, timeout=300)
    return links


def state(env: Mapping[str, str]) -> dict[int, dict[str, Any]]:
    """Per intake link: what the database holds of its submission."""
    raw: dict[str, dict[str, Any]] = run_django(STATE, env)
    return {int(pk): row for pk, row in raw.items()}


def stored_completely_or_not_at_all(row: Mapping[str, Any]) -> bool:
    """A submission is all there (every response once, the intake on the episode, consent,
    medicines, one classification, one audit entry, the draft gone) or none of it is."""
    if row["completed"]:
        return (
            row["instruments"] == sorted(INSTRUMENTS)
            and row["reported"]
            and row["medications"] > 0
            and row["consents"] > 0
            and row["classifications"] == 1
            and row["submitted_audits"] == 1
            and not row["draft"]
        )
    return (
        row["responses"] == 0
        and not row["reported"]
        and row["medications"] == 0
        and row["consents"] == 0
        and row["classifications"] == 0
        and row["submitted_audits"] == 0
    )


class StepFailed(AssertionError):
    pass


@dataclass
class Patient:
    """One patient with a browser, going through the whole intake."""

    base: str
    token: str
    browser: Browser = field(init=False)
    submit: Response | None = None
    submission_id: str = ""
    error: BaseException | None = None
    seconds: float = 0.0
    """Wall time of :meth:`run` after the barrier: the whole intake, as the patient waits."""

    def __post_init__(self) -> None:
        self.browser = Browser(self.base)

    def url(self, rest: str = "") -> str:
        return f"/q/p/{self.token}/{rest}"

    def expect(self, response: Response, status: int, location: str | None = None) -> Response:
        if response.status != status or (location is not None and response.location != location):
            raise StepFailed(
                f"{response.method} {response.path}: {response.status} → {response.location!r}, "
                f"expected {status} {location or ''}\n{response.body[:500]}"
            )
        return response

    def answer_pages(self, *, until: int | None = None) -> None:
        """Language, consent and every page (saving a draft and changing the language on the
        way), up to the review."""
        b = self.browser
        self.expect(b.get(self.url()), 200)
        self.expect(b.post(self.url(), {"language": "da"}), 302, self.url("consent/"))
        consent = self.expect(b.get(self.url("consent/")), 200).forms()
        choice = {k: v for k, v in consent.hidden.items() if k != "csrfmiddlewaretoken"}
        choice |= {name: "given" for name in consent.radios}
        self.expect(b.post(self.url("consent/"), choice), 302, self.url("1/"))
        for number, data in enumerate(page_data().values(), start=1):
            if until is not None and number > until:
                return
            here = self.url(f"{number}/")
            self.expect(b.get(here), 200)
            if number == 3:
                # Save and come back later, in another language.
                self.expect(b.post(here, {**data, "action": "later"}), 200)
                self.expect(b.post(self.url(), {"language": "en", "next": here}), 302, here)
                self.expect(b.get(here), 200)
            nxt = self.url(f"{number + 1}/") if number < len(page_data()) else self.url("review/")
            self.expect(b.post(here, data), 302, nxt)

    def review(self) -> None:
        """The review page, which holds the submission's id."""
        review = self.expect(self.browser.get(self.url("review/")), 200).forms()
        self.submission_id = review.hidden["submission_id"]

    def send(self) -> Response:
        """The review page, then Send; the response to the send."""
        self.review()
        return self.send_again()

    def send_again(self) -> Response:
        """Send the same submission again (the answer to the last one never came)."""
        self.submit = self.browser.post(self.url("submit/"), {"submission_id": self.submission_id})
        return self.submit

    def finish(self) -> None:
        self.expect(self.send(), 302, self.url("done/"))
        self.expect(self.browser.get(self.url("done/")), 200)

    def run(self, barrier: threading.Barrier | None = None, *, send: bool = True) -> None:
        try:
            if barrier is not None:
                barrier.wait()
            started = time.perf_counter()
            try:
                self.answer_pages()
                if send:
                    self.finish()
            finally:
                self.seconds = time.perf_counter() - started
        except BaseException as error:  # reported by the caller, with the server's errors
            self.error = error


def run_patients(patients: list[Patient], *, send: bool = True) -> float:
    """Every patient at once, each in a thread, through the whole intake (``send``) or up to
    the review; the seconds it took."""
    barrier = threading.Barrier(len(patients))
    threads = [
        threading.Thread(target=p.run, args=(barrier,), kwargs={"send": send}) for p in patients
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]
