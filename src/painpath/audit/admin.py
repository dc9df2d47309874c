from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from painpath.audit import services
from painpath.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only, so nobody adds, changes or deletes entries here."""

    list_display = ("at", "username", "code", "patient_ref", "object_type", "ip")
    list_filter = ("action", "at")
    search_fields = ("username", "object_type", "path")
    date_hierarchy = "at"
    list_select_related = ("patient",)
    fields = (
        "at", "username", "user", "code", "action", "patient_ref", "object_type", "object_id",
        "path", "method", "ip", "details",
    )  # fmt: skip
    readonly_fields = fields

    @admin.display(description=_("patient"))
    def patient_ref(self, entry: AuditEntry) -> str:
        # The public id, not the name: the admin is for reference data, not patient data.
        return str(entry.patient.public_id) if entry.patient else ""

    @admin.display(description=_("details"))
    def details(self, entry: AuditEntry) -> str:
        # About a patient, the details (red flags, drugs, decisions) are clinical: for the
        # patient's clinic, not for the installation's administrators.
        if entry.patient_id:
            return str(_("About a patient: the details are for the patient's clinic."))
        return "; ".join(f"{key}: {value}" for key, value in entry.detail_items())

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        services.record(
            request,
            services.ADMIN_LOG_VIEWED,
            object_type="audit.admin",
            q=request.GET.get("q", ""),
        )
        return super().changelist_view(request, extra_context)
