"""The data dictionary (issue 16): every extract column, instrument, item and classification
axis in it, a CSV that parses, a version that is the same on every run and changes with a
definition, and a printable page that needs nothing from outside."""

from __future__ import annotations

import csv
import io
import re

import pytest

from painpath.core.instruments import REGISTRY
from painpath.core.registry import dictionary
from painpath.core.registry.dictionary import (
    COLUMN_MEANINGS,
    HEADER,
    LIST,
    build,
    dictionary_version,
    to_csv,
    to_html,
    version_of,
)
from painpath.core.registry.schema import AXIS_PREFIX, TABLES
from painpath.core.rules import builtin_rulesets


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(to_csv(build()))))


def test_the_csv_parses_with_one_row_per_variable(rows: list[dict[str, str]]) -> None:
    text = to_csv(build())
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    assert tuple(header) == HEADER
    assert all(len(line) == len(HEADER) for line in reader)
    keys = [(r["table"], r["column"], r["variable"]) for r in rows]
    assert len(keys) == len(set(keys))
    assert all(r["meaning"] for r in rows)


def test_every_extract_column_is_described(rows: list[dict[str, str]]) -> None:
    described = {(r["table"], r["column"]) for r in rows if not r["variable"]}
    for table, columns in TABLES.items():
        for column in columns:
            assert (table, column) in described
    assert set(COLUMN_MEANINGS) == {(t, c) for t, cols in TABLES.items() for c in cols}


def test_every_instrument_its_items_and_answer_codes_appear(rows: list[dict[str, str]]) -> None:
    scores = {r["variable"]: r for r in rows if r["column"] == "score" and r["variable"]}
    assert set(scores) == set(REGISTRY)
    for code, cls in REGISTRY.items():
        low, high = cls.score_range
        assert scores[code]["allowed"] == f"{low:g}–{high:g}"
        assert ("higher is better" if cls.higher_is_better else "higher is worse") in scores[code][
            "meaning"
        ]
        if cls.mic is not None:
            assert "minimal important change" in scores[code]["meaning"]
        for name in cls.subscale_names:
            assert name in scores[code]["meaning"]
    items = {r["variable"]: r for r in rows if r["table"] == "answers" and r["variable"]}
    odi1 = items["odi/odi1"]
    # ODI sections are answered 0–5 (Fairbank 2000): every code with its label.
    assert [part.split(" = ")[0] for part in odi1["allowed"].split(LIST)] == [
        "0",
        "1",
        "2",
        "3",
        "4",
        "5",
    ]
    expected = {f"{code}/{item.code}" for code, cls in REGISTRY.items() for item in cls.items}
    assert expected == set(items)


def test_every_axis_appears_with_its_rule_set_version_and_result_codes(
    rows: list[dict[str, str]],
) -> None:
    axes = {r["column"]: r for r in rows if r["column"].startswith(AXIS_PREFIX)}
    for rs in builtin_rulesets().values():
        row = axes[f"{AXIS_PREFIX}{rs.axis}"]
        assert f"rule set {rs.id} {rs.version}" in row["meaning"]
        codes = [part.split(" = ")[0] for part in row["allowed"].split(LIST)]
        assert codes == list(rs.results)


def test_the_version_is_stable_and_follows_the_definitions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = to_csv(build())
    assert to_csv(build()) == first
    assert dictionary_version() == version_of(first)
    assert re.fullmatch(r"[0-9a-f]{12}", dictionary_version())
    changed = dict(COLUMN_MEANINGS)
    meaning = changed[("scores", "age")]
    changed[("scores", "age")] = ("Age in months", *meaning[1:])
    monkeypatch.setattr(dictionary, "COLUMN_MEANINGS", changed)
    assert version_of(to_csv(build())) != version_of(first)


def test_the_page_is_self_contained_and_lists_every_variable() -> None:
    entries = build()
    page = to_html(entries, "abc123def456")
    assert "<script" not in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "@media print" in page
    assert page.count("<tr><td") == len(entries)
    assert "abc123def456" in page


def test_value_lists_written_out_agree_with_the_apps() -> None:
    # The core may not import the apps; this test holds the copies to them.
    from painpath.pathway.forms import ImagingForm
    from painpath.pathway.models import ProcedureBooking, TreatmentCourse
    from painpath.patients.models import Sex

    def listed(table: str, column: str) -> list[str]:
        return COLUMN_MEANINGS[(table, column)][1].split(", ")

    assert listed("scores", "sex") == list(Sex.values)
    assert listed("scores", "treatment") == list(TreatmentCourse.Modality.values)
    assert listed("scores", "procedure") == list(ProcedureBooking.Kind.values)
    assert listed("procedures", "kind") == list(ProcedureBooking.Kind.values)
    grades = ImagingForm.base_fields["multifidus_fat_grade"].choices  # type: ignore[attr-defined]
    assert listed("scores", "multifidus_fat_grade") == [code for code, _ in grades if code]
