"""Disclosure control of the outcome report through the web app (docs/disclosure.md): what a
researcher sees, the differencing attack, and the clinician's own clinic without it.

The registry export is replaced by a made-up frame (synthetic) whose atoms are known: two
clinics × two treatments of 50 patients each, and one patient of the test clinic with a
treatment nobody else has."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from typing import Any

import ibis
import polars as pl
import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from painpath.accounts.roles import CLINICIAN
from painpath.analytics import views
from painpath.analytics.render import render_document
from painpath.analytics.report import Options, build
from painpath.core.analytics.disclosure import DisclosurePolicy
from painpath.patients.models import Clinic

K = 5
RARE = "rare_treatment"


def _patient(pid: int, clinic: str, treatment: str, *, followed_12: bool = True) -> list[dict]:
    base = 7.0 + (pid % 3)
    common = {
        "patient_id": f"p{pid:04d}",
        "wording": "original",
        "in_window": True,
        "clinic": clinic,
        "sex": "female",
        "age": 45,
        "treatment": treatment,
        "procedure": None,
        "index_date": dt.date(2024, 3, 1),
        "axis_startback": "medium",
    }
    points = [(0, base), (3, base - 2), (12, base - 3 - (pid % 4))]
    return [
        common | {"instrument": "nrs", "timepoint": t, "score": s}
        for t, s in points
        if followed_12 or t != 12
    ]


@pytest.fixture
def frame() -> pl.DataFrame:
    rows: list[dict] = []
    pid = 0
    for clinic in ("test", "other"):
        for treatment in ("exercise_therapy", "acupuncture"):
            for i in range(50):
                pid += 1
                # Acupuncture at the test clinic: only 2 answered at 12 months.
                small = clinic == "test" and treatment == "acupuncture" and i >= 2
                rows += _patient(pid, clinic, treatment, followed_12=not small)
    # The one patient the differencing attack is after: 12-month score 0.
    rows += [r | {"score": 0.0} if r["timepoint"] == 12 else r for r in _patient(999, "test", RARE)]
    return pl.DataFrame(rows, schema_overrides={"procedure": pl.String})


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch, frame: pl.DataFrame, clinic: Clinic) -> None:
    Clinic.objects.get_or_create(code="other", defaults={"name": "Other (synthetic)"})
    monkeypatch.setattr(views.services, "export_registry", lambda **_: frame)


def _get(client: Any, query: dict[str, Any]) -> str:
    response = client.get(reverse("analytics:report"), query)
    assert response.status_code == 200
    return response.content.decode()


def _outcome_cells(page: str) -> list[dict[str, str]]:
    cells = []
    for table in re.findall(r'<table class="outcome-table".*?</table>', page, re.S):
        for row in re.findall(r"<tr data-timepoint=.*?</tr>", table, re.S):
            cells.append(
                {
                    name: html.unescape(value).strip()
                    for name, value in re.findall(r'<td class="([\w-]+)">(.*?)</td>', row, re.S)
                }
            )
    return cells


def _strata(page: str) -> dict[str, dict[str, str]]:
    table = re.search(r'<table class="strata-table">(.*?)</table>', page, re.S)
    assert table
    return {
        value: {
            name: html.unescape(cell).strip()
            for name, cell in re.findall(r'<td class="([\w-]+)">(.*?)</td>', row, re.S)
        }
        for value, row in re.findall(r'<tr data-stratum="([^"]+)">(.*?)</tr>', table.group(1), re.S)
    }


def test_a_researcher_sees_no_small_count_and_no_patient(
    registry: None, researcher: User, verified_client: Callable[[User], Any]
) -> None:
    page = _get(verified_client(researcher), {"stratum": "treatment"})

    assert 'id="disclosure-note"' in page
    assert "1 patient of the registry is left out" in page  # the rare treatment
    assert RARE not in page  # not even offered as a filter value
    for cells in _outcome_cells(page):
        for name in ("n-baseline", "n-followed"):
            shown = cells[name].split(" (")[0]
            assert shown == f"fewer than {K}" or int(shown) == 0 or int(shown) >= K, cells
    assert "figure-trajectories" not in page and "figure-waterfall" not in page
    assert "p0001" not in page  # no pseudonym anywhere
    # Age and index date only in bands.
    assert 'name="age_band"' in page and 'name="age_min"' not in page
    assert 'name="index_year"' in page and 'name="index_from"' not in page


def test_complementary_suppression_holds_on_the_page(
    registry: None, researcher: User, verified_client: Callable[[User], Any]
) -> None:
    query = {"clinic": ["test"], "stratum": "treatment", "plot_instrument": "nrs"}
    strata = _strata(_get(verified_client(researcher), query))

    # Acupuncture: 2 answered at 12 months (withheld); exercise therapy, 50, is withheld too,
    # else acupuncture's figures would be the overall row's minus exercise therapy's.
    assert set(strata) == {"acupuncture", "exercise_therapy"}
    for value in strata.values():
        assert value["n-baseline"] == f"fewer than {K}"
        assert value["change"].startswith("–")


def test_the_differencing_attack_recovers_nothing(
    registry: None,
    researcher: User,
    make_staff: Callable[..., User],
    verified_client: Callable[[User], Any],
) -> None:
    # Two cohorts differing by one patient: all of the test clinic, and the same without the
    # one patient's treatment.
    everyone = {"clinic": ["test"], "stratum": "treatment"}
    but_one = everyone | {"treatment": ["acupuncture", "exercise_therapy"]}

    researcher_client = verified_client(researcher)
    assert _outcome_cells(_get(researcher_client, everyone)) == _outcome_cells(
        _get(researcher_client, but_one)
    )

    # The same two cohorts, unprotected (the clinic's own clinician), do differ: by the
    # patient's 12-month score — what the researcher must not learn.
    clinician = verified_client(make_staff(CLINICIAN, "test-own-clinician"))
    mine = {"stratum": "treatment", "age_min": "0"}
    unprotected = _outcome_cells(_get(clinician, mine))
    narrowed = _outcome_cells(
        _get(clinician, mine | {"treatment": ["acupuncture", "exercise_therapy"]})
    )
    assert unprotected != narrowed


def test_a_clinician_sees_their_own_clinic_unsuppressed_and_no_other(
    registry: None, clinician: User, verified_client: Callable[[User], Any]
) -> None:
    page = _get(verified_client(clinician), {"stratum": "treatment", "plot_instrument": "nrs"})

    assert "101 patients (pseudonymised) in this cohort." in page  # the test clinic's
    assert 'value="other"' not in page
    assert 'id="disclosure-note"' not in page
    strata = _strata(page)
    assert strata["acupuncture"]["n-followed"].startswith("2 (")
    assert strata[RARE]["n-baseline"] == "1"
    assert "figure-trajectories" in page


def test_a_researcher_s_pdf_is_protected_too(
    registry: None, researcher: User, verified_client: Callable[[User], Any]
) -> None:
    pytest.importorskip("weasyprint")
    response = verified_client(researcher).get(
        reverse("analytics:report_pdf"), {"clinic": ["test"], "stratum": "treatment"}
    )
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_a_cohort_below_k_says_so_instead_of_showing_numbers(frame: pl.DataFrame) -> None:
    small = frame.filter(pl.col("patient_id").is_in(["p0001", "p0002", "p0003"]))
    report = build(ibis.memtable(small), [], Options(), policy=DisclosurePolicy(K))

    assert report.below_k and report.rows == [] and report.figures == {}
    document = render_document(report, "en")
    assert "fewer than 5 patients, so no figures are shown" in document
    assert "3 patients" not in document
    danish = render_document(report, "da")
    assert "færre end 5" in danish
