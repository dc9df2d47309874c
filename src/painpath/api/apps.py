from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The REST API for integrations (docs/api.md): per-client tokens, each scoped to one
    clinic (or to a registry site). On the top floor: it calls the services of every app
    below it, and none of them imports it."""

    name = "painpath.api"
    label = "api"
    verbose_name = _("API")
