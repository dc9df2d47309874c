"""A pooled extract in memory and on disk: keyed pseudonyms, per-person date shifts, record-by-
record validation and a scan for anything that looks like a direct identifier.

- :func:`pseudonym` is HMAC-SHA256 with the registry's key over ``"painpath registry
  <kind>:<value>"`` — the purpose prefix keeps a person's pseudonym from ever equalling an
  episode's or a date offset's hash of the same text — as 24 hex digits (96 bits: no collision
  in any registry's lifetime, and without the key nobody can test a CPR number against it).
- :func:`date_offset` is a person's date shift: drawn from the same key and the person's
  pseudonym, so it is the same for all of the person's dates at every site and in every
  upload (intervals survive; the calendar does not), never 0, within ±``max_days``.
- :func:`validate` checks every record and collects every error (table, row, field); an
  extract with any error is refused whole. Row numbers count data rows from 1.
- :func:`identifier_scan` finds CPR-, name-, e-mail-, phone- and address-like content in
  column names and values. It is a net, not a proof: a name written in lower case, or a
  foreign address, passes it; the extract's columns are fixed (:mod:`.schema`) so that no
  free text ever travels.
- On disk an extract is a directory (or a ``.zip`` of it) of one file per table, Parquet or
  CSV, and ``manifest.json`` with each file's SHA-256; reading checks them.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import re
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

import polars as pl

from painpath.core.errors import PainpathError
from painpath.core.instruments import REGISTRY
from painpath.core.registry.schema import (
    AXIS_PREFIX,
    EXTRACT_FORMAT,
    MANIFEST_KEYS,
    TABLES,
)

__all__ = [
    "PSEUDONYM_LENGTH",
    "Extract",
    "ExtractError",
    "Finding",
    "InvalidExtract",
    "date_offset",
    "empty_tables",
    "identifier_scan",
    "pseudonym",
    "read_extract",
    "shift_dates",
    "validate",
    "write_dir",
    "write_zip",
]

PSEUDONYM_LENGTH: Final = 24
PSEUDONYM = re.compile(rf"^[0-9a-f]{{{PSEUDONYM_LENGTH}}}$")
FORMATS: Final = ("parquet", "csv")
SEXES: Final = frozenset({"female", "male", "other", "unknown"})
DATE_SHIFTS: Final = ("none", "per-person")
# A zip bigger than this unpacked is refused before it is read (a zip bomb, or not an extract):
# a 50,000-patient extract is 11 MB of Parquet, and everything unpacked is held in memory.
MAX_UNPACKED: Final = 1024**3
# Values (rows × columns) in one table file, each about 16 bytes once read: a 50,000-patient
# extract's scores hold 11 million; this is a site of some 450,000 patients.
MAX_CELLS: Final = 100_000_000
# Parquet and CSV deflate 1 to 10 times; a member that claims far more is a bomb (megabytes
# of zeros unpack from a few kilobytes).
MAX_RATIO: Final = 100
# A formula a spreadsheet would run when a CSV export is opened (OWASP "CSV injection"): no
# code, answer or wording in an extract starts so; a negative number does.
FORMULA: Final = r"^(?:[=@\t\r]|[+-][^0-9.])"
SHOWN_ERRORS: Final = 50

REQUIRED: Final[dict[str, tuple[str, ...]]] = {
    "scores": ("patient_id", "person_id", "site", "instrument", "timepoint", "score"),
    "answers": ("patient_id", "instrument", "timepoint", "item", "value"),
    "conditions": ("patient_id", "system", "code"),
    "procedures": ("patient_id", "kind"),
}
KEYS: Final[dict[str, tuple[str, ...]]] = {
    "scores": ("patient_id", "instrument", "timepoint"),
    "answers": ("patient_id", "instrument", "timepoint", "item"),
    "conditions": ("patient_id", "system", "code"),
    "procedures": ("patient_id", "kind", "performed_on"),
}
DATES: Final[dict[str, tuple[str, ...]]] = {
    "scores": ("answered_on", "index_date"),
    "answers": (),
    "conditions": ("recorded_on",),
    "procedures": ("performed_on",),
}


class InvalidExtract(PainpathError, ValueError):
    """The extract is refused; :attr:`errors` names every record and field at fault."""

    def __init__(self, errors: Iterable[ExtractError]) -> None:
        self.errors = tuple(errors)
        shown = "; ".join(str(e) for e in self.errors[:SHOWN_ERRORS])
        more = len(self.errors) - SHOWN_ERRORS
        super().__init__(shown + (f"; and {more} more" if more > 0 else ""))


@dataclass(frozen=True)
class ExtractError:
    table: str  # a table, "manifest" or a file name
    row: int | None  # data row from 1; None for the table or file as a whole
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.table
        if self.row is not None:
            where += f" row {self.row}"
        if self.field:
            where += f", {self.field}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Extract:
    """One site's complete current contribution (:mod:`painpath.core.registry.schema`)."""

    scores: pl.DataFrame
    answers: pl.DataFrame
    conditions: pl.DataFrame
    procedures: pl.DataFrame
    manifest: Mapping[str, Any] = field(default_factory=dict)

    def tables(self) -> dict[str, pl.DataFrame]:
        return {name: getattr(self, name) for name in TABLES}

    def rows(self) -> dict[str, int]:
        return {name: frame.height for name, frame in self.tables().items()}

    @property
    def persons(self) -> int:
        return self.scores["person_id"].n_unique() if self.scores.height else 0


