from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdministrationConfig(AppConfig):
    """The administrators' screens: the audit log and staff management (docs/administration.md).
    At the top of the house: it may read every app below it, and none of them imports it."""

    name = "painpath.administration"
    label = "administration"
    verbose_name = _("Administration")
