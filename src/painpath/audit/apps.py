from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "painpath.audit"
    label = "audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        from painpath.audit import signals  # noqa: F401  (connects the receivers)
