"""A number in the patient page's rule trace is written in the screen's language (issue 14):
"= 167,9" on a Danish page, "= 167.9" on an English one."""

from __future__ import annotations

from django.utils import translation

from painpath.clinic.display import _value_words


def test_a_decimal_in_the_rule_trace_has_the_screens_decimal_mark() -> None:
    with translation.override("da"):
        assert _value_words(167.9) == "167,9"
        assert _value_words([0.5, 2.0]) == "0,5; 2"
    with translation.override("en"):
        assert _value_words(167.9) == "167.9"
