"""An integration's credential: a named client of one clinic (or of a registry site) with
scopes, whose token is stored only as a keyed hash."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from painpath.patients.models import Clinic


class Scope(models.TextChoices):
    INTAKE_WRITE = "intake:write", _("submit intakes")
    EPISODE_READ = "episode:read", _("read episodes and their classification")
    REPORT_READ = "report:read", _("read the outcome report")
    REGISTRY_UPLOAD = "registry:upload", _("upload registry extracts")


CLINIC_SCOPES = (Scope.INTAKE_WRITE, Scope.EPISODE_READ, Scope.REPORT_READ)
REGISTRY_SCOPES = (Scope.REGISTRY_UPLOAD,)


class ApiClient(models.Model):
    name = models.CharField(_("name"), max_length=100)
    # A clinic's client reads and writes that clinic's records only; a registry client
    # (no clinic) uploads extracts for its site and sees no patient record.
    clinic = models.ForeignKey(
        Clinic,
        verbose_name=_("clinic"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="api_clients",
    )
    site_code = models.CharField(_("registry site"), max_length=40, blank=True)
    scopes = models.JSONField(_("scopes"), default=list)
    # The token itself is shown once, at creation; only its keyed hash is kept, so a copy of
    # the database gives no one a working token.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_prefix = models.CharField(max_length=12, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")

    def __str__(self) -> str:
        return self.name

    @property
    def active(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])

    def scope_labels(self) -> list[str]:
        labels = dict(Scope.choices)
        return [str(labels.get(scope, scope)) for scope in self.scopes or []]
