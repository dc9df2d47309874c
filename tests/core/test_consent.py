"""The consent texts are complete, numbered and readable in every language."""

from __future__ import annotations

import pytest

from painpath.core import consent
from painpath.core.vocabularies import language_codes


@pytest.mark.parametrize("purpose", consent.PURPOSES)
def test_every_version_is_numbered_and_speaks_every_language(purpose: str) -> None:
    texts = consent.versions(purpose)
    assert [t.version for t in texts] == list(range(1, len(texts) + 1))
    for text in texts:
        for language in language_codes():
            assert text.title_in(language) and text.question_in(language)
            assert len(text.paragraphs_in(language)) >= 2


@pytest.mark.parametrize("purpose", consent.PURPOSES)
def test_each_text_says_how_to_withdraw_and_that_care_does_not_depend_on_it(
    purpose: str,
) -> None:
    words = " ".join(consent.current(purpose).paragraphs_in("en"))
    assert "at any time" in words and "telling the clinic" in words
    assert "same" in words  # the same treatment whatever the patient chooses


def test_an_unknown_purpose_or_version_says_what_there_is() -> None:
    with pytest.raises(consent.ConsentError, match="choose one of"):
        consent.current("marketing")
    with pytest.raises(consent.ConsentError, match="versions 1–"):
        consent.text(consent.RESEARCH, 99)
