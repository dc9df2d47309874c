"""A dose typed in the wrong unit (400 for sublingual buprenorphine in mg: 16,000 mg OME) is
refused with an error naming the dose field, by each opioid's plausibility limit in the OME
table (painpath's own limits, not clinical maxima) (issue 14 review; synthetic data)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from painpath.core import opioids
from painpath.patients import services
from painpath.patients.models import Episode, Medication
from painpath.patients.services import RecordError

pytestmark = pytest.mark.django_db


def test_every_opioid_has_a_plausibility_limit_above_an_ordinary_dose() -> None:
    table = opioids.load_table()
    for opioid in table.opioids:
        assert opioid.plausible_max is not None and opioid.plausible_max > 0, opioid.code
    assert opioids.convert("buprenorphine_sublingual", "16").ome == Decimal(640)
    assert opioids.convert("morphine_oral", "300").ome == Decimal(300)
    with pytest.raises(opioids.ImplausibleDose, match="buprenorphine_sublingual"):
        opioids.convert("buprenorphine_sublingual", "400", refuse_implausible=True)
    # A dose already stored is still converted (a later, lower limit hides nothing).
    assert opioids.convert("buprenorphine_sublingual", "400").ome == Decimal(16_000)


def test_a_dose_in_the_wrong_unit_is_refused_naming_the_dose(
    episode: Episode, clinician: User
) -> None:
    with pytest.raises(RecordError) as refused:
        services.add_opioid(episode, opioid="buprenorphine_sublingual", dose="400", user=clinician)
    assert refused.value.field == "dose"
    assert "400" in refused.value.message and "40 mg/day" in refused.value.message
    assert not Medication.all_objects.exists()


def test_the_page_says_why_the_dose_was_not_saved(
    clinician_client: Client, episode: Episode
) -> None:
    response = clinician_client.post(
        reverse("clinic:record_add_opioid", args=[episode.public_id]),
        {"opioid": "buprenorphine_sublingual", "dose": "400"},
        follow=True,
    )
    page = response.content.decode()
    assert "Not saved:" in page and "plausibility limit" in page
    assert not Medication.all_objects.exists()
