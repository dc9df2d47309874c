"""The data dictionary of the pooled extract: what every column, score, item answer and
classification axis means, generated from the definitions painpath computes with (issue 16).

Sources, so that the dictionary cannot drift from the code:

- the extract's tables and columns: :mod:`painpath.core.registry.schema`, with the meaning
  of each column written here (a test fails when a column has none);
- per instrument (``scores.score`` where ``instrument`` is its code): the instrument class in
  :data:`painpath.core.instruments.REGISTRY` — title, version, score range and unit, which
  way is better, minimal important change, subscales, bands, licence and manual;
- per item (``answers.value`` where ``item`` is its linkId): the Questionnaire source
  (:func:`painpath.core.questionnaires.source`, English; painpath's own paraphrase or the
  generic wording, never the licensed text) — the answer codes with their labels, or the range;
- per classification axis (``scores.axis_<axis>``): the shipped rule sets
  (:func:`painpath.core.rules.builtin_rulesets`) — id, version, result codes and labels,
  sources.

CSV: one row per variable — ``table``, ``column``, ``variable`` (where the column holds
several: the instrument code for ``scores.score``, ``<instrument>/<linkId>`` for
``answers.value``, since instruments share linkIds — TSK and TSK-11), ``type``, ``meaning``,
``allowed`` (values or range; a list of codes as ``code = label`` joined by `` | ``),
``unit``, ``source``. ``dictionary_version`` is the first 12 hex digits of
the SHA-256 of that CSV's UTF-8 bytes: the same definitions give the same version on every
run and machine, and the extract's manifest carries it (``dictionary_version``). HTML: the same
rows, self-contained (inline CSS, no script) and printable.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
from collections.abc import Callable, Sequence
from dataclasses import astuple, dataclass, fields
from functools import cache
from typing import Final

import polars as pl

from painpath.core.instruments import REGISTRY, Instrument
from painpath.core.registry.schema import AXIS_PREFIX, EXTRACT_FORMAT, TABLES

__all__ = [
    "COLUMN_MEANINGS",
    "Entry",
    "build",
    "dictionary_version",
    "to_csv",
    "to_html",
    "version_of",
]

LIST: Final = " | "
"""Between the codes of an ``allowed`` list (labels hold commas and semicolons)."""

ANSWER_SYSTEM = "https://painpath.org/fhir/CodeSystem/{code}-answers"

# (meaning, allowed values or range, unit, source) per (table, column). Values kept in the
# Django apps (sex, treatment, procedure kinds) are written out here: the core imports no app;
# tests/core/registry/test_dictionary.py holds them to the models' choices.
COLUMN_MEANINGS: Final[dict[tuple[str, str], tuple[str, str, str, str]]] = {
    ("scores", "patient_id"): (
        "Pseudonym of the episode (unique per site); a person's later episodes are further cases",
        "text",
        "",
        "painpath.core.registry.schema",
    ),
    ("scores", "person_id"): (
        "Pseudonym of the person: HMAC with the registry's key of the CPR number, so that one "
        "person seen at two sites links; empty for a record without a CPR number",
        "text",
        "",
        "painpath.core.registry.schema",
    ),
    ("scores", "site"): ("The contributing site's code in the registry", "text", "", "manifest"),
    ("scores", "instrument"): (
        "The instrument scored (its rows below give each score's meaning)",
        ", ".join(REGISTRY),
        "",
        "painpath.core.instruments.REGISTRY",
    ),
    ("scores", "timepoint"): (
        "Months after the index event at which the answer is placed; 0 = baseline",
        "0 and the protocol's follow-up months",
        "months",
        "painpath.core.followup (protocols in core/data/followup)",
    ),
    ("scores", "score"): (
        "The instrument's score (per instrument: the rows with variable = its code)",
        "the instrument's score range",
        "per instrument",
        "painpath.core.instruments",
    ),
    ("scores", "wording"): (
        "Which wording the patient saw; answers in different wordings are never pooled",
        "licensed, original, paraphrase, unknown",
        "",
        "painpath.core.questionnaires.WORDING_KINDS",
    ),
    ("scores", "wording_id"): (
        "The Questionnaire version and language the patient saw (e.g. 'paraphrase odi-da 1.0.0')",
        "text",
        "",
        "painpath.core.questionnaires.WordingRef",
    ),
    ("scores", "answered_on"): (
        "Date of the answer (shifted by the person's offset when the registry shifts dates)",
        "date",
        "",
        "manifest date_shift",
    ),
    ("scores", "in_window"): (
        "Whether the answer came inside the time point's window",
        "true, false",
        "",
        "painpath.core.followup.place",
    ),
    ("scores", "days_from_target"): (
        "Days between the answer and the time point's target date (negative: before)",
        "whole days",
        "days",
        "painpath.core.followup.place",
    ),
    ("scores", "sex"): (
        "The patient's sex as recorded",
        "female, male, other, unknown",
        "",
        "painpath.patients.models.Sex",
    ),
    ("scores", "age"): ("Age at the index date, whole years", "0–130", "years", "schema"),
    ("scores", "treatment"): (
        "Modality of the episode's first treatment course (empty: none)",
        "relaxation_exercises, acupuncture, exercise_therapy, chiropractic, massage, "
        "pain_medication, tens, other_step1",
        "",
        "painpath.pathway.models.TreatmentCourse.Modality",
    ),
    ("scores", "procedure"): (
        "Kind of the episode's booked procedure (empty: none)",
        "gold_implantation, steroid_injection, other",
        "",
        "painpath.pathway.models.ProcedureBooking.Kind",
    ),
    ("scores", "index_date"): (
        "The date time points are counted from (shifted like answered_on)",
        "date",
        "",
        "follow-up plan, else procedure date, else first visit",
    ),
    ("scores", "index_event"): (
        "What the index date is",
        "follow_up_plan, procedure_date, first_visit",
        "",
        "painpath.analytics.services.export_registry",
    ),
    ("scores", "protocol"): (
        "The follow-up protocol that placed the answers",
        "the protocol ids in core/data/followup",
        "",
        "painpath.core.followup.builtin_protocols",
    ),
    ("scores", "multifidus_fat_grade"): (
        "Multifidus fat infiltration grade of the latest MRI that grades it (empty: none)",
        "0, 1, 2, 3",
        "grade",
        "painpath.pathway.forms.ImagingForm (the grading scale is not named there)",
    ),
    ("scores", "synthetic"): (
        "True for a synthetic (demonstration) patient; never mixed into a real registry",
        "true, false",
        "",
        "painpath.patients.models.Patient.synthetic",
    ),
    ("answers", "patient_id"): ("As scores.patient_id", "text", "", "schema"),
    ("answers", "instrument"): ("As scores.instrument", ", ".join(REGISTRY), "", "schema"),
    ("answers", "timepoint"): ("As scores.timepoint", "as scores.timepoint", "months", "schema"),
    ("answers", "item"): (
        "The Questionnaire item's linkId (its rows below, as <instrument>/<linkId>)",
        "the instrument's linkIds",
        "",
        "painpath.core.questionnaires",
    ),
    ("answers", "value"): (
        "The answer as the instrument stores it, as text: an answer code, a number, true/false",
        "per item",
        "per item",
        "painpath.core.questionnaires",
    ),
    ("answers", "wording_id"): ("As scores.wording_id", "text", "", "schema"),
    ("conditions", "patient_id"): ("As scores.patient_id", "text", "", "schema"),
    ("conditions", "system"): ("Code system of the diagnosis", "ICD-10", "", "schema"),
    ("conditions", "code"): (
        "Diagnosis code in SKS form (e.g. DM545)",
        "ICD-10 codes",
        "",
        "Sundhedsdatastyrelsen SKS",
    ),
    ("conditions", "primary"): ("The episode's primary diagnosis", "true, false", "", "schema"),
    ("conditions", "recorded_on"): ("Date recorded (shifted like answered_on)", "date", "", ""),
    ("procedures", "patient_id"): ("As scores.patient_id", "text", "", "schema"),
    ("procedures", "kind"): (
        "Kind of procedure",
        "gold_implantation, steroid_injection, other",
        "",
        "painpath.pathway.models.ProcedureBooking.Kind",
    ),
    ("procedures", "performed_on"): (
        "Date performed or booked (shifted like answered_on)",
        "date",
        "",
        "",
    ),
}


@dataclass(frozen=True)
class Entry:
    """One variable of the dictionary (one CSV row)."""

    table: str
    column: str
    variable: str
    type: str
    meaning: str
    allowed: str
    unit: str
    source: str


HEADER: Final = tuple(field.name for field in fields(Entry))


def _type(dtype: pl.DataType | type[pl.DataType]) -> str:
    return {
        "String": "text",
        "Int64": "integer",
        "Float64": "number",
        "Boolean": "true/false",
        "Date": "date (ISO 8601)",
    }.get(str(dtype), str(dtype))


def _number(value: float) -> str:
    return f"{value:g}"


def _instrument(cls: type[Instrument]) -> Entry:
    low, high = cls.score_range
    direction = "higher is better" if cls.higher_is_better else "higher is worse"
    parts = [f"{cls.title} {cls.version} score; {direction}"]
    if cls.mic is not None:
        mic = [
            *([f"{_number(cls.mic.absolute)} {cls.score_unit}"] if cls.mic.absolute else []),
            *([f"{_number(cls.mic.relative * 100)} %"] if cls.mic.relative else []),
        ]
        parts.append(f"minimal important change {' or '.join(mic)} ({cls.mic.source})")
    if cls.subscale_names:
        parts.append(f"subscales (not in the extract): {', '.join(cls.subscale_names)}")
    if cls.bands:
        bands = ", ".join(f"≤ {_number(b.upper)} {b.label}" for b in cls.bands)
        parts.append(f"bands: {bands} ({cls.band_source})")
    parts.append(f"missing answers: at most {cls.max_missing} ({cls.missing_rule})")
    parts.append(f"licence: {cls.licence}")
    return Entry(
        table="scores",
        column="score",
        variable=cls.code,
        type="number",
        meaning="; ".join(parts),
        allowed=f"{_number(low)}–{_number(high)}",
        unit=cls.score_unit,
        source=cls.source,
    )


def _items(cls: type[Instrument]) -> list[Entry]:
    from painpath.core.questionnaires import source

    src = source(cls.code)
    out = []
    for item, text in zip(cls.items, src.items, strict=True):
        if text.options:
            allowed = LIST.join(f"{o.code} = {o.display['en']}" for o in text.options)
            kind = "text (answer code)"
        else:
            allowed = f"{_number(item.low)}–{_number(item.high)}"
            kind = "text (whole number)" if item.integer else "text (number)"
        note = " (optional)" if item.optional else ""
        out.append(
            Entry(
                table="answers",
                column="value",
                variable=f"{cls.code}/{item.code}",
                type=kind,
                meaning=f"{cls.title}: {text.text['en']}{note}",
                allowed=allowed,
                unit="",
                source=f"questionnaires/source/{cls.code}.yaml ({src.wording} wording); "
                + ANSWER_SYSTEM.format(code=cls.code),
            )
        )
    return out


def _axes() -> list[Entry]:
    from painpath.core.rules import builtin_rulesets

    out = []
    for rs in sorted(builtin_rulesets().values(), key=lambda rs: rs.axis):
        results = LIST.join(f"{code} = {value.label}" for code, value in rs.results.items())
        out.append(
            Entry(
                table="scores",
                column=f"{AXIS_PREFIX}{rs.axis}",
                variable="",
                type="text",
                meaning=f"{rs.title}: the latest classification's result (rule set {rs.id} "
                f"{rs.version}, {rs.file}); empty when not classified",
                allowed=results,
                unit="",
                source=" | ".join(s.citation for s in rs.sources) + f" | licence: {rs.licence}",
            )
        )
    return out


def build() -> list[Entry]:
    """Every variable: the extract's columns, then each instrument's score, its items, and
    each classification axis."""
    entries = []
    for table, columns in TABLES.items():
        for column, dtype in columns.items():
            meaning, allowed, unit, source = COLUMN_MEANINGS[(table, column)]
            entries.append(Entry(table, column, "", _type(dtype), meaning, allowed, unit, source))
    for cls in REGISTRY.values():
        entries.append(_instrument(cls))
        entries += _items(cls)
    return entries + _axes()


def to_csv(entries: Sequence[Entry]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(astuple(entry) for entry in entries)
    return buffer.getvalue()


def version_of(text: str) -> str:
    """The dictionary version of a CSV text: its SHA-256, 12 hex digits."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


