"""Fill the database with a larger SYNTHETIC registry for the outcome report (demo, the
report screenshot). Never on a database with real patients: every record is marked
synthetic, but it still mixes into the real registry's reports."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from painpath.analytics.demo import load_synthetic_registry


class Command(BaseCommand):
    help = "Create N synthetic registry patients with scores at 0–24 months (demo only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--patients", type=int, default=300)
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args: Any, **options: Any) -> None:
        made = load_synthetic_registry(options["patients"], seed=options["seed"])
        self.stdout.write(f"{made} synthetic registry patients created (marked synthetic)")
