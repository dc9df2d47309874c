"""The workbench report as a page in Danish and as a PDF (WeasyPrint), on the planted
generator's synthetic registry: every PDF page rendered to an image (saved to
/tmp/shots/workbench-pdf-N.png to be looked at) and checked to show something; the text
checked for the report's sections and for no English left in the Danish page."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from tests.analytics.test_analytics_pdf import _pango_missing
from tests.registry.test_workbench import ITEMS, _load
from tests.web.test_staff_danish import visible_text

from painpath.accounts.models import Profile
from painpath.accounts.roles import RESEARCHER
from painpath.audit.models import AuditEntry
from painpath.patients.models import Clinic
from painpath.registry import workbench
from painpath.registry.models import Registry
from painpath.registry.workbench_views import render_pdf

pytestmark = pytest.mark.django_db
SHOTS = Path("/tmp/shots")
QUERY = workbench.Query(
    classification="lca",
    outcome="nrs",
    timepoint=6,
    second="column:noisy",
    lca=workbench.LcaQuery(items=ITEMS, classes=(1, 4), seed=2),
)


@pytest.fixture
def registry(clinic: Clinic) -> Registry:
    registry = Registry(code="planted", name="Planted registry (synthetic)", k=5)
    registry.set_key(b"p" * 32)
    registry.save()
    _load(registry, clinic)
    return registry


def test_the_pdf_shows_every_section_on_pages_that_are_not_blank(registry: Registry) -> None:
    reason = _pango_missing()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must render the PDF: {reason}")
        pytest.skip(f"PDF TEST NOT RUN: {reason}")
    import pypdfium2 as pdfium

    report = workbench.workbench_report(registry, QUERY)
    document = pdfium.PdfDocument(render_pdf(report, "en"))
    SHOTS.mkdir(exist_ok=True)
    text = ""
    for number in range(len(document)):
        page = document[number]
        page.render(scale=1.5).to_pil().save(SHOTS / f"workbench-pdf-{number + 1}.png")
        image = page.render(scale=0.5).to_pil().convert("L")
        assert sum(image.histogram()[:250]) > 0.002 * image.width * image.height
        text += page.get_textpage().get_text_range()
    document.close()
    for heading in ("Prognostic validity", "Latent classes", "Class profiles", "Agreement"):
        assert heading in text
    assert "adjusted Rand index" in text
    assert f"no figure about fewer than {registry.k} persons" in text


def test_the_page_in_danish_leaves_no_english_and_the_pdf_is_audited(
    registry: Registry,
    make_staff: Callable[..., User],
    verified_client: Callable[[User], Any],
) -> None:
    user = make_staff(RESEARCHER)
    Profile.objects.update_or_create(user=user, defaults={"language": "da"})
    client = verified_client(user)
    query = {
        "classification": "lca",
        "second": "column:noisy",
        "outcome": "nrs",
        "timepoint": "6",
        "responder": "mic",
        "lca_items": ",".join(ITEMS),
        "lca_kind": "categorical",
        "lca_classes": "1..3",
        "seed": "2",
    }
    page = visible_text(client.get(reverse("registry:workbench"), query).content.decode())
    for danish in ("Prognostisk validitet", "Latente klasser", "Overensstemmelse", "Klasse 1"):
        assert danish in page
    english_words = ("Prognostic validity", "Class profiles", "withheld", "latent classes")
    for english in (*english_words, "(stored)", "categorical"):
        assert english not in page
    refused = client.get(
        reverse("registry:workbench"), {**query, "classification": "column:startback"}
    )
    assert refused.status_code == 400
    assert "intet site har sendt den akse" in refused.content.decode()
    answer = client.get(reverse("registry:workbench_pdf"), query)
    if _pango_missing() is None:
        assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
        exported = AuditEntry.objects.get(code=workbench.REPORT_EXPORTED.code)
        assert exported.detail["classification"] == "lca"
