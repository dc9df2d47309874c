"""A staff member's preferences. Roles are Django groups (see ``roles.py``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from painpath.core import vocabularies


class Profile(models.Model):
    # Staff screens come in Danish and English; German exists for patients' questionnaires.
    LANGUAGES = tuple(
        (lang.code, lang.name) for lang in vocabularies.languages() if lang.staff_screens
    )

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    language = models.CharField(_("language"), max_length=5, choices=LANGUAGES, default="da")
