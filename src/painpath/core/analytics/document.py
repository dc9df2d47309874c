"""The outcome report as one JSON document (the shape documented in docs/report.md), as
``painpath report -f json`` writes it and the API's ``GET /api/v1/reports/outcomes`` answers.

Pure: the finished rows in, a dictionary out. Withheld counts (-1 in the core, disclosure
control) become ``null`` with ``withheld: true``, never a number.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from painpath import __version__
from painpath.core.analytics.report import OutcomeRow, responder_definitions, wording_groups

__all__ = ["WORDING_NOTES", "report_document", "row_document", "withheld_count"]

WORDING_NOTES = {
    "recorded": (
        "Answers in painpath's paraphrase are not answers to the validated instrument. Rows "
        "are per instrument and wording group ('wording'): a patient's series is in the group "
        "of its wording, or 'mixed' when its answers differ; groups are never pooled."
    ),
    "not_recorded": (
        "The scores have no 'wording' column: answers to painpath's paraphrase and to the "
        "validated instruments may be pooled in these rows."
    ),
}


def withheld_count(n: int) -> int | None:
    """A count withheld by disclosure control (-1 in the core) is null, never a number."""
    return None if n < 0 else n


def row_document(r: OutcomeRow) -> dict[str, Any]:
    """A row as JSON: withheld counts null and ``withheld: true`` on the row or the share."""
    data = r.as_dict()
    data["withheld"] = r.n_baseline < 0
    data["n_baseline"] = withheld_count(r.n_baseline)
    data["n_followed"] = withheld_count(r.n_followed)
    for share in data["responders"]:
        share["withheld"] = share["responders"] < 0
        share["responders"] = withheld_count(share["responders"])
    return data


def report_document(
    rows: Sequence[OutcomeRow],
    filters: Sequence[str],
    n_patients: int,
    timepoints: Sequence[int],
    *,
    wording_recorded: bool = False,
    k: int | None = None,
) -> dict[str, Any]:
    """The JSON report (shape documented in docs/report.md)."""
    return {
        "painpath_version": __version__,
        "cohort": {"filters": list(filters), "patients": n_patients},
        "timepoints": list(timepoints),
        "definitions": [
            {"id": d.id, "label": d.label, "source": d.source, "note": d.note}
            for d in responder_definitions()
        ],
        "rows": [row_document(r) for r in rows],
        "wording": {
            "recorded": wording_recorded,
            "groups": wording_groups(rows),
            "note": WORDING_NOTES["recorded" if wording_recorded else "not_recorded"],
        },
        "disclosure": {"k": k},
    }
