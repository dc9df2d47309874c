"""Translations ship as they are written: the compiled catalogues say what the .po files say,
every patient-facing text has its Danish, and docs/translations.md lists what still awaits a
native clinician's review."""

from __future__ import annotations

import gettext
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).parents[2]
LOCALE = ROOT / "src/painpath/locale"


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "painpath_tools_translations", ROOT / "tools/translations.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("language", ["da", "de"])
def test_the_compiled_catalogue_says_what_the_po_file_says(tmp_path: Path, language: str) -> None:
    if shutil.which("msgfmt") is None:
        pytest.skip("msgfmt (GNU gettext) is not installed")
    folder = LOCALE / language / "LC_MESSAGES"
    fresh = tmp_path / "django.mo"
    subprocess.run(
        ["msgfmt", "--check-format", "-o", str(fresh), str(folder / "django.po")], check=True
    )
    with (folder / "django.mo").open("rb") as shipped, fresh.open("rb") as built:
        assert (
            gettext.GNUTranslations(shipped)._catalog == gettext.GNUTranslations(built)._catalog
        ), (
            f"rebuild {folder / 'django.mo'}: python -m django compilemessages "
            "(run from src/painpath with DJANGO_SETTINGS_MODULE=painpath.web.settings)"
        )


def test_docs_translations_lists_what_awaits_review_as_the_data_says() -> None:
    tool = _tool()
    from django.conf import settings

    assert settings.configured
    expected = tool.document()
    assert (ROOT / "docs/translations.md").read_text(encoding="utf-8") == expected, (
        "docs/translations.md is out of date: python tools/translations.py"
    )


def test_every_patient_facing_text_has_its_danish() -> None:
    text = _tool().document()
    assert "**(no Danish)**" not in text
    for phrase in ("## Questionnaires", "## Red-flag questions", "### `questionnaires/forms.py`"):
        assert phrase in text
