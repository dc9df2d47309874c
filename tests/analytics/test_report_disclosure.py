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
from painpath.analytics import disclosure, views
from painpath.analytics.render import render_document
from painpath.analytics.report import Options, build
from painpath.core.analytics.disclosure import DisclosurePolicy, is_withheld
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


def test_answers_fewer_than_k_gave_at_a_time_point_are_withheld_on_the_page(
    registry: None, researcher: User, verified_client: Callable[[User], Any]
) -> None:
    query = {"clinic": ["test"], "stratum": "treatment", "plot_instrument": "nrs"}
    page = _get(verified_client(researcher), query)
    strata = _strata(page)

    # Acupuncture: 50 patients, 2 of whom answered at 12 months. Those 2 answers are withheld
    # (else "all of the test clinic" minus "exercise therapy" would be their sum), so no
    # stratum is small and exercise therapy's 50 are shown.
    assert strata["acupuncture"]["n-followed"].split(" (")[0] == "0"
    assert strata["exercise_therapy"]["n-followed"].split(" (")[0] == "50"
    assert "2 answers of the patients shown are left out" in page


def test_complementary_suppression_holds_where_a_small_cell_reaches_the_report(
    frame: pl.DataFrame,
) -> None:
    # Without the research cohort (painpath report --k on a file): acupuncture's 2 answers
    # at 12 months and the rare treatment's 1 are withheld, and together (3) they are the
    # overall row minus exercise therapy, which is withheld too.
    report = build(
        ibis.memtable(frame),
        ["clinic=test"],
        Options(stratum="treatment", plot_instrument="nrs"),
        policy=DisclosurePolicy(K),
    )
    lines = {line.value: line.row for line in report.strata}
    assert set(lines) == {"acupuncture", "exercise_therapy", RARE}
    for row in lines.values():
        assert row.n_followed == -1 and row.change_mean is None


def _uniform_patient(pid: int, treatment: str, *, at_12: float | None) -> list[dict]:
    return [
        r | {"score": s}
        for r, s in zip(_patient(pid, "test", treatment), (8.0, 6.0, at_12), strict=True)
        if s is not None
    ]


def _twelve_months(report: Any) -> tuple[int, float]:
    (row,) = [r for r in report.rows if r.timepoint == 12]
    return row.n_followed, (row.followup_mean or 0.0) * max(row.n_followed, 0)


def test_the_differencing_attack_by_who_answered_recovers_nothing() -> None:
    # Exercise therapy: 10 patients, all answered at 12 months. Acupuncture: 6 patients, of
    # whom one answered at 12 months, with 1. "The test clinic" and "the test clinic,
    # exercise therapy" differ by the acupuncture atom (6 ≥ k) — and at 12 months by that one
    # answer, which n × mean of one minus the other's gives exactly.
    rows: list[dict] = []
    for pid in range(10):
        rows += _uniform_patient(pid, "exercise_therapy", at_12=4.0)
    for pid in range(100, 106):
        rows += _uniform_patient(pid, "acupuncture", at_12=1.0 if pid == 100 else None)
    frame = pl.DataFrame(rows, schema_overrides={"procedure": pl.String})
    everyone, narrower = ["clinic=test"], ["clinic=test", "treatment=exercise_therapy"]
    options = Options(stratum="treatment", plot_instrument="nrs")
    policy = DisclosurePolicy(K)

    def attack(table: pl.DataFrame) -> tuple[int, float]:
        wide = _twelve_months(build(ibis.memtable(table), everyone, options, policy=policy))
        narrow = _twelve_months(build(ibis.memtable(table), narrower, options, policy=policy))
        return wide[0] - narrow[0], wide[1] - narrow[1]

    # Cell suppression alone lets it through: 11 and 10 answered, both at least k.
    n, total = attack(frame)
    assert n == 1 and total == pytest.approx(1.0)

    cohort, withheld = disclosure.research_cohort(
        frame, disclosure.DEFAULT_RESEARCH_COLUMNS, policy
    )
    assert attack(cohort) == (0, 0.0)
    assert withheld.answers == 1 and withheld.patients == 0
    # What is shown is still shown: exercise therapy's 10 at 12 months.
    report = build(ibis.memtable(cohort), narrower, options, policy=policy)
    assert _twelve_months(report) == (10, pytest.approx(40.0))


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


def _share_at_12(report: Any, definition: str) -> int:
    (row,) = [r for r in report.rows if r.timepoint == 12]
    (share,) = [s for s in row.responders if s.definition == definition]
    return share.responders


def test_the_differencing_attack_on_responders_recovers_nothing() -> None:
    # At 12 months 5 of 10 with exercise therapy are down to 2 or less ("resolution"), and 1
    # of 6 with acupuncture: "the test clinic" (6 of 16) minus "exercise therapy" (5 of 10)
    # would say that one acupuncture patient's pain resolved — a cell of 1.
    rows: list[dict] = []
    for pid in range(10):
        rows += _uniform_patient(pid, "exercise_therapy", at_12=2.0 if pid < 5 else 4.0)
    for pid in range(100, 106):
        rows += _uniform_patient(pid, "acupuncture", at_12=2.0 if pid == 100 else 4.0)
    frame = pl.DataFrame(rows, schema_overrides={"procedure": pl.String})
    everyone, narrower = ["clinic=test"], ["clinic=test", "treatment=exercise_therapy"]
    options = Options(stratum="treatment", plot_instrument="nrs")
    policy = DisclosurePolicy(K)

    def shares(table: pl.DataFrame) -> tuple[int, int]:
        wide = build(ibis.memtable(table), everyone, options, policy=policy)
        narrow = build(ibis.memtable(table), narrower, options, policy=policy)
        return _share_at_12(wide, "resolution"), _share_at_12(narrow, "resolution")

    assert shares(frame) == (6, 5)  # cell suppression alone: 6 − 5 = 1

    cohort, withheld = disclosure.research_cohort(
        frame, disclosure.DEFAULT_RESEARCH_COLUMNS, policy
    )
    wide, narrow = shares(cohort)
    assert is_withheld(wide) and narrow == 5
    assert withheld.answers == 0  # the answers and their means stay
    report = build(ibis.memtable(cohort), everyone, options, policy=policy)
    assert _twelve_months(report)[0] == 16
    assert _share_at_12(report, "mic") == 16  # a share nobody is alone in stays
