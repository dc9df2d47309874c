"""The PHQ-9, GAD-7, HADS and CSI bands read in the clinician's language, every band the
scorers give (issue 15)."""

import pytest
from django.utils import translation

from painpath.clinic.bands import band_label
from painpath.core.instruments import REGISTRY


@pytest.mark.parametrize("code", ["phq9", "gad7", "hads", "csi"])
@pytest.mark.parametrize("lang", ["da", "de"])
def test_every_band_has_a_translation(code: str, lang: str) -> None:
    with translation.override(lang):
        for band in REGISTRY[code].bands:
            label = band_label(code, band.label)
            assert label and label != band.label, (code, band.label, lang)


def test_danish_words() -> None:
    with translation.override("da"):
        assert band_label("phq9", "moderately severe") == "moderat svære depressive symptomer"
        assert band_label("hads", "borderline") == "grænsetilfælde (en delskala 8–10)"
        assert band_label("csi", "extreme") == "ekstremt CSI-niveau"
