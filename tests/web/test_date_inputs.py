"""Every date box of every form shows its date to the browser as ISO 8601.

An ``<input type="date">`` reads only ``YYYY-MM-DD``; a value in the page's locale (Danish
``30.11.2026``) is discarded by the browser and the box shows empty — a clinician recording a
follow-up then saw no date and had to type it again. ``patients.forms.DateInput`` writes ISO
whatever the language; this test finds any date field that does not use it.
"""

from __future__ import annotations

import datetime
import importlib
import pkgutil
from collections.abc import Iterator

import pytest
from django import forms
from django.utils import translation

import painpath

DAY = datetime.date(2026, 11, 30)


def _forms() -> Iterator[type[forms.BaseForm]]:
    for module in pkgutil.walk_packages(painpath.__path__, "painpath."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)
    seen: list[type[forms.BaseForm]] = [forms.Form, forms.ModelForm]
    while seen:
        cls = seen.pop()
        seen.extend(cls.__subclasses__())
        if cls.__module__.startswith("painpath."):
            yield cls


DATE_FIELDS = sorted(
    {
        (cls.__module__, cls.__qualname__, name)
        for cls in _forms()
        for name, field in cls.base_fields.items()
        if getattr(field.widget, "input_type", None) == "date"
    }
)


def test_the_search_finds_the_date_boxes() -> None:
    # The follow-up's recording form had the Danish-formatted date; it must be among them.
    assert ("painpath.followup.forms", "RecordForm", "answered_on") in DATE_FIELDS


@pytest.mark.parametrize(("module", "form", "name"), DATE_FIELDS)
def test_a_date_box_gets_an_iso_value_in_danish(module: str, form: str, name: str) -> None:
    cls = getattr(importlib.import_module(module), form)
    widget = cls.base_fields[name].widget
    with translation.override("da"):
        html = widget.render(name, DAY)
    assert 'value="2026-11-30"' in html, html
