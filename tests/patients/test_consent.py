"""Consent per patient and purpose: asked in the intake and stored with the answers exactly
once; changed by the patient on their link or withdrawn by staff; honoured at once by the
registry export (service, management command) and the in-app report. Synthetic patients."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from painpath.analytics import services as analytics
from painpath.audit.models import AuditEntry
from painpath.core import consent as texts
from painpath.patients import consent
from painpath.patients.models import ConsentDecision, Episode, Patient
from painpath.questionnaires import services
from painpath.questionnaires.forms import RED_FLAGS, TREATMENTS
from painpath.questionnaires.models import IntakeLink, QuestionnaireResponse

pytestmark = pytest.mark.django_db

GIVEN, REFUSED = ConsentDecision.Decision.GIVEN, ConsentDecision.Decision.REFUSED


def choice(care: str = GIVEN, research: str = GIVEN) -> dict[str, Any]:
    return {
        "care": care,
        "research": research,
        "care_version": str(texts.current("care").version),
        "research_version": str(texts.current("research").version),
    }


@pytest.fixture
def link(episode: Episode, clinician: User) -> tuple[IntakeLink, str]:
    issued, path = services.issue_link(episode, ["nrs"], "en", clinician, days=14)
    return issued, path.rstrip("/").rsplit("/", 1)[-1]


def short_intake() -> list[dict[str, Any]]:
    """The fewest valid answers to each page of an intake asking the NRS."""
    return [
        {"regions": ["low_back"]},
        {"duration_value": "8", "duration_unit": "months", "pattern": "constant"},
        {code: "no" for code, _q in RED_FLAGS},
        {"takes_medicine": "no"},
        {f"treatment_{code}": "not_tried" for code, _name in TREATMENTS},
        {"nrs": "6"},
    ]


def short_draft(**extra: dict[str, list[str]]) -> dict[str, dict[str, list[str]]]:
    """:func:`short_intake` as a stored draft holds it, page key by page key."""
    keys = ("regions", "duration", "red_flags", "medications", "treatments", "instrument:nrs")
    pages = {
        key: {name: value if isinstance(value, list) else [value] for name, value in data.items()}
        for key, data in zip(keys, short_intake(), strict=True)
    }
    return pages | extra


def url(name: str, token: str, *args: Any) -> str:
    return reverse(f"questionnaires:{name}", args=[token, *args])


def scored(episode: Episode) -> None:
    """A baseline score, so that the patient has a row in the export."""
    QuestionnaireResponse.objects.create(
        episode=episode, instrument="nrs", answers={}, score=6, answered_on=dt.date(2025, 1, 6)
    )


def exported(**kwargs: Any) -> set[str]:
    return set(analytics.export_registry(**kwargs)["patient_id"])


def pseudonym(patient: Patient) -> str:
    return analytics.pseudonym(patient.public_id)


# -- the intake -----------------------------------------------------------------------------


def test_the_intake_asks_consent_first_and_stores_it_with_the_answers_once(
    link: tuple[IntakeLink, str], episode: Episode
) -> None:
    issued, token = link
    client = Client()
    start = client.get(url("start", token)).content.decode()
    assert "Only your clinic sees your answers" not in start
    assert client.post(url("start", token), {"language": "en"})["Location"] == url("consent", token)
    page = client.get(url("consent", token)).content.decode()
    assert "research registry" in page and "telling the clinic" in page

    response = client.post(url("consent", token), choice(research=REFUSED))
    assert response["Location"] == url("page", token, 1)
    assert not ConsentDecision.objects.exists()  # kept with the draft until the answers go
    for number, data in enumerate(short_intake(), start=1):
        assert client.post(url("page", token, number), data).status_code == 302, number
    review = client.get(url("review", token)).content.decode()
    assert "May the clinic send your pseudonymised data" in review
    draft = issued.draft
    client.post(url("submit", token), {"submission_id": str(draft.submission_id)})
    client.post(url("submit", token), {"submission_id": str(draft.submission_id)})  # double tap

    stored = {d.purpose: d for d in ConsentDecision.objects.all()}
    assert len(stored) == ConsentDecision.objects.count() == 2
    assert (stored["care"].decision, stored["research"].decision) == (GIVEN, REFUSED)
    assert stored["research"].text_version == texts.current("research").version
    assert stored["research"].source == "intake" and stored["research"].language == "en"
    assert QuestionnaireResponse.objects.filter(link=issued).count() == 1
    codes = set(AuditEntry.objects.values_list("code", flat=True))
    assert "patients.consent.recorded" in codes


def test_a_choice_on_a_text_that_changed_is_asked_again(link: tuple[IntakeLink, str]) -> None:
    issued, _token = link
    stale = {k: [v] for k, v in (choice() | {"research_version": "0"}).items()}
    with pytest.raises(services.IntakeInvalid) as invalid:
        services.submit(issued, short_draft(consent=stale), uuid.uuid4())
    assert "consent" in invalid.value.errors
    assert not ConsentDecision.objects.exists() and not QuestionnaireResponse.objects.exists()


def test_an_intake_without_a_choice_stores_no_consent(link: tuple[IntakeLink, str]) -> None:
    issued, _token = link
    services.submit(issued, short_draft(), uuid.uuid4())
    assert not ConsentDecision.objects.exists()
    assert pseudonym(issued.episode.patient) not in exported()


# -- withdrawal, and every export honours it at once -----------------------------------------


@pytest.fixture
def consenting(episode: Episode) -> Patient:
    scored(episode)
    for purpose in texts.PURPOSES:
        consent.record_decision(
            episode.patient, purpose, GIVEN, version=1, source=ConsentDecision.Source.INTAKE
        )
    return episode.patient


def test_a_patient_without_any_record_is_not_in_the_research_export(episode: Episode) -> None:
    scored(episode)
    assert exported() == set()
    # The clinic's own report counts them: its quality work does not rest on consent.
    assert exported(own_clinic=episode.patient.clinic) == {pseudonym(episode.patient)}


def test_staff_withdraw_on_the_patient_page_and_the_next_export_lacks_the_patient(
    consenting: Patient, clinician_client: Client
) -> None:
    assert exported() == {pseudonym(consenting)}
    response = clinician_client.post(
        reverse("clinic:withdraw_consent", args=[consenting.public_id]),
        {"purpose": "research", "note": "phoned the clinic"},
    )
    assert response.status_code == 302
    assert exported() == set()
    # Still in the clinic's own report: only research was withdrawn.
    assert exported(own_clinic=consenting.clinic) == {pseudonym(consenting)}
    entry = AuditEntry.objects.get(code="patients.consent.withdrawn")
    assert entry.patient == consenting and entry.username == "test-clinician"
    assert entry.detail["purpose"] == "research"
    page = clinician_client.get(reverse("clinic:patient", args=[consenting.public_id]))
    assert "withdrawn" in page.content.decode()


def test_withdrawing_twice_records_nothing_the_second_time(
    consenting: Patient, clinician_client: Client
) -> None:
    target = reverse("clinic:withdraw_consent", args=[consenting.public_id])
    clinician_client.post(target, {"purpose": "research"})
    clinician_client.post(target, {"purpose": "research"})
    assert consenting.consents.filter(decision="withdrawn").count() == 1


def test_another_clinics_clinician_cannot_withdraw(
    consenting: Patient,
    make_staff: Callable[..., User],
    other_clinic: Any,
    verified_client: Callable[[User], Client],
) -> None:
    outsider = verified_client(make_staff("clinician", "outsider", other_clinic))
    response = outsider.post(
        reverse("clinic:withdraw_consent", args=[consenting.public_id]), {"purpose": "research"}
    )
    assert response.status_code == 404
    assert exported() == {pseudonym(consenting)}


def test_the_patient_withdraws_on_their_link_after_sending(
    consenting: Patient, link: tuple[IntakeLink, str]
) -> None:
    issued, token = link
    services.submit(issued, short_draft(), uuid.uuid4())
    client = Client()
    done = client.get(url("done", token)).content.decode()
    assert url("consent", token) in done
    page = client.get(url("consent", token)).content.decode()
    assert 'value="given" checked' in page or "checked" in page

    client.post(url("consent", token), choice(research=REFUSED))

    now = consent.current(consenting)
    assert now["research"] is not None and now["research"].decision == "withdrawn"
    assert now["research"].source == "patient"
    assert now["care"] is not None and now["care"].decision == GIVEN  # unchanged: not stored again
    assert exported() == set()


def test_an_expired_link_no_longer_changes_consent(
    consenting: Patient, link: tuple[IntakeLink, str]
) -> None:
    issued, token = link
    IntakeLink.objects.filter(pk=issued.pk).update(
        expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    response = Client().post(url("consent", token), choice(research=REFUSED))
    assert response.status_code == 410
    assert consent.current(consenting)["research"].decision == GIVEN  # type: ignore[union-attr]


def test_the_export_command_leaves_out_a_withdrawn_patient(
    consenting: Patient, tmp_path: Path
) -> None:
    call_command("export_registry", output=tmp_path / "before")
    assert set(pl.read_parquet(tmp_path / "before" / "scores.parquet")["patient_id"]) == {
        pseudonym(consenting)
    }
    consent.withdraw(consenting, "research", source=ConsentDecision.Source.STAFF)
    call_command("export_registry", output=tmp_path / "after")
    assert pl.read_parquet(tmp_path / "after" / "scores.parquet").height == 0


def test_the_in_app_report_leaves_out_a_withdrawn_patient(
    consenting: Patient,
    researcher: User,
    clinician: User,
    verified_client: Callable[[User], Client],
) -> None:
    # Five more consenting patients, so that disclosure control shows the researcher a count.
    for number in range(5):
        other = Patient.objects.create(
            name=f"Consent Testperson {number} (synthetic)",
            date_of_birth=consenting.date_of_birth,
            sex=consenting.sex,
            synthetic=True,
            clinic=consenting.clinic,
        )
        scored(Episode.objects.create(patient=other, complaint="Low back pain"))
        for purpose in texts.PURPOSES:
            consent.record_decision(
                other, purpose, GIVEN, version=1, source=ConsentDecision.Source.INTAKE
            )

    def n_patients(user: User) -> int:
        assert verified_client(user).get(reverse("analytics:report")).status_code == 200
        entry = AuditEntry.objects.filter(code="analytics.report.viewed").order_by("-id")[0]
        return int(entry.detail["patients_in_cohort"])

    assert n_patients(researcher) == 6 and n_patients(clinician) == 6
    consent.withdraw(consenting, "research", source=ConsentDecision.Source.STAFF)
    assert n_patients(researcher) == 5
    assert n_patients(clinician) == 6  # the clinic's own report: care consent still given
    consent.withdraw(consenting, "care", source=ConsentDecision.Source.STAFF)
    assert n_patients(clinician) == 5
