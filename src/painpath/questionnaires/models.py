"""Questionnaire links, drafts and responses.

A patient answers without an account, through a link that is secret, single-purpose and
expiring. Only a hash of the link's token is stored, so a database copy cannot be used to
answer on a patient's behalf. A response is stored once: the submission id, generated when
the form is first shown, is unique, so a double tap or a repeated request finds the stored
response instead of writing a second one.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from painpath.core.questionnaires import UNKNOWN_WORDING, WordingRef
from painpath.patients.models import Episode


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class IntakeLink(models.Model):
    class Purpose(models.TextChoices):
        INTAKE = "intake", _("intake")
        FOLLOW_UP = "follow_up", _("follow-up")

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="links")
    purpose = models.CharField(max_length=20, choices=Purpose.choices, default=Purpose.INTAKE)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    instruments = models.JSONField(default=list, help_text=_("Instrument codes, in order."))
    language = models.CharField(max_length=5, default="da")
    expires_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    submission_id = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    """The id of the submission that completed the link: a repeated request carries it."""
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    @classmethod
    def issue(
        cls, episode: Episode, token: str | None = None, **fields: object
    ) -> tuple[IntakeLink, str]:
        """Create a link; return it with the one-time clear token (never stored)."""
        token = token or secrets.token_urlsafe(32)
        link = cls.objects.create(episode=episode, token_hash=token_hash(token), **fields)
        return link, token

    def usable(self) -> bool:
        return (
            self.completed_at is None
            and self.revoked_at is None
            and self.expires_at > timezone.now()
        )


class IntakeDraft(models.Model):
    """Answers saved so far, so a patient can stop and resume on the same link."""

    link = models.OneToOneField(IntakeLink, on_delete=models.CASCADE, related_name="draft")
    answers = models.JSONField(default=dict)
    """Per page key, the submitted form data as ``{field: [values]}``."""
    page = models.PositiveIntegerField(default=0)
    """How many pages in a row have been answered validly: the page to resume at."""
    language = models.CharField(max_length=5, blank=True)
    submission_id = models.UUIDField(default=uuid.uuid4, editable=False)
    """Sent with the review form, so a double tap or a repeated request is recognised."""
    updated_at = models.DateTimeField(auto_now=True)


def unknown_wording() -> dict[str, str]:
    return UNKNOWN_WORDING.as_dict()


class QuestionnaireResponse(models.Model):
    class Source(models.TextChoices):
        PATIENT = "patient", _("patient (link or tablet)")
        PHONE = "phone", _("by phone")
        PAPER = "paper", _("on paper")
        # Entered by the clinician at the visit: an instrument with examination items (the
        # full DN4), never sent to a patient.
        CLINICIAN = "clinician", _("by the clinician at the visit")

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="responses")
    link = models.ForeignKey(IntakeLink, null=True, blank=True, on_delete=models.SET_NULL)
    submission_id = models.UUIDField(default=uuid.uuid4, unique=True)
    instrument = models.CharField(max_length=20)
    answers = models.JSONField()
    score = models.FloatField(null=True, blank=True)
    subscales = models.JSONField(default=dict, blank=True)
    band = models.CharField(max_length=40, blank=True)
    error = models.TextField(blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.PATIENT)
    language = models.CharField(max_length=5, blank=True)
    wording = models.JSONField(default=unknown_wording)
    """Which wording the patient saw (:class:`painpath.core.questionnaires.WordingRef`): the
    instrument's licensed or generic wording, painpath's paraphrase, or unknown."""
    answered_on = models.DateField(default=timezone.localdate)
    submitted_at = models.DateTimeField(auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ("answered_on", "id")
        constraints = (
            models.UniqueConstraint(
                fields=("link", "instrument"),
                condition=models.Q(link__isnull=False),
                name="one_response_per_link_and_instrument",
            ),
        )

    @property
    def wording_ref(self) -> WordingRef:
        return WordingRef.from_dict(self.wording)
