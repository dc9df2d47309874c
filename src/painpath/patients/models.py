"""Patients and their episodes of care.

A patient's CPR number is optional, stored encrypted and looked up through a keyed hash;
lists and logs show at most its masked form (``DDMMYY-••••``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from painpath.core import opioids
from painpath.core.cpr import parse_cpr
from painpath.patients import crypto


class Sex(models.TextChoices):
    FEMALE = "female", _("female")
    MALE = "male", _("male")
    OTHER = "other", _("other")
    UNKNOWN = "unknown", _("unknown")


class Clinic(models.Model):
    """A clinic: the tenant every patient record belongs to, and a unit of the outcome
    reports. Its name, address and phone are shown to its patients on every page and
    message."""

    name = models.CharField(_("name"), max_length=200)
    code = models.SlugField(
        _("code"), max_length=40, unique=True, help_text=_("Short code used in reports.")
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    link_days = models.PositiveSmallIntegerField(
        _("questionnaire links valid for (days)"),
        null=True,
        blank=True,
        help_text=_("Empty: the installation's default."),
    )
    # Main region code -> instrument codes the intake link offers first (empty: painpath's
    # defaults, painpath.questionnaires.forms.DEFAULT_INSTRUMENTS).
    questionnaire_sets = models.JSONField(_("questionnaires per region"), default=dict, blank=True)

    def instruments_for(self, region: str, default: tuple[str, ...]) -> tuple[str, ...]:
        """The clinic's questionnaire set for an episode's main region, else ``default``."""
        chosen = (
            self.questionnaire_sets.get(region)
            if isinstance(self.questionnaire_sets, dict)
            else None
        )
        return tuple(chosen) if chosen else default

    class Meta:
        ordering = ("name", "id")
        verbose_name = _("clinic")
        verbose_name_plural = _("clinics")

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A staff member's role in one clinic (``painpath.accounts.roles``). A person may hold
    roles in several clinics and works in one at a time (``painpath.patients.access``)."""

    class Role(models.TextChoices):
        CLINICIAN = "clinician", _("clinician")
        SECRETARY = "secretary", _("secretary")
        RESEARCHER = "researcher", _("researcher")
        CLINIC_ADMIN = "clinic administrator", _("clinic administrator")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("clinic__name", "user__username", "id")
        constraints = (
            models.UniqueConstraint(fields=("user", "clinic"), name="one_role_per_clinic"),
        )
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.clinic}"


class Patient(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    date_of_birth = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    cpr_encrypted = models.TextField(blank=True, editable=False)
    cpr_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    cpr_masked = models.CharField(_("CPR"), max_length=11, blank=True, editable=False)
    synthetic = models.BooleanField(
        _("synthetic"), default=False, help_text=_("Demo or test data, not a real person.")
    )
    # The clinic whose record this is: one record per clinic, never shared (see
    # painpath.patients.access).
    clinic = models.ForeignKey(
        Clinic, verbose_name=_("clinic"), on_delete=models.PROTECT, related_name="patients"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name", "id")
        indexes = (
            # The clinic's patients list, in its order (painpath.patients.views.patient_list):
            # a page, the count and a name search read the clinic's entries only.
            models.Index(fields=("clinic", "name", "id"), name="patient_clinic_name_id"),
            # The birth-date search (the masked CPR's first six digits) within a clinic.
            models.Index(fields=("clinic", "cpr_masked"), name="patient_clinic_cpr_masked"),
        )
        constraints = (
            models.UniqueConstraint(
                fields=("clinic", "cpr_hash"),
                condition=~models.Q(cpr_hash=""),
                name="unique_cpr_per_clinic",
            ),
        )

    def __str__(self) -> str:
        return self.name

    def set_cpr(self, text: str | None) -> None:
        """Validate, encrypt and index a CPR number (``None`` or blank clears it)."""
        if not text or not text.strip():
            self.cpr_encrypted = self.cpr_hash = self.cpr_masked = ""
            return
        cpr = parse_cpr(text)
        self.cpr_encrypted = crypto.encrypt(cpr.digits)
        self.cpr_hash = crypto.lookup_hash(cpr.digits)
        self.cpr_masked = cpr.masked

    def cpr(self) -> str | None:
        """The full CPR number; call only where the user is allowed to see it, and audit it."""
        return crypto.decrypt(self.cpr_encrypted) if self.cpr_encrypted else None


class Episode(models.Model):
    """One complaint and everything the pathway records about it.

    ``intake`` holds what the patient reported and ``findings`` what the clinician found,
    both already in the shape of the rule engine's episode document (intake: pain_regions,
    pain_distribution, pattern, reported_duration, red_flags, trauma; findings: diagnoses,
    sensory_findings). The pathway builds the full document from them and the related
    records (``painpath.pathway.services.episode_document``).
    """

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="episodes")
    complaint = models.CharField(_("complaint"), max_length=200)
    region = models.CharField(_("main region"), max_length=40, blank=True)
    onset_date = models.DateField(_("onset"), null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    intake = models.JSONField(default=dict, blank=True)
    findings = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "id")

    def __str__(self) -> str:
        return f"{self.patient} — {self.complaint}"


class ImagingStudy(models.Model):
    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="imaging")
    kind = models.CharField(_("kind"), max_length=20)  # mri, ct, xray, ultrasound
    region = models.CharField(_("region"), max_length=40)
    date = models.DateField(_("date"))
    findings = models.JSONField(default=dict, blank=True)
    requested_on = models.DateField(null=True, blank=True)
    received_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ("-date", "id")


