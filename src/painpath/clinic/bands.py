"""Score bands in the clinician's language.

A stored response keeps its band as the instrument names it (``crippled``, ``medium``: the
core's English codes, stable for exports); screens show it through :func:`band_label`, per
instrument, since the same code means different things (``severe`` pain on the NRS, severe
disability on the ODI, ``severe`` arthritis on the Oxford scores).
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

PAIN = {
    "none": pgettext_lazy("score band", "no pain"),
    "mild": pgettext_lazy("score band", "mild pain"),
    "moderate": pgettext_lazy("score band", "moderate pain"),
    "severe": pgettext_lazy("score band", "severe pain"),
}
RISK = {
    "low": pgettext_lazy("score band", "low risk"),
    "medium": pgettext_lazy("score band", "medium risk"),
    "high": pgettext_lazy("score band", "high risk"),
}
OXFORD = {
    "severe": pgettext_lazy("score band", "severe"),
    "moderate to severe": pgettext_lazy("score band", "moderate to severe"),
    "mild to moderate": pgettext_lazy("score band", "mild to moderate"),
    "satisfactory": pgettext_lazy("score band", "satisfactory"),
}
NEUROPATHIC_SCREEN = {
    "below cut-off": pgettext_lazy("score band", "below cut-off"),
    "neuropathic pain likely": pgettext_lazy("score band", "neuropathic pain likely"),
}

BANDS: dict[str, dict[str, Promise]] = {
    "nrs": PAIN,
    "vas": PAIN,
    # Fairbank & Pynsent 2000: the published names of the ODI's five bands.
    "odi": {
        "minimal": pgettext_lazy("score band", "minimal disability"),
        "moderate": pgettext_lazy("score band", "moderate disability"),
        "severe": pgettext_lazy("score band", "severe disability"),
        "crippled": pgettext_lazy("score band", "crippled"),
        "bed-bound": pgettext_lazy("score band", "bed-bound"),
    },
    "ndi": {
        "none": pgettext_lazy("score band", "no disability"),
        "mild": pgettext_lazy("score band", "mild disability"),
        "moderate": pgettext_lazy("score band", "moderate disability"),
        "severe": pgettext_lazy("score band", "severe disability"),
        "complete": pgettext_lazy("score band", "complete disability"),
    },
    "startback": RISK,
    "orebro10": RISK,
    "pcs": {
        "not clinically relevant": pgettext_lazy("score band", "not clinically relevant"),
        "clinically relevant": pgettext_lazy("score band", "clinically relevant"),
    },
    "oks": OXFORD,
    "ohs": OXFORD,
    # Screening cut-offs (Bouhassira 2005; Freynhagen 2006): a likelihood, not a diagnosis.
    "dn4": NEUROPATHIC_SCREEN,
    "dn4i": NEUROPATHIC_SCREEN,
    "paindetect": {
        "neuropathic component unlikely": pgettext_lazy(
            "score band", "neuropathic component unlikely"
        ),
        "ambiguous": pgettext_lazy("score band", "ambiguous"),
        "neuropathic component likely": pgettext_lazy("score band", "neuropathic component likely"),
    },
    # Vlaeyen et al. 1995: a TSK-17 total above 37 is high fear of movement.
    "tsk": {
        "not high": pgettext_lazy("score band", "no high fear of movement"),
        "high": pgettext_lazy("score band", "high fear of movement"),
    },
    # Severity levels, not diagnoses (Kroenke 2001; Spitzer 2006; Zigmond & Snaith 1983;
    # Neblett 2017).
    "phq9": {
        "minimal": pgettext_lazy("score band", "minimal depressive symptoms"),
        "mild": pgettext_lazy("score band", "mild depressive symptoms"),
        "moderate": pgettext_lazy("score band", "moderate depressive symptoms"),
        "moderately severe": pgettext_lazy("score band", "moderately severe depressive symptoms"),
        "severe": pgettext_lazy("score band", "severe depressive symptoms"),
    },
    "gad7": {
        "minimal": pgettext_lazy("score band", "minimal anxiety symptoms"),
        "mild": pgettext_lazy("score band", "mild anxiety symptoms"),
        "moderate": pgettext_lazy("score band", "moderate anxiety symptoms"),
        "severe": pgettext_lazy("score band", "severe anxiety symptoms"),
    },
    "hads": {
        "normal": pgettext_lazy("score band", "normal (both subscales 0–7)"),
        "borderline": pgettext_lazy("score band", "borderline (a subscale 8–10)"),
        "abnormal": pgettext_lazy("score band", "abnormal (a subscale 11–21)"),
    },
    "csi": {
        "subclinical": pgettext_lazy("score band", "subclinical CSI level"),
        "mild": pgettext_lazy("score band", "mild CSI level"),
        "moderate": pgettext_lazy("score band", "moderate CSI level"),
        "severe": pgettext_lazy("score band", "severe CSI level"),
        "extreme": pgettext_lazy("score band", "extreme CSI level"),
    },
}


def band_label(instrument: str, band: str) -> str:
    """The band of a score on ``instrument`` in the active language (the code itself for a
    band not listed here)."""
    label = BANDS.get(instrument, {}).get(band)
    return str(label) if label is not None else band