def empty_tables() -> dict[str, pl.DataFrame]:
    return {name: pl.DataFrame(schema=schema) for name, schema in TABLES.items()}


# --------------------------------------------------------------------------- pseudonyms


def _mac(key: bytes, kind: str, value: str) -> bytes:
    if not key:
        raise ValueError("the registry key is empty")
    message = f"painpath registry {kind}:{value}".encode()
    return hmac.new(key, message, hashlib.sha256).digest()


def pseudonym(key: bytes, kind: str, value: str) -> str:
    """The keyed pseudonym of ``value`` for ``kind`` (``person``, ``episode``, …)."""
    return _mac(key, kind, value).hex()[:PSEUDONYM_LENGTH]


def date_offset(key: bytes, person_id: str, max_days: int) -> int:
    """The person's date shift in days: in ``[-max_days, -1] ∪ [1, max_days]``."""
    if max_days < 1:
        raise ValueError(f"max_days must be at least 1, not {max_days}")
    draw = int.from_bytes(_mac(key, "date-shift", person_id)[:8], "big") % (2 * max_days)
    return draw - max_days if draw < max_days else draw - max_days + 1


def shift_dates(
    tables: Mapping[str, pl.DataFrame], key: bytes, max_days: int
) -> dict[str, pl.DataFrame]:
    """Every date of every table moved by its person's :func:`date_offset`; the other tables
    find the person through ``scores`` (their ``patient_id``)."""
    scores = tables["scores"]
    persons = scores.select("patient_id", "person_id").unique()
    offsets = persons.with_columns(
        pl.col("person_id")
        .map_elements(lambda p: date_offset(key, p, max_days), return_dtype=pl.Int64)
        .alias("_shift")
    ).select("patient_id", "_shift")
    out: dict[str, pl.DataFrame] = {}
    for name, frame in tables.items():
        dates = [c for c in DATES[name] if c in frame.columns]
        if not dates or not frame.height:
            out[name] = frame
            continue
        joined = frame.join(offsets, on="patient_id", how="left")
        out[name] = joined.with_columns(
            [pl.col(c) + pl.duration(days=pl.col("_shift").fill_null(0)) for c in dates]
        ).drop("_shift")
    out["scores"] = _retarget(out["scores"])
    return out


