from painpath.core.rules.i18n import rule_text, shipped_texts, untranslated


def test_every_text_a_clinician_may_see_has_a_danish_translation() -> None:
    # A rule set whose wording changes must bring its Danish wording along.
    assert untranslated("da") == []
    assert len(shipped_texts()) > 100


def test_english_and_unknown_languages_and_texts_pass_through() -> None:
    text = shipped_texts()[0]
    assert rule_text(text, "en") == text
    assert rule_text(text, None) == text
    assert rule_text(text, "fr") == text  # no catalogue: English, not an error
    assert rule_text("words no rule set uses", "da") == "words no rule set uses"


def test_danish_is_looked_up_whatever_the_line_breaks() -> None:
    text = shipped_texts()[0]
    danish = rule_text(text, "da")
    assert danish and danish != text
    assert rule_text(text.replace(" ", "\n  ", 1), "da-dk") == danish
