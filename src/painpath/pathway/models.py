"""What happens along the pathway: treatments, procedure, readiness, classifications.

Field names and codes follow the rule engine's episode schema
(``core/data/schemas/episode.schema.json``) so that building the episode document is a
plain copy, never a translation that could drift.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models.fields.json import KT
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from painpath.core.rules import AxisResult
from painpath.patients.models import Episode


class TreatmentCourse(models.Model):
    class Modality(models.TextChoices):
        RELAXATION = "relaxation_exercises", _("relaxation exercises")
        ACUPUNCTURE = "acupuncture", _("acupuncture")
        EXERCISE = "exercise_therapy", _("exercise therapy")
        CHIROPRACTIC = "chiropractic", _("chiropractic")
        MASSAGE = "massage", _("massage")
        MEDICATION = "pain_medication", _("pain medication")
        TENS = "tens", _("TENS")
        OTHER = "other_step1", _("other (step 1)")

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="courses")
    modality = models.CharField(_("modality"), max_length=30, choices=Modality.choices)
    start = models.DateField(_("start"))
    planned_sessions = models.PositiveIntegerField(_("planned sessions"), null=True, blank=True)
    planned_weeks = models.PositiveIntegerField(_("planned weeks"), null=True, blank=True)
    planned_dose = models.CharField(_("planned dose"), max_length=100, blank=True)
    pain_instrument = models.CharField(
        _("pain scale"),
        max_length=3,
        choices=(("nrs", "NRS 0–10"), ("vas", "VAS 0–100 mm")),
        default="nrs",
    )

    class Meta:
        ordering = ("start", "id")


class TreatmentSession(models.Model):
    course = models.ForeignKey(TreatmentCourse, on_delete=models.CASCADE, related_name="sessions")
    date = models.DateField(_("date"))
    dose = models.CharField(_("dose"), max_length=100, blank=True)
    pain_before = models.FloatField(_("pain before"), null=True, blank=True)
    pain_after = models.FloatField(_("pain after"), null=True, blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("date", "id")


class ProcedureBooking(models.Model):
    class Kind(models.TextChoices):
        GOLD = "gold_implantation", _("gold implantation")
        STEROID = "steroid_injection", _("steroid injection")
        OTHER = "other", _("other procedure")

    episode = models.OneToOneField(Episode, on_delete=models.CASCADE, related_name="procedure")
    kind = models.CharField(_("procedure"), max_length=30, choices=Kind.choices)
    region = models.CharField(_("region"), max_length=40)
    appointment_date = models.DateField(_("appointment"), null=True, blank=True)


class ReadinessItem(models.Model):
    class Item(models.TextChoices):
        BOOKED = "appointment_booked", _("appointment booked")
        REQUESTED = "imaging_requested", _("images requested")
        RECEIVED = "imaging_received", _("images received")
        PAUSE = "anticoagulant_pause_agreed", _("anticoagulant pause agreed")
        COMPANION = "companion_arranged", _("companion for the ride home")

    class State(models.TextChoices):
        DONE = "done", _("done")
        PENDING = "pending", _("pending")
        NOT_APPLICABLE = "not_applicable", _("not applicable")

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="readiness")
    item = models.CharField(max_length=40, choices=Item.choices)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    date = models.DateField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=("episode", "item"), name="one_readiness_item"),
        )


def axis_codes_of(result: Any) -> dict[str, Any]:
    """Each axis's result code in a stored run's JSON (``{"stepped_care": "step_2"}``): what
    ``KT("result__axes__<axis>__result")`` reads, None where an axis has no result."""
    axes = result.get("axes") if isinstance(result, dict) else None
    if not isinstance(axes, dict):
        return {}
    return {
        name: data.get("result") if isinstance(data, dict) else None for name, data in axes.items()
    }


class ClassificationQuerySet(models.QuerySet["Classification"]):
    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[Classification]:
        """Fill each run's ``axis_codes`` as :meth:`Classification.save` does, which a bulk
        insert skips (the scale generator, the synthetic registry)."""
        objs = list(objs)
        for run in objs:
            run.axis_codes = axis_codes_of(run.result)
        return super().bulk_create(objs, *args, **kwargs)


class Classification(models.Model):
    """One run of the rule engine on an episode, kept so the history shows what changed.

    ``result`` is the core's :class:`painpath.core.rules.Classification` as JSON; read it
    back through :meth:`axis` and :attr:`axes`, which return the core's typed results.
    """

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="classifications")
    as_of = models.DateField()
    result = models.JSONField()  # {"axes": {...}} exactly as the engine returned it
    urgent = models.BooleanField(default=False)
    trigger = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    is_latest = models.BooleanField(default=False, editable=False)
    """The episode's newest run: set when a run is stored, cleared on the one before, so the
    worklist reads each episode's current result without loading its history."""
    # The results the worklist filters on, copied out of ``result`` by the database on every
    # insert (bulk ones too), so that finding the rows never reads the JSON of every run.
    red_flags = models.GeneratedField(
        expression=KT("result__axes__red_flags__result"),
        output_field=models.CharField(max_length=40, null=True),
        db_persist=True,
    )
    step = models.GeneratedField(
        expression=KT("result__axes__stepped_care__result"),
        output_field=models.CharField(max_length=40, null=True),
        db_persist=True,
    )
    readiness = models.GeneratedField(
        expression=KT("result__axes__readiness__result"),
        output_field=models.CharField(max_length=40, null=True),
        db_persist=True,
    )
    axis_codes = models.JSONField(default=dict, editable=False)
    """Each axis's result code alone (:func:`axis_codes_of`), kept on every write, so that
    the registry export finds the axes and their codes without parsing the runs' traces
    (14.5 kB of JSON a run)."""

    objects = ClassificationQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at", "-id")
        get_latest_by = "created_at"
        constraints = (
            # At most one latest run per episode; as a partial index it also finds the
            # latest runs of a clinic's episodes without touching the history.
            models.UniqueConstraint(
                fields=("episode",),
                condition=models.Q(is_latest=True),
                name="one_latest_classification",
            ),
        )
        indexes = (
            # The worklist's candidates among the latest runs, each a small part of them.
            models.Index(
                fields=("episode",),
                condition=models.Q(is_latest=True) & ~models.Q(red_flags="none"),
                name="latest_red_flags",
            ),
            models.Index(
                fields=("episode",),
                condition=models.Q(is_latest=True, step="step_2"),
                name="latest_step_2",
            ),
            models.Index(
                fields=("episode",),
                condition=models.Q(is_latest=True, readiness="not_ready"),
                name="latest_not_ready",
            ),
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Store the run; a new one becomes the episode's latest in the same transaction."""
        self.axis_codes = axis_codes_of(self.result)
        if not self._state.adding:
            super().save(*args, **kwargs)
            return
        with transaction.atomic():
            # The episode's row is locked first: two runs stored at once for one episode
            # (a submission and a logged session) would otherwise both find no other latest
            # run to clear and both insert one, and the second would break the constraint.
            Episode.objects.select_for_update().filter(pk=self.episode_id).values_list("pk").first()
            Classification.objects.filter(episode_id=self.episode_id, is_latest=True).update(
                is_latest=False
            )
            self.is_latest = True
            super().save(*args, **kwargs)

    @cached_property
    def axes(self) -> dict[str, AxisResult]:
        """Every axis of this run as the core's typed result, in the engine's order."""
        stored = self.result.get("axes", {}) if isinstance(self.result, dict) else {}
        return {name: AxisResult.from_dict(name, data) for name, data in stored.items()}

    def axis(self, name: str) -> AxisResult | None:
        return self.axes.get(name)

    def result_of(self, name: str) -> str | None:
        """The result code of one axis (``step_2``), or None when the run lacks the axis."""
        axis = self.axis(name)
        return axis.result if axis is not None else None


class RedFlagAcknowledgement(models.Model):
    """A clinician saw a classification's red flags and says what was done about them."""

    class Action(models.TextChoices):
        REFERRED = "referred", _("Referred for assessment")
        PATIENT_CONTACTED = "patient_contacted", _("Patient contacted")
        NOT_RELEVANT = "not_relevant", _("Judged not relevant")
        # Acknowledgements recorded before the action was asked (a click, no action).
        UNRECORDED = "", _("Not recorded")

    classification = models.OneToOneField(
        Classification, on_delete=models.CASCADE, related_name="acknowledgement"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=20, choices=Action.choices, blank=True)
    note = models.TextField(blank=True)
