"""Receivers: a completed follow-up link marks its time point answered, in the same
transaction as the patient's responses, so no reminder can go out after the answer."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from painpath.questionnaires.models import IntakeLink
from painpath.questionnaires.signals import link_completed


@receiver(link_completed, dispatch_uid="painpath.followup.link_completed")
def link_answered(
    sender: Any, link: IntakeLink, responses: Any, request: Any = None, **_: Any
) -> None:
    if link.purpose != IntakeLink.Purpose.FOLLOW_UP:
        return
    from painpath.followup.services import _record_link_answer

    _record_link_answer(link, responses, request)
