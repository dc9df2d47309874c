from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClinicConfig(AppConfig):
    """The clinician's workspace: the worklist and the patient page, which gather what the
    apps below them hold (patients, questionnaires, pathway, follow-up) and change nothing
    but through their services."""

    name = "painpath.clinic"
    label = "clinic"
    verbose_name = _("Clinician's workspace")