def _retarget(scores: pl.DataFrame) -> pl.DataFrame:
    """``days_from_target`` again from the shifted dates. Computed from the true ones, the
    interval answered_on − index_date minus it is the length in days of the time point's
    calendar months from the true index date (89 to 92 days for 3 months, 365 or 366 for
    12): with several time points that names the true month and cuts a ±180-day shift to
    about ±15 days (tests/registry/test_attacks.py)."""
    needed = {"days_from_target", "answered_on", "index_date", "timepoint"}
    if not needed <= set(scores.columns) or not scores.height:
        return scores
    target = pl.col("index_date").dt.offset_by(pl.format("{}mo", pl.col("timepoint")))
    days = (pl.col("answered_on") - target).dt.total_days().cast(pl.Int64)
    return scores.with_columns(
        pl.when(pl.col("days_from_target").is_null())
        .then(None)
        .otherwise(days)
        .alias("days_from_target")
    )


# --------------------------------------------------------------------------- identifiers


@dataclass(frozen=True)
class Finding:
    column: str
    row: int | None  # data row from 1; None: the column's name
    kind: str  # cpr, email, phone, name, address
    excerpt: str  # masked, so that a report of the finding does not repeat it

    def __str__(self) -> str:
        where = f"column {self.column}" + (f" row {self.row}" if self.row else " (its name)")
        return f"{where}: {self.kind}-like content ({self.excerpt})"


_EDGE = r"(?:^|[^0-9A-Za-z])"
_END = r"(?:$|[^0-9A-Za-z])"
# Lower-case words in Danish, English and German for names and addresses, for capitalised
# words that stand alone (a name) or before a house number (an address).
_STREET = r"(?:vej|gade|allé|alle|vænget|stræde|plads|boulevard|street|road|straße|strasse|weg)"
VALUE_PATTERNS: Final[dict[str, str]] = {
    # DDMMYY-SSSS or DDMMYYSSSS with a possible day and month (modulus 11 is no longer
    # required of CPR numbers, so it is not checked).
    "cpr": _EDGE + r"(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])\d{2}-?\d{4}" + _END,
    "email": r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
    # Danish 8-digit numbers, spaced in pairs or not, and international +CC numbers.
    "phone": _EDGE + r"(?:\+\d{1,3}[ ]?)?\d{2}(?:[ ]?\d{2}){3}" + _END,
    "address": r"(?i:[a-zæøåäöüß]+" + _STREET + r")\.? ?\d+|" + _EDGE + r"\d{4} [A-ZÆØÅ][a-zæøå]+",
    # Two or more capitalised words: "Delta Demosen". Codes and wordings are lower case or
    # mixed with digits and punctuation ("licensed STarT-dk 2011").
    "name": r"^[A-ZÆØÅÄÖÜ][a-zæøåäöüéß]+(?:[ -][A-ZÆØÅÄÖÜ][a-zæøåäöüéß]+)+$",
}
NAME_WORDS: Final = re.compile(
    r"(^|_)(name|navn|vorname|nachname|surname|cpr|ssn|personnummer|email|e_mail|mail|phone"
    r"|telefon|tlf|mobile|mobil|address|adresse|street|vej|postcode|postnummer|zip|city|by"
    r"|birth|birthday|fødselsdato|date_of_birth|dob|geburtsdatum)($|_)",
    re.IGNORECASE,
)


def _mask(text: str) -> str:
    return (text[:2] + "…" + f"({len(text)} characters)") if len(text) > 2 else "…"


def identifier_scan(frame: pl.DataFrame, *, limit: int = 100) -> list[Finding]:
    """Column names and values that look like a CPR number, name, e-mail address, telephone
    number or address (at most ``limit`` findings)."""
    findings = [
        Finding(name, None, "identifier column", _mask(name))
        for name in frame.columns
        if NAME_WORDS.search(name)
    ]
    for name, dtype in frame.schema.items():
        if dtype in (pl.Date, pl.Datetime, pl.Boolean, pl.Float64, pl.Float32) or dtype.is_nested():
            continue
        values = frame.get_column(name).cast(pl.String)
        for kind, pattern in VALUE_PATTERNS.items():
            hits = values.str.contains(pattern).fill_null(False)
            for row in hits.arg_true().head(limit - len(findings)).to_list():
                findings.append(Finding(name, row + 1, kind, _mask(str(values[row]))))
            if len(findings) >= limit:
                return findings
    return findings


