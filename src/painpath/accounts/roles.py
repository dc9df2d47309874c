"""The three staff roles, as Django groups with permissions.

- clinician: sees and changes the patients of the clinic, logs treatments, acknowledges
  red flags;
- researcher: reads pseudonymised analytics only, never a patient's page;
- site administrator: the Django admin for reference data and accounts, and the audit log.
"""

from __future__ import annotations

from typing import Final

CLINICIAN: Final = "clinician"
RESEARCHER: Final = "researcher"
SITE_ADMIN: Final = "site administrator"

# (app_label, codename) pairs; custom ones are declared in the apps' Meta.permissions.
PERMISSIONS: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    CLINICIAN: (
        ("patients", "view_patient"),
        ("patients", "add_patient"),
        ("patients", "change_patient"),
        ("patients", "view_episode"),
        ("patients", "add_episode"),
        ("patients", "change_episode"),
        ("pathway", "add_treatmentsession"),
        ("pathway", "add_treatmentcourse"),
        ("pathway", "change_readinessitem"),
        ("pathway", "add_redflagacknowledgement"),
        ("questionnaires", "add_intakelink"),
        ("questionnaires", "add_questionnaireresponse"),
        # The clinic's own outcome report (pseudonymised, aggregate).
        ("audit", "view_analytics"),
        ("followup", "view_followupplan"),
        ("followup", "add_followupplan"),
        ("followup", "change_followupplan"),
    ),
    RESEARCHER: (("audit", "view_analytics"),),
    # Accounts, authenticators (remove a lost one) and lockouts (unlock after checking the
    # audit log); reference data is added by the apps that own it. No patient data.
    SITE_ADMIN: (
        ("audit", "view_auditentry"),
        ("auth", "view_user"),
        ("auth", "add_user"),
        ("auth", "change_user"),
        ("auth", "view_group"),
        ("accounts", "view_profile"),
        ("accounts", "change_profile"),
        ("otp_totp", "view_totpdevice"),
        ("otp_totp", "delete_totpdevice"),
        ("otp_static", "view_staticdevice"),
        ("otp_static", "delete_staticdevice"),
        ("axes", "view_accessattempt"),
        ("axes", "delete_accessattempt"),
        ("axes", "view_accessfailurelog"),
        # Clinics: reference data for the outcome reports.
        ("patients", "view_clinic"),
        ("patients", "add_clinic"),
        ("patients", "change_clinic"),
    ),
}


def role_names() -> tuple[str, ...]:
    return tuple(PERMISSIONS)
