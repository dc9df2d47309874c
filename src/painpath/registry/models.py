"""The registry's own tables: which registry this server keeps, which sites contribute and
how, what each upload was, and the pooled rows (a site's current contribution: replaced
whole by each accepted upload, ``painpath.registry.services.receive_extract``).

The pooled rows hold no identifier: pseudonyms made with the registry's key by the sending
clinic, and only the extract's columns (:mod:`painpath.core.registry.schema`). The key itself
is stored encrypted with the field key (:mod:`painpath.patients.crypto`)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from painpath.core.analytics.disclosure import DEFAULT_K
from painpath.patients import crypto
from painpath.patients.models import Clinic

KEY_BYTES = 32


class Registry(models.Model):
    """A research registry this server keeps: its minimum cell size, how dates are sent,
    and the key every site pseudonymises with (shared with the sites out of band)."""

    class DateShift(models.TextChoices):
        NONE = "none", _("dates kept")
        PER_PERSON = "per-person", _("shifted per person")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    k = models.PositiveSmallIntegerField(
        _("minimum cell size (k)"),
        default=DEFAULT_K,
        help_text=_("No figure about fewer persons is shown or combined."),
    )
    date_shift = models.CharField(
        _("dates"), max_length=20, choices=DateShift.choices, default=DateShift.NONE
    )
    shift_days = models.PositiveSmallIntegerField(_("largest date shift (days)"), default=180)
    key_encrypted = models.TextField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("code",)
        verbose_name = _("registry")
        verbose_name_plural = _("registries")

    def __str__(self) -> str:
        return self.name

    def set_key(self, key: bytes | None = None) -> bytes:
        """Store ``key`` (a new random one if None), encrypted; return it."""
        key = key if key is not None else secrets.token_bytes(KEY_BYTES)
        if len(key) < 16:
            raise ValueError("a registry key has at least 16 bytes")
        self.key_encrypted = crypto.encrypt(key.hex())
        return key

    def key(self) -> bytes:
        return bytes.fromhex(crypto.decrypt(self.key_encrypted))


class Site(models.Model):
    class Participation(models.TextChoices):
        POOLED = "pooled", _("pooled (pseudonymised rows)")
        AGGREGATE = "aggregate", _("aggregate only (statistics)")

    registry = models.ForeignKey(Registry, on_delete=models.CASCADE, related_name="sites")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    participation = models.CharField(
        _("participation"), max_length=20, choices=Participation.choices
    )
    # When the clinic is a tenant of this same server, its extract can be made here.
    clinic = models.ForeignKey(
        Clinic,
        verbose_name=_("clinic on this server"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registry_sites",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("registry", "code")
        constraints = (
            models.UniqueConstraint(fields=("registry", "code"), name="one_site_code_per_registry"),
        )
        verbose_name = _("site")
        verbose_name_plural = _("sites")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Upload(models.Model):
    """One extract or contribution received, accepted or not (the refused ones with their
    errors, so that a site can be told what to fix)."""

    class Status(models.TextChoices):
        ACCEPTED = "accepted", _("accepted")
        UNCHANGED = "unchanged", _("unchanged (same as the last)")
        REFUSED = "refused", _("refused")

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="uploads")
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    sha256 = models.CharField(max_length=64)
    manifest = models.JSONField(default=dict)
    counts = models.JSONField(default=dict)
    persons = models.PositiveIntegerField(default=0)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    errors = models.JSONField(default=list, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    client = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ("-received_at", "-id")
        indexes = (
            models.Index(fields=("site", "status", "-received_at"), name="upload_site_status"),
        )


class Pooled(models.Model):
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    patient_id = models.CharField(max_length=64)

    class Meta:
        abstract = True


class PooledScore(Pooled):
    person_id = models.CharField(max_length=64)
    instrument = models.CharField(max_length=20)
    timepoint = models.IntegerField()
    score = models.FloatField(null=True)
    wording = models.CharField(max_length=20, blank=True, null=True)
    wording_id = models.CharField(max_length=200, blank=True, null=True)
    answered_on = models.DateField(null=True)
    in_window = models.BooleanField(null=True)
    days_from_target = models.IntegerField(null=True)
    sex = models.CharField(max_length=10, null=True)
    age = models.IntegerField(null=True)
    treatment = models.CharField(max_length=40, null=True)
    procedure = models.CharField(max_length=40, null=True)
    index_date = models.DateField(null=True)
    index_event = models.CharField(max_length=30, null=True)
    protocol = models.CharField(max_length=60, null=True)
    multifidus_fat_grade = models.IntegerField(null=True)
    synthetic = models.BooleanField(null=True)
    axes = models.JSONField(default=dict)  # {"<axis>": code}: the axis_<axis> columns

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=("site", "patient_id", "instrument", "timepoint"), name="pooled_score_key"
            ),
        )
        indexes = (models.Index(fields=("person_id",), name="pooled_score_person"),)


class PooledAnswer(Pooled):
    instrument = models.CharField(max_length=20)
    timepoint = models.IntegerField()
    item = models.CharField(max_length=100)
    value = models.CharField(max_length=200)
    wording_id = models.CharField(max_length=200, null=True)

    class Meta:
        indexes = (models.Index(fields=("site", "patient_id"), name="pooled_answer_patient"),)


class PooledCondition(Pooled):
    system = models.CharField(max_length=20)
    code = models.CharField(max_length=20)
    primary = models.BooleanField(null=True)
    recorded_on = models.DateField(null=True)


class PooledProcedure(Pooled):
    kind = models.CharField(max_length=40)
    performed_on = models.DateField(null=True)


class AggregateContribution(models.Model):
    """An aggregate-only site's current contribution (replaced by each accepted one)."""

    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="contribution")
    received_at = models.DateTimeField(auto_now=True)
    sha256 = models.CharField(max_length=64)
    body = models.JSONField()


# The workbench's draft rule sets (issue 16), in their own module; imported here so that
# Django registers the model with this app.
from painpath.registry.workbench_models import DraftRuleSet  # noqa: E402, F401