# --------------------------------------------------------------------------- validation


def validate(extract: Extract) -> None:
    """Raise :class:`InvalidExtract` naming every record and field at fault (see the module
    docstring); return when the extract may be stored."""
    errors = check(extract)
    if errors:
        raise InvalidExtract(errors)


def check(extract: Extract) -> list[ExtractError]:
    errors = _check_manifest(extract)
    tables = extract.tables()
    for name, frame in tables.items():
        errors += _check_columns(name, frame)
    if any(e.row is None and e.table in TABLES for e in errors):
        return errors  # the records cannot be read against a table of the wrong shape
    site = extract.manifest.get("site")
    for name, frame in tables.items():
        indexed = frame.with_row_index("_row", offset=1)
        for column in REQUIRED[name]:
            errors += _rows(name, indexed.filter(pl.col(column).is_null()), column, "is blank")
        for column in ("patient_id", "person_id"):
            if column in frame.columns:
                bad = indexed.filter(
                    pl.col(column).is_not_null() & ~pl.col(column).str.contains(PSEUDONYM.pattern)
                )
                errors += _rows(
                    name, bad, column, f"is not a pseudonym ({PSEUDONYM_LENGTH} hex digits)"
                )
        if "instrument" in frame.columns:
            unknown = indexed.filter(
                pl.col("instrument").is_not_null() & ~pl.col("instrument").is_in(list(REGISTRY))
            )
            errors += _rows(name, unknown, "instrument", "unknown instrument", value=True)
        if "timepoint" in frame.columns:
            errors += _rows(
                name, indexed.filter(pl.col("timepoint") < 0), "timepoint", "is negative"
            )
        errors += _duplicates(name, indexed)
        for column, dtype in frame.schema.items():
            if dtype == pl.String:
                formula = indexed.filter(pl.col(column).str.contains(FORMULA).fill_null(False))
                errors += _rows(name, formula, column, "starts like a spreadsheet formula")
        for finding in identifier_scan(frame):
            errors.append(ExtractError(name, finding.row, finding.column, str(finding)))
    errors += _check_scores(tables["scores"].with_row_index("_row", offset=1), site)
    errors += _check_answers(tables["answers"].with_row_index("_row", offset=1))
    errors += _check_vocabularies(tables)
    errors += _check_links(tables)
    return errors


# Closed lists, as the data dictionary gives them, and the shape of a diagnosis code (an SKS
# code: "D" and the ICD-10 code), so that no column of codes carries free text.
VOCABULARIES: Final = (
    ("scores", "wording"),
    ("scores", "treatment"),
    ("scores", "procedure"),
    ("scores", "index_event"),
    ("conditions", "system"),
    ("procedures", "kind"),
)
DIAGNOSIS_CODE: Final = r"^[A-Z][A-Z0-9.]{1,9}$"


def _check_vocabularies(tables: Mapping[str, pl.DataFrame]) -> list[ExtractError]:
    from painpath.core.followup import builtin_protocols
    from painpath.core.registry.dictionary import COLUMN_MEANINGS

    allowed = {
        where: COLUMN_MEANINGS[where][1].replace(" ", "").split(",") for where in VOCABULARIES
    }
    allowed["scores", "protocol"] = list(builtin_protocols())
    errors: list[ExtractError] = []
    for (name, column), codes in allowed.items():
        indexed = tables[name].with_row_index("_row", offset=1)
        unknown = indexed.filter(pl.col(column).is_not_null() & ~pl.col(column).is_in(codes))
        errors += _rows(name, unknown, column, "is not one of the dictionary's codes:", value=True)
    conditions = tables["conditions"].with_row_index("_row", offset=1)
    odd = conditions.filter(~pl.col("code").str.contains(DIAGNOSIS_CODE).fill_null(True))
    errors += _rows("conditions", odd, "code", "is not a diagnosis code:", value=True)
    return errors


