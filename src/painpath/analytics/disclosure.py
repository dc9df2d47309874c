"""Disclosure control for the researcher's outcome report (docs/disclosure.md): the registry's
minimum cell size, the columns a researcher may filter and compare by, the bands that replace
free age and date ranges, and the researcher's cohort without its rare combinations.

The statistics are :mod:`painpath.core.analytics.disclosure`; this module decides which
columns they run over. Nothing here touches the database: the CLI uses it too."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from painpath.core.analytics import with_wording_groups
from painpath.core.analytics.disclosure import (
    DEFAULT_K,
    DisclosurePolicy,
    Withheld,
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
        extra.append(pl.col("age").map_elements(age_band, return_dtype=pl.String).alias("age_band"))
    if "index_date" in frame.columns:
        extra.append(pl.col("index_date").dt.year().cast(pl.String).alias("index_year"))
    return frame.with_columns(extra) if extra else frame


def _signatures(frame: pl.DataFrame) -> pl.DataFrame:
    import ibis

    scores = frame.select("patient_id", "instrument", "timepoint", "wording")
    grouped = with_wording_groups(ibis.memtable(scores), TIMEPOINTS).to_polars()
    return (
        grouped.select("patient_id", "instrument", "wording_group")
        .unique()
        .sort("instrument")
        .group_by("patient_id")
        .agg(
            pl.concat_str(["instrument", "wording_group"], separator=":")
            .str.join(";")
            .alias(WORDING_SIGNATURE)
        )
    )


def research_cohort(
    frame: pl.DataFrame, columns: Sequence[str], policy: DisclosurePolicy
) -> tuple[pl.DataFrame, Withheld]:
    """The banded export without the patients whose combination of ``columns`` (those
    present) and wording groups is shared by fewer than k patients — so that any two cohorts
    a researcher can ask for differ by none or by at least k patients."""
    frame = with_bands(frame)
    dimensions = [c for c in columns if c in frame.columns]
    people = frame.select("patient_id", *dimensions).unique("patient_id", keep="first")
    if "wording" in frame.columns and frame.height:
        people = people.join(_signatures(frame), on="patient_id", how="left")
        dimensions.append(WORDING_SIGNATURE)
    kept, withheld = withhold_rare_combinations(people, dimensions, policy)
    return frame.filter(pl.col("patient_id").is_in(kept["patient_id"].implode())), withheld


__all__ = [
    "AGE_BANDS",
    "DEFAULT_RESEARCH_COLUMNS",
    "age_band",
    "policy",
    "research_cohort",
    "research_columns",
    "with_bands",
]
