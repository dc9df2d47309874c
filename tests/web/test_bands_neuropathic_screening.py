"""The neuropathic screening bands (DN4, DN4-interview, painDETECT) read in the clinician's
language, every band the scorers give (issue 15)."""

import pytest
from django.utils import translation

from painpath.clinic.bands import band_label
from painpath.core.instruments import REGISTRY


@pytest.mark.parametrize("code", ["dn4", "dn4i", "paindetect"])
@pytest.mark.parametrize("lang", ["da", "de"])
def test_every_band_has_a_translation(code: str, lang: str) -> None:
    with translation.override(lang):
        for band in REGISTRY[code].bands:
            label = band_label(code, band.label)
            assert label and label != band.label, (code, band.label, lang)


def test_danish_words() -> None:
    with translation.override("da"):
        assert band_label("dn4", "neuropathic pain likely") == "neuropatiske smerter sandsynlige"
        assert band_label("paindetect", "ambiguous") == "uafklaret"
