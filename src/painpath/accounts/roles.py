"""Staff roles and what each may do.

A staff member holds a role *per clinic* (``painpath.patients.models.Membership``) and works
in one clinic at a time; the permissions below apply there, to that clinic's records only.

- clinician: sees and changes the patients of the clinic, logs treatments, acknowledges
  red flags;
- secretary: registers patients and sends them questionnaire links; sees the patient list
  (names, masked CPR, contact details) but no clinical page — no episode, score,
  classification or treatment;
- researcher: reads pseudonymised analytics only, under disclosure control, never a
  patient's page;
- clinic administrator: the clinic's settings and its staff's roles, and the clinic's
  follow-up protocols (its own versions on the shipped ones: a new version applies to this
  clinic's new plans only); no patient data.

The site administrator is not a clinic role but a Django group for the whole installation:
clinics, staff accounts and their roles, authenticators, lockouts and the audit log — and no
patient data. Neither administrator changes their own roles; appointing a site administrator
or a superuser is an installation task (docs/administration.md).
"""

from __future__ import annotations

from typing import Final

CLINICIAN: Final = "clinician"
SECRETARY: Final = "secretary"
RESEARCHER: Final = "researcher"
CLINIC_ADMIN: Final = "clinic administrator"
SITE_ADMIN: Final = "site administrator"

CLINIC_ROLES: Final = (CLINICIAN, SECRETARY, RESEARCHER, CLINIC_ADMIN)

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
    SECRETARY: (
        ("patients", "view_patient"),
        ("patients", "add_patient"),
        ("patients", "change_patient"),
        ("questionnaires", "add_intakelink"),
    ),
    RESEARCHER: (("audit", "view_analytics"),),
    CLINIC_ADMIN: (
        ("patients", "view_clinic"),
        ("patients", "change_clinic"),
        ("patients", "view_membership"),
        ("patients", "add_membership"),
        ("patients", "change_membership"),
        ("patients", "delete_membership"),
        # The clinic's follow-up protocols (painpath.followup.models.ProtocolVersion, one
        # clinic's each: the permission opens the versions of the clinic one works in).
        ("followup", "view_protocolversion"),
        ("followup", "add_protocolversion"),
    ),
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
        # Staff roles in every clinic, in painpath's staff screens (never their own:
        # painpath.administration.services).
        ("patients", "view_membership"),
        ("patients", "add_membership"),
        ("patients", "change_membership"),
    ),
}


def role_names() -> tuple[str, ...]:
    return tuple(PERMISSIONS)


def permission_names(role: str | None) -> frozenset[str]:
    """The role's permissions as ``app_label.codename`` (none for an unknown role)."""
    return frozenset(f"{app}.{codename}" for app, codename in PERMISSIONS.get(role or "", ()))
