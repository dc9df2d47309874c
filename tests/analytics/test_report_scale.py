"""The registry export reads what the report needs where the data are: its queries do not
grow with history (stored classifications, answers), no classification's JSON leaves the
database whole, and the streaming Parquet export writes the same rows. All synthetic."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from painpath.analytics import disclosure, services
from painpath.analytics.demo import synthetic_axes
from painpath.core.consent import RESEARCH
from painpath.pathway.models import Classification
from painpath.patients.consent import record_decision
from painpath.patients.models import Clinic, Episode, ImagingStudy, Patient
from painpath.questionnaires.models import QuestionnaireResponse

pytestmark = pytest.mark.django_db

FIRST_VISIT = dt.date(2024, 1, 8)
RESULT = '"pathway_classification"."result"'
# The JSON column selected as it is; read through a JSON function (KT(): SQLite
# JSON_EXTRACT(…), PostgreSQL (… #>> …)) it follows a parenthesis instead.
WHOLE = re.compile(r"(SELECT|,)\s*" + re.escape(RESULT))


def registry(clinic: Clinic, patients: int) -> list[Episode]:
    """Synthetic: ``patients`` consenting patients, one episode each, with a baseline and a
    3-month NRS, a graded MRI and one classification."""
    episodes = []
    for n in range(patients):
        patient = Patient.objects.create(
            name=f"Scale {n} (synthetic)",
            date_of_birth=dt.date(1960 + n, 1, 1),
            sex="female" if n % 2 else "male",
            synthetic=True,
            clinic=clinic,
        )
        record_decision(patient, RESEARCH, "given", version=1, source="intake")
        episode = Episode.objects.create(patient=patient, complaint="Low back pain")
        Episode.objects.filter(pk=episode.pk).update(
            created_at=timezone.make_aware(dt.datetime.combine(FIRST_VISIT, dt.time(9)))
        )
        ImagingStudy.objects.create(
            episode=episode,
            kind="mri",
            region="low_back",
            date=FIRST_VISIT,
            findings={"multifidus_fat_grade": n % 3},
        )
        for days, score in ((0, 7.0), (91, 4.0 + n)):
            QuestionnaireResponse.objects.create(
                episode=episode,
                instrument="nrs",
                answers={"q": score},
                score=score,
                answered_on=FIRST_VISIT + dt.timedelta(days=days),
            )
        episodes.append(episode)
    classify(episodes, "low")
    return episodes


def classify(episodes: list[Episode], startback: str) -> None:
    for episode in episodes:
        Classification.objects.create(
            episode=episode,
            as_of=FIRST_VISIT,
            result=synthetic_axes(FIRST_VISIT, startback=startback, stepped_care="step_1"),
        )


def exported() -> tuple[pl.DataFrame, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        frame = services.export_registry()
    return frame, [q["sql"] for q in queries.captured_queries]


def test_history_ten_times_longer_costs_no_more_queries(clinic: Clinic) -> None:
    episodes = registry(clinic, 4)
    before, sql_before = exported()

    for _ in range(9):
        classify(episodes, "medium")
    classify(episodes, "high")  # the newest run is the one exported
    after, sql_after = exported()

    assert len(sql_after) == len(sql_before)
    assert set(before["axis_startback"]) == {"low"}
    assert set(after["axis_startback"]) == {"high"}
    assert after.drop("axis_startback").equals(before.drop("axis_startback"))
    assert Classification.objects.count() == 4 * 11


def test_no_classification_json_or_answers_leave_the_database_whole(clinic: Clinic) -> None:
    episodes = registry(clinic, 3)
    for _ in range(5):
        classify(episodes, "medium")
    frame, sql = exported()

    assert frame.height == 6 and set(frame["axis_startback"]) == {"medium"}
    for query in sql:
        assert '"answers"' not in query
        assert not WHOLE.search(query), query
    # The axes and their codes come from the small axis_codes column (issue 13), so the
    # runs' JSON is not read at all.
    assert not any(RESULT in query for query in sql)
    assert any('"pathway_classification"."axis_codes"' in query for query in sql)


def test_more_patients_cost_no_more_queries_within_a_batch(clinic: Clinic) -> None:
    registry(clinic, 2)
    _, few = exported()
    registry(clinic, 6)
    _, more = exported()
    assert len(more) == len(few)


def test_the_streamed_parquet_holds_the_rows_of_the_export(clinic: Clinic, tmp_path: Path) -> None:
    registry(clinic, 5)
    written = services.write_registry(tmp_path, batch=2)  # three batches, three row groups

    stored = pl.read_parquet(written.path)
    assert (written.rows, written.patients) == (10, 5)
    assert stored.sort(["patient_id", "timepoint"]).equals(services.export_registry())
    assert pq.ParquetFile(written.path).num_row_groups == 3


def test_age_bands_as_a_column_are_age_band_of_each_age() -> None:
    ages = [None, -1, 0, 29, 30, 39, 40, 59, 79, 80, 120]
    banded = disclosure.with_bands(pl.DataFrame({"age": ages}, schema={"age": pl.Int64}))
    assert banded["age_band"].to_list() == [disclosure.age_band(age) for age in ages]
    assert banded["age_band"].to_list()[3:6] == ["<30", "30-39", "30-39"]


def test_an_impossible_stored_date_of_birth_is_a_missing_age_not_a_negative_one(
    clinic: Clinic,
) -> None:
    first, _ = registry(clinic, 2)
    # Stored before dates of birth were checked at the form (the update bypasses the form).
    Patient.objects.filter(pk=first.patient_id).update(date_of_birth=dt.date(9999, 12, 31))
    ages = dict(services.export_registry().select("patient_id", "age").unique().iter_rows())
    assert sorted(ages.values(), key=lambda age: age is None) == [63, None]
