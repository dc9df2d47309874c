"""Export the pseudonymised registry (the outcome report's long table) to Parquet, for
``painpath report -i DIR`` or another machine (DuckDB, Spark)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from painpath.analytics import services
from painpath.audit.services import record


class Command(BaseCommand):
    help = "Write the pseudonymised registry export as DIR/scores.parquet."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", "-o", type=Path, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        # Written a batch of episodes at a time: memory holds one batch, not the registry.
        written = services.write_registry(options["output"])
        record(
            None,
            services.REGISTRY_EXPORTED,
            object_type="analytics",
            report="registry",
            rows=written.rows,
        )
        self.stdout.write(f"{written.rows} rows, {written.patients} patients → {written.path}")