def _check_answers(answers: pl.DataFrame) -> list[ExtractError]:
    """Each answer is an item of its instrument with a number in the item's range (every
    answer code is one): otherwise ``item`` and ``value`` would carry any text a site put
    there, which the identifier scan cannot tell from a code."""
    items = pl.DataFrame(
        [
            (code, item.code, float(item.low), float(item.high), item.integer)
            for code, cls in REGISTRY.items()
            for item in cls.items
        ],
        schema={
            "instrument": pl.String,
            "item": pl.String,
            "_low": pl.Float64,
            "_high": pl.Float64,
            "_integer": pl.Boolean,
        },
        orient="row",
    )
    known = answers.filter(pl.col("instrument").is_in(list(REGISTRY)))
    errors = _rows(
        "answers",
        known.join(items, on=["instrument", "item"], how="anti"),
        "item",
        "is not an item of the instrument:",
        value=True,
    )
    number = pl.col("value").str.strip_chars().cast(pl.Float64, strict=False)
    wrong = (
        known.join(items, on=["instrument", "item"])
        .with_columns(number.alias("_number"))
        .filter(
            pl.col("_number").is_null()
            | ~pl.col("_number").is_between("_low", "_high")
            | (pl.col("_integer") & (pl.col("_number") != pl.col("_number").floor()))
        )
        .sort("_row")
    )
    errors += _rows("answers", wrong, "value", "is not an answer in the item's range:", value=True)
    return errors


def _check_manifest(extract: Extract) -> list[ExtractError]:
    manifest = extract.manifest
    errors = [
        ExtractError("manifest", None, key, "is missing")
        for key in MANIFEST_KEYS
        if key not in manifest and key != "sha256"
    ]
    fmt = str(manifest.get("format", ""))
    if "format" in manifest and fmt.split(".")[0] != EXTRACT_FORMAT:
        errors.append(
            ExtractError("manifest", None, "format", f"{fmt!r} is not {EXTRACT_FORMAT!r}")
        )
    if manifest.get("date_shift", "none") not in DATE_SHIFTS:
        errors.append(
            ExtractError("manifest", None, "date_shift", f"must be one of {', '.join(DATE_SHIFTS)}")
        )
    rows = manifest.get("rows")
    if isinstance(rows, Mapping):
        for name, count in extract.rows().items():
            if rows.get(name) != count:
                errors.append(
                    ExtractError(
                        "manifest",
                        None,
                        f"rows.{name}",
                        f"says {rows.get(name)}, {name} has {count}",
                    )
                )
    elif "rows" in manifest:
        errors.append(ExtractError("manifest", None, "rows", "must be an object"))
    return errors


def _check_columns(name: str, frame: pl.DataFrame) -> list[ExtractError]:
    wanted = TABLES[name]
    errors = [
        ExtractError(name, None, column, "column is missing")
        for column in wanted
        if column not in frame.columns
    ]
    for column, dtype in frame.schema.items():
        expected = wanted.get(column)
        if expected is None and name == "scores" and column.startswith(AXIS_PREFIX):
            expected = pl.String
        if expected is None:
            errors.append(ExtractError(name, None, column, "is not a column of the extract"))
        elif dtype != expected and dtype != pl.Null:
            errors.append(ExtractError(name, None, column, f"holds {dtype}, not {expected}"))
    return errors


def _rows(
    table: str, bad: pl.DataFrame, column: str, message: str, *, value: bool = False
) -> list[ExtractError]:
    out = []
    for row in bad.head(SHOWN_ERRORS).iter_rows(named=True):
        text = f"{message} {row[column]!r}" if value else message
        out.append(ExtractError(table, int(row["_row"]), column, text))
    return out


