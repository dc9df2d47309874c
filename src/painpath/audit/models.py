"""The audit log: who read or changed which patient's data, when, and from where.

Entries are only ever added; the admin shows them read-only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        VIEW = "view"
        CREATE = "create"
        CHANGE = "change"
        DELETE = "delete"
        EXPORT = "export"
        ACKNOWLEDGE = "acknowledge"
        LOGIN = "login"
        LOGIN_FAILED = "login_failed"
        PATIENT_SUBMIT = "patient_submit"

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    username = models.CharField(max_length=150, blank=True)  # kept if the user is renamed
    action = models.CharField(max_length=20, choices=Action.choices)
    patient = models.ForeignKey(
        "patients.Patient", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    path = models.CharField(max_length=300, blank=True)
    method = models.CharField(max_length=10, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ("-at", "-id")
        verbose_name_plural = "audit entries"
        permissions = (("view_analytics", "Can see pseudonymised outcome analytics"),)
