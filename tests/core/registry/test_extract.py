"""The pooled extract's pure parts: pseudonyms, date shifts, validation record by record,
the identifier scan and the files. All data synthetic."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from painpath.core.registry import extract as ex
from painpath.core.registry.schema import EXTRACT_FORMAT, TABLES

KEY = b"synthetic registry key, tests only"
keys = st.binary(min_size=16, max_size=64)
texts = st.text(min_size=1, max_size=40)


def _extract(persons: int = 3) -> ex.Extract:
    """Synthetic: ``persons`` persons, an NRS at baseline and 3 months, their answers, a
    diagnosis and a procedure each."""
    scores, answers, conditions, procedures = [], [], [], []
    for n in range(persons):
        patient = ex.pseudonym(KEY, "episode", f"e{n}")
        person = ex.pseudonym(KEY, "person", f"p{n}")
        for point, value, day in ((0, 7.0, dt.date(2024, 1, 2)), (3, 3.0, dt.date(2024, 4, 3))):
            scores.append(
                {
                    "patient_id": patient,
                    "person_id": person,
                    "site": "north",
                    "instrument": "nrs",
                    "timepoint": point,
                    "score": value,
                    "wording": "paraphrase",
                    "wording_id": "paraphrase nrs-da 1.0.0",
                    "answered_on": day,
                    "in_window": True,
                    "days_from_target": 1,
                    "sex": "female",
                    "age": 40 + n,
                    "treatment": "exercise_therapy",
                    "procedure": "gold_implantation",
                    "index_date": dt.date(2024, 1, 1),
                    "index_event": "procedure_date",
                    "protocol": "default",
                    "multifidus_fat_grade": None,
                    "synthetic": True,
                    "axis_stepped_care": "step_2",
                }
            )
            answers.append(
                {
                    "patient_id": patient,
                    "instrument": "nrs",
                    "timepoint": point,
                    "item": "nrs",
                    "value": str(int(value)),
                    "wording_id": "paraphrase nrs-da 1.0.0",
                }
            )
        conditions.append(
            {
                "patient_id": patient,
                "system": "ICD-10",
                "code": "DM545",
                "primary": True,
                "recorded_on": dt.date(2024, 1, 1),
            }
        )
        procedures.append(
            {
                "patient_id": patient,
                "kind": "gold_implantation",
                "performed_on": dt.date(2024, 1, 1),
            }
        )
    schema = TABLES["scores"] | {"axis_stepped_care": pl.String}
    tables = {
        "scores": pl.DataFrame(scores, schema=schema),
        "answers": pl.DataFrame(answers, schema=TABLES["answers"]),
        "conditions": pl.DataFrame(conditions, schema=TABLES["conditions"]),
        "procedures": pl.DataFrame(procedures, schema=TABLES["procedures"]),
    }
    manifest = {
        "format": EXTRACT_FORMAT,
        "site": "north",
        "registry": "lbp",
        "created_at": "2024-05-01T12:00:00+00:00",
        "painpath_version": "test",
        "dictionary_version": "",
        "date_shift": "none",
        "rows": {name: frame.height for name, frame in tables.items()},
    }
    return ex.Extract(**tables, manifest=manifest)


def _with(extract: ex.Extract, table: str, frame: pl.DataFrame) -> ex.Extract:
    tables = extract.tables() | {table: frame}
    manifest = dict(extract.manifest) | {"rows": {n: f.height for n, f in tables.items()}}
    return ex.Extract(**tables, manifest=manifest)


def _set(frame: pl.DataFrame, row: int, column: str, value: object) -> pl.DataFrame:
    values = frame[column].to_list()
    values[row] = value
    return frame.with_columns(pl.Series(column, values, dtype=frame.schema[column], strict=False))


def _errors(extract: ex.Extract) -> list[tuple[str, int | None, str | None]]:
    return [(e.table, e.row, e.field) for e in ex.check(extract)]


# --------------------------------------------------------------------------- pseudonyms


@given(keys, st.sampled_from(["person", "episode"]), texts)
def test_a_pseudonym_is_stable_hex_and_depends_on_key_and_purpose(
    key: bytes, kind: str, value: str
) -> None:
    made = ex.pseudonym(key, kind, value)
    assert made == ex.pseudonym(key, kind, value)
    assert ex.PSEUDONYM.match(made)
    assert made != ex.pseudonym(key, "other purpose", value)
    assert made != ex.pseudonym(key + b"!", kind, value)


@given(keys, texts, st.integers(min_value=1, max_value=400))
def test_a_date_offset_is_never_zero_and_within_the_range(
    key: bytes, person: str, days: int
) -> None:
    offset = ex.date_offset(key, person, days)
    assert offset != 0 and -days <= offset <= days
    assert offset == ex.date_offset(key, person, days)


def test_offsets_cover_both_directions() -> None:
    offsets = {ex.date_offset(KEY, f"p{n}", 3) for n in range(200)}
    assert offsets == {-3, -2, -1, 1, 2, 3}


def test_shifting_moves_every_date_of_a_person_by_the_same_days() -> None:
    extract = _extract()
    shifted = ex.shift_dates(extract.tables(), KEY, 60)
    for name, columns in ex.DATES.items():
        for column in columns:
            before = extract.tables()[name]
            after = shifted[name]
            days = (after[column] - before[column]).dt.total_days()
            wanted = [
                ex.date_offset(KEY, person, 60)
                for person in before.join(
                    extract.scores.select("patient_id", "person_id").unique(),
                    on="patient_id",
                    maintain_order="left",
                )["person_id"]
            ]
            assert days.to_list() == wanted, (name, column)


# --------------------------------------------------------------------------- validation


def test_a_clean_extract_is_valid() -> None:
    ex.validate(_extract())


@pytest.mark.parametrize(
    ("table", "row", "column", "value", "field"),
    [
        ("scores", 1, "score", 11.0, "score"),  # NRS is 0-10
        ("scores", 2, "instrument", "nope", "instrument"),
        ("scores", 0, "patient_id", "170570-1233", "patient_id"),
        ("scores", 3, "age", 150, "age"),
        ("scores", 4, "sex", "x", "sex"),
        ("scores", 5, "site", "south", "site"),
        ("scores", 2, "timepoint", None, "timepoint"),
        ("answers", 1, "item", None, "item"),
        ("conditions", 0, "code", None, "code"),
    ],
)
def test_an_error_names_table_row_and_field(
    table: str, row: int, column: str, value: object, field: str
) -> None:
    extract = _extract()
    broken = _with(extract, table, _set(extract.tables()[table], row, column, value))
    assert (table, row + 1, field) in _errors(broken)
    with pytest.raises(ex.InvalidExtract, match=f"{table} row {row + 1}, {field}"):
        ex.validate(broken)


def test_a_duplicate_key_names_the_later_row_and_the_first() -> None:
    extract = _extract()
    doubled = pl.concat([extract.scores, extract.scores.slice(1, 1)])
    errors = ex.check(_with(extract, "scores", doubled))
    duplicate = [e for e in errors if "repeats" in e.message]
    assert [(e.table, e.row) for e in duplicate] == [("scores", 7)]
    assert "row 2" in duplicate[0].message


def test_answers_conditions_and_procedures_must_belong_to_scores() -> None:
    extract = _extract()
    stranger = ex.pseudonym(KEY, "episode", "nobody")
    answers = _set(extract.answers, 0, "patient_id", stranger)
    procedures = _set(extract.procedures, 2, "patient_id", stranger)
    broken = _with(_with(extract, "answers", answers), "procedures", procedures)
    assert {("answers", 1, "patient_id"), ("procedures", 3, "patient_id")} <= set(_errors(broken))


def test_a_wrong_type_or_an_unknown_column_is_named() -> None:
    extract = _extract()
    scores = extract.scores.with_columns(
        pl.col("timepoint").cast(pl.String), pl.lit("x").alias("name")
    )
    errors = set(_errors(_with(extract, "scores", scores)))
    assert ("scores", None, "timepoint") in errors
    assert ("scores", None, "name") in errors


def test_the_manifest_is_checked() -> None:
    extract = _extract()
    manifest = dict(extract.manifest) | {"format": "other/1", "rows": {"scores": 1}}
    del manifest["site"]
    errors = set(_errors(ex.Extract(**extract.tables(), manifest=manifest)))
    assert {("manifest", None, "format"), ("manifest", None, "site")} <= errors
    assert ("manifest", None, "rows.scores") in errors


# --------------------------------------------------------------------------- identifiers


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("170570-1233", "cpr"),
        ("note 1705701233 here", "cpr"),
        ("someone@example.dk", "email"),
        ("+45 12 34 56 78", "phone"),
        ("tlf 12345678", "phone"),
        ("Delta Demosen", "name"),
        ("Anne-Marie Jensen", "name"),
        ("Nørregade 12", "address"),
        ("8000 Aarhus", "address"),
    ],
)
def test_the_scan_finds_planted_identifiers(value: str, kind: str) -> None:
    frame = _extract().scores.with_columns(pl.lit(value).alias("wording_id"))
    found = ex.identifier_scan(frame)
    assert {f.kind for f in found} == {kind}
    assert {f.column for f in found} == {"wording_id"}
    assert value not in str(found[0])  # the report does not repeat what it found


def test_the_scan_finds_identifier_column_names() -> None:
    frame = pl.DataFrame({"cpr": [None], "first_name": [None], "Email": [None], "score": [1]})
    assert [f.column for f in ex.identifier_scan(frame)] == ["cpr", "first_name", "Email"]


def test_the_scan_passes_a_clean_extract() -> None:
    for frame in _extract(20).tables().values():
        assert ex.identifier_scan(frame) == []


@given(st.lists(st.tuples(keys, texts), min_size=1, max_size=30))
def test_pseudonyms_never_look_like_identifiers(pairs: list[tuple[bytes, str]]) -> None:
    frame = pl.DataFrame({"patient_id": [ex.pseudonym(k, "person", v) for k, v in pairs]})
    assert ex.identifier_scan(frame) == []


# --------------------------------------------------------------------------- files


@pytest.mark.parametrize("fmt", ex.FORMATS)
def test_a_directory_round_trips(tmp_path: Path, fmt: str) -> None:
    extract = _extract()
    ex.write_dir(extract, tmp_path, fmt)
    back = ex.read_extract(tmp_path)
    for name, frame in extract.tables().items():
        assert back.tables()[name].equals(frame), name
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert set(manifest["sha256"]) == set(TABLES)
    ex.validate(back)


def test_a_zip_round_trips_and_is_the_same_bytes_twice() -> None:
    extract = _extract()
    one, two = io.BytesIO(), io.BytesIO()
    ex.write_zip(extract, one)
    ex.write_zip(extract, two)
    assert one.getvalue() == two.getvalue()
    assert ex.read_extract(one.getvalue()).scores.equals(extract.scores)


def test_a_changed_file_is_refused_by_its_checksum(tmp_path: Path) -> None:
    ex.write_dir(_extract(), tmp_path, "csv")
    path = tmp_path / "procedures.csv"
    path.write_text(path.read_text().replace("gold_implantation", "surgery", 1))
    with pytest.raises(ex.InvalidExtract, match=r"procedures\.csv: does not match its sha256"):
        ex.read_extract(tmp_path)


def test_a_csv_value_of_the_wrong_type_names_its_row(tmp_path: Path) -> None:
    extract = _extract()
    scores = extract.scores.with_columns(pl.col("answered_on").cast(pl.String))
    scores = _set(scores, 4, "answered_on", "4th of May")
    buffer = io.BytesIO()
    scores.write_csv(buffer)
    files = {
        "scores.csv": buffer.getvalue(),
    }
    archive = io.BytesIO()
    ex.write_zip(extract, archive, "csv")
    with zipfile.ZipFile(archive) as source:
        contents = {i.filename: source.read(i) for i in source.infolist()}
    manifest = json.loads(contents["manifest.json"])
    contents |= files
    import hashlib

    manifest["sha256"]["scores"] = hashlib.sha256(files["scores.csv"]).hexdigest()
    contents["manifest.json"] = json.dumps(manifest).encode()
    for name, content in contents.items():
        (tmp_path / name).write_bytes(content)
    with pytest.raises(ex.InvalidExtract, match="scores row 5, answered_on: '4th of May'"):
        ex.read_extract(tmp_path)


def test_not_a_zip_is_refused() -> None:
    with pytest.raises(ex.InvalidExtract, match="not a zip"):
        ex.read_extract(b"this is not an extract")


@given(
    st.integers(min_value=0, max_value=11),
    st.one_of(
        st.floats(min_value=10.01, max_value=1e9),
        st.floats(max_value=-0.01, min_value=-1e9),
        st.just(float("nan")),
    ),
)
def test_any_score_out_of_range_is_named_at_its_row(row: int, value: float) -> None:
    extract = _extract(6)
    broken = _with(extract, "scores", _set(extract.scores, row, "score", value))
    errors = ex.check(broken)
    assert [(e.table, e.row, e.field) for e in errors] == [("scores", row + 1, "score")]
    assert "nrs score" in errors[0].message and "outside 0 to 10" in errors[0].message