@cache
def dictionary_version() -> str:
    """The version of the dictionary this painpath generates (what a manifest carries)."""
    return version_of(to_csv(build()))


_CSS = """
body { font: 10pt/1.35 system-ui, sans-serif; margin: 1.5em; color: #111; }
h1 { font-size: 15pt; } h2 { font-size: 12pt; margin-top: 1.5em; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #bbb; padding: 3px 5px; vertical-align: top; text-align: left; }
th { background: #eee; } td.code { font-family: ui-monospace, monospace; white-space: nowrap; }
thead { display: table-header-group; } tr { break-inside: avoid; }
@page { size: A4 landscape; margin: 12mm; }
@media print { body { margin: 0; } h2 { break-after: avoid; } }
"""

_SECTIONS: Final[tuple[tuple[str, Callable[[Entry], bool]], ...]] = (
    ("Extract columns", lambda e: e.variable == "" and not e.column.startswith(AXIS_PREFIX)),
    (
        "Instrument scores (scores.score by instrument)",
        lambda e: e.column == "score" and e.variable != "",
    ),
    ("Item answers (answers.value by item)", lambda e: e.table == "answers" and e.variable != ""),
    ("Classification axes", lambda e: e.column.startswith(AXIS_PREFIX)),
)


def to_html(entries: Sequence[Entry], version: str) -> str:
    """A self-contained, printable page of ``entries``."""
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>painpath data dictionary {e(version)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>painpath data dictionary <code>{e(version)}</code></h1>",
        f"<p>Extract format {e(EXTRACT_FORMAT)}; {len(entries)} variables. The version is the "
        "first 12 hex digits of the SHA-256 of dictionary.csv; an extract's manifest names the "
        "version its columns mean (<code>dictionary_version</code>).</p>",
    ]
    for title, belongs in _SECTIONS:
        rows = [entry for entry in entries if belongs(entry)]
        parts.append(f"<h2>{e(title)}</h2><table><thead><tr>")
        parts += [f"<th>{e(name)}</th>" for name in HEADER]
        parts.append("</tr></thead><tbody>")
        for entry in rows:
            cells = [
                f'<td class="code">{e(v)}</td>' if i < 3 else f"<td>{e(v)}</td>"
                for i, v in enumerate(astuple(entry))
            ]
            parts.append(f"<tr>{''.join(cells)}</tr>")
        parts.append("</tbody></table>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
