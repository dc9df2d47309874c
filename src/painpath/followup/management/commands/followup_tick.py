"""Queue today's follow-up run (for cron), or run it here and now with --now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from painpath.followup import services
from painpath.followup.tasks import send_due_followups


class Command(BaseCommand):
    help = "Queue the task that sends due follow-up links and reminders (the worker runs it)."

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
            return
        queued = send_due_followups.enqueue()
        self.stdout.write(f"queued send_due_followups as task {queued.id} ({queued.status})")
