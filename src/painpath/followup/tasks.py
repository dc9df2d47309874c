"""Background work, run by the task framework's worker (``manage db_worker``)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from painpath.followup import services


@task()
def send_due_followups() -> dict[str, Any]:
    """Send the follow-up links and reminders due today; give up on closed windows."""
    result = services.tick()
    return {
        "sent": result.sent,
        "failed": result.failed,
        "missed": result.missed,
        "answered": result.answered,
    }
