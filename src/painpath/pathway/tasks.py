"""Background work, run by the task framework's worker (``manage db_worker``)."""

from __future__ import annotations

from django_tasks import task

from painpath.pathway import services


@task()
def refresh_classifications() -> dict[str, int]:
    """Store today's classification of each open episode last classified on an earlier day:
    durations grow with the calendar, and the patient page never writes to catch up."""
    return {"refreshed": services.refresh_stale()}
