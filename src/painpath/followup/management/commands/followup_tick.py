"""Queue today's follow-up run and the refresh of stale classifications (for cron), or run
them here and now with --now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from painpath.followup import services
from painpath.followup.tasks import send_due_followups
from painpath.pathway import services as pathway
from painpath.pathway.tasks import refresh_classifications


class Command(BaseCommand):
    help = (
        "Queue the daily tasks (the worker runs them): send due follow-up links and reminders, "
        "and store today's classification of open episodes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now", action="store_true", help="run it in this process instead of queueing it"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["now"]:
            result = services.tick()
            self.stdout.write(
                f"sent {result.sent}, failed {result.failed}, missed {result.missed}, "
                f"answered {result.answered}"
            )
            self.stdout.write(f"classifications refreshed {pathway.refresh_stale()}")
            return
        for task in (send_due_followups, refresh_classifications):
            queued = task.enqueue()
            self.stdout.write(f"queued {task.name} as task {queued.id} ({queued.status})")
