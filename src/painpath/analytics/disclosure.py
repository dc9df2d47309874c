"""Disclosure control for the researcher's outcome report (docs/disclosure.md): the registry's
minimum cell size, the columns a researcher may filter and compare by, the bands that replace
free age and date ranges, and the researcher's cohort without its rare combinations.

The statistics are :mod:`painpath.core.analytics.disclosure`; this module decides which
columns they run over. Nothing here touches the database: the CLI uses it too."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from painpath.core.analytics import MIXED
from painpath.core.analytics.disclosure import (
    DEFAULT_K,
    WITHHELD_SHARES,
    DisclosurePolicy,
    Withheld,
    withhold_rare_answers,
    withhold_rare_combinations,
)

# Ten-year bands, the two ends open (a free range would let two cohorts differ by one patient).
AGE_BANDS = ("<30", "30-39", "40-49", "50-59", "60-69", "70-79", "80+")
# What a researcher may filter and compare by unless the registry says otherwise
# (PAINPATH_RESEARCH_COLUMNS): every one is a dimension of the atoms, so each added column
# withholds more patients (docs/disclosure.md has the figures).
DEFAULT_RESEARCH_COLUMNS = ("clinic", "treatment", "procedure", "sex", "age_band", "index_year")
# Per patient: which wording group they answered each instrument in (the report never pools
# groups, so a group is a cohort of its own).
WORDING_SIGNATURE = "wording_signature"
TIMEPOINTS = (3, 6, 12, 24)


def policy() -> DisclosurePolicy:
    from django.conf import settings

    return DisclosurePolicy(int(getattr(settings, "PAINPATH_DISCLOSURE_K", DEFAULT_K)))


def research_columns() -> tuple[str, ...]:
    from django.conf import settings

    return tuple(getattr(settings, "PAINPATH_RESEARCH_COLUMNS", DEFAULT_RESEARCH_COLUMNS))


def age_band(age: int | None) -> str | None:
    if age is None:
        return None
    if age < 30:
        return AGE_BANDS[0]
    if age >= 80:
        return AGE_BANDS[-1]
    low = age // 10 * 10
    return f"{low}-{low + 9}"


def with_bands(frame: pl.DataFrame) -> pl.DataFrame:
    """The export with ``age_band`` and ``index_year`` (text) beside age and index date."""
    extra = []
    if "age" in frame.columns:
        # age_band() as a column expression: a Python call per row costs seconds at 200,000.
        age = pl.col("age")
        low = age // 10 * 10
        band = (
            pl.when(age < 30)
            .then(pl.lit(AGE_BANDS[0]))
            .when(age >= 80)
            .then(pl.lit(AGE_BANDS[-1]))
            .otherwise(pl.format("{}-{}", low, low + 9))
        )
        extra.append(band.alias("age_band"))
    if "index_date" in frame.columns:
        extra.append(pl.col("index_date").dt.year().cast(pl.String).alias("index_year"))
    return frame.with_columns(extra) if extra else frame


def _signatures(frame: pl.DataFrame) -> pl.DataFrame:
    """Per patient, their wording group on each instrument (``with_wording_groups``' rule:
    the one wording of their answers at baseline and the report's time points, ``mixed``
    when they differ, a missing wording ``unknown``), as ``instrument:group;…``. In polars:
    a round trip through DuckDB for it cost more than the grouping (issue 13)."""
    return (
        frame.filter(pl.col("timepoint").is_in([0, *TIMEPOINTS]))
        .group_by("patient_id", "instrument")
        .agg(
            _kinds=pl.col("wording").cast(pl.String).fill_null("unknown").n_unique(),
            _kind=pl.col("wording").cast(pl.String).fill_null("unknown").max(),
        )
        .select(
            "patient_id",
            "instrument",
            pl.when(pl.col("_kinds") > 1)
            .then(pl.lit(MIXED))
            .otherwise(pl.col("_kind"))
            .alias("wording_group"),
        )
        .sort("instrument")
        .group_by("patient_id")
        .agg(
            pl.concat_str(["instrument", "wording_group"], separator=":")
            .str.join(";")
            .alias(WORDING_SIGNATURE)
        )
    )


def one_unit_per_person(frame: pl.DataFrame) -> pl.DataFrame:
    """The export with one unit (``patient_id``) per person (``person_id``, when there is
    one): the one with the earliest index date. A person's second episode, or their record at
    a second clinic, would otherwise count as a second patient towards k."""
    if "person_id" not in frame.columns or frame.height == 0:
        return frame
    order = [c for c in ("index_date", "patient_id") if c in frame.columns]
    units = frame.select("patient_id", "person_id", *order[:-1]).unique("patient_id")
    first = (
        units.with_columns(pl.col("person_id").fill_null(pl.col("patient_id")))
        .sort(order, nulls_last=True)
        .unique("person_id", keep="first")
    )
    return frame.filter(pl.col("patient_id").is_in(first["patient_id"].implode()))


def _atoms(frame: pl.DataFrame, dimensions: Sequence[str]) -> tuple[pl.DataFrame, list[str]]:
    """One row per patient: their atom's dimensions (``dimensions`` and, where wording is
    recorded, the wording signature)."""
    people = frame.select("patient_id", *dimensions).unique("patient_id", keep="first")
    if "wording" in frame.columns and frame.height:
        people = people.join(_signatures(frame), on="patient_id", how="left")
        return people, [*dimensions, WORDING_SIGNATURE]
    return people, list(dimensions)


def research_cohort(
    frame: pl.DataFrame, columns: Sequence[str], policy: DisclosurePolicy
) -> tuple[pl.DataFrame, Withheld]:
    """The banded export as researchers see it, so that any two cohorts they can ask for
    differ in every figure by no patient or by at least k (docs/disclosure.md):

    - one unit per person (:func:`one_unit_per_person`), so that k counts persons;
    - only the baseline and the report's time points;
    - without the patients whose combination of ``columns`` (those present) and wording
      groups — their *atom* — is shared by fewer than k patients;
    - without the answers of an atom at a time point where fewer than k of its patients
      answered or went without an answer
      (:func:`~painpath.core.analytics.disclosure.withhold_rare_answers`);
    - with the responder shares each patient's atom makes unsafe (fewer than k responded, or
      did not) in the column ``withheld_shares``, which the report withholds from every
      cohort holding the patient.

    Withholding answers can change a patient's wording group and so their atom: the last two
    steps run until nothing changes."""
    frame = with_bands(frame)
    units = frame["patient_id"].n_unique()
    frame = one_unit_per_person(frame)
    persons = frame["patient_id"].n_unique()
    frame = frame.filter(pl.col("timepoint").is_in([0, *TIMEPOINTS]))
    start = frame
    dimensions = [c for c in columns if c in frame.columns]
    while True:
        people, atom_columns = _atoms(frame, dimensions)
        kept, _ = withhold_rare_combinations(people, atom_columns, policy)
        atoms = kept.join(
            kept.select(atom_columns).unique().with_row_index("_atom"),
            on=atom_columns,
            how="left",
            nulls_equal=True,
        ).select("patient_id", pl.col("_atom").cast(pl.String))
        frame = frame.join(atoms, on="patient_id", how="inner")
        thinned = withhold_rare_answers(frame, "_atom", policy, timepoints=TIMEPOINTS)
        if thinned.scores.height == frame.height:
            break
        frame = thinned.scores.drop("_atom")
    shares = (
        thinned.unsafe_shares.sort("share")
        .group_by("atom")
        .agg(pl.col("share").str.join(";").alias(WITHHELD_SHARES))
        .rename({"atom": "_atom"})
    )
    frame = frame.join(shares, on="_atom", how="left").drop("_atom")
    people_left = frame["patient_id"].n_unique()
    answers_before = start.filter(pl.col("patient_id").is_in(frame["patient_id"].implode()))
    withheld = Withheld(
        patients=persons - people_left,
        k=policy.k,
        answers=answers_before.height - frame.height,
        further_episodes=units - persons,
    )
    return frame.sort(["patient_id", "instrument", "timepoint"]), withheld


__all__ = [
    "AGE_BANDS",
    "DEFAULT_RESEARCH_COLUMNS",
    "age_band",
    "one_unit_per_person",
    "policy",
    "research_cohort",
    "research_columns",
    "with_bands",
]
