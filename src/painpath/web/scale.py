"""A synthetic clinic at the size of a real one, for measuring (issue 13): ``load_demo
--patients 20000 --years 5`` and the page benchmarks (``benchmarks/pages.py``).

Everything is synthetic and marked so: ``Patient.synthetic``, names ending in
``(synthetic NNNNN)``, e-mail addresses at ``example.invalid``, CPR numbers that pass the
modulus-11 check but are drawn at random. The same seed gives the same clinic (the
encrypted CPR differs, as encryption is randomised; its hash and masked form do not).

It writes through bulk inserts, one transaction per batch of patients, and bypasses the
services on purpose: no audit entry per created row, no signals, no per-row classification.
What the services would compute is computed the same way, only once:

- each CPR number is encrypted and hashed by ``Patient.set_cpr``, as the form does;
- each questionnaire response is scored by the core instrument (a pool of answer sets per
  instrument, each scored once) and carries the wording of the Danish Questionnaire;
- each stored classification is the rule engine's own JSON for one of a handful of
  representative episodes (:data:`PROFILES`), run once at build time, with its dates set to
  the row's ``as_of``.

What it draws, per patient: clinic (round robin), sex, age 18–85, a CPR number (95 %),
1–2 episodes (70 % / 30 %), 3–10 responses over the episodes, 2–8 classifications per
episode, a treatment course (60 %, 2–8 sessions) or a procedure with its readiness checklist
(15 %), imaging (30 %), a follow-up plan at 3/6/12/24 months (70 %; past points answered
70 %, else missed with a link and reminders), consent for care and research. About 15 % of
patients have an open episode (3,000 of 20,000). Then ``audit_rows`` audit "view" entries by
the clinic's staff spread over the years, half of them on patients with an open episode.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, models, reset_queries, transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from painpath.analytics.demo import ensure_clinics
from painpath.audit.models import AuditEntry
from painpath.clinic.services import WORKLIST_VIEWED
from painpath.core import consent, vocabularies
from painpath.core import questionnaires as fhir
from painpath.core.followup import builtin_protocols
from painpath.core.instruments import get as get_instrument
from painpath.core.rules import classify, validate_episode
from painpath.core.rules.derive import add_months
from painpath.followup.models import ContactAttempt, FollowUpAnswer, FollowUpPlan, FollowUpPoint
from painpath.pathway.models import (
    Classification,
    ProcedureBooking,
    ReadinessItem,
    TreatmentCourse,
    TreatmentSession,
)
from painpath.patients.models import (
    Clinic,
    ConsentDecision,
    Episode,
    ImagingStudy,
    Membership,
    Patient,
)
from painpath.patients.services import LIST_VIEWED, VIEWED
from painpath.questionnaires.models import IntakeLink, QuestionnaireResponse

MARK = "(synthetic "
"""Every generated patient's name ends in ``(synthetic NNNNN)``."""


@dataclass(frozen=True)
class Shape:
    """Which clinic is built: the measuring clinic (the defaults), or the population of the
    demo clinic (:data:`DEMO`). Only a non-default shape draws anything more, so the same
    seed still gives the same measuring clinic."""

    mark: str = MARK
    """Each patient's name ends in ``<mark>NNNNN)``."""
    digits: int = 5
    staff: str = "scale"
    """The staff's usernames: ``<staff>-<clinic code>-<role>-<n>``, ``<staff>-researcher``."""
    open_share: float = 0.15
    """The share of patients with an open episode."""
    red_flag_clinics: tuple[str, ...] | None = None
    """The clinics (codes) whose episodes may have a red flag; ``None``: every clinic."""
    red_flag_weight: int | None = None
    """The red-flag profile's weight where it is drawn (``None``: its own, 4 in 104)."""
    book_knee: bool = False
    """An open knee episode (its profile: gold implantation booked) gets its appointment in
    the coming weeks, so the worklist's "not ready" section has rows."""
    withdrawn: float = 0.0
    """The share of patients who later withdrew the research consent they gave."""


MEASURING = Shape()
"""The clinic the benchmarks measure (``load_demo --patients N``)."""

DEMO = Shape(
    mark="(demo ",
    digits=3,
    staff="demo-staff",
    open_share=0.3,
    # Clinic A's red flag is the story patient's (Delta Demosen), whom the tour and the
    # browser tests acknowledge until "No red flag is waiting."
    red_flag_clinics=("clinic-b",),
    # A handful waiting in a clinic of 150, not one in a lucky draw.
    red_flag_weight=16,
    book_knee=True,
    withdrawn=0.05,
)
"""The demo clinic's generated patients (``load_demo --population N``)."""