class CurrentManager(models.Manager):  # type: ignore[type-arg]
    """The entries still current: those whose ``ended`` field (when it ended) is empty. A
    class attribute, not an argument: Django builds related managers from the class."""

    ended = "removed_at"

    def get_queryset(self) -> models.QuerySet[Any]:
        return super().get_queryset().filter(**{f"{self.ended}__isnull": True})


class NotStoppedManager(CurrentManager):
    ended = "stopped_at"


class Medication(models.Model):
    """A current medicine. For a blood thinner before a procedure: the details the pause table
    asks for (indication, dose, renal function) and the doctor's documented decision —
    continue, or pause ``decision_days`` days; who, when, why — which is what settles the
    readiness item (``painpath.core.medicines``; field names as in the episode schema)."""

    class Indication(models.TextChoices):
        PRIMARY = "primary_prevention", _("primary prevention")
        SECONDARY = "secondary_prevention", _("secondary prevention")

    class DoseLevel(models.TextChoices):
        PROPHYLACTIC = "prophylactic", _("prophylactic dose")
        THERAPEUTIC = "therapeutic", _("therapeutic dose")

    class Decision(models.TextChoices):
        CONTINUE = "continue", _("continue")
        PAUSE = "pause", _("pause")

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="medications")
    code = models.CharField(_("drug"), max_length=60)
    anticoagulant = models.BooleanField(_("anticoagulant"), default=False)
    pause_agreed_days = models.PositiveIntegerField(_("agreed pause, days"), null=True, blank=True)
    indication = models.CharField(
        _("indication"), max_length=30, choices=Indication.choices, blank=True
    )
    dose_level = models.CharField(_("dose"), max_length=20, choices=DoseLevel.choices, blank=True)
    renal_impaired = models.BooleanField(_("impaired renal function"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, blank=True)
    decision_days = models.PositiveIntegerField(_("pause, days"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)
    # An opioid as the OME table names it (painpath.core.opioids) and its daily dose in
    # that row's unit (mg per day; µg per hour for a patch): what its OME is computed from.
    opioid = models.CharField(_("opioid"), max_length=30, blank=True)
    opioid_dose = models.DecimalField(
        _("daily dose"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    # A stopped opioid is kept, readable, with who stopped it and when (the Danish record
    # rules, journalføringsbekendtgørelsen, keep what was recorded); it leaves the current
    # medicines, which is all ``objects`` (and so ``episode.medications``) returns.
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    stopped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("stopped by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = NotStoppedManager()
    all_objects = models.Manager()

    class Meta:
        # The table it had when it lived in the pathway app (moved without copying rows).
        db_table = "pathway_medication"

    @property
    def display_name(self) -> str:
        """The medicine as the reader's language names it: an opioid by the OME table's own
        name (``code`` keeps the table's English name it was recorded under), any other
        medicine as written."""
        if self.opioid:
            try:
                found = opioids.load_table().get(self.opioid)
            except opioids.OpioidError:  # a row a later table dropped
                return self.code
            return found.label((translation.get_language() or "en").split("-")[0])
        return self.code


class ConsentDecision(models.Model):
    """One recorded consent decision of a patient for one purpose
    (:mod:`painpath.core.consent`): given or refused in the intake, changed by the patient on
    their link, or withdrawn by staff. Append-only: the latest per purpose is the patient's
    current choice (:mod:`painpath.patients.consent`); no record is no research consent."""

    class Purpose(models.TextChoices):
        CARE = "care", _("clinic care and quality work")
        RESEARCH = "research", _("research registry (pseudonymised)")

    class Decision(models.TextChoices):
        GIVEN = "given", _("given")
        REFUSED = "refused", _("refused")
        WITHDRAWN = "withdrawn", _("withdrawn")

    class Source(models.TextChoices):
        INTAKE = "intake", _("in the intake")
        PATIENT = "patient", _("by the patient, on their link")
        STAFF = "staff", _("recorded by staff")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices)
    text_version = models.PositiveIntegerField(_("text version"))
    language = models.CharField(max_length=5, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    submission_id = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    """Set when stored with an intake: a repeated submission cannot store it twice."""
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ("recorded_at", "id")
        indexes = (
            models.Index(fields=("patient", "purpose", "recorded_at"), name="consent_latest"),
        )

    def __str__(self) -> str:
        return f"{self.patient} — {self.purpose}: {self.decision} (v{self.text_version})"


class ClinicalNote(models.Model):
    """The clinician's note of one visit. Kept as written: a correction is a new note."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="notes")
    visit_date = models.DateField(_("visit date"))
    text = models.TextField(_("note"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("written at"), default=timezone.now)

    class Meta:
        ordering = ("-visit_date", "-created_at", "-id")


class Recorded(models.Model):
    """Who recorded an entry of the record, and when."""

    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        abstract = True


class Removable(models.Model):
    """An entry taken back as entered in error: kept, readable, with who removed it, when
    and why (the Danish record rules, journalføringsbekendtgørelsen, keep the original of a
    correction). ``objects`` (and so the related managers) returns current entries only;
    ``all_objects`` the removed ones too."""

    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("removed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    removal_reason = models.TextField(_("reason for removal"), blank=True)

    objects = CurrentManager()
    all_objects = models.Manager()

    class Meta:
        abstract = True


class Diagnosis(Removable, Recorded):
    """An ICD-10 diagnosis in its SKS form (DM54.5) from the clinic's value set
    (``painpath.core.diagnoses``); at most one primary diagnosis per episode."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="diagnoses")
    code = models.CharField(_("diagnosis code"), max_length=10)
    primary = models.BooleanField(_("primary diagnosis"), default=False)

    class Meta:
        ordering = ("-primary", "recorded_at", "id")
        constraints = (
            # A removed diagnosis stays in the table: the same code may be recorded again.
            models.UniqueConstraint(
                fields=("episode", "code"),
                condition=models.Q(removed_at__isnull=True),
                name="diagnosis_once",
            ),
            models.UniqueConstraint(
                fields=("episode",),
                condition=models.Q(primary=True, removed_at__isnull=True),
                name="one_primary",
            ),
        )


class WorkStatus(Recorded):
    """The patient's work situation as recorded on a day; the latest is the current one.
    Sick leave is counted from ``sick_listed_since`` (sygemeldt siden)."""

    class Status(models.TextChoices):
        FULL_TIME = "full_time", _("working full time")
        PART_TIME = "part_time", _("working part time")
        SICK_LISTED = "sick_listed", _("sick-listed")
        PARTLY_SICK_LISTED = "partly_sick_listed", _("partly sick-listed")
        FLEXJOB = "flexjob", _("flexible job (fleksjob)")
        UNEMPLOYED = "unemployed", _("unemployed")
        STUDENT = "student", _("student")
        DISABILITY_PENSION = "disability_pension", _("disability pension (førtidspension)")
        RETIRED = "retired", _("retired")
        OTHER = "other", _("other")

    SICK_LEAVE = frozenset({Status.SICK_LISTED, Status.PARTLY_SICK_LISTED})
    MAX_HOURS_PER_WEEK = 80  # beyond this a working week is a typo

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="work_statuses")
    status = models.CharField(_("work status"), max_length=30, choices=Status.choices)
    sick_listed_since = models.DateField(_("sick-listed since"), null=True, blank=True)
    hours_per_week = models.PositiveSmallIntegerField(_("hours per week"), null=True, blank=True)

    class Meta:
        ordering = ("-recorded_at", "-id")

    def sick_leave_weeks(self, today: dt.date) -> int | None:
        """Whole weeks of sick leave by ``today``; None when not sick-listed or no date."""
        if self.status not in self.SICK_LEAVE or self.sick_listed_since is None:
            return None
        return max(0, (today - self.sick_listed_since).days // 7)


class Allergy(Removable, Recorded):
    """An allergy or intolerance the patient has, as reported or documented."""

    class Severity(models.TextChoices):
        MILD = "mild", _("mild")
        MODERATE = "moderate", _("moderate")
        SEVERE = "severe", _("severe (anaphylaxis)")
        UNKNOWN = "unknown", _("unknown")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="allergies")
    substance = models.CharField(_("substance"), max_length=100)
    reaction = models.CharField(_("reaction"), max_length=200, blank=True)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.UNKNOWN
    )

    class Meta:
        ordering = ("substance", "id")
