"""The audit log: who read or changed which patient's data, when, and from where.

Entries are only ever added; the admin shows them read-only.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.fields.json import KeyTransform
from django.utils.translation import gettext_lazy as _

# Detail keys whose values are never shown, even to site administrators.
SENSITIVE_KEYS = ("cpr", "password", "token", "secret")


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        VIEW = "view", _("viewed")
        CREATE = "create", _("created")
        CHANGE = "change", _("changed")
        DELETE = "delete", _("deleted")
        EXPORT = "export", _("exported")
        ACKNOWLEDGE = "acknowledge", _("acknowledged")
        LOGIN = "login", _("signed in")
        LOGIN_FAILED = "login_failed", _("failed to sign in")
        PATIENT_SUBMIT = "patient_submit", _("submitted by the patient")

    at = models.DateTimeField(_("when"), auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    username = models.CharField(max_length=150, blank=True)  # kept if the user is renamed
    # An integration acting through the API (painpath.api), by name like the patient: the
    # log imports no app.
    api_client = models.ForeignKey(
        "api.ApiClient", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The namespaced event (``pathway.session.logged``); ``action`` is its kind.
    code = models.CharField(_("event"), max_length=80, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    patient = models.ForeignKey(
        "patients.Patient", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    path = models.CharField(max_length=300, blank=True)
    method = models.CharField(max_length=10, blank=True)
    ip = models.GenericIPAddressField(_("from address"), null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ("-at", "-id")
        indexes = (
            # "When was this patient's page last opened" for the worklist, per patient.
            models.Index(fields=("patient", "code", "at"), name="audit_patient_code_at"),
            # The log's pages, newest first, whole and by each filter it offers
            # (painpath.audit.services.search): an index scan reads one page of rows.
            models.Index(fields=("at", "id"), name="audit_at_id"),
            models.Index(fields=("user", "at", "id"), name="audit_user_at_id"),
            models.Index(fields=("username", "at", "id"), name="audit_username_at_id"),
            models.Index(fields=("action", "at", "id"), name="audit_action_at_id"),
            # A refused read names the record it asked for in its detail only.
            models.Index(
                KeyTransform("requested", "detail"),
                condition=models.Q(detail__has_key="requested"),
                name="audit_requested",
            ),
            models.Index(
                KeyTransform("patient_record", "detail"),
                condition=models.Q(detail__has_key="patient_record"),
                name="audit_patient_record",
            ),
        )
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        permissions = (("view_analytics", "Can see pseudonymised outcome analytics"),)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username or '-'} {self.action}"

    def detail_items(self) -> list[tuple[str, Any]]:
        """The detail as (key, value) pairs for display, sensitive values masked."""
        detail = self.detail if isinstance(self.detail, dict) else {"detail": self.detail}
        return [
            (key, "••••" if any(word in key.lower() for word in SENSITIVE_KEYS) else value)
            for key, value in sorted(detail.items())
        ]
