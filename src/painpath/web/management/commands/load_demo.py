"""Load the demo clinic: three demo logins and synthetic patients across the stepped-care
model, each built through the same services the screens use, so every classification on
screen is the engine's own.

Everything it creates is synthetic and marked so (``Patient.synthetic``; the names are
obviously made up). Running it again changes nothing but the demo logins' passwords and
authenticator keys, which it resets to the documented values.

With ``--population N`` (``make demo``: 300), N generated patients over two years fill both
clinics around the five story patients, dated from today (:data:`painpath.web.scale.DEMO`,
by bulk inserts: a few seconds): new intakes, red flags (clinic B's; clinic A's is the
story's), Step 1 and Step 2, procedures booked in the coming weeks that are not ready,
follow-ups answered, due and overdue, refused and withdrawn consent. They are added once:
running it again, on any day, leaves them as they are.

The demo logins use a fixed, published TOTP key (below), so that anyone trying the demo
can get the code with ``make demo-code`` or add the key to an authenticator app. Never use
these logins or keys on a server with real patients.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from painpath.accounts.roles import (
    CLINIC_ADMIN,
    CLINIC_ROLES,
    CLINICIAN,
    RESEARCHER,
    SECRETARY,
    SITE_ADMIN,
)
from painpath.analytics.demo import ensure_clinics
from painpath.audit.services import record
from painpath.core import vocabularies
from painpath.followup.demo import add_demo_followups
from painpath.pathway import services
from painpath.pathway.models import ReadinessItem, TreatmentCourse
from painpath.patients import services as patient_services
from painpath.patients.models import Clinic, Episode, Membership, Patient
from painpath.questionnaires.models import QuestionnaireResponse
from painpath.questionnaires.services import store_answers_as_shown
from painpath.web import scale
from painpath.web.env import DEVELOPMENT_SECRET_KEY
from painpath.web.scale import PERIPHERAL_NEUROPATHIC

DEMO_PASSWORD = "painpath-demo"
# Synthetic, published demo keys (hex, 20 bytes): "painpath demo <role>" padded. They are in
# the README on purpose; a real deployment never has these users.
DEMO_USERS: dict[str, tuple[str, str]] = {
    "demo-clinician": (CLINICIAN, "7061696e7061746820646d6f20636c696e696321"),
    "demo-researcher": (RESEARCHER, "7061696e7061746820646d6f2072657365617221"),
    "demo-admin": (SITE_ADMIN, "7061696e7061746820646d6f2061646d696e2121"),
    "demo-clinician-b": (CLINICIAN, "7061696e7061746820646d6f20636c696e2d6221"),
    "demo-secretary": (SECRETARY, "7061696e7061746820646d6f2073656372657421"),
    "demo-clinic-admin": (CLINIC_ADMIN, "7061696e7061746820646d6f20636c2d61646d21"),
}
# Where each demo login works (clinic codes of analytics.demo.DEMO_CLINICS): clinic A's staff
# and clinic B's clinician, who sees none of clinic A's patients; the researcher works on the
# pooled registry of both; the site administrator belongs to no clinic.
DEMO_CLINIC_OF = {
    "demo-clinician": ("clinic-a",),
    "demo-secretary": ("clinic-a",),
    "demo-clinic-admin": ("clinic-a",),
    "demo-clinician-b": ("clinic-b",),
    "demo-researcher": ("clinic-a", "clinic-b"),
}
DEMO_DEVICE = "demo authenticator (synthetic key)"
# The demo registry and its key: synthetic and published, like the demo logins' keys.
DEMO_REGISTRY = "demo-lbp"
DEMO_REGISTRY_KEY = b"painpath demo registry (synth.)!"


def base32_key(hex_key: str) -> str:
    """The key as an authenticator app wants it typed in."""
    return base64.b32encode(bytes.fromhex(hex_key)).decode()


def ensure_demo_users() -> list[tuple[str, str, str]]:
    user_model = get_user_model()
    clinics = ensure_clinics()
    out = []
    for username, (role, key) in DEMO_USERS.items():
        user, _ = user_model.objects.get_or_create(username=username)
        user.first_name = "Demo (synthetic)"
        user.is_staff = role == SITE_ADMIN
        user.is_superuser = False  # the superuser is for installing, not for the demo
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.groups.set([Group.objects.get(name=role)] if role not in CLINIC_ROLES else [])
        for code in DEMO_CLINIC_OF.get(username, ()):
            Membership.objects.update_or_create(
                user=user, clinic=clinics[code], defaults={"role": role, "active": True}
            )
        TOTPDevice.objects.filter(user=user).exclude(name=DEMO_DEVICE).delete()
        TOTPDevice.objects.update_or_create(
            user=user,
            name=DEMO_DEVICE,
            defaults={"key": key, "confirmed": True, "last_t": -1, "drift": 0},
        )
        out.append((username, role, base32_key(key)))
    return out


# --------------------------------------------------------------------------- patients


def _respond(episode: Episode, code: str, answers: dict[str, Any], day: dt.date) -> None:
    store_answers_as_shown(
        episode,
        code,
        answers,
        source=QuestionnaireResponse.Source.PATIENT,
        language="da",
        answered_on=day,
    )


def _nrs(value: int) -> dict[str, Any]:
    return {"nrs": value}


def _odi(points: int) -> dict[str, Any]:
    # Ten sections 0–5; spread the points so the score is points * 2 %.
    return {f"odi{i}": points // 10 + (1 if i <= points % 10 else 0) for i in range(1, 11)}


def _startback(physical: int, psychosocial: int) -> dict[str, Any]:
    # Items 1–4 physical, 5–9 psychosocial (item 9 counts at 'very much' or more, 3–4).
    answers = {f"sbst{i}": int(i <= physical) for i in range(1, 5)}
    answers.update({f"sbst{i}": int(i - 4 <= psychosocial) for i in range(5, 9)})
    answers["sbst9"] = 3 if psychosocial >= 5 else 1
    return answers


def _eq5d(mo: int, sc: int, ua: int, pd: int, ad: int, vas: int) -> dict[str, Any]:
    return {"MO": mo, "SC": sc, "UA": ua, "PD": pd, "AD": ad, "VAS": vas}


NO_RED_FLAGS = dict.fromkeys(vocabularies.red_flag_codes(), False)


# The clinic the scenario being built belongs to (set by load_patients).
_CLINIC: ContextVar[Clinic] = ContextVar("demo_clinic")


def _patient(name: str, born: dt.date, sex: str, cpr: str | None = None) -> Patient:
    patient = Patient(name=name, date_of_birth=born, sex=sex, synthetic=True, clinic=_CLINIC.get())
    patient.set_cpr(cpr)
    patient.save()
    record(
        None, patient_services.CREATED, patient=patient, obj=patient, source="load_demo (synthetic)"
    )
    return patient


def _episode(patient: Patient, **fields: Any) -> Episode:
    return Episode.objects.create(patient=patient, **fields)


def _sessions(course: TreatmentCourse, rows: list[tuple[dt.date, float, float]], user: Any) -> None:
    for day, before, after in rows:
        services.log_session(
            course, date=day, pain_before=before, pain_after=after, dose="", user=user
        )


def ordinary_step_one(t: dt.date, user: Any) -> Patient:
    patient = _patient("Alfa Prøvesen (demo)", dt.date(1991, 3, 14), "female")
    episode = _episode(
        patient,
        complaint="Sprained ankle",
        region="ankle_foot",
        onset_date=t - dt.timedelta(days=24),
        intake={
            "pain_regions": [{"region": "ankle_foot", "laterality": "right"}],
            "pattern": "constant",
            "red_flags": NO_RED_FLAGS,
        },
    )
    for days, nrs in ((23, 7), (12, 5), (2, 2)):
        _respond(episode, "nrs", _nrs(nrs), t - dt.timedelta(days=days))
    _respond(episode, "eq5d5l", _eq5d(3, 1, 3, 3, 1, 55), t - dt.timedelta(days=23))
    _respond(episode, "eq5d5l", _eq5d(1, 1, 2, 2, 1, 80), t - dt.timedelta(days=2))
    services.classify_episode(episode, as_of=t - dt.timedelta(days=23), trigger="intake")
    course, _ = services.start_course(
        episode,
        modality="exercise_therapy",
        start=t - dt.timedelta(days=20),
        planned_sessions=6,
        planned_dose="balance programme, 20 min daily",
    )
    _sessions(
        course,
        [(t - dt.timedelta(days=d), b, a) for d, b, a in ((20, 7, 5), (13, 5, 3), (6, 3, 2))],
        user,
    )
    return patient


def step_one_without_effect(t: dt.date, user: Any) -> Patient:
    patient = _patient("Bravo Eksempelsen (demo)", dt.date(1978, 11, 2), "male", "021178-1009")
    episode = _episode(
        patient,
        complaint="Low back pain",
        region="low_back",
        onset_date=t - dt.timedelta(days=110),
        intake={
            "pain_regions": [{"region": "low_back", "laterality": "midline"}],
            "pattern": "constant",
            "red_flags": NO_RED_FLAGS,
        },
        findings={"diagnoses": [{"code": "manual_work"}, {"code": "poor_posture"}]},
    )
    for days, nrs, odi in ((60, 6, 18), (30, 6, 19), (3, 6, 20)):
        _respond(episode, "nrs", _nrs(nrs), t - dt.timedelta(days=days))
        _respond(episode, "odi", _odi(odi), t - dt.timedelta(days=days))
    _respond(episode, "startback", _startback(2, 2), t - dt.timedelta(days=60))
    services.classify_episode(episode, as_of=t - dt.timedelta(days=60), trigger="intake")
    course, _ = services.start_course(
        episode, modality="massage", start=t - dt.timedelta(days=40), planned_sessions=6
    )
    _sessions(
        course,
        [
            (t - dt.timedelta(days=d), b, a)
            for d, b, a in ((40, 6, 6), (33, 6, 5), (26, 6, 6), (19, 6, 5), (12, 6, 6))
        ],
        user,
    )
    return patient


def chronic_step_two_not_ready(t: dt.date, user: Any) -> Patient:
    patient = _patient("Charlie Fiktivsen (demo)", dt.date(1962, 6, 20), "male", "200662-1018")
    episode = _episode(
        patient,
        complaint="Chronic low back pain",
        region="low_back",
        onset_date=t - dt.timedelta(days=14 * 365),
        intake={
            "pain_regions": [
                {"region": "low_back", "laterality": "midline"},
                {"region": "buttock", "laterality": "left"},
            ],
            "pattern": "constant",
            "red_flags": NO_RED_FLAGS,
        },
        findings={"diagnoses": [{"code": "osteoarthritis"}, {"code": "modic_changes"}]},
    )
    for days, nrs, odi, eq in (
        (300, 7, 24, _eq5d(3, 2, 3, 4, 2, 45)),
        (150, 7, 23, _eq5d(3, 2, 3, 4, 2, 45)),
        (5, 7, 22, _eq5d(3, 2, 3, 3, 2, 50)),
    ):
        day = t - dt.timedelta(days=days)
        _respond(episode, "nrs", _nrs(nrs), day)
        _respond(episode, "odi", _odi(odi), day)
        _respond(episode, "eq5d5l", eq, day)
    _respond(episode, "startback", _startback(3, 4), t - dt.timedelta(days=300))
    patient_services.add_imaging(
        episode,
        kind="mri",
        region="low_back",
        date=t - dt.timedelta(days=3 * 365),
        findings={"modic_types": [1], "multifidus_fat_grade": 2, "osteoarthritis_grade": 2},
    )
    patient_services.add_medication(episode, code="warfarin", anticoagulant=True)
    patient_services.add_medication(episode, code="paracetamol", anticoagulant=False)
    services.book_procedure(
        episode,
        kind="gold_implantation",
        region="low_back",
        appointment_date=t + dt.timedelta(days=12),
    )
    services.set_readiness(
        episode,
        ReadinessItem.Item.BOOKED,
        state="done",
        date=t - dt.timedelta(days=7),
        user=user,
    )
    services.set_readiness(episode, ReadinessItem.Item.REQUESTED, state="pending")
    services.set_readiness(episode, ReadinessItem.Item.COMPANION, state="pending")
    return patient


def red_flag(t: dt.date, user: Any) -> Patient:
    patient = _patient("Delta Demosen (demo)", dt.date(1969, 9, 5), "female", "050969-1002")
    episode = _episode(
        patient,
        complaint="Low back pain with leg symptoms",
        region="low_back",
        onset_date=t - dt.timedelta(days=45),
        intake={
            "pain_regions": [
                {"region": "low_back", "laterality": "midline"},
                {"region": "thigh", "laterality": "bilateral"},
            ],
            "pattern": "constant",
            "red_flags": {
                **NO_RED_FLAGS,
                "bladder_or_bowel_dysfunction": True,
                "saddle_anaesthesia": True,
            },
        },
    )
    course, _ = services.start_course(
        episode, modality="massage", start=t - dt.timedelta(days=30), planned_sessions=6
    )
    _sessions(
        course,
        [
            (t - dt.timedelta(days=d), b, a)
            for d, b, a in ((30, 6, 6), (23, 6, 5), (16, 6, 6), (9, 6, 5))
        ],
        user,
    )
    for days, nrs in ((31, 6), (1, 6)):
        _respond(episode, "nrs", _nrs(nrs), t - dt.timedelta(days=days))
    _respond(episode, "odi", _odi(21), t - dt.timedelta(days=1))
    _respond(episode, "startback", _startback(3, 2), t - dt.timedelta(days=1))
    return patient


def neuropathic(t: dt.date, user: Any) -> Patient:
    patient = _patient("Echo Opdigtetsen (demo)", dt.date(1984, 1, 27), "female")
    episode = _episode(
        patient,
        complaint="Sciatica after disc herniation",
        region="low_back",
        onset_date=t - dt.timedelta(days=250),
        intake={
            "pain_regions": [
                {"region": "low_back", "laterality": "midline"},
                {"region": "buttock", "laterality": "left"},
                {"region": "lower_leg", "laterality": "left"},
            ],
            "pattern": "constant",
            "red_flags": NO_RED_FLAGS,
        },
        findings={
            "diagnoses": [
                {"code": "disc_herniation", "region": "low_back"},
                {"code": "sciatica"},
                {"code": "leg_paraesthesia"},
            ],
            "sensory_findings": PERIPHERAL_NEUROPATHIC,
        },
    )
    patient_services.add_imaging(
        episode,
        kind="mri",
        region="low_back",
        date=t - dt.timedelta(days=200),
        findings={
            "disc_herniation": True,
            "nerve_root_compression": True,
            "multifidus_fat_grade": 1,
        },
    )
    for days, nrs, odi in ((240, 8, 30), (120, 7, 26), (10, 6, 24)):
        day = t - dt.timedelta(days=days)
        _respond(episode, "nrs", _nrs(nrs), day)
        _respond(episode, "odi", _odi(odi), day)
    _respond(episode, "startback", _startback(4, 3), t - dt.timedelta(days=240))
    _respond(episode, "eq5d5l", _eq5d(2, 1, 3, 4, 2, 50), t - dt.timedelta(days=240))
    _respond(episode, "eq5d5l", _eq5d(2, 1, 2, 3, 2, 60), t - dt.timedelta(days=10))
    return patient


# (patient, how to build them, their clinic's code)
SCENARIOS: tuple[tuple[str, Callable[[dt.date, Any], Patient], str], ...] = (
    ("Alfa Prøvesen (demo)", ordinary_step_one, "clinic-a"),
    ("Bravo Eksempelsen (demo)", step_one_without_effect, "clinic-a"),
    ("Charlie Fiktivsen (demo)", chronic_step_two_not_ready, "clinic-a"),
    ("Delta Demosen (demo)", red_flag, "clinic-a"),
    ("Echo Opdigtetsen (demo)", neuropathic, "clinic-b"),
)


@transaction.atomic
def load_patients(today: dt.date | None = None) -> list[tuple[str, bool]]:
    """Create each synthetic patient that is not there yet; return (name, created)."""
    today = today or timezone.localdate()
    clinicians = {
        "clinic-a": get_user_model().objects.get(username="demo-clinician"),
        "clinic-b": get_user_model().objects.get(username="demo-clinician-b"),
    }
    clinics = ensure_clinics()
    out = []
    for name, build, code in SCENARIOS:
        if Patient.objects.filter(name=name, synthetic=True).exists():
            out.append((name, False))
            continue
        token = _CLINIC.set(clinics[code])
        try:
            patient = build(today, clinicians[code])
        finally:
            _CLINIC.reset(token)
        for episode in patient.episodes.all():
            services.classify_episode(episode, as_of=today, trigger="demo data loaded")
        out.append((name, True))
    return out


class Command(BaseCommand):
    help = (
        "Create the demo logins and the synthetic demo clinic (idempotent). With --patients N: "
        "instead of the five demo patients, a synthetic clinic at the size of a real one, "
        "built by bulk inserts for measuring (painpath.web.scale)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--patients", type=int, help="build a clinic of N patients")
        parser.add_argument("--years", type=int, default=5, help="years of history (5)")
        parser.add_argument("--seed", type=int, default=0, help="the same seed, the same clinic")
        parser.add_argument(
            "--audit-rows", type=int, help='audit "view" entries (default: 50 per patient)'
        )
        parser.add_argument("--clinics", type=int, default=2, help="clinics, 1–3 (2)")
        parser.add_argument(
            "--population",
            type=int,
            default=0,
            help="beside the five demo patients, N generated ones over two years (make demo: 300)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # The demo logins' passwords and authenticator keys are published in the README: a
        # server with its own SECRET_KEY is a real installation and must never get them.
        if settings.SECRET_KEY != DEVELOPMENT_SECRET_KEY:
            raise CommandError(
                "refusing to load the demo clinic: SECRET_KEY is set, so this looks like a "
                "real installation, and the demo logins' passwords and 2FA keys are public"
            )
        users = ensure_demo_users()
        if options["patients"] is not None:
            self._scale(options)
            return
        patients = load_patients()
        write = self.stdout.write
        write(f"demo logins (synthetic; password for all: {DEMO_PASSWORD}):")
        for username, role, key in users:
            where = ", ".join(DEMO_CLINIC_OF.get(username, ())) or "no clinic"
            write(f"  {username:<18} {role:<21} {where:<20} authenticator key {key}")
        created = sum(1 for _, was_created in patients if was_created)
        write(f"synthetic patients: {created} created, {len(patients) - created} already there")
        write("2FA code right now: python -m painpath.web.manage demo_otp demo-clinician")
        write(f"follow-up plans: {add_demo_followups()} added")
        if options["population"]:
            self._population(options["population"])
        self._registry()

    def _registry(self) -> None:
        """A registry on the demo server, so that the researcher's registry and workbench
        screens have something to show: clinic A takes part pooled, clinic B aggregate-only
        (its statistics made from its own extract, which never leaves it)."""
        from painpath import __version__
        from painpath.core.analytics.inputs import InvalidScores
        from painpath.core.registry.aggregate import (
            ContributionError,
            aggregate,
            contribution_document,
        )
        from painpath.core.registry.extract import InvalidExtract
        from painpath.patients.models import Clinic
        from painpath.registry import services
        from painpath.registry.models import Registry, Site

        if Registry.objects.filter(code=DEMO_REGISTRY).exists():
            self.stdout.write("demo registry: already there")
            return
        registry = Registry(code=DEMO_REGISTRY, name="Demo-register for lændesmerter (syntetisk)")
        key = registry.set_key(DEMO_REGISTRY_KEY)
        registry.save()
        a = Clinic.objects.get(code="clinic-a")
        b = Clinic.objects.get(code="clinic-b")
        pooled = Site.objects.create(
            registry=registry, code="site-a", name=a.name, participation="pooled", clinic=a
        )
        summary = Site.objects.create(
            registry=registry, code="site-b", name=b.name, participation="aggregate", clinic=b
        )
        try:
            sent = services.receive_extract(
                pooled,
                services.make_extract(
                    a, registry_key=key, registry_code=registry.code, site_code=pooled.code
                ),
            )
            own = services.make_extract(
                b, registry_key=key, registry_code=registry.code, site_code=summary.code
            )
            statistics = aggregate(
                own.scores, site=summary.code, k=registry.k, registry=registry.code,
                strata=["sex"],
            )  # fmt: skip
            services.receive_aggregate(summary, contribution_document(statistics, __version__))
        except (InvalidExtract, InvalidScores, ContributionError) as error:
            self.stdout.write(f"demo registry: made, but a site could not take part: {error}")
            return
        self.stdout.write(
            f"demo registry {registry.code}: site-a pooled ({sent.rows.get('scores', 0)} score "
            "rows), site-b aggregate-only; the researcher sees it at /registry/combined/"
        )

    def _population(self, patients: int) -> None:
        if patients < 0:
            raise CommandError("--population: a number of patients, 0 or more")
        if scale.already_built(scale.DEMO):
            self.stdout.write("generated demo patients: already there")
            return
        summary = scale.build_clinic(
            patients=patients,
            years=2,
            seed=14,
            audit_rows=20 * patients,
            shape=scale.DEMO,
        )
        self.stdout.write(
            f"generated demo patients: {summary.patients:,} ({summary.open_episodes:,} open "
            f"episodes, {summary.followup_plans:,} follow-up plans) in {summary.seconds:.1f} s"
        )

    def _scale(self, options: dict[str, Any]) -> None:
        patients = options["patients"]
        audit_rows = options["audit_rows"]
        try:
            summary = scale.build_clinic(
                patients=patients,
                years=options["years"],
                seed=options["seed"],
                audit_rows=50 * patients if audit_rows is None else audit_rows,
                clinics=options["clinics"],
                progress=lambda message: self.stderr.write(f"  {message}"),
            )
        except ValueError as error:
            raise CommandError(f"not building the clinic: {error}") from None
        for name, value in summary.as_dict().items():
            self.stdout.write(
                f"{name:<16} {value:,}" if isinstance(value, int) else f"{name:<16} {value:.1f}"
            )
        self.stdout.write(
            "signed in as demo-clinician (clinic A) you see the generated patients; the "
            "benchmarks sign in as scale-clinic-a-clinician-1"
        )
