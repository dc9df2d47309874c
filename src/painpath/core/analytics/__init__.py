"""Outcome analytics over a registry, written once in Ibis and run on any of its backends.

The report reads one long table of scores — ``patient_id``, ``instrument``, ``timepoint``
(months after the index event; 0 is baseline) and ``score`` — which the registry exports
(SQLite/PostgreSQL through Django, or Parquet) and which DuckDB, PostgreSQL or Spark can
hold. All per-row work (pairing follow-ups with baselines, change, responder flags) and every
aggregate run in the backend; only the finished table of a few dozen rows comes back, where
confidence intervals are computed (:mod:`painpath.core.analytics.stats`).
"""

from painpath.core.analytics.report import (
    MIXED,
    NOT_RECORDED,
    WORDING_ORDER,
    OutcomeRow,
    ResponderDefinition,
    ResponderShare,
    outcome_table,
    patient_changes,
    responder_definitions,
    stratified_outcome_table,
    with_wording_groups,
    wording_groups,
)

__all__ = [
    "MIXED",
    "NOT_RECORDED",
    "WORDING_ORDER",
    "OutcomeRow",
    "ResponderDefinition",
    "ResponderShare",
    "outcome_table",
    "patient_changes",
    "responder_definitions",
    "stratified_outcome_table",
    "with_wording_groups",
    "wording_groups",
]
