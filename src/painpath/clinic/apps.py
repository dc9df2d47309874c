from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClinicConfig(AppConfig):
    """The clinician's workspace: the worklist and the patient page, which gather what the
    apps below them hold (patients, questionnaires, pathway, follow-up) and change nothing
    but through their services."""

    name = "painpath.clinic"
    label = "clinic"
    verbose_name = _("Clinician's workspace")

    def ready(self) -> None:
        # The record's summary sections, registered here rather than as a side effect of the
        # URL configuration importing clinic.record: a task or a command that builds a
        # summary without touching the URLs would otherwise leave the record out.
        from painpath.clinic.record import register_summary_sections

        register_summary_sections()
