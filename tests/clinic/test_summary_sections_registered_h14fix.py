"""The record's summary sections are there for any caller of ``summary_data`` once Django is
set up (the clinic app registers them when ready), not only after the URL configuration
happened to import ``painpath.clinic.record`` (issue 14 review)."""

from __future__ import annotations

import os
import subprocess
import sys

# A fresh interpreter: this test process has long imported the URL configuration.
SCRIPT = """
import sys
import django
django.setup()
from painpath.clinic.summary import SECTION_PROVIDERS
names = sorted(p.__name__ for p in SECTION_PROVIDERS)
assert "painpath.clinic.urls" not in sys.modules, "the URLs were imported"
print(" ".join(names))
"""


def test_summary_sections_are_registered_without_the_urls() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "painpath.web.settings_test"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    names = done.stdout.split()
    for section in ("_diagnoses_section", "_work_section", "_opioid_section", "_allergy_section"):
        assert section in names