def _duplicates(name: str, indexed: pl.DataFrame) -> list[ExtractError]:
    key = list(KEYS[name])
    repeated = indexed.filter(pl.len().over(key) > 1)
    if not repeated.height:
        return []
    firsts = repeated.group_by(key, maintain_order=True).agg(pl.col("_row").min().alias("_first"))
    later = repeated.join(firsts, on=key, nulls_equal=True).filter(
        pl.col("_row") != pl.col("_first")
    )
    return [
        ExtractError(
            name,
            int(row["_row"]),
            ", ".join(key),
            f"repeats row {row['_first']} ({', '.join(key)} must be unique)",
        )
        for row in later.head(SHOWN_ERRORS).iter_rows(named=True)
    ]


def _check_scores(scores: pl.DataFrame, site: Any) -> list[ExtractError]:
    errors: list[ExtractError] = []
    if site is not None:
        other = scores.filter(pl.col("site").is_not_null() & (pl.col("site") != str(site)))
        errors += _rows("scores", other, "site", f"is not the manifest's site {site!r}", value=True)
    ranges = pl.DataFrame(
        [(code, *cls.score_range) for code, cls in REGISTRY.items()],
        schema={"instrument": pl.String, "_low": pl.Float64, "_high": pl.Float64},
        orient="row",
    )
    # One join, not a Python test per row: an extract of a large clinic has a million rows.
    outside = (
        scores.filter(pl.col("score").is_not_null())
        .join(ranges, on="instrument")
        .filter(pl.col("score").is_nan() | ~pl.col("score").is_between("_low", "_high"))
        .sort("_row")
    )
    for row in outside.head(SHOWN_ERRORS).iter_rows(named=True):
        errors.append(
            ExtractError(
                "scores",
                int(row["_row"]),
                "score",
                f"{row['instrument']} score {row['score']:g} is outside "
                f"{row['_low']:g} to {row['_high']:g}",
            )
        )
    errors += _rows(
        "scores",
        scores.filter(pl.col("sex").is_not_null() & ~pl.col("sex").is_in(list(SEXES))),
        "sex",
        f"is not one of {', '.join(sorted(SEXES))}:",
        value=True,
    )
    errors += _rows(
        "scores",
        scores.filter(~pl.col("age").is_between(0, 130)),
        "age",
        "is not an age in whole years (0 to 130):",
        value=True,
    )
    persons = scores.group_by("patient_id").agg(pl.col("person_id").n_unique().alias("n"))
    split = scores.join(persons.filter(pl.col("n") > 1), on="patient_id")
    errors += _rows("scores", split, "person_id", "differs from another row of the same patient_id")
    return errors


def _check_links(tables: Mapping[str, pl.DataFrame]) -> list[ExtractError]:
    """Answers belong to a score row; conditions and procedures to a patient in scores (the
    person, and their date shift, are known only there)."""
    scores = tables["scores"]
    errors: list[ExtractError] = []
    answers = tables["answers"].with_row_index("_row", offset=1)
    orphans = answers.join(
        scores.select("patient_id", "instrument", "timepoint").unique(),
        on=["patient_id", "instrument", "timepoint"],
        how="anti",
    )
    errors += _rows(
        "answers", orphans, "patient_id", "has no score row for this instrument and time point"
    )
    patients = scores.select("patient_id").unique()
    for name in ("conditions", "procedures"):
        indexed = tables[name].with_row_index("_row", offset=1)
        missing = indexed.join(patients, on="patient_id", how="anti")
        errors += _rows(name, missing, "patient_id", "is not a patient in scores")
    return errors


# --------------------------------------------------------------------------- files


