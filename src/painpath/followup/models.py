"""Follow-up plans: one episode's time points under a protocol, and every contact made.

The dates come from the protocol (``painpath.core.followup``) when the plan starts and are
stored, so a plan keeps its schedule even if the protocol file changes later; the plan
names the protocol version it was made from.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from painpath.patients.models import Clinic, Episode
from painpath.questionnaires.models import IntakeLink, QuestionnaireResponse


class FollowUpPlan(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        WITHDRAWN = "withdrawn", _("withdrawn")
        COMPLETED = "completed", _("completed")

    class IndexEvent(models.TextChoices):
        FIRST_VISIT = "first_visit", _("first visit")
        COURSE_START = "course_start", _("start of a treatment course")
        PROCEDURE_DATE = "procedure_date", _("procedure date")

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="followup_plans")
    protocol_id = models.CharField(_("protocol"), max_length=60)
    protocol_version = models.CharField(_("protocol version"), max_length=20)
    index_event = models.CharField(_("counted from"), max_length=20, choices=IndexEvent.choices)
    index_date = models.DateField(_("index date"))
    instruments = models.JSONField(_("instruments"), default=list)
    """Asked at every time point: chosen from the protocol by the episode's main region when
    the plan starts, and kept, so every answer of the plan is on the same instruments."""
    language = models.CharField(_("language of the messages"), max_length=5, default="da")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = (
            models.UniqueConstraint(
                fields=("episode",),
                condition=models.Q(status="active"),
                name="one_active_followup_plan_per_episode",
            ),
        )

    def __str__(self) -> str:
        return f"{self.protocol_id} {self.protocol_version} from {self.index_date}"


class FollowUpPoint(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("scheduled")
        SENT = "sent", _("sent")
        ANSWERED = "answered", _("answered")
        MISSED = "missed", _("missed")
        WITHDRAWN = "withdrawn", _("withdrawn")

    OPEN = (Status.SCHEDULED, Status.SENT)

    plan = models.ForeignKey(FollowUpPlan, on_delete=models.CASCADE, related_name="points")
    months = models.PositiveIntegerField(_("months"))
    target = models.DateField(_("target date"))
    window_start = models.DateField()
    window_end = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    link = models.ForeignKey(
        IntakeLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    link_nonce = models.CharField(max_length=32, blank=True, editable=False)
    """With the server's secret, gives the link's token again for each reminder: only the
    token's hash is stored, and the patient keeps one link (and their saved answers)."""
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    in_window = models.BooleanField(null=True, blank=True)
    days_from_target = models.IntegerField(null=True, blank=True)
    source = models.CharField(
        max_length=10, blank=True, choices=QuestionnaireResponse.Source.choices
    )

    class Meta:
        ordering = ("plan", "months")
        constraints = (
            models.UniqueConstraint(fields=("plan", "months"), name="one_followup_point_per_month"),
        )

    def __str__(self) -> str:
        return f"{self.months} months ({self.target})"


class FollowUpAnswer(models.Model):
    """One answer to a time point. A point answered twice keeps both, and is flagged."""

    point = models.ForeignKey(FollowUpPoint, on_delete=models.CASCADE, related_name="answers")
    answered_on = models.DateField()
    in_window = models.BooleanField()
    days_from_target = models.IntegerField()
    source = models.CharField(max_length=10, choices=QuestionnaireResponse.Source.choices)
    link = models.OneToOneField(
        IntakeLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    """The patient's link it came through (one answer per link, however often it is seen)."""
    responses = models.ManyToManyField(QuestionnaireResponse, blank=True, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("answered_on", "id")


class ContactAttempt(models.Model):
    """A link or reminder sent (or tried) for a time point, on one of its send dates."""

    class Kind(models.TextChoices):
        LINK = "link", _("link")
        REMINDER = "reminder", _("reminder")

    class Channel(models.TextChoices):
        EMAIL = "email", _("email")
        SMS = "sms", _("text message")
        NONE = "none", _("no address")

    point = models.ForeignKey(FollowUpPoint, on_delete=models.CASCADE, related_name="contacts")
    scheduled_for = models.DateField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    to = models.CharField(max_length=80, blank=True)
    """Masked: enough to tell which address was used, not to contact the patient."""
    sent_at = models.DateTimeField(auto_now_add=True)
    ok = models.BooleanField(null=True)
    """None while sending: claimed, not yet confirmed."""
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ("scheduled_for", "id")
        constraints = (
            # Claimed before sending: a second tick on the same day (or a concurrent one)
            # trips this instead of sending the same message again.
            models.UniqueConstraint(
                fields=("point", "scheduled_for"), name="one_contact_per_point_and_send_date"
            ),
        )


class ProtocolVersion(models.Model):
    """A follow-up protocol's version written in painpath for one clinic (edited on screen or
    imported by its clinic administrator): its YAML text as the core loader reads it, and why
    it was written. Append-only: a change is a new version, so the change log is these rows.

    The shipped files (``core/data/followup``) are every clinic's base: a clinic's stored
    version of the same id with a higher version is the one its new plans start on; a plan
    keeps the version it started with. Another clinic's versions never apply."""

    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="+", verbose_name=_("clinic")
    )
    protocol_id = models.CharField(_("protocol"), max_length=60)
    version = models.CharField(_("version"), max_length=20)
    text = models.TextField(_("YAML"))
    note = models.CharField(_("why"), max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("protocol_id", "-created_at", "-id")
        constraints = (
            models.UniqueConstraint(
                fields=("clinic", "protocol_id", "version"),
                name="one_protocol_version_per_clinic_and_id",
            ),
        )

    def __str__(self) -> str:
        return f"{self.protocol_id} {self.version}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("a protocol version is never changed: write a new version")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValueError("a protocol version is never deleted: it is the change log")
