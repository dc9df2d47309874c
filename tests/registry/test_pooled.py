"""Pooled participation end to end on one server: two clinics (tenants) make extracts for a
registry kept on the same server, which receives them. All patients are synthetic."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import polars as pl
import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from painpath.accounts.roles import CLINICIAN, RESEARCHER
from painpath.audit.models import AuditEntry
from painpath.core.consent import RESEARCH
from painpath.core.registry import extract as ex
from painpath.patients.consent import withdraw
from painpath.registry import services
from painpath.registry.models import (
    PooledAnswer,
    PooledCondition,
    PooledScore,
    Registry,
    Site,
    Upload,
)

pytestmark = pytest.mark.django_db


def _send(site: Site) -> services.UploadResult:
    return services.receive_extract(site, services.extract_for_site(site))


def test_two_clinics_pool_and_one_person_links_across_them(world: dict[str, Any]) -> None:
    sites = world["sites"]
    a, b = _send(sites["a"]), _send(sites["b"])

    assert (a.status, b.status) == ("accepted", "accepted")
    assert a.persons == world["per_clinic"]  # the patient without research consent is not sent
    pooled = services.pooled_scores()
    assert set(pooled["site"]) == {"site-a", "site-b"}
    persons = pooled.group_by("person_id").agg(pl.col("site").n_unique().alias("sites"))
    assert persons.filter(pl.col("sites") == 2).height == 1  # the shared CPR, and only it
    assert persons.height == 2 * world["per_clinic"] - 1
    # Episodes differ by site even for the same person.
    assert pooled["patient_id"].n_unique() == 2 * world["per_clinic"]
    # Answers, diagnoses and the procedure travelled with their scores.
    answers = PooledAnswer.objects.filter(site=sites["a"])
    assert answers.filter(instrument="odi").count() == world["per_clinic"] * 2 * 10
    assert set(answers.filter(instrument="nrs", timepoint=3).values_list("value", flat=True)) == {
        "3"
    }
    assert (
        PooledCondition.objects.filter(site=sites["b"], code="DM545").count() == world["per_clinic"]
    )
    assert set(pooled["procedure"]) == {"gold_implantation"}
    assert AuditEntry.objects.filter(code=services.UPLOAD_ACCEPTED.code).count() == 2
    assert AuditEntry.objects.filter(code=services.EXTRACT_MADE.code).count() == 2


def test_the_same_extract_twice_changes_nothing(world: dict[str, Any]) -> None:
    site = world["sites"]["a"]
    first = _send(site)
    ids = sorted(PooledScore.objects.filter(site=site).values_list("id", flat=True))
    again = _send(site)  # made again, later: the same data

    assert (first.status, again.status) == ("accepted", "unchanged")
    assert sorted(PooledScore.objects.filter(site=site).values_list("id", flat=True)) == ids
    assert again.upload.sha256 == first.upload.sha256
    # The same data as CSV files, read back from a zip: the same content.
    buffer = io.BytesIO()
    ex.write_zip(services.extract_for_site(site), buffer, "csv")
    as_csv = services.receive_extract(site, ex.read_extract(buffer.getvalue()))
    assert as_csv.status == "unchanged"


def test_a_bad_row_is_named_and_nothing_is_stored(world: dict[str, Any]) -> None:
    site = world["sites"]["a"]
    _send(site)
    before = list(PooledScore.objects.filter(site=site).values_list("id", "score"))
    made = services.extract_for_site(site)
    bad = made.scores.with_columns(
        pl.when(pl.int_range(pl.len()) == 2).then(1000.0).otherwise(pl.col("score")).alias("score")
    )
    broken = ex.Extract(bad, made.answers, made.conditions, made.procedures, made.manifest)
    row = bad.row(2, named=True)

    with pytest.raises(ex.InvalidExtract) as refused:
        services.receive_extract(site, broken)

    errors = [e for e in refused.value.errors if e.field == "score"]
    assert [(e.table, e.row) for e in errors] == [("scores", 3)]
    assert row["instrument"] in str(errors[0])
    assert list(PooledScore.objects.filter(site=site).values_list("id", "score")) == before
    assert Upload.objects.filter(site=site, status="refused").count() == 1


def test_a_withdrawn_consent_removes_the_person_on_the_next_upload(world: dict[str, Any]) -> None:
    site = world["sites"]["b"]
    _send(site)
    leaving = world["episodes"]["b"][3].patient
    withdraw(leaving, RESEARCH, source="staff")

    result = _send(site)

    assert result.status == "accepted" and result.removed_persons == 1
    assert result.persons == world["per_clinic"] - 1
    assert PooledScore.objects.filter(site=site).values("person_id").distinct().count() == (
        world["per_clinic"] - 1
    )
    assert PooledScore.objects.filter(site=site).count() == (world["per_clinic"] - 1) * 4


def test_a_real_extract_holds_no_identifier_and_the_scan_finds_planted_ones(
    world: dict[str, Any],
) -> None:
    made = services.extract_for_site(world["sites"]["a"])
    for name, frame in made.tables().items():
        assert frame.height, name
        assert ex.identifier_scan(frame) == [], name
    text = str([frame.to_dicts() for frame in made.tables().values()])
    for secret in ("Testperson", "example.com", "12 34 56 78", "010175", "1960-02-01"):
        assert secret not in text
    planted = made.scores.head(4).with_columns(
        pl.Series("wording_id", ["010175-1234", "a@b.dk", "+45 12345678", "Delta Demosen"])
    )
    assert {f.kind for f in ex.identifier_scan(planted)} == {"cpr", "email", "phone", "name"}


def test_shifted_dates_move_by_one_offset_per_person(world: dict[str, Any]) -> None:
    registry = world["registry"]
    registry.date_shift = Registry.DateShift.PER_PERSON
    registry.shift_days = 30
    registry.save()
    site = world["sites"]["a"]
    kept = services.make_extract(
        site.clinic, registry_key=registry.key(), registry_code="lbp", site_code="site-a"
    )
    shifted = services.extract_for_site(site)
    joined = kept.scores.join(shifted.scores, on=list(ex.KEYS["scores"]), suffix="_s")
    moved = joined.select(
        "person_id",
        (pl.col("answered_on_s") - pl.col("answered_on")).dt.total_days().alias("a"),
        (pl.col("index_date_s") - pl.col("index_date")).dt.total_days().alias("i"),
    )
    assert (moved["a"] == moved["i"]).all()
    assert moved.group_by("person_id").agg(pl.col("a").n_unique())["a"].max() == 1
    assert moved["a"].abs().is_between(1, 30).all()
    assert shifted.manifest["date_shift"] == "per-person"
    # The registry refuses an extract that keeps dates when it asks for them shifted.
    with pytest.raises(ex.InvalidExtract, match="date_shift"):
        services.receive_extract(site, kept)
    assert services.receive_extract(site, shifted).status == "accepted"


def test_the_zip_round_trips_and_the_upload_screen_accepts_it(
    world: dict[str, Any], make_staff: Callable[..., User], verified_client: Callable[..., Any]
) -> None:
    site = world["sites"]["a"]
    buffer = io.BytesIO()
    ex.write_zip(services.extract_for_site(site), buffer)
    admin = verified_client(make_staff("site administrator"))

    response = admin.post(
        reverse("registry:upload"),
        {"site": site.pk, "file": SimpleUploadedFile("a.zip", buffer.getvalue())},
    )

    assert response.status_code == 302
    assert PooledScore.objects.filter(site=site).count() == world["per_clinic"] * 4
    overview = admin.get(reverse("registry:overview"))
    assert overview.status_code == 200 and b"site-a" in overview.content


def test_only_researchers_see_the_combined_table_and_only_under_k(
    world: dict[str, Any], make_staff: Callable[..., User], verified_client: Callable[..., Any]
) -> None:
    for site in world["sites"].values():
        _send(site)
    a, _ = world["clinics"]
    clinician = verified_client(make_staff(CLINICIAN, "reg-clinician", at=a))
    researcher = verified_client(make_staff(RESEARCHER, "reg-researcher", at=a))

    for name in ("registry:overview", "registry:upload", "registry:combined"):
        assert clinician.get(reverse(name)).status_code == 403
    assert researcher.get(reverse("registry:overview")).status_code == 403
    page = researcher.get(reverse("registry:combined"))
    assert page.status_code == 200
    content = page.content.decode()
    assert "outcome-table" in content
    for patient_id in services.pooled_scores()["patient_id"].to_list():
        assert patient_id not in content
    assert page.context["report"].k == world["registry"].k

    world["registry"].k = 100  # more persons than the registry holds: no figure at all
    world["registry"].save()
    hidden = researcher.get(reverse("registry:combined"))
    # Every person is in a combination rarer than k: withheld, and no figure is shown.
    report = hidden.context.get("report")
    assert report is None or report.below_k
    assert "outcome-table" not in hidden.content.decode()
    # …and the page says why, rather than that nothing was sent.
    assert "withholds them all" in hidden.content.decode()
    assert "No pooled data yet" not in hidden.content.decode()


def test_a_researcher_sees_only_a_registry_their_clinic_is_a_site_of(
    world: dict[str, Any], make_staff: Callable[..., User], verified_client: Callable[..., Any]
) -> None:
    from painpath.patients.models import Clinic

    _send(world["sites"]["a"])
    elsewhere = Clinic.objects.create(code="reg-x", name="Not a site (synthetic)")
    other = Registry(code="aaa", name="Another registry (synthetic)", k=3)
    other.set_key(b"o" * 32)
    other.save()
    Site.objects.create(registry=other, code="site-x", name="x", participation="pooled")
    outsider = verified_client(make_staff(RESEARCHER, "reg-outsider", at=elsewhere))
    member = verified_client(make_staff(RESEARCHER, "reg-member", at=world["clinics"][0]))

    refused = outsider.get(reverse("registry:combined"))
    assert refused.status_code == 200 and refused.context["registry"] is None
    assert "outcome-table" not in refused.content.decode()
    assert "not a site of any registry" in refused.content.decode()
    # "aaa" sorts first but clinic A is not its site: asking for it by name gives A's own.
    page = member.get(reverse("registry:combined"), {"registry": "aaa"})
    assert page.status_code == 200 and page.context["registry"] == world["registry"]
    assert "outcome-table" in page.content.decode()


def _site_c_scores(n: int, wording: str = "paraphrase") -> pl.DataFrame:
    """Synthetic: an aggregate-only site's own long table, NRS at baseline and 3 months, in
    one wording group (the outcome table never pools wording groups)."""
    rows = []
    for i in range(n):
        for point, score in ((0, 6.0 + i % 4), (3, 2.0 + i % 2)):
            rows.append(
                {
                    "patient_id": f"c{i}",
                    "person_id": f"c{i}",
                    "instrument": "nrs",
                    "timepoint": point,
                    "score": score,
                    "wording": wording,
                }
            )
    return pl.DataFrame(rows)


def test_an_aggregate_only_site_is_combined_with_the_pooled_ones(
    world: dict[str, Any], make_staff: Callable[..., User], verified_client: Callable[..., Any]
) -> None:
    from painpath.core.registry import aggregate

    registry = world["registry"]
    for site in world["sites"].values():
        _send(site)
    site_c = Site.objects.create(
        registry=registry, code="site-c", name="c", participation="aggregate"
    )
    # The pooled fixture's answers recorded no wording; the site's are in the same group.
    (wording,) = set(services.pooled_scores()["wording"])
    own = _site_c_scores(8, wording)
    sent = aggregate.contribution_document(
        aggregate.aggregate(own, site="site-c", k=registry.k, registry="lbp"), "test"
    )

    assert services.receive_aggregate(site_c, sent).status == "accepted"
    assert services.receive_aggregate(site_c, sent).status == "unchanged"
    table = services.combined_outcome_table(registry.k, registry)

    row = next(
        r.outcome
        for r in table.combined.rows
        if r.stratum_column is None and r.outcome.instrument == "nrs" and r.outcome.timepoint == 3
    )
    # One unit per person in the pooled data: the person seen at both clinics counts once.
    pooled = services.pooled_scores().filter(pl.col("instrument") == "nrs")
    pooled = pooled.sort("site").unique(["person_id", "timepoint"], keep="first")
    both = pl.concat(
        [
            pooled.select("person_id", "timepoint", "score"),
            own.select("person_id", "timepoint", "score"),
        ]
    )
    wide = both.pivot(on="timepoint", index="person_id", values="score")
    change = (wide["3"] - wide["0"]).to_list()
    assert row.n_followed == len(change) == 2 * world["per_clinic"] - 1 + 8
    assert row.change_mean == pytest.approx(sum(change) / len(change), abs=1e-9)
    assert table.aggregate_sites == ("site-c",)
    researcher = verified_client(make_staff(RESEARCHER, "reg-researcher", at=world["clinics"][0]))
    page = researcher.get(reverse("registry:combined")).content.decode()
    assert "combined-table" in page and f"<td>{row.n_followed}</td>" in page


def test_a_contribution_below_the_registrys_k_is_refused(world: dict[str, Any]) -> None:
    from painpath.core.registry import aggregate

    site_c = Site.objects.create(
        registry=world["registry"], code="site-c", name="c", participation="aggregate"
    )
    sent = aggregate.contribution_document(
        aggregate.aggregate(_site_c_scores(8), site="site-c", k=2, registry="lbp"), "test"
    )
    with pytest.raises(ex.InvalidExtract, match="k: is 2"):
        services.receive_aggregate(site_c, sent)
    broken = sent | {"cells": [sent["cells"][0] | {"n_baseline": "many"}]}
    with pytest.raises(ex.InvalidExtract, match="n_baseline"):
        services.receive_aggregate(site_c, broken)


def test_the_registry_screens_are_danish_in_danish(
    world: dict[str, Any], make_staff: Callable[..., User], verified_client: Callable[..., Any]
) -> None:
    from painpath.accounts.models import Profile

    _send(world["sites"]["a"])
    admin = make_staff("site administrator")
    researcher = make_staff(RESEARCHER, "reg-researcher", at=world["clinics"][0])
    for user in (admin, researcher):
        Profile.objects.update_or_create(user=user, defaults={"language": "da"})
    overview = verified_client(admin).get(reverse("registry:overview")).content.decode()
    upload = verified_client(admin).get(reverse("registry:upload")).content.decode()
    combined = verified_client(researcher).get(reverse("registry:combined")).content.decode()

    assert "Forskningsregister" in overview and "Senest godkendt" in overview
    assert "samlet (pseudonymiserede rækker)" in overview
    assert "Upload til registret" in upload and "Deltager" in upload
    assert "Registrets resultater" in combined and "diskretionskontrol" in combined
    for page in (overview, upload, combined):
        assert "Last upload" not in page and "Pooled sites" not in page


def test_researchers_and_site_administrators_find_the_registry_in_the_menu(
    world: dict[str, Any], make_staff: Callable[..., User], verified_client: Callable[..., Any]
) -> None:
    a, _ = world["clinics"]
    researcher = verified_client(make_staff(RESEARCHER, "reg-researcher", at=a))
    admin = verified_client(make_staff("site administrator"))
    clinician = verified_client(make_staff(CLINICIAN, "reg-clinician", at=a))
    home = reverse("accounts:profile")

    assert f'href="{reverse("registry:combined")}"' in researcher.get(home).content.decode()
    assert f'href="{reverse("registry:overview")}"' in admin.get(home).content.decode()
    assert "/registry/" not in clinician.get(home).content.decode()