def _table_bytes(frame: pl.DataFrame, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "parquet":
        frame.write_parquet(buffer)
    else:
        frame.write_csv(buffer)
    return buffer.getvalue()


def _files(extract: Extract, fmt: str) -> dict[str, bytes]:
    if fmt not in FORMATS:
        raise ValueError(f"unknown extract format {fmt!r}; known: {', '.join(FORMATS)}")
    files = {f"{name}.{fmt}": _table_bytes(frame, fmt) for name, frame in extract.tables().items()}
    manifest = dict(extract.manifest) | {
        "rows": extract.rows(),
        "sha256": {name: hashlib.sha256(files[f"{name}.{fmt}"]).hexdigest() for name in TABLES},
    }
    files["manifest.json"] = json.dumps(manifest, indent=2, sort_keys=True).encode()
    return files


def write_dir(extract: Extract, folder: Path, fmt: str = "parquet") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in _files(extract, fmt).items():
        (folder / name).write_bytes(content)
    return folder


def write_zip(extract: Extract, path: Path | io.BytesIO, fmt: str = "parquet") -> None:
    # Fixed timestamps, so that the same extract gives the same bytes (and sha256) twice.
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in _files(extract, fmt).items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)


def read_extract(source: Path | bytes) -> Extract:
    """An extract from a directory, a ``.zip`` file or a zip's bytes, its files checked
    against the manifest's SHA-256 and typed by the schema. Raises :class:`InvalidExtract`
    naming the file, row and field it cannot read."""
    files = _read_files(source)
    if "manifest.json" not in files:
        raise InvalidExtract([ExtractError("manifest.json", None, None, "is missing")])
    try:
        manifest = json.loads(files["manifest.json"])
    except ValueError as error:
        raise InvalidExtract(
            [ExtractError("manifest.json", None, None, f"is not JSON: {error}")]
        ) from error
    if not isinstance(manifest, dict):
        raise InvalidExtract([ExtractError("manifest.json", None, None, "is not an object")])
    given = manifest.get("sha256")
    sums: dict[str, Any] = given if isinstance(given, dict) else {}
    errors: list[ExtractError] = []
    tables: dict[str, pl.DataFrame] = {}
    for name in TABLES:
        found = [f"{name}.{fmt}" for fmt in FORMATS if f"{name}.{fmt}" in files]
        if not found:
            errors.append(ExtractError(f"{name}.parquet", None, None, "is missing (or .csv)"))
            continue
        filename = found[0]
        content = files[filename]
        if hashlib.sha256(content).hexdigest() != sums.get(name):
            errors.append(
                ExtractError(filename, None, None, "does not match its sha256 in manifest.json")
            )
            continue
        try:
            frame = _parse(name, filename, content)
        except InvalidExtract as error:
            errors += error.errors
            continue
        tables[name] = frame
    if errors:
        raise InvalidExtract(errors)
    return Extract(**tables, manifest=manifest)


def _read_files(source: Path | bytes) -> dict[str, bytes]:
    names = {"manifest.json"} | {f"{t}.{fmt}" for t in TABLES for fmt in FORMATS}
    if isinstance(source, Path) and source.is_dir():
        return {p.name: p.read_bytes() for p in source.iterdir() if p.name in names}
    try:
        archive = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except (zipfile.BadZipFile, OSError) as error:
        raise InvalidExtract(
            [ExtractError(str(source)[:80], None, None, f"not a zip ({error})")]
        ) from error
    with archive:
        members = [i for i in archive.infolist() if i.filename in names]
        if sum(i.file_size for i in members) > MAX_UNPACKED:
            raise InvalidExtract([ExtractError("zip", None, None, "is too large unpacked")])
        bombs = [
            ExtractError(i.filename, None, None, f"unpacks over {MAX_RATIO} times its size")
            for i in members
            if i.file_size > 1024**2 and i.file_size > MAX_RATIO * max(i.compress_size, 1)
        ]
        if bombs:
            raise InvalidExtract(bombs)
        try:
            # zipfile reads no more than each member's stated size, so the checks above hold.
            return {i.filename: archive.read(i) for i in members}
        except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, EOFError) as e:
            # Damaged, encrypted or compressed with a method zipfile cannot read.
            raise InvalidExtract([ExtractError("zip", None, None, f"cannot be read ({e})")]) from e


