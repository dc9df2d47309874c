"""The web app's forms, settings and body map read the core vocabularies (no copy of their
codes), and show their words in the patient's or clinician's language."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import translation

from painpath.accounts.models import Profile
from painpath.core import vocabularies
from painpath.followup import services as followup_services
from painpath.patients.forms import RED_FLAG_QUESTIONS, REGION_LABELS, REGIONS, EpisodeForm
from painpath.patients.models import Episode
from painpath.questionnaires import bodymap
from painpath.questionnaires.forms import (
    DEFAULT_INSTRUMENTS,
    LANGUAGES,
    RED_FLAGS,
    MedicationsForm,
    RedFlagsForm,
)
from painpath.web.management.commands.load_demo import NO_RED_FLAGS


@pytest.fixture(autouse=True)
def _in_english():
    # Another test's request may have left its language active in this thread.
    with translation.override("en"):
        yield


def test_the_clinicians_forms_list_the_vocabularies() -> None:
    assert [(code, str(label)) for code, label in REGIONS] == [
        (region.code, region.label.en) for region in vocabularies.regions()
    ]
    assert [(code, str(label)) for code, label in RED_FLAG_QUESTIONS] == [
        (flag.code, flag.label.en) for flag in vocabularies.red_flags()
    ]
    form = EpisodeForm()
    assert [choice for choice, _label in form.fields["region"].choices][1:] == list(
        vocabularies.region_codes()
    )
    # A retired question is shown only on an episode that holds an answer to it.
    assert [field.name for field in form.red_flag_fields()] == [
        f"rf_{flag.code}" for flag in vocabularies.asked_red_flags()
    ]
    old = Episode(intake={"red_flags": {"bilateral_or_progressive_neuro_deficit": True}})
    shown = [field.name for field in EpisodeForm(instance=old).red_flag_fields()]
    assert "rf_bilateral_or_progressive_neuro_deficit" in shown


def test_the_intake_asks_every_red_flag_question_not_retired() -> None:
    assert [(code, str(question)) for code, question in RED_FLAGS] == [
        (flag.code, flag.question.en) for flag in vocabularies.asked_red_flags()
    ]
    assert list(RedFlagsForm().fields) == [f.code for f in vocabularies.asked_red_flags()]
    assert "bilateral_or_progressive_neuro_deficit" not in RedFlagsForm().fields


def test_the_intake_offers_the_blood_thinners_with_their_brands() -> None:
    choices = dict(MedicationsForm().fields["anticoagulants"].choices)
    assert list(choices) == list(vocabularies.drug_codes())
    assert choices["apixaban"] == "Apixaban (Eliquis)"
    assert choices["warfarin"] == "Warfarin (Marevan, Coumadin)"


def test_the_body_map_draws_the_vocabulary_regions() -> None:
    # The body map keeps its own plainer words and order; its codes are the vocabulary's.
    assert set(bodymap.REGIONS) == set(vocabularies.region_codes())
    assert set(DEFAULT_INSTRUMENTS) <= set(vocabularies.region_codes())


def test_the_language_pickers_list_the_vocabulary_languages() -> None:
    expected = [(language.code, language.name) for language in vocabularies.languages()]
    assert list(LANGUAGES) == expected
    assert list(settings.LANGUAGES) == expected


@pytest.mark.parametrize("language", ["da", "de"])
def test_the_words_are_shown_in_the_active_language(language: str) -> None:
    with translation.override(language):
        for flag in vocabularies.asked_red_flags():
            assert str(dict(RED_FLAGS)[flag.code]) == flag.question.in_language(language)
            assert str(dict(RED_FLAG_QUESTIONS)[flag.code]) == flag.label.in_language(language)
        for region in vocabularies.regions():
            assert str(REGION_LABELS[region.code]) == region.label.in_language(language)


def test_the_copies_still_to_be_replaced_agree_with_the_vocabularies() -> None:
    # These modules still spell the codes out; until they read the vocabularies, a drift
    # between the two fails here.
    staff = tuple((lang.code, lang.name) for lang in vocabularies.languages() if lang.staff_screens)
    assert staff == Profile.LANGUAGES
    assert vocabularies.language_codes() == followup_services.LANGUAGES
    assert list(NO_RED_FLAGS) == list(vocabularies.red_flag_codes())
