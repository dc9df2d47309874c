"""The TSK-17 bands (Vlaeyen 1995: above 37 high fear of movement) read in the clinician's
language (issue 15)."""

import pytest
from django.utils import translation

from painpath.clinic.bands import band_label
from painpath.core.instruments import REGISTRY


@pytest.mark.parametrize("lang", ["da", "de"])
def test_every_tsk_band_has_a_translation(lang: str) -> None:
    with translation.override(lang):
        for band in REGISTRY["tsk"].bands:
            label = band_label("tsk", band.label)
            assert label and label != band.label, (band.label, lang)


def test_danish_words() -> None:
    with translation.override("da"):
        assert band_label("tsk", "high") == "høj bevægelsesangst"
        assert band_label("tsk", "not high") == "ikke høj bevægelsesangst"
    with translation.override("en"):
        assert band_label("tsk", "high") == "high fear of movement"
