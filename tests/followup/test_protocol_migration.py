"""Migration followup/0004: versions written while protocols were installation-wide become
every clinic's own copy, with their author, time and note, so each clinic's current protocol
and every plan's version stay what they were."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from painpath.core.followup import builtin_protocol_texts, builtin_protocols

BEFORE = [("followup", "0003_protocolversion")]
AFTER = [("followup", "0004_protocols_per_clinic")]
SHIPPED = builtin_protocols()["default"]
WRITTEN = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


def state(executor: MigrationExecutor, followup: list[tuple[str, str]]) -> Any:
    """The models with every other app as it is now, and follow-up at ``followup``."""
    others = [node for node in executor.loader.graph.leaf_nodes() if node[0] != "followup"]
    return executor.loader.project_state(others + followup).apps


@pytest.fixture
def old_schema(transactional_db: None) -> Iterator[Any]:
    """The database as it was before 0004; the models of that state."""
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    yield state(executor, BEFORE)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def migrate_forward() -> Any:
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    return state(executor, AFTER)


def old_version(apps: Any) -> Any:
    version = apps.get_model("followup", "ProtocolVersion").objects.create(
        protocol_id="default",
        version="9.0.0",
        text=builtin_protocol_texts()["default"].replace(
            f"version: {SHIPPED.version}", "version: 9.0.0"
        ),
        note="No 24-month point",
    )
    apps.get_model("followup", "ProtocolVersion").objects.filter(pk=version.pk).update(
        created_at=WRITTEN
    )
    return version


def test_every_clinic_gets_its_own_copy_of_each_version(old_schema: Any) -> None:
    clinic = old_schema.get_model("patients", "Clinic")
    for code in ("a", "b"):
        clinic.objects.create(code=code, name=f"Clinic {code} (synthetic)")
    old_version(old_schema)

    apps = migrate_forward()

    rows = apps.get_model("followup", "ProtocolVersion").objects.order_by("clinic__code")
    assert [(r.clinic.code, r.version, r.note, r.created_at) for r in rows] == [
        ("a", "9.0.0", "No 24-month point", WRITTEN),
        ("b", "9.0.0", "No 24-month point", WRITTEN),
    ]


def test_without_a_clinic_the_versions_go_to_the_default_clinic(old_schema: Any) -> None:
    old_version(old_schema)

    apps = migrate_forward()

    (row,) = apps.get_model("followup", "ProtocolVersion").objects.all()
    assert (row.clinic.code, row.version) == ("default", "9.0.0")
