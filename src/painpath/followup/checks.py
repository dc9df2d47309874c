"""Deployment checks of the follow-up app (``manage check --deploy``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from painpath.followup.sms import CONSOLE


@checks.register(checks.Tags.security, deploy=True)
def console_sms_in_production(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """The console backend writes each text, with the patient's link (their only credential),
    to the worker's output, the journal in production, and nothing reaches the patient."""
    if settings.DEBUG or settings.PAINPATH_SMS_BACKEND != CONSOLE:
        return []
    return [
        checks.Warning(
            "PAINPATH_SMS_BACKEND is the console backend: follow-up texts, with the patient's "
            "link, go to the server's log and never reach the patient.",
            hint="Set your SMS provider's backend, or painpath.followup.sms.DisabledBackend "
            "(docs/deployment.md).",
            id="painpath.W001",
        )
    ]
