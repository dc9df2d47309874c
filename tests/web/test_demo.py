"""``load_demo`` builds the synthetic demo clinic; running it twice changes nothing."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db.models import Max, Min
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from painpath.clinic.services import worklist
from painpath.followup.models import FollowUpPoint
from painpath.pathway.models import Classification, TreatmentSession
from painpath.patients.models import Clinic, ConsentDecision, Episode, Patient
from painpath.questionnaires.models import QuestionnaireResponse

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        "users": User.objects.count(),
        "devices": TOTPDevice.objects.count(),
        "patients": Patient.objects.count(),
        "episodes": Episode.objects.count(),
        "sessions": TreatmentSession.objects.count(),
        "responses": QuestionnaireResponse.objects.count(),
        "classifications": Classification.objects.count(),
    }


def test_loading_the_demo_twice_is_idempotent_and_synthetic_only() -> None:
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    first = _counts()
    call_command("load_demo", stdout=io.StringIO())
    assert _counts() == first
    assert first["patients"] == 5
    assert not Patient.objects.filter(synthetic=False).exists()
    assert all("(demo)" in name for name in Patient.objects.values_list("name", flat=True))
    assert "demo-clinician" in out.getvalue() and "painpath-demo" in out.getvalue()


def test_the_demo_covers_the_stepped_care_model() -> None:
    call_command("load_demo", stdout=io.StringIO())
    work = worklist(Clinic.objects.get(code="clinic-a"))
    assert [r.episode.patient.name for r in work.red_flags] == ["Delta Demosen (demo)"]
    assert [r.episode.patient.name for r in work.not_ready] == ["Charlie Fiktivsen (demo)"]
    assert [r.episode.patient.name for r in work.escalations] == ["Bravo Eksempelsen (demo)"]
    steps = {
        e.patient.name: e.classifications.first().result["axes"] for e in Episode.objects.all()
    }
    assert steps["Alfa Prøvesen (demo)"]["stepped_care"]["result"] == "step_1"
    assert steps["Echo Opdigtetsen (demo)"]["neuropathic"]["result"] == "definite"
    assert steps["Charlie Fiktivsen (demo)"]["stepped_care"]["fired"] == ["chronic_pain"]


def test_the_demo_logins_sign_in_with_the_published_key() -> None:
    call_command("load_demo", stdout=io.StringIO())
    admin = User.objects.get(username="demo-admin")
    assert admin.is_staff and admin.check_password("painpath-demo")
    assert not User.objects.get(username="demo-researcher").has_perm("patients.view_patient")
    device = TOTPDevice.objects.get(user__username="demo-clinician")
    out = io.StringIO()
    call_command("demo_otp", "demo-clinician", stdout=out)
    assert out.getvalue().strip() == f"{totp(device.bin_key):06d}"
    assert device.verify_token(out.getvalue().strip())


def test_the_demo_is_refused_on_a_real_installation(settings: Any) -> None:
    # Its passwords and 2FA keys are published; a server with its own key must not get them.
    settings.SECRET_KEY = "a-real-installation-key-0123456789abcdefghijklmnopqrstuvwxyz"
    with pytest.raises(CommandError, match="refusing to load the demo clinic"):
        call_command("load_demo", stdout=io.StringIO())
    assert not User.objects.filter(username__startswith="demo-").exists()


def test_make_demo_fills_both_clinics_with_every_stage_of_the_pathway() -> None:
    # What `make demo` runs: the five story patients and 300 generated ones over two years.
    call_command("load_demo", population=300, stdout=io.StringIO())
    first = _counts()
    call_command("load_demo", population=300, stdout=io.StringIO())
    assert _counts() == first  # idempotent, generated patients included
    assert first["patients"] == 305
    assert not Patient.objects.filter(synthetic=False).exists()
    names = list(Patient.objects.values_list("name", flat=True))
    assert all("(demo)" in name or "(demo " in name for name in names)
    today = timezone.localdate()
    answered = QuestionnaireResponse.objects.aggregate(
        first=Min("answered_on"), last=Max("answered_on")
    )
    assert today - dt.timedelta(days=2 * 366) <= answered["first"] <= answered["last"] <= today

    a = worklist(Clinic.objects.get(code="clinic-a"))
    b = worklist(Clinic.objects.get(code="clinic-b"))
    # Clinic A's one red flag is still the story's (the tour acknowledges it); clinic B has
    # its own waiting.
    assert [r.episode.patient.name for r in a.red_flags] == ["Delta Demosen (demo)"]
    assert b.red_flags
    for work in (a, b):
        assert work.new_intakes and work.not_ready and work.escalations and work.overdue_followups
    assert "Charlie Fiktivsen (demo)" in [r.episode.patient.name for r in a.not_ready]
    steps = set(
        Classification.objects.filter(is_latest=True, episode__status="open").values_list(
            "step", flat=True
        )
    )
    assert {"step_1", "step_2"} <= steps
    points = set(FollowUpPoint.objects.values_list("status", flat=True))
    assert {"answered", "sent", "missed", "scheduled"} <= points
    decisions = set(ConsentDecision.objects.values_list("decision", flat=True))
    assert {"given", "refused", "withdrawn"} <= decisions
    # Both clinics about equally full.
    per_clinic = [Patient.objects.filter(clinic__code=c).count() for c in ("clinic-a", "clinic-b")]
    assert min(per_clinic) > 140


def test_the_demo_has_a_registry_with_a_pooled_and_an_aggregate_only_clinic() -> None:
    from painpath.registry.models import AggregateContribution, PooledScore, Registry

    out = io.StringIO()
    call_command("load_demo", population=300, stdout=out)
    registry = Registry.objects.get(code="demo-lbp")
    sites = dict(registry.sites.values_list("code", "participation"))
    assert sites == {"site-a": "pooled", "site-b": "aggregate"}
    # Clinic A's research-consented patients as rows; clinic B's statistics only.
    assert PooledScore.objects.filter(site__code="site-a").exists()
    assert not PooledScore.objects.filter(site__code="site-b").exists()
    assert AggregateContribution.objects.filter(site__code="site-b").exists()
    assert "demo registry demo-lbp" in out.getvalue()
    call_command("load_demo", population=300, stdout=(again := io.StringIO()))
    assert "demo registry: already there" in again.getvalue()
