"""Receivers: whatever feeds an episode's classification reclassifies it at once, in the
transaction of the change, while the lower apps that made the change never import this one."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.dispatch import receiver

from painpath.pathway.services import classify_episode
from painpath.patients.models import Episode
from painpath.patients.signals import episode_changed
from painpath.questionnaires.models import IntakeLink
from painpath.questionnaires.signals import link_completed

logger = logging.getLogger(__name__)


@receiver(episode_changed, dispatch_uid="painpath.pathway.episode_changed")
def episode_changed_reclassify(sender: Any, episode: Episode, reason: str, **_: Any) -> None:
    classify_episode(episode, trigger=reason)


@receiver(link_completed, dispatch_uid="painpath.pathway.link_completed")
def link_completed_reclassify(sender: Any, link: IntakeLink, **_: Any) -> None:
    trigger = (
        "follow-up answered" if link.purpose == IntakeLink.Purpose.FOLLOW_UP else "patient intake"
    )
    try:
        # A savepoint: should classifying fail, the patient's answers are still kept, and
        # the clinic's worklist shows the episode as not yet classified.
        with transaction.atomic():
            classify_episode(link.episode, trigger=trigger)
    except Exception:
        logger.exception("classifying episode %s after %s failed", link.episode.public_id, trigger)
