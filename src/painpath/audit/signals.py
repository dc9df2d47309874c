"""Sign-ins and failed sign-ins go into the audit log, whichever view or backend caused them."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from painpath.audit import services


@receiver(user_logged_in, dispatch_uid="painpath.audit.login")
def audit_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    entry = services.record(request, services.SIGNED_IN)
    if entry.user_id is None:  # login() sets request.user, but not every caller passes one
        entry.user = user
        entry.username = user.get_username()
        entry.save(update_fields=["user", "username"])


@receiver(user_login_failed, dispatch_uid="painpath.audit.login_failed")
def audit_login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    # ``credentials`` has the password already masked by Django; keep only the username.
    username = str(credentials.get("username", ""))
    stage = kwargs.get("stage", "password")
    services.record_login_failed(request, username, stage=stage)