FIRST = (
    "Alfa",
    "Bravo",
    "Charlie",
    "Delta",
    "Echo",
    "Foxtrot",
    "Golf",
    "Hotel",
    "India",
    "Juliet",
    "Kilo",
    "Lima",
    "Mike",
    "November",
    "Oscar",
    "Papa",
    "Quebec",
    "Romeo",
    "Sierra",
    "Tango",
    "Uniform",
    "Victor",
    "Whiskey",
    "Xray",
    "Yankee",
    "Zulu",
)
LAST = (
    "Prøvesen",
    "Eksempelsen",
    "Fiktivsen",
    "Demosen",
    "Opdigtetsen",
    "Testesen",
    "Skalasen",
    "Modelsen",
)
STAFF = (("clinician", 4), ("secretary", 2), ("clinic administrator", 1))
NO_RED_FLAGS = dict.fromkeys(vocabularies.red_flag_codes(), False)
# Where the model flags each episode's newest run on save (``Classification.is_latest``), a
# bulk insert, which skips ``save``, must set the flag itself.
FLAGS_LATEST = any(f.name == "is_latest" for f in Classification._meta.concrete_fields)
# The grading's findings of definite peripheral neuropathic pain (the demo's sciatica too).
PERIPHERAL_NEUROPATHIC = {
    "nerve_lesion_history": True,
    "plausible_distribution": True,
    "sensory_signs_in_distribution": True,
    "confirmatory_test": True,
    "lesion_site": "peripheral",
}
TRIGGERS = ("intake", "treatment session", "refreshed for today", "episode changed")


@dataclass(frozen=True)
class Profile:
    """A representative episode: what is stored on it, and the document the rules ran on."""

    name: str
    weight: int
    complaint: str
    region: str
    onset_days: int
    intake: dict[str, Any]
    findings: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    """More of the rule engine's document: questionnaires, imaging, courses, procedure."""


def _regions(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"region": r, "laterality": side} for r, side in pairs]


def _sessions(start: dt.date, pain: Sequence[tuple[int, int]]) -> list[dict[str, Any]]:
    return [
        {"date": (start + dt.timedelta(days=7 * i)).isoformat(), "pain_before": b, "pain_after": a}
        for i, (b, a) in enumerate(pain)
    ]


def profiles(today: dt.date) -> tuple[Profile, ...]:
    """The handful of episodes every stored classification is copied from."""
    course_start = today - dt.timedelta(days=60)
    return (
        Profile(
            "acute low back, step one",
            30,
            "Low back pain",
            "low_back",
            30,
            {
                "pain_regions": _regions(("low_back", "midline")),
                "pattern": "constant",
                "red_flags": NO_RED_FLAGS,
            },
            extra={"questionnaires": {"startback": {"total": 2, "psychosocial": 1}}},
        ),
        Profile(
            "chronic low back, step one without effect",
            25,
            "Chronic low back pain",
            "low_back",
            400,
            {
                "pain_regions": _regions(("low_back", "midline"), ("buttock", "left")),
                "pattern": "constant",
                "red_flags": NO_RED_FLAGS,
            },
            {"diagnoses": [{"code": "osteoarthritis"}, {"code": "modic_changes"}]},
            {
                "questionnaires": {
                    "startback": {"total": 6, "psychosocial": 4},
                    "orebro_short": {"score": 55},
                },
                "treatment_courses": [
                    {
                        "modality": "massage",
                        "start": course_start.isoformat(),
                        "planned_sessions": 6,
                        "sessions": _sessions(
                            course_start, [(6, 6), (6, 5), (6, 6), (6, 5), (6, 6)]
                        ),
                    }
                ],
                "imaging": [
                    {
                        "kind": "mri",
                        "region": "low_back",
                        "date": (today - dt.timedelta(days=300)).isoformat(),
                        "findings": {"modic_types": [1], "multifidus_fat_grade": 2},
                    }
                ],
            },
        ),
        Profile(
            "red flags: cauda equina",
            4,
            "Low back pain with leg symptoms",
            "low_back",
            20,
            {
                "pain_regions": _regions(("low_back", "midline"), ("thigh", "bilateral")),
                "pattern": "constant",
                "red_flags": {
                    **NO_RED_FLAGS,
                    "bladder_or_bowel_dysfunction": True,
                    "saddle_anaesthesia": True,
                },
            },
        ),
        Profile(
            "sciatica, neuropathic",
            15,
            "Sciatica after disc herniation",
            "low_back",
            250,
            {
                "pain_regions": _regions(("low_back", "midline"), ("lower_leg", "left")),
                "pattern": "constant",
                "red_flags": NO_RED_FLAGS,
            },
            {
                "diagnoses": [
                    {"code": "disc_herniation", "region": "low_back"},
                    {"code": "sciatica"},
                ],
                "sensory_findings": PERIPHERAL_NEUROPATHIC,
            },
            {"questionnaires": {"startback": {"total": 7, "psychosocial": 3}}},
        ),
        Profile(
            "neck after whiplash",
            14,
            "Neck pain after a car accident",
            "neck",
            120,
            {
                "pain_regions": _regions(("neck", "midline"), ("shoulder", "right")),
                "pattern": "recurring",
                "red_flags": NO_RED_FLAGS,
                "trauma": [
                    {"kind": "whiplash", "date": (today - dt.timedelta(days=120)).isoformat()}
                ],
            },
            extra={"questionnaires": {"orebro_short": {"score": 48}}},
        ),
        Profile(
            "knee osteoarthritis, gold implantation booked",
            12,
            "Knee pain",
            "knee",
            900,
            {
                "pain_regions": _regions(("knee", "left")),
                "pattern": "constant",
                "red_flags": NO_RED_FLAGS,
            },
            {"diagnoses": [{"code": "osteoarthritis"}]},
            {
                "procedure": {
                    "kind": "gold_implantation",
                    "region": "knee",
                    "appointment_date": (today + dt.timedelta(days=20)).isoformat(),
                },
                "imaging": [
                    {
                        "kind": "xray",
                        "region": "knee",
                        "date": (today - dt.timedelta(days=200)).isoformat(),
                    }
                ],
                "medications": [{"code": "apixaban", "anticoagulant": True}],
                "readiness": [
                    {"item": "appointment_booked", "state": "done"},
                    {"item": "companion_arranged", "state": "pending"},
                ],
            },
        ),
    )


