"""The done page's self-harm advice (issue 15): read from the link's own PHQ-9 response."""

from __future__ import annotations

from painpath.core.safety import SelfHarmAdvice, needs_self_harm_advice, self_harm_advice
from painpath.questionnaires.models import IntakeLink, QuestionnaireResponse


def advice_for(link: IntakeLink, language: str) -> SelfHarmAdvice | None:
    """The advice when the PHQ-9 submitted through ``link`` has item 9 above 0, else None.

    Only this link's response is read: the link is the patient's credential, and a PHQ-9
    answered elsewhere (or entered by staff) is the clinic's to act on, not this page's."""
    if link.completed_at is None:
        return None
    subscales = (
        QuestionnaireResponse.objects.filter(link=link, instrument="phq9")
        .values_list("subscales", flat=True)
        .first()
    )
    item9 = subscales.get("item9") if isinstance(subscales, dict) else None
    if not needs_self_harm_advice(item9):
        return None
    return self_harm_advice(language).with_clinic_phone(link.episode.patient.clinic.phone)
