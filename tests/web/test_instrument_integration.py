"""Every instrument in the registry is usable on the clinic's screens (issue 15): its score
bands read in Danish and German, a clinic can put it in a region's questionnaire set, a
clinician can send it in a link and name it in a follow-up protocol — unless a clinician
answers it (the full DN4), which is refused by name everywhere it would reach a patient and
still offered on the clinician's recording form.

The tests enumerate :data:`painpath.core.instruments.REGISTRY`, so an instrument added later
is covered without editing this file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import pytest
from django import forms
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import translation

from painpath.accounts.roles import CLINIC_ADMIN
from painpath.clinic.bands import BANDS, band_label
from painpath.clinic.forms import SET_REGIONS, ClinicSettingsForm
from painpath.core.followup import builtin_protocol_texts, builtin_protocols
from painpath.core.instruments import REGISTRY
from painpath.followup.forms import instrument_forms
from painpath.followup.models import ProtocolVersion
from painpath.patients.models import Clinic, Episode
from painpath.questionnaires import services
from painpath.questionnaires.models import IntakeLink
from painpath.questionnaires.views import IssueForm

CODES = list(REGISTRY)
PATIENT = [c for c in CODES if REGISTRY[c].respondent == "patient"]
CLINICIAN = [c for c in CODES if REGISTRY[c].respondent == "clinician"]
BANDED = [(c, band.label) for c in CODES for band in REGISTRY[c].bands]


# -- bands in the clinician's (and the patient's) language ---------------------------------


@pytest.mark.parametrize(("code", "band"), BANDED)
def test_every_band_has_a_label(code: str, band: str) -> None:
    assert band in BANDS.get(code, {}), (
        f"{code}: band {band!r} has no label in painpath.clinic.bands.BANDS"
    )


@pytest.mark.parametrize("lang", ["da", "de"])
@pytest.mark.parametrize(("code", "band"), BANDED)
def test_every_band_label_is_translated(code: str, band: str, lang: str) -> None:
    with translation.override("en"):
        english = band_label(code, band)
    with translation.override(lang):
        translated = band_label(code, band)
    assert translated.strip() and translated != english, (
        f"{code}: band {band!r} ({english!r}) has no {lang} translation in "
        f"src/painpath/locale/{lang}/LC_MESSAGES/django.po (msgctxt 'score band')"
    )


# -- the clinic's questionnaire sets per region --------------------------------------------


def choices(form: forms.BaseForm, name: str) -> list[tuple[str, str]]:
    field = form.fields[name]
    assert isinstance(field, forms.MultipleChoiceField)
    return cast(list[tuple[str, str]], field.choices)


def settings_data(**sets: list[str]) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Test Clinic (synthetic)",
        "address": "Demovej 1, 2100 København Ø (synthetic)",
        "phone": "+45 55 55 55 01",
        "link_days": "14",
    }
    data |= {f"set_{region}": ["nrs"] for region in SET_REGIONS}
    data |= {f"set_{region}": codes for region, codes in sets.items()}
    return data


@pytest.mark.django_db
def test_every_patient_instrument_can_be_in_every_regions_set(clinic: Clinic) -> None:
    form = ClinicSettingsForm(settings_data(**dict.fromkeys(SET_REGIONS, PATIENT)), instance=clinic)
    for region in SET_REGIONS:
        offered = [code for code, _title in choices(form, f"set_{region}")]
        assert offered == PATIENT, region
    assert form.is_valid(), form.errors
    form.save()
    clinic.refresh_from_db()
    for region in SET_REGIONS:
        assert clinic.questionnaire_sets[region] == PATIENT


@pytest.mark.django_db
@pytest.mark.parametrize("code", CLINICIAN)
def test_a_set_refuses_a_clinician_only_instrument_by_name(clinic: Clinic, code: str) -> None:
    region = SET_REGIONS[0]
    with translation.override("da"):
        form = ClinicSettingsForm(settings_data(**{region: ["nrs", code]}), instance=clinic)
        assert not form.is_valid()
        (error,) = form.errors[f"set_{region}"]  # only this, not "choose at least one"
    assert REGISTRY[code].title in error
    assert "klinikeren" in error  # in Danish, as the clinic's screens are


# -- links issued to a patient --------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("lang", ["da", "en", "de"])
def test_the_issue_form_offers_every_patient_instrument(episode: Episode, lang: str) -> None:
    with translation.override(lang):
        form = IssueForm(episode=episode)
        offered = [code for code, _title in choices(form, "instruments")]
    assert offered == PATIENT


@pytest.mark.django_db
def test_the_issue_form_accepts_every_patient_instrument(episode: Episode) -> None:
    form = IssueForm(
        {"instruments": PATIENT, "language": "da", "days": "14", "channel": "show"},
        episode=episode,
    )
    assert form.is_valid(), form.errors


@pytest.mark.django_db
@pytest.mark.parametrize("code", CLINICIAN)
def test_a_link_refuses_a_clinician_only_instrument_by_name(
    episode: Episode, clinician: User, code: str
) -> None:
    form = IssueForm(
        {"instruments": ["nrs", code], "language": "da", "days": "14", "channel": "show"},
        episode=episode,
    )
    assert not form.is_valid()
    (error,) = form.errors["instruments"]
    assert REGISTRY[code].title in error and "clinician" in error
    # The service refuses it too, whatever called it.
    with pytest.raises(ValueError, match=rf"{REGISTRY[code].title} \({code}\).*clinician"):
        services.issue_link(episode, ["nrs", code], "da", clinician)
    assert not IntakeLink.objects.exists()


@pytest.mark.django_db
def test_a_clinic_set_saved_with_a_clinician_only_instrument_is_not_suggested(
    episode: Episode,
) -> None:
    clinic = episode.patient.clinic
    clinic.questionnaire_sets = {episode.region: ["nrs", *CLINICIAN]}
    clinic.save()
    form = IssueForm(episode=episode)
    assert form.initial["instruments"] == ["nrs"]


# -- follow-up protocols in the clinic's editor ---------------------------------------------


@pytest.fixture
def admin_client(
    make_staff: Callable[..., User], verified_client: Callable[[User], Client]
) -> Client:
    return verified_client(make_staff(CLINIC_ADMIN, "clinic-admin"))


def protocol_with(instruments: list[str]) -> str:
    shipped = builtin_protocols()["default"]
    text = builtin_protocol_texts()["default"].replace(
        f"version: {shipped.version}", "version: 9.0.0"
    )
    lines = text.splitlines()
    start = lines.index("instruments:")
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith((" ", "#")))
    return "\n".join([*lines[:start], f"instruments: [{', '.join(instruments)}]", *lines[end:], ""])


@pytest.mark.django_db
def test_the_protocol_editor_takes_every_patient_instrument(admin_client: Client) -> None:
    url = reverse("clinic:protocol_edit", args=["default"])
    response = admin_client.post(url, {"text": protocol_with(PATIENT), "note": "All of them"})
    assert response.status_code == 302, response.content.decode()[:2000]
    stored = ProtocolVersion.objects.get(protocol_id="default", version="9.0.0")
    assert "instruments: [" + ", ".join(PATIENT) + "]" in stored.text


@pytest.mark.django_db
@pytest.mark.parametrize("code", CLINICIAN)
def test_the_protocol_editor_refuses_a_clinician_only_instrument_by_name(
    admin_client: Client, code: str
) -> None:
    url = reverse("clinic:protocol_edit", args=["default"])
    response = admin_client.post(url, {"text": protocol_with(["nrs", code]), "note": "n"})
    assert response.status_code == 200
    page = response.content.decode()
    assert f"{REGISTRY[code].title} ({code}) is answered by the clinician" in page
    assert not ProtocolVersion.objects.exists()


# -- the clinician's recording form ---------------------------------------------------------


@pytest.mark.parametrize("code", CLINICIAN)
@pytest.mark.parametrize("lang", ["da", "en"])
def test_the_recording_form_still_offers_a_clinician_only_instrument(code: str, lang: str) -> None:
    ((got, _title, form),) = instrument_forms([code], lang)
    assert got == code
    assert [name.removeprefix(f"{code}-") for name in form.fields] == [
        item.code for item in REGISTRY[code].items
    ]