@dataclass(frozen=True)
class Template:
    """A profile's stored classification: the engine's JSON at intake and later on."""

    profile: Profile
    intake: dict[str, Any]
    later: dict[str, Any]
    urgent: bool


def _run(profile: Profile, today: dt.date, age: int, *, later: bool) -> tuple[dict[str, Any], bool]:
    document: dict[str, Any] = {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"painpath-scale:{profile.name}")),
        "age": age,
        "sex": "female",
        "onset_date": (today - dt.timedelta(days=profile.onset_days)).isoformat(),
        **profile.intake,
        **profile.findings,
    }
    if later:
        document.update(profile.extra)
    result = classify(validate_episode(document), as_of=today)
    return result.as_dict(), result.urgent


def templates(today: dt.date) -> tuple[Template, ...]:
    out = []
    for profile in profiles(today):
        intake, urgent = _run(profile, today, 52, later=False)
        later, urgent_later = _run(profile, today, 52, later=True)
        out.append(Template(profile, intake, later, urgent or urgent_later))
    return tuple(out)


def dated(result: dict[str, Any], as_of: dt.date) -> dict[str, Any]:
    """The template's JSON as if the engine had run on ``as_of``."""
    iso = as_of.isoformat()
    axes = {name: {**axis, "as_of": iso} for name, axis in result["axes"].items()}
    return {**result, "as_of": iso, "axes": axes}


# --------------------------------------------------------------------------- answers


INSTRUMENTS_BY_REGION = {
    "low_back": ("nrs", "odi", "eq5d5l", "startback"),
    "neck": ("nrs", "ndi", "eq5d5l", "orebro10"),
    "knee": ("nrs", "oks", "eq5d5l"),
}
POOL = 64


@dataclass(frozen=True)
class Scored:
    answers: dict[str, Any]
    score: float
    subscales: dict[str, float]
    band: str


def answer_pool(rng: random.Random) -> dict[str, list[Scored]]:
    """For each instrument, answer sets drawn within each item's range and scored by the core."""
    pool: dict[str, list[Scored]] = {}
    codes = sorted({code for codes in INSTRUMENTS_BY_REGION.values() for code in codes})
    for code in codes:
        scorer = get_instrument(code)
        entries = []
        for _ in range(POOL):
            answers: dict[str, Any] = {
                item.code: rng.randint(int(item.low), int(item.high))
                if item.integer
                else round(rng.uniform(item.low, item.high), 1)
                for item in scorer.items
            }
            result = scorer.score(answers)
            subscales = {k: v for k, v in result.subscales.items() if v is not None}
            entries.append(Scored(answers, result.score, subscales, result.band or ""))
        pool[code] = entries
    return pool


# --------------------------------------------------------------------------- helpers


