"""The classification workbench's one table: draft rule sets researchers upload.

A draft lives here only. It is never written to ``core/data/rulesets`` nor handed to the
clinical classification (``pathway.services`` runs :func:`painpath.core.rules.classify` with
the shipped rule sets alone), so a draft with the id of a shipped rule set changes no
clinic's screen; the workbench applies it to the registry's baseline data only."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from painpath.registry.models import Registry


class DraftRuleSet(models.Model):
    registry = models.ForeignKey(Registry, on_delete=models.CASCADE, related_name="drafts")
    name = models.CharField(_("rule set id"), max_length=100)
    version = models.CharField(_("version"), max_length=40)
    axis = models.CharField(_("axis"), max_length=100)
    title = models.CharField(_("title"), max_length=300, blank=True)
    text = models.TextField(_("YAML"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ("registry", "name", "-uploaded_at")
        constraints = (
            # Versioned: a name and version mean one content for good.
            models.UniqueConstraint(
                fields=("registry", "name", "version"), name="one_draft_per_name_version"
            ),
        )
        verbose_name = _("draft rule set")
        verbose_name_plural = _("draft rule sets")

    def __str__(self) -> str:
        return f"{self.name} {self.version} (draft)"
