"""The classification workbench in the registry (issue 16): the planted generator's synthetic
registry loaded as pooled rows; the report finds the planted classes and prognosis, withholds
a class under k, refuses what the pooled data cannot compute, keeps drafts away from the
clinic's classification, and opens for the registry's researchers only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from painpath.accounts.roles import CLINICIAN, RESEARCHER, SECRETARY
from painpath.audit.models import AuditEntry
from painpath.core.workbench.planted import PlantedSpec, item_columns, planted_registry
from painpath.pathway.services import classify_episode
from painpath.patients.models import Clinic, Episode
from painpath.registry import workbench
from painpath.registry.models import PooledAnswer, PooledScore, Registry, Site
from painpath.registry.workbench_models import DraftRuleSet

pytestmark = pytest.mark.django_db

SPEC = PlantedSpec(n=400, classes=3, items=8, separation=0.8, strength=0.8, noise=0.3, seed=3)


def _load(registry: Registry, clinic: Clinic, spec: PlantedSpec = SPEC) -> Any:
    """The planted registry as one pooled site's rows (synthetic): its scores, the item
    answers at baseline, the planted and noisy classes as stored axes, and an Örebro short
    form total at baseline that follows the planted class."""
    planted = planted_registry(spec)
    site = Site.objects.create(
        registry=registry, code="planted", name="Planted", participation="pooled", clinic=clinic
    )
    axes = {
        p: {"planted": str(a), "noisy": str(b)}
        for p, a, b in planted.patients.select(
            "patient_id", "planted_class", "noisy_class"
        ).iter_rows()
    }
    rows = [
        PooledScore(
            site=site,
            patient_id=p,
            person_id=f"person-{p}",
            instrument=code,
            timepoint=t,
            score=s,
            synthetic=True,
            axes=axes[p],
        )
        for p, code, t, s in planted.scores.select(
            "patient_id", "instrument", "timepoint", "score"
        ).iter_rows()
    ]
    truth = dict(zip(planted.patients["patient_id"], planted.truth, strict=True))
    rows += [
        PooledScore(
            site=site,
            patient_id=p,
            person_id=f"person-{p}",
            instrument="orebro10",
            timepoint=0,
            score=30.0 + 15 * truth[p],
            synthetic=True,
            axes=axes[p],
        )
        for p in truth
    ]
    PooledScore.objects.bulk_create(rows)
    answers = [
        PooledAnswer(
            site=site, patient_id=row[0], instrument="planted", timepoint=0, item=item, value=v
        )
        for row in planted.baseline.select("patient_id", *item_columns(spec.items)).iter_rows()
        for item, v in zip(item_columns(spec.items), row[1:], strict=True)
        if v is not None
    ]
    PooledAnswer.objects.bulk_create(answers)
    return planted


@pytest.fixture
def planted(clinic: Clinic) -> tuple[Registry, Any]:
    registry = Registry(code="planted", name="Planted registry (synthetic)", k=5)
    registry.set_key(b"p" * 32)
    registry.save()
    return registry, _load(registry, clinic)


ITEMS = tuple(f"planted.{c}" for c in item_columns(SPEC.items))


def test_latent_classes_find_the_planted_number_and_a_strong_prognosis(
    planted: tuple[Registry, Any],
) -> None:
    registry, _ = planted
    query = workbench.Query(
        classification="lca",
        outcome="nrs",
        timepoint=6,
        second="column:noisy",
        lca=workbench.LcaQuery(items=ITEMS, classes=(1, 5), seed=2),
    )
    report = workbench.workbench_report(registry, query)
    chosen = [m.classes for m in report.models if m.chosen]
    assert chosen == [SPEC.classes]
    assert report.validity is not None and report.validity.auc is not None
    # Planted responder rates 0.1 / 0.5 / 0.9: classes that separate them predict well.
    assert report.validity.auc > 0.75
    assert report.validity.auc_cv is not None and report.validity.auc_cv > 0.7
    assert report.agreement is not None and report.agreement.ari is not None
    assert 0.2 < report.agreement.ari < 0.95  # the noisy column agrees in part
    assert report.nri is not None


def test_the_stored_planted_axis_validates_strongly_and_the_noisy_one_less(
    planted: tuple[Registry, Any],
) -> None:
    registry, _ = planted
    aucs = {}
    for column in ("planted", "noisy"):
        query = workbench.Query(classification=f"column:{column}", outcome="nrs", timepoint=12)
        report = workbench.workbench_report(registry, query)
        assert report.validity is not None
        aucs[column] = report.validity.auc
        assert [c.cls for c in report.validity.per_class] == ["1", "2", "3"]
    assert aucs["planted"] > aucs["noisy"] > 0.5


def test_a_class_under_k_is_withheld_with_another_and_said(clinic: Clinic) -> None:
    spec = PlantedSpec(n=200, classes=3, shares=(0.48, 0.48, 0.04), items=6, seed=5)
    registry = Registry(code="small", name="Small class (synthetic)", k=2)
    registry.set_key(b"s" * 32)
    registry.save()
    planted = _load(registry, clinic, spec)
    sizes = np.bincount(planted.truth)
    registry.k = int(sizes.min()) + 1
    registry.save()
    query = workbench.Query(classification="column:planted", outcome="nrs", timepoint=3)
    report = workbench.workbench_report(registry, query)
    assert report.validity is not None
    by_class = {c.cls: c for c in report.validity.per_class}
    smallest = str(int(sizes.argmin()) + 1)
    assert by_class[smallest].withheld and by_class[smallest].n is None
    # The total minus the others would give it back: one more class is withheld.
    assert sum(c.withheld for c in by_class.values()) == 2
    assert report.withheld_any


def test_a_shipped_rule_set_applied_to_baseline_totals_and_one_that_needs_more_refused(
    planted: tuple[Registry, Any],
) -> None:
    registry, _ = planted
    report = workbench.workbench_report(
        registry, workbench.Query(classification="shipped:orebro-short", outcome="nrs", timepoint=6)
    )
    assert report.validity is not None
    # Totals 30/45/60 by planted class: the cut-off of 50 splits off the third class.
    assert {c.cls for c in report.validity.per_class} == {"low_risk", "raised_risk"}
    with pytest.raises(workbench.AxisNeedsInputs, match=r"needs .*duration"):
        workbench.workbench_report(
            registry,
            workbench.Query(classification="shipped:chronicity-iasp", outcome="nrs", timepoint=6),
        )


def _draft_text(cut_off: int, version: str = "2.0.0") -> str:
    """The shipped Örebro rule set under its own id, with another version and cut-off."""
    from importlib import resources

    path = resources.files("painpath.core.data").joinpath("rulesets/orebro-short.yaml")
    return (
        path.read_text(encoding="utf-8")
        .replace("version: 1.0.0", f"version: {version}")
        .replace("{value: 50,", f"{{value: {cut_off},")
    )


def test_a_draft_applies_to_the_registry_and_never_to_a_clinics_screen(
    planted: tuple[Registry, Any], episode: Episode, researcher: User
) -> None:
    registry, _ = planted
    from painpath.questionnaires.models import QuestionnaireResponse

    QuestionnaireResponse.objects.create(
        episode=episode, instrument="orebro10", answers={}, score=40, answered_on=dt.date.today()
    )
    before = classify_episode(episode).axis("orebro").result
    # The same id as the shipped rule set, a cut-off low enough to call 40 raised risk.
    draft, created = workbench.upload_draft(registry, _draft_text(35), user=researcher)
    assert created and draft.name == "orebro-short"
    assert classify_episode(episode).axis("orebro").result == before == "low_risk"
    report = workbench.workbench_report(
        registry, workbench.Query(classification=f"draft:{draft.pk}", outcome="nrs", timepoint=6)
    )
    assert report.validity is not None
    rates = {c.cls: c.n for c in report.validity.per_class}
    assert rates["raised_risk"] > rates["low_risk"]  # 45 and 60 both raised now
    # Same name and version: the same content is unchanged, other content refused.
    assert workbench.upload_draft(registry, _draft_text(35))[1] is False
    with pytest.raises(workbench.WorkbenchError, match="new version"):
        workbench.upload_draft(registry, _draft_text(40))
    assert DraftRuleSet.objects.count() == 1
    assert AuditEntry.objects.filter(code=workbench.DRAFT_UPLOADED.code).count() == 1


def test_a_bad_draft_names_its_line_and_rule(planted: tuple[Registry, Any]) -> None:
    registry, _ = planted
    text = _draft_text(35).replace(
        'when: "orebro_short_score >= %risk_cut_off"', 'when: "orebro_short_scor >= 50"'
    )
    # The engine names the line where the rule starts.
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "- id: raised_risk" in t)
    with pytest.raises(workbench.RuleSetError) as error:
        workbench.upload_draft(registry, text, filename="mine.yaml")
    assert f"mine.yaml:{line}" in str(error.value)
    assert "raised_risk" in str(error.value)
    assert not DraftRuleSet.objects.exists()


def test_researchers_of_the_registry_get_the_report_and_its_pdf_others_403(
    planted: tuple[Registry, Any],
    make_staff: Callable[..., User],
    verified_client: Callable[[User], Any],
) -> None:
    query = {
        "classification": "column:planted",
        "outcome": "nrs",
        "timepoint": "6",
        "responder": "mic",
        "lca_classes": "1..4",
    }
    researcher = verified_client(make_staff(RESEARCHER))
    page = researcher.get(reverse("registry:workbench"), query)
    assert page.status_code == 200, page.content[:2000]
    assert b"Prognostic validity" in page.content
    assert AuditEntry.objects.filter(code=workbench.REPORT_VIEWED.code).count() == 1
    for role in (CLINICIAN, SECRETARY):
        other = verified_client(make_staff(role, f"wb-{role}"))
        for name in ("registry:workbench", "registry:workbench_pdf", "registry:workbench_drafts"):
            assert other.get(reverse(name), query).status_code == 403
    elsewhere = Clinic.objects.create(code="wb-elsewhere", name="Elsewhere (synthetic)")
    outsider = verified_client(make_staff(RESEARCHER, "wb-outsider", at=elsewhere))
    assert b"Prognostic validity" not in outsider.get(reverse("registry:workbench"), query).content


def test_a_draft_is_uploaded_through_the_page_and_a_bad_one_is_shown(
    planted: tuple[Registry, Any],
    researcher: User,
    verified_client: Callable[[User], Any],
) -> None:
    client = verified_client(researcher)
    url = reverse("registry:workbench_drafts")
    bad = SimpleUploadedFile("bad.yaml", b"id: x\nversion: [\n")
    answer = client.post(url, {"file": bad})
    assert answer.status_code == 400
    assert b"bad.yaml:" in answer.content
    good = SimpleUploadedFile("good.yaml", _draft_text(35).encode())
    assert client.post(url, {"file": good}).status_code == 302
    assert DraftRuleSet.objects.filter(name="orebro-short").exists()


def test_a_cross_table_withholds_small_cells_and_those_that_give_them_back() -> None:
    from painpath.core.workbench.lca import Agreement

    found = Agreement(ari=0.4, rows=("1", "2"), columns=("a", "b"), table=((20, 2), (15, 30)))
    table = workbench._cross_table(found, k=5)
    cells = dict(zip(table.rows, table.cells, strict=True))
    assert cells["1"][1] is None  # 2 persons
    # Row 1's total minus 20 or column b's total minus 30 would give the 2 back.
    assert cells["1"][0] is None and cells["2"][1] is None
    assert table.ari == 0.4 and table.n == 67
    assert workbench._cross_table(found, k=70).ari is None
