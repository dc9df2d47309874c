from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowUpConfig(AppConfig):
    name = "painpath.followup"
    label = "followup"
    verbose_name = _("Follow-up")

    def ready(self) -> None:
        from painpath.followup import checks, handlers  # noqa: F401  (receivers and checks)
