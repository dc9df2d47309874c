"""The tables a clinic sends a registry: the contract every part of the registry shares.

A **pooled extract** is one clinic's (one *site's*) complete current contribution: a registry
replaces that site's rows with each extract it accepts, so that sending the same extract twice
changes nothing and a patient whose research consent was withdrawn disappears with the next
upload. It holds four tables and a manifest:

- ``scores``: the outcome report's long table (``painpath report -i`` reads it unchanged), one
  row per episode, instrument and time point, with the cohort columns beside it and the latest
  classification's result per axis as ``axis_<name>`` columns (any number of them, strings);
- ``answers``: the item answers behind those scores (what latent class analysis on baseline
  items and a FHIR ``QuestionnaireResponse`` need), one row per answered item;
- ``conditions``: the record's diagnoses (ICD-10 in SKS form, the primary one marked);
- ``procedures``: procedures performed or booked, by painpath's procedure kind.

Keys: ``patient_id`` is a pseudonym of the *episode* (unique per site), ``person_id`` a
pseudonym of the *person* (an HMAC with the registry's key of the CPR number, so that one
person seen at two sites links and nobody without the key can reverse it). No name, CPR
number, birth date, address, e-mail or telephone number is ever a column or a value; dates are
either kept or shifted by a per-person offset, as the registry chooses (``date_shift`` in the
manifest); ages are whole years.
"""

from __future__ import annotations

from typing import Final

import polars as pl

# Bumped when a column is added, removed or changes meaning; the registry refuses an extract
# whose major version it does not know.
EXTRACT_FORMAT: Final = "painpath-extract/1"

SCORES: Final[dict[str, pl.DataType | type[pl.DataType]]] = {
    "patient_id": pl.String,
    "person_id": pl.String,
    "site": pl.String,
    "instrument": pl.String,
    "timepoint": pl.Int64,
    "score": pl.Float64,
    "wording": pl.String,
    "wording_id": pl.String,
    "answered_on": pl.Date,
    "in_window": pl.Boolean,
    "days_from_target": pl.Int64,
    "sex": pl.String,
    "age": pl.Int64,
    "treatment": pl.String,
    "procedure": pl.String,
    "index_date": pl.Date,
    "index_event": pl.String,
    "protocol": pl.String,
    "multifidus_fat_grade": pl.Int64,
    "synthetic": pl.Boolean,
}
"""Required columns of ``scores``; ``axis_<name>`` columns (String) may follow."""

AXIS_PREFIX: Final = "axis_"

ANSWERS: Final[dict[str, pl.DataType | type[pl.DataType]]] = {
    "patient_id": pl.String,
    "instrument": pl.String,
    "timepoint": pl.Int64,
    "item": pl.String,
    "value": pl.String,
    "wording_id": pl.String,
}
"""``item`` is the Questionnaire item's ``linkId``; ``value`` the answer as the instrument
stores it, as text (a code such as ``"3"``, a number such as ``"6.5"``, ``"true"``)."""

CONDITIONS: Final[dict[str, pl.DataType | type[pl.DataType]]] = {
    "patient_id": pl.String,
    "system": pl.String,
    "code": pl.String,
    "primary": pl.Boolean,
    "recorded_on": pl.Date,
}
"""``system`` is ``"ICD-10"`` (SKS form, e.g. ``DM545``) for now."""

PROCEDURES: Final[dict[str, pl.DataType | type[pl.DataType]]] = {
    "patient_id": pl.String,
    "kind": pl.String,
    "performed_on": pl.Date,
}

TABLES: Final = {
    "scores": SCORES,
    "answers": ANSWERS,
    "conditions": CONDITIONS,
    "procedures": PROCEDURES,
}

MANIFEST_KEYS: Final = (
    "format",  # EXTRACT_FORMAT
    "site",  # the contributing site's code in the registry
    "registry",  # the registry's code
    "created_at",  # ISO 8601 with offset
    "painpath_version",
    "dictionary_version",  # the data dictionary the columns mean (painpath registry dictionary)
    "date_shift",  # "none" or "per-person"
    "rows",  # {"scores": n, "answers": n, "conditions": n, "procedures": n}
    "sha256",  # {"scores": hex, …}: of each table's file as sent
)