WRITTEN: tuple[type[models.Model], ...] = (
    Patient,
    Episode,
    ConsentDecision,
    Membership,
    Classification,
    QuestionnaireResponse,
    IntakeLink,
    TreatmentCourse,
    TreatmentSession,
    ProcedureBooking,
    ReadinessItem,
    ImagingStudy,
    FollowUpPlan,
    FollowUpPoint,
    FollowUpAnswer,
    ContactAttempt,
    AuditEntry,
)


@contextmanager
def historical_timestamps() -> Iterator[None]:
    """Let bulk inserts keep the dates they are given: ``auto_now_add`` would stamp every
    row with the moment of the insert, and a clinic's history is five years, not a minute."""
    fields = [
        f
        for model in WRITTEN
        for f in model._meta.concrete_fields
        if isinstance(f, models.DateTimeField) and f.auto_now_add
    ]
    for f in fields:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f in fields:
            f.auto_now_add = True


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    moment = dt.datetime.combine(day, dt.time(8)) + dt.timedelta(seconds=rng.randrange(9 * 3600))
    return timezone.make_aware(moment, dt.UTC)


def synthetic_cpr(born: dt.date, rng: random.Random, taken: set[str]) -> str | None:
    """A CPR number for ``born`` that passes the modulus-11 check and is not yet taken."""
    weights = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)
    # The 7th digit with the year gives the century (painpath.core.cpr._century).
    sevenths = (0, 1, 2, 3) if born.year < 2000 else (4, 9)
    prefix = born.strftime("%d%m%y")
    for _ in range(200):
        digits = f"{prefix}{rng.choice(sevenths)}{rng.randrange(1000):03d}"
        if digits in taken:
            continue
        if (born.month, born.day) == (1, 1) or not sum(
            int(d) * w for d, w in zip(digits, weights, strict=True)
        ) % 11:
            taken.add(digits)
            return f"{digits[:6]}-{digits[6:]}"
    return None


def ensure_staff(
    clinics: Sequence[Clinic], rng: random.Random, prefix: str = "scale"
) -> dict[int, list[Any]]:
    """Staff per clinic (synthetic, no usable password: the benchmarks sign them in) and a
    researcher working in every clinic. Returns clinic id → its staff."""
    user_model = get_user_model()
    staff: dict[int, list[Any]] = {}

    def person(username: str) -> Any:
        user, created = user_model.objects.get_or_create(
            username=username, defaults={"first_name": "Scale (synthetic)"}
        )
        if created:
            user.set_unusable_password()
            user.save()
            key = f"{rng.getrandbits(160):040x}"
            TOTPDevice.objects.create(user=user, name="synthetic", key=key, confirmed=True)
        return user

    for clinic in clinics:
        staff[clinic.pk] = []
        for role, count in STAFF:
            for n in range(1, count + 1):
                slug = role.split()[-1]
                user = person(f"{prefix}-{clinic.code}-{slug}-{n}")
                Membership.objects.get_or_create(user=user, clinic=clinic, defaults={"role": role})
                staff[clinic.pk].append(user)
    researcher = person(f"{prefix}-researcher")
    for clinic in clinics:
        Membership.objects.get_or_create(
            user=researcher, clinic=clinic, defaults={"role": "researcher"}
        )
    return staff


def clinician_of(clinic: Clinic) -> Any:
    return get_user_model().objects.get(username=f"scale-{clinic.code}-clinician-1")


def researcher() -> Any:
    return get_user_model().objects.get(username="scale-researcher")


# --------------------------------------------------------------------------- the build


@dataclass
class Summary:
    patients: int = 0
    episodes: int = 0
    open_episodes: int = 0
    responses: int = 0
    classifications: int = 0
    followup_plans: int = 0
    contacts: int = 0
    audit_rows: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class _Batch:
    """The rows of one batch of patients, inserted parent first."""

    patients: list[Patient] = field(default_factory=list)
    episodes: list[tuple[int, Episode, dict[str, Any]]] = field(default_factory=list)
    consents: list[ConsentDecision] = field(default_factory=list)