def _cells(filename: str, content: bytes) -> int:
    """Rows × columns of a table file, from the Parquet footer or the CSV's lines, without
    reading its values (an upper bound for a CSV: a quoted value may hold a line break)."""
    if filename.endswith(".parquet"):
        rows = pl.scan_parquet(io.BytesIO(content)).select(pl.len()).collect().item()
        return int(rows) * len(pl.read_parquet_schema(io.BytesIO(content)))
    header = content[: content.find(b"\n")] if b"\n" in content else content
    rows = content.count(b"\n") - content.endswith(b"\n")  # the header's line break
    return rows * (header.count(b",") + 1)


def _parse(name: str, filename: str, content: bytes) -> pl.DataFrame:
    try:
        cells = _cells(filename, content)
        if cells > MAX_CELLS:
            # A Parquet file compresses a column of one value to almost nothing: 280 kB
            # held 50 million rows, 1.6 GB once read.
            raise InvalidExtract(
                [
                    ExtractError(
                        filename, None, None, f"holds {cells:,} values; at most {MAX_CELLS:,}"
                    )
                ]
            )
        if filename.endswith(".parquet"):
            frame = pl.read_parquet(io.BytesIO(content))
        else:
            frame = pl.read_csv(io.BytesIO(content), infer_schema=False)
    except InvalidExtract:
        raise
    except Exception as error:  # polars raises many kinds for a damaged file
        raise InvalidExtract(
            [ExtractError(filename, None, None, f"cannot be read: {error}")]
        ) from error
    return _typed(name, frame)


def _typed(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Columns cast to the schema's types; a value that does not fit is an error naming its
    row (a CSV's values are all text until here)."""
    wanted = TABLES[name]
    errors: list[ExtractError] = []
    columns = []
    for column in frame.columns:
        dtype = wanted.get(column, pl.String if column.startswith(AXIS_PREFIX) else None)
        values = frame.get_column(column)
        if values.dtype.is_nested() or values.dtype == pl.Binary:
            # A Parquet file may hold lists, structs and raw bytes; no extract column is one.
            errors.append(ExtractError(name, None, column, f"holds {values.dtype}, not {dtype}"))
            continue
        if dtype is None or values.dtype == dtype:
            columns.append(values)
            continue
        cast = _cast(values, dtype)
        bad = (values.is_not_null() & cast.is_null()).arg_true()
        for row in bad.head(SHOWN_ERRORS).to_list():
            errors.append(
                ExtractError(name, row + 1, column, f"{values[row]!r} is not {_kind(dtype)}")
            )
        columns.append(cast)
    if errors:
        raise InvalidExtract(errors)
    return pl.DataFrame(columns)


def _cast(values: pl.Series, dtype: Any) -> pl.Series:
    text = values.cast(pl.String).str.strip_chars()
    text = text.replace("", None)
    if dtype == pl.Date:
        return text.str.to_date("%Y-%m-%d", strict=False)
    if dtype == pl.Boolean:
        lowered = text.str.to_lowercase()
        return lowered.replace_strict(
            {"true": True, "false": False}, default=None, return_dtype=pl.Boolean
        )
    if dtype == pl.Int64:
        number = text.cast(pl.Float64, strict=False)
        whole = number.is_finite() & (number == number.floor())
        return pl.select(pl.when(whole).then(number).otherwise(None).cast(pl.Int64)).to_series()
    return text.cast(dtype, strict=False)


def _kind(dtype: Any) -> str:
    return {
        pl.Date: "a date (YYYY-MM-DD)",
        pl.Boolean: "true or false",
        pl.Int64: "a whole number",
        pl.Float64: "a number",
    }.get(dtype, str(dtype))


def with_manifest(extract: Extract, **values: Any) -> Extract:
    return replace(extract, manifest=dict(extract.manifest) | values)
