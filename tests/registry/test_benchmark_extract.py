"""The registry benchmark's synthetic extract is one the registry accepts: built from the data
dictionary's codes, so that ``python -m benchmarks.registry --parts upload`` measures an
accepted upload, not a refusal (issue 16)."""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

from painpath.core.registry import extract as ex

# benchmarks/ is beside src/, not installed: importable from the checkout's root.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from benchmarks.registry import synthetic_extract


def test_the_benchmarks_extract_passes_the_registrys_checks() -> None:
    extract = synthetic_extract(60)
    ex.validate(extract)
    scores = extract.scores
    # Both kinds of patient are in it, so that both mappings were checked.
    assert scores["procedure"].drop_nulls().len() > 0
    assert scores["treatment"].drop_nulls().len() > 0
    at_step_2 = scores.filter(pl.col("procedure").is_not_null())
    assert at_step_2["treatment"].null_count() == at_step_2.height
    assert set(at_step_2["index_event"]) == {"procedure_date"}