class Builder:
    def __init__(
        self,
        *,
        patients: int,
        years: int,
        seed: int,
        audit_rows: int,
        clinics: int,
        today: dt.date,
        batch: int,
        progress: Callable[[str], None],
        shape: Shape = MEASURING,
    ) -> None:
        self.n = patients
        self.shape = shape
        self.years = years
        self.seed = seed
        self.rng = random.Random(seed)
        self.audit_rows = audit_rows
        self.today = today
        self.batch = batch
        self.progress = progress
        self.clinics = list(ensure_clinics().values())[:clinics]
        self.staff = ensure_staff(self.clinics, self.rng, shape.staff)
        self.templates = templates(today)
        self.weights = [t.profile.weight for t in self.templates]
        # Per clinic, the profiles its episodes are drawn from (the red-flag one only where
        # the shape allows it).
        self.profiles_of: dict[int, tuple[list[Template], list[int]]] = {}
        for clinic in self.clinics:
            chosen = [
                t
                for t in self.templates
                if shape.red_flag_clinics is None
                or clinic.code in shape.red_flag_clinics
                or not t.urgent
            ]
            weights = [
                shape.red_flag_weight if t.urgent and shape.red_flag_weight else t.profile.weight
                for t in chosen
            ]
            self.profiles_of[clinic.pk] = (chosen, weights)
        self.pool = answer_pool(self.rng)
        self.wording = {
            code: fhir.wording_of(fhir.load(code, "da")).as_dict() for code in self.pool
        }
        self.protocol = builtin_protocols()["default"]
        self.taken: set[str] = set()
        self.summary = Summary()

    def run(self) -> Summary:
        start = timezone.now()
        with historical_timestamps():
            for first in range(0, self.n, self.batch):
                with transaction.atomic():
                    self._patients(first, min(self.n, first + self.batch))
                # With DEBUG on, Django keeps the last 9,000 queries' text: megabytes each
                # for a bulk insert of classifications (2.7 GB at 20,000 patients).
                reset_queries()
                self.progress(f"patients {min(self.n, first + self.batch):,}/{self.n:,}")
        self.summary.audit_rows = add_audit_views(
            self.audit_rows,
            years=self.years,
            seed=self.seed,
            today=self.today,
            progress=self.progress,
            shape=self.shape,
        )
        if connection.vendor == "postgresql":
            # As autovacuum would soon after a load this size: plans from real statistics.
            with connection.cursor() as cursor:
                for model in WRITTEN:
                    cursor.execute(
                        f"ANALYZE {connection.ops.quote_name(str(model._meta.db_table))}"
                    )
        self.summary.seconds = (timezone.now() - start).total_seconds()
        return self.summary

    # ------------------------------------------------------------------ patients

    def _patients(self, first: int, last: int) -> None:
        rng, today = self.rng, self.today
        window = self.years * 365
        batch = _Batch()
        for i in range(first, last):
            clinic = self.clinics[i % len(self.clinics)]
            age = rng.randint(18, 85)
            born = today - dt.timedelta(days=age * 365 + rng.randrange(365))
            n_episodes = 1 if rng.random() < 0.7 else 2
            has_open = rng.random() < self.shape.open_share
            starts = sorted(
                today - dt.timedelta(days=rng.randrange(60, window)) for _ in range(n_episodes)
            )
            if has_open:
                starts[-1] = today - dt.timedelta(days=rng.randrange(7, 540))
            patient = Patient(
                public_id=_uuid(rng),
                name=(
                    f"{FIRST[i % 26]} {LAST[(i // 26) % len(LAST)]} "
                    f"{self.shape.mark}{i + 1:0{self.shape.digits}d})"
                ),
                date_of_birth=born,
                sex="female" if rng.random() < 0.55 else "male",
                email=f"patient{i + 1:05d}@example.invalid",
                synthetic=True,
                clinic=clinic,
                created_at=_at(min(starts), rng),
            )
            patient.set_cpr(synthetic_cpr(born, rng, self.taken) if rng.random() < 0.95 else None)
            batch.patients.append(patient)
            responses = rng.randint(3, 10)
            for e, start in enumerate(starts):
                is_open = has_open and e == n_episodes - 1
                end = (
                    today
                    if is_open
                    else min(today, start + dt.timedelta(days=rng.randint(60, 400)))
                )
                share = responses // n_episodes + (responses % n_episodes if e == 0 else 0)
                template = rng.choices(*self.profiles_of[clinic.pk])[0]
                batch.episodes.append(
                    (
                        len(batch.patients) - 1,
                        self._episode(template, start, is_open),
                        {
                            "start": start,
                            "end": end,
                            "open": is_open,
                            "responses": share,
                            "template": template,
                        },
                    )
                )
            for purpose in consent.PURPOSES:
                batch.consents.append(
                    ConsentDecision(
                        patient=patient,
                        purpose=purpose,
                        decision="given" if rng.random() < 0.92 else "refused",
                        text_version=consent.current(purpose).version,
                        language="da",
                        source=ConsentDecision.Source.INTAKE,
                        recorded_at=patient.created_at,
                    )
                )
            given = any(
                c.patient is patient and c.purpose == "research" and c.decision == "given"
                for c in batch.consents[-len(consent.PURPOSES) :]
            )
            if self.shape.withdrawn and given and rng.random() < self.shape.withdrawn:
                # Withdrawn later, at the desk: the latest decision is the current one.
                assert patient.created_at is not None
                later = patient.created_at + dt.timedelta(days=rng.randint(1, 60))
                batch.consents.append(
                    ConsentDecision(
                        patient=patient,
                        purpose=ConsentDecision.Purpose.RESEARCH,
                        decision=ConsentDecision.Decision.WITHDRAWN,
                        text_version=consent.current("research").version,
                        language="da",
                        source=ConsentDecision.Source.STAFF,
                        recorded_at=min(later, timezone.now()),
                    )
                )
        Patient.objects.bulk_create(batch.patients, batch_size=1000)
        for index, episode, _info in batch.episodes:
            episode.patient = batch.patients[index]
        Episode.objects.bulk_create([e for _, e, _ in batch.episodes], batch_size=1000)
        ConsentDecision.objects.bulk_create(batch.consents, batch_size=1000)
        self.summary.open_episodes += sum(1 for _, _, info in batch.episodes if info["open"])
        self._episode_rows([(e, info) for _, e, info in batch.episodes])
        self.summary.patients += len(batch.patients)
        self.summary.episodes += len(batch.episodes)

    def _episode(self, template: Template, start: dt.date, is_open: bool) -> Episode:
        rng = self.rng
        profile = template.profile
        return Episode(
            public_id=_uuid(rng),
            complaint=profile.complaint,
            region=profile.region,
            onset_date=start - dt.timedelta(days=profile.onset_days),
            status=Episode.Status.OPEN if is_open else Episode.Status.CLOSED,
            intake=profile.intake,
            findings=profile.findings,
            created_at=_at(start, rng),
        )

    def _episode_rows(self, episodes: list[tuple[Episode, dict[str, Any]]]) -> None:
        rng = self.rng
        links, responses, classifications = [], [], []
        courses, procedures, imaging, readiness = [], [], [], []
        for episode, info in episodes:
            start, end = info["start"], info["end"]
            span = max(1, (end - start).days)
            template: Template = info["template"]
            codes = INSTRUMENTS_BY_REGION[episode.region]
            links.append(
                IntakeLink(
                    episode=episode,
                    token_hash=hashlib.sha256(rng.randbytes(32)).hexdigest(),
                    instruments=list(codes),
                    language="da",
                    expires_at=_at(start + dt.timedelta(days=14), rng),
                    completed_at=_at(start, rng),
                    created_at=_at(start - dt.timedelta(days=3), rng),
                )
            )
            for n in range(info["responses"]):
                code = codes[n % len(codes)]
                scored = rng.choice(self.pool[code])
                day = start + dt.timedelta(days=0 if n < len(codes) else rng.randrange(span))
                responses.append(
                    QuestionnaireResponse(
                        episode=episode,
                        submission_id=_uuid(rng),
                        instrument=code,
                        answers=scored.answers,
                        score=scored.score,
                        subscales=scored.subscales,
                        band=scored.band,
                        source=QuestionnaireResponse.Source.PATIENT,
                        language="da",
                        wording=self.wording[code],
                        answered_on=day,
                        submitted_at=_at(day, rng),
                    )
                )
            # Distinct days, so the newest run by time is also the last one (``is_latest``).
            later = rng.sample(range(1, span + 1), min(span, rng.randint(1, 7)))
            runs = [start, *sorted(start + dt.timedelta(days=d) for d in later)]
            for n, day in enumerate(runs):
                run = Classification(
                    episode=episode,
                    as_of=day,
                    result=dated(template.later if n else template.intake, day),
                    urgent=template.urgent,
                    trigger=TRIGGERS[0] if n == 0 else rng.choice(TRIGGERS[1:]),
                    created_at=_at(day, rng),
                )
                if FLAGS_LATEST and n == len(runs) - 1:
                    run.is_latest = True
                classifications.append(run)
            draw = rng.random()
            book = self.shape.book_knee and info["open"] and episode.region == "knee"
            if draw < 0.6 and not book:
                courses.append(
                    (
                        TreatmentCourse(
                            episode=episode,
                            modality=rng.choice(TreatmentCourse.Modality.values),
                            start=start + dt.timedelta(days=7),
                            planned_sessions=6,
                        ),
                        rng.randint(2, 8),
                    )
                )
            elif draw < 0.75 or book:
                appointment = (
                    self.today + dt.timedelta(days=rng.randint(2, 40))
                    if book
                    else start + dt.timedelta(days=rng.randint(20, 90))
                )
                procedures.append(
                    ProcedureBooking(
                        episode=episode,
                        kind=ProcedureBooking.Kind.GOLD,
                        region=episode.region,
                        appointment_date=appointment,
                    )
                )
                readiness += [
                    ReadinessItem(episode=episode, item=item, state=rng.choice(("done", "pending")))
                    for item in (ReadinessItem.Item.BOOKED, ReadinessItem.Item.COMPANION)
                ]
            if rng.random() < 0.3:
                imaging.append(
                    ImagingStudy(
                        episode=episode,
                        kind=rng.choice(("mri", "xray", "ct")),
                        region=episode.region,
                        date=start - dt.timedelta(days=rng.randint(0, 200)),
                        findings={"multifidus_fat_grade": rng.randint(0, 3)}
                        if episode.region == "low_back"
                        else {},
                    )
                )
        IntakeLink.objects.bulk_create(links, batch_size=1000)
        QuestionnaireResponse.objects.bulk_create(responses, batch_size=1000)
        Classification.objects.bulk_create(classifications, batch_size=500)
        TreatmentCourse.objects.bulk_create([c for c, _ in courses], batch_size=1000)
        TreatmentSession.objects.bulk_create(
            [
                TreatmentSession(
                    course=course,
                    date=course.start + dt.timedelta(days=7 * s),
                    pain_before=rng.randint(3, 9),
                    pain_after=rng.randint(1, 8),
                    created_at=_at(course.start + dt.timedelta(days=7 * s), rng),
                )
                for course, sessions in courses
                for s in range(sessions)
            ],
            batch_size=1000,
        )
        ProcedureBooking.objects.bulk_create(procedures, batch_size=1000)
        ReadinessItem.objects.bulk_create(readiness, batch_size=1000)
        ImagingStudy.objects.bulk_create(imaging, batch_size=1000)
        self._followups(episodes)
        self.summary.responses += len(responses)
        self.summary.classifications += len(classifications)

    def _followups(self, episodes: list[tuple[Episode, dict[str, Any]]]) -> None:
        rng, today, protocol = self.rng, self.today, self.protocol
        plans: list[FollowUpPlan] = []
        for episode, info in episodes:
            if rng.random() >= 0.7:
                continue
            plans.append(
                FollowUpPlan(
                    episode=episode,
                    protocol_id=protocol.id,
                    protocol_version=protocol.version,
                    index_event=protocol.index_event,
                    index_date=info["start"],
                    instruments=list(protocol.instruments_for(episode.region)),
                    status=FollowUpPlan.Status.ACTIVE
                    if info["open"]
                    else FollowUpPlan.Status.COMPLETED,
                    created_at=_at(info["start"], rng),
                )
            )
        FollowUpPlan.objects.bulk_create(plans, batch_size=1000)
        points: list[FollowUpPoint] = []
        for plan in plans:
            for point in protocol.timepoints:
                target = add_months(plan.index_date, point.months)
                window = dt.timedelta(days=point.window_days)
                if target + window < today:
                    status = "answered" if rng.random() < 0.7 else "missed"
                elif target - window <= today:
                    status = "sent"
                else:
                    status = "scheduled"
                answered = target + dt.timedelta(days=rng.randint(-5, 10))
                points.append(
                    FollowUpPoint(
                        plan=plan,
                        months=point.months,
                        target=target,
                        window_start=target - window,
                        window_end=target + window,
                        status=status,
                        answered_on=answered if status == "answered" else None,
                        in_window=True if status == "answered" else None,
                        days_from_target=(answered - target).days if status == "answered" else None,
                        source="patient" if status == "answered" else "",
                    )
                )
        FollowUpPoint.objects.bulk_create(points, batch_size=1000)
        answers, contacts = [], []
        for due in points:
            if due.status == "answered":
                assert due.answered_on is not None and due.days_from_target is not None
                answers.append(
                    FollowUpAnswer(
                        point=due,
                        answered_on=due.answered_on,
                        in_window=True,
                        days_from_target=due.days_from_target,
                        source="patient",
                        created_at=_at(due.answered_on, rng),
                    )
                )
            if due.status in ("missed", "sent"):
                sends = [
                    due.window_start,
                    *(
                        due.window_start + dt.timedelta(days=d)
                        for d in protocol.reminder_after_days
                    ),
                ]
                for n, day in enumerate(d for d in sends if d <= today):
                    contacts.append(
                        ContactAttempt(
                            point=due,
                            scheduled_for=day,
                            kind="link" if n == 0 else "reminder",
                            channel="email",
                            to="p•••@example.invalid",
                            ok=True,
                            sent_at=_at(day, rng),
                        )
                    )
        FollowUpAnswer.objects.bulk_create(answers, batch_size=1000)
        ContactAttempt.objects.bulk_create(contacts, batch_size=1000)
        self.summary.followup_plans += len(plans)
        self.summary.contacts += len(contacts)


