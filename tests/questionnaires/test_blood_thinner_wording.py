"""The intake's medication page tells patients not to stop a blood thinner themselves (issue 10:
"holdes på pause" → "skal ofte pauseres før et indgreb. Stop aldrig selv – vi aftaler det med
dig.")."""

from __future__ import annotations

import pytest
from django.utils import translation

from painpath.questionnaires.forms import MedicationsForm


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "da",
            "Blodfortyndende medicin skal ofte pauseres før et indgreb. "
            "Stop aldrig selv – vi aftaler det med dig.",
        ),
        (
            "en",
            "Blood thinners must often be paused before a procedure. "
            "Never stop one yourself – we agree it with you.",
        ),
        ("de", "Setzen Sie sie nie selbst ab – wir besprechen es mit Ihnen."),
    ],
)
def test_the_medication_page_says_never_to_stop_a_blood_thinner_alone(
    language: str, words: str
) -> None:
    with translation.override(language):
        help_text = str(MedicationsForm().fields["anticoagulants"].help_text)
    assert words in help_text
    assert "holdes på pause" not in help_text


def test_the_intake_offers_aspirin_and_the_heparins_by_their_danish_brands() -> None:
    choices = dict(MedicationsForm().fields["anticoagulants"].choices)
    assert choices["aspirin"] == "Aspirin (Hjertemagnyl, Magnyl, Hjertealbyl)"
    assert choices["dalteparin"] == "Dalteparin (Fragmin)"
    assert choices["phenprocoumon"] == "Phenprocoumon (Marcoumar, Marcumar)"
