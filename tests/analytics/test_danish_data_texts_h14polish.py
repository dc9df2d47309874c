"""The outcome report's responder definitions and the blood-thinner table's reasons carry
Danish in their data files (issue 14): Danish screens show it, English ones the English."""

from __future__ import annotations

from django.utils import translation

from painpath.analytics.render import responder_text
from painpath.core.analytics import responder_definitions
from painpath.core.medicines import load_pause_table


def test_every_responder_definition_has_a_danish_label_and_note() -> None:
    with translation.override("da"):
        for definition in responder_definitions():
            assert responder_text(definition.label) != definition.label, definition.id
            if definition.note:
                assert responder_text(definition.note) != definition.note, definition.id
        assert responder_text("≥ 50 % pain reduction") == "≥ 50 % smertereduktion"
    with translation.override("en"):
        assert responder_text("≥ 50 % pain reduction") == "≥ 50 % pain reduction"


def test_each_procedures_reason_in_danish_and_in_english() -> None:
    table = load_pause_table()
    for kind, english in table.reasons.items():
        assert table.reason(kind, "en") == english
        danish = table.reason(kind, "da")
        assert danish and danish != english, kind
    assert table.reason("gold_implantation", "da").startswith("Narouze 2018 klassificerer ikke")
    assert table.reason("not_a_procedure", "da") == ""