# --------------------------------------------------------------------------- audit


def _audit_columns() -> list[models.Field[Any, Any]]:
    return [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]


def _insert_rows(rows: list[dict[str, Any]]) -> None:
    """Insert audit entries given as column values: COPY on PostgreSQL, one prepared INSERT
    for all rows elsewhere. A million entries through the ORM spend minutes preparing each
    field of each row; the values here are already what the columns hold. A column the rows
    do not name is NULL (a column added to the audit log later, such as the API client, is
    nullable; a required one then fails loudly at the insert)."""
    columns = _audit_columns()
    table = connection.ops.quote_name(str(AuditEntry._meta.db_table))
    names = ", ".join(connection.ops.quote_name(str(f.column)) for f in columns)
    if connection.vendor == "postgresql":
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row([row.get(f.attname) for f in columns])
        return
    adapt = connection.ops.adapt_datetimefield_value
    values = [
        [adapt(row["at"]) if f.attname == "at" else row.get(f.attname) for f in columns]
        for row in rows
    ]
    placeholders = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", values)


def add_audit_views(
    rows: int,
    *,
    years: int = 5,
    seed: int = 0,
    today: dt.date | None = None,
    chunk: int = 50_000,
    progress: Callable[[str], None] = lambda message: None,
    shape: Shape = MEASURING,
) -> int:
    """Add ``rows`` audit "view" entries by the generated clinics' staff, spread over
    ``years``: 85 % a patient's page, 10 % the worklist, 5 % the patients list; half of them
    in the last year on patients with an open episode (the worklist's patients)."""
    rng = random.Random(seed + 1)
    today = today or timezone.localdate()
    window = years * 365
    generated = Patient.objects.filter(synthetic=True, name__contains=shape.mark)
    with_open = set(generated.filter(episodes__status="open").values_list("pk", flat=True))
    seen = list(generated.order_by("pk").values_list("pk", "clinic_id", "public_id"))
    if not seen:
        return 0
    recent = [s for s in seen if s[0] in with_open] or seen
    staff: dict[int, list[tuple[int, str]]] = {}
    for clinic_id, user_id, username in (
        Membership.objects.filter(user__username__startswith=f"{shape.staff}-clinic-")
        .order_by("clinic_id", "user_id")
        .values_list("clinic_id", "user_id", "user__username")
    ):
        staff.setdefault(clinic_id, []).append((user_id, username))
    made = 0
    while made < rows:
        batch = []
        for _ in range(min(chunk, rows - made)):
            draw = rng.random()
            pk, clinic, public_id = rng.choice(recent if draw < 0.5 else seen)
            user_id, username = rng.choice(staff[clinic])
            back = rng.randrange(365) if draw < 0.5 else rng.randrange(window)
            if draw < 0.85:
                event, patient_id, path = VIEWED, pk, f"/patients/{public_id}/"
            elif draw < 0.95:
                event, patient_id, path = WORKLIST_VIEWED, None, "/clinic/"
            else:
                event, patient_id, path = LIST_VIEWED, None, "/patients/"
            batch.append(
                {
                    "at": _at(today - dt.timedelta(days=back), rng),
                    "user_id": user_id,
                    "username": username,
                    "code": event.code,
                    "action": event.action,
                    "patient_id": patient_id,
                    "object_type": "patients.patient" if patient_id else "",
                    "object_id": str(patient_id or ""),
                    "path": path,
                    "method": "GET",
                    "ip": "192.0.2.10",
                    "detail": "{}",
                }
            )
        with transaction.atomic():
            _insert_rows(batch)
        reset_queries()
        made += len(batch)
        progress(f"audit rows {made:,}/{rows:,}")
    return made


def already_built(shape: Shape = MEASURING) -> bool:
    return Patient.objects.filter(synthetic=True, name__contains=shape.mark).exists()


def build_clinic(
    *,
    patients: int,
    years: int = 5,
    seed: int = 0,
    audit_rows: int = 1_000_000,
    clinics: int = 2,
    today: dt.date | None = None,
    batch: int = 500,
    progress: Callable[[str], None] = lambda message: None,
    shape: Shape = MEASURING,
) -> Summary:
    """Build the synthetic clinic (see the module docstring); refuse to build it twice."""
    if patients < 1 or years < 1 or audit_rows < 0 or not 1 <= clinics <= 3:
        raise ValueError("patients ≥ 1, years ≥ 1, audit rows ≥ 0 and 1–3 clinics")
    if already_built(shape):
        raise ValueError("this database already holds a generated clinic")
    return Builder(
        patients=patients,
        years=years,
        seed=seed,
        audit_rows=audit_rows,
        clinics=clinics,
        today=today or timezone.localdate(),
        batch=batch,
        progress=progress,
        shape=shape,
    ).run()
