"""``{{ text|rule_text }}``: a rule set's English words in the page's language."""

from django import template
from django.utils import translation

from painpath.core.rules.i18n import rule_text as translate_rule_text

register = template.Library()


@register.filter
def rule_text(text: str) -> str:
    return translate_rule_text(str(text), translation.get_language())
