"""The API's request and response bodies (the OpenAPI document is generated from these)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict

from painpath.core.instruments import REGISTRY

Answer = int | float | str | bool | None


class ErrorItem(Schema):
    loc: list[str | int]
    msg: str


class ErrorOut(Schema):
    detail: str
    errors: list[ErrorItem] = Field(default_factory=list)


class PatientById(Schema):
    """The patient by their public id (as painpath shows it)."""

    model_config = ConfigDict(extra="forbid")
    public_id: uuid.UUID


class PatientByCpr(Schema):
    """The patient by their CPR number, within the client's clinic."""

    model_config = ConfigDict(extra="forbid")
    cpr: str = Field(max_length=20, examples=["010190-1234"])


# Every instrument painpath scores, so that the document lists them (an enum of keys).
InstrumentCode = Literal[tuple(REGISTRY)]  # type: ignore[valid-type]


class InstrumentAnswers(Schema):
    """One instrument's answers and the Questionnaire the patient answered: its canonical, or
    the language of painpath's Questionnaire in its current version."""

    model_config = ConfigDict(extra="forbid")
    questionnaire: str | None = Field(
        None,
        max_length=300,
        description="The canonical `url|version` of the painpath Questionnaire the patient "
        "answered (as painpath's FHIR Questionnaires name themselves). Give this or `language`.",
        examples=["https://painpath.org/fhir/Questionnaire/odi-da|1.0.0"],
    )
    language: Literal["da", "en", "de"] | None = Field(
        None,
        description="painpath's Questionnaire in this language, its current version (or the "
        "language of a `questionnaire` canonical that names none).",
    )
    items: dict[str, Answer] = Field(
        description="The answers by item code, as painpath stores them (docs/api.md).",
        examples=[{"nrs": 6}],
    )


class IntakeIn(Schema):
    model_config = ConfigDict(extra="forbid")
    submission_id: uuid.UUID = Field(
        description="Chosen by the client, once per intake: a repeat with the same id stores "
        "nothing and returns what was stored."
    )
    patient: PatientById | PatientByCpr = Field(description="Exactly one of the two.")
    episode: uuid.UUID | None = Field(
        None, description="The episode's public id; default: the patient's newest open one."
    )
    answered_on: dt.date | None = Field(None, description="Default: today; never in the future.")
    answers: dict[InstrumentCode, InstrumentAnswers] = Field(
        description="Per instrument code (odi, nrs, startback, …), the Questionnaire the "
        "patient answered and the answers by item code.",
        examples=[{"nrs": {"language": "da", "items": {"nrs": 6}}}],
    )


class ScoreOut(Schema):
    instrument: str
    answered_on: dt.date
    score: float | None
    subscales: dict[str, float | None]
    band: str
    source: str
    language: str
    wording: str = Field(
        description="The wording the patient saw: original, licensed, paraphrase (painpath's "
        "own: not the validated instrument) or unknown."
    )
    questionnaire: str | None = Field(
        description="The canonical `url|version` of the Questionnaire answered; null when the "
        "wording is unknown."
    )


class AxisOut(Schema):
    axis: str
    result: str
    label: str
    ruleset: str
    version: str
    as_of: dt.date
    urgent: bool
    grade: str | None = Field(
        description="The result when the rule set grades it (red flags: emergency, urgent, "
        "review); null otherwise."
    )
    grade_rank: int | None = Field(description="0 is the most severe grade.")
    fired: list[str] = Field(description="The rules that fired (the reasons for the result).")
    findings: list[str]
    needs: list[str] = Field(description="Inputs whose absence left a rule undecided.")


class ClassificationOut(Schema):
    as_of: dt.date
    created_at: dt.datetime
    trigger: str
    axes: list[AxisOut] = Field(description="Red flags first, then urgent axes, then the rest.")


class EpisodeOut(Schema):
    public_id: uuid.UUID
    patient: uuid.UUID
    complaint: str
    region: str
    status: str
    onset_date: dt.date | None
    scores: list[ScoreOut]
    classification: ClassificationOut | None


class IntakeOut(Schema):
    submission_id: uuid.UUID
    created: bool = Field(description="False: a repeat; nothing was stored.")
    episode: uuid.UUID
    responses: list[ScoreOut]
    classification: ClassificationOut | None


class ReportOut(Schema):
    """As ``painpath report -f json`` writes it (docs/report.md)."""

    painpath_version: str
    cohort: dict[str, Any]
    timepoints: list[int]
    definitions: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    wording: dict[str, Any]
    disclosure: dict[str, Any]


class ExtractOut(Schema):
    site: str
    status: Literal["accepted", "unchanged"] = Field(
        description="unchanged: the same data as the last accepted extract; nothing written."
    )
    counts: dict[str, int] = Field(description="Rows per table of the extract.")
    persons: int
    removed_persons: int = Field(
        description="Persons of the site's last extract missing from this one (consent "
        "withdrawn): their rows are gone."
    )
