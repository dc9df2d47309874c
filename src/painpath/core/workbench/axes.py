"""A shipped rule set's axis computed from baseline scores, and from baseline item answers
where the registry holds them (``--classification axis:NAME``).

A registry's long scores table holds one ``score`` per instrument and time point: enough for
an axis whose rule set reads instrument totals only (the Örebro short form's risk), not for
one that needs a subscale (STarT Back's psychosocial subscore), intake answers (durations,
regions, red flags) or the clinician's findings. Such an axis is refused with the inputs it
needs (:class:`AxisNeedsInputs`); the extract stores the clinic's own result per axis as an
``axis_<name>`` column, which can be validated instead.

With the baseline answers (the extract's ``answers`` table) each instrument is scored as the
clinic scores it, so its subscales fill the inputs the clinic fills from them
(:func:`baseline_questionnaires`; STarT Back's psychosocial subscore, PHQ-9 item 9).

Which input a total fills, and under which name the episode holds it, is the clinic's
episode document (``pathway.services``: the score of ``orebro10`` is the episode's
``questionnaires.orebro_short.score``, read by the rules as ``orebro_short_score``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from painpath.core.errors import PainpathError

__all__ = [
    "FROM_ANSWERS",
    "FROM_SCORES",
    "SCORE_FIELDS",
    "AxisNeedsInputs",
    "UnknownAxis",
    "axis_from_scores",
    "baseline_questionnaires",
    "inputs_of",
]

FROM_SCORES: dict[str, tuple[str, str, str]] = {
    # rule input: (instrument code in the scores table, episode questionnaire, its field)
    "startback_total": ("startback", "startback", "total"),
    "orebro_short_score": ("orebro10", "orebro_short", "score"),
    "dn4_score": ("dn4", "dn4", "total"),
    "dn4_interview_score": ("dn4i", "dn4_interview", "total"),
    "phq9_score": ("phq9", "phq9", "total"),
    "gad7_score": ("gad7", "gad7", "total"),
    "csi_score": ("csi", "csi", "total"),
}
"""The rule inputs a long scores table can fill: each an instrument's total score."""

SCORE_FIELDS: dict[str, tuple[str, dict[str, str]]] = {
    # instrument: (episode questionnaire, {its field: the score or subscale that fills it})
    "startback": ("startback", {"total": "score", "psychosocial": "psychosocial"}),
    "orebro10": ("orebro_short", {"score": "score"}),
    "dn4": ("dn4", {"total": "score", "interview": "interview"}),
    "dn4i": ("dn4_interview", {"total": "score"}),
    "phq9": ("phq9", {"total": "score", "item9": "item9"}),
    "gad7": ("gad7", {"total": "score"}),
    "hads": ("hads", {"anxiety": "anxiety", "depression": "depression"}),
    "csi": ("csi", {"total": "score"}),
}
"""The episode document's ``questionnaires``: the clinic builds it with this mapping
(``pathway.services.scores_of``), and so does the workbench from pooled answers."""

FROM_ANSWERS: dict[str, tuple[str, str]] = {
    # rule input: (episode questionnaire, its field), as core.rules.derive reads them
    "startback_total": ("startback", "total"),
    "startback_psychosocial": ("startback", "psychosocial"),
    "orebro_short_score": ("orebro_short", "score"),
    "dn4_score": ("dn4", "total"),
    "dn4_interview_score": ("dn4_interview", "total"),
    "phq9_item9": ("phq9", "item9"),
    "phq9_score": ("phq9", "total"),
    "gad7_score": ("gad7", "total"),
    "hads_anxiety": ("hads", "anxiety"),
    "hads_depression": ("hads", "depression"),
    "csi_score": ("csi", "total"),
}
"""The rule inputs baseline answers can fill: totals and subscales."""


class UnknownAxis(PainpathError, ValueError):
    """No shipped rule set classifies on that axis."""


class AxisNeedsInputs(PainpathError, ValueError):
    """The axis's rule set reads inputs a scores table does not hold."""


def _inputs(axis: str, rulesets: Mapping[str, Any]) -> list[str]:
    """The inputs the axis's rule set reads, through the axes it reads."""
    by_axis = {rs.axis: rs for rs in rulesets.values()}
    inputs: list[str] = []
    for name in by_axis[axis].inputs:
        if name.startswith("axis_"):
            inputs += _inputs(name.removeprefix("axis_"), rulesets)
        else:
            inputs.append(name)
    return inputs


def _value(answer: object) -> object:
    # The extract keeps every answer as text; the instruments score numbers.
    if isinstance(answer, str):
        try:
            number = float(answer)
        except ValueError:
            return answer
        return int(number) if number.is_integer() else number
    return answer


def baseline_questionnaires(
    answers: Mapping[str, Mapping[str, Mapping[str, object]]],
    totals: Mapping[str, Mapping[str, float]] | None = None,
) -> dict[str, dict[str, dict[str, float]]]:
    """Per patient the episode document's ``questionnaires`` as the clinic builds it:
    ``answers`` (patient → instrument → item → answer) scored by painpath's instruments for
    the subscales, else the ``totals`` (patient → instrument → score) for the totals alone. An
    instrument whose answers do not score (too many missing) is left out for that patient."""
    from painpath.core.instruments import REGISTRY

    # One scorer per instrument: a registry scores thousands of patients.
    scorers = {code: REGISTRY[code]() for code in SCORE_FIELDS if code in REGISTRY}
    out: dict[str, dict[str, dict[str, float]]] = {}
    for patient in answers.keys() | (totals or {}).keys():
        items = answers.get(patient, {})
        scores = (totals or {}).get(patient, {})
        doc: dict[str, dict[str, float]] = {}
        for code, (name, fields) in SCORE_FIELDS.items():
            values: dict[str, float | None]
            if code in items and code in scorers:
                try:
                    result = scorers[code].score(
                        {item: _value(v) for item, v in items[code].items()}
                    )
                except PainpathError:
                    continue
                values = {"score": result.score, **result.subscales}
            elif code in scores:
                values = {"score": scores[code]}
            else:
                continue
            found = {
                target: value
                for target, source in fields.items()
                if (value := values.get(source)) is not None
            }
            if found:
                doc[name] = found
        if doc:
            out[patient] = doc
    return out


def axis_from_scores(
    axis: str,
    baseline: Mapping[str, Mapping[str, float]],
    *,
    as_of: dt.date,
    answers: Mapping[str, Mapping[str, Mapping[str, object]]] | None = None,
) -> dict[str, str]:
    """Per patient (``baseline``: patient → instrument → baseline score; ``answers``: patient →
    instrument → item → baseline answer) the result of the shipped rule set for ``axis`` as of
    ``as_of``, for each patient with every input it reads; :class:`AxisNeedsInputs` when it
    reads anything but instrument totals (without ``answers``) or scores and subscales."""
    from painpath.core.rules import builtin_rulesets, classify

    rulesets = builtin_rulesets()
    axes = sorted(rs.axis for rs in rulesets.values())
    if axis not in axes:
        raise UnknownAxis(f"no shipped rule set for axis {axis!r}; axes: {', '.join(axes)}")
    inputs = set(_inputs(axis, rulesets))
    fillable = FROM_SCORES if answers is None else FROM_ANSWERS
    needed = [name for name in inputs if name not in fillable]
    if needed:
        held = (
            "a scores table does not hold (it computes from instrument totals only)"
            if answers is None
            else "neither the scores nor the item answers hold"
        )
        raise AxisNeedsInputs(
            f"axis {axis} needs {', '.join(sorted(set(needed)))}, which {held}; validate the "
            f"stored result (column axis_{axis}) or a classification column of the patients "
            f"table instead"
        )
    chosen = [rs for rs in rulesets.values() if rs.axis == axis]
    docs = baseline_questionnaires(answers or {}, baseline)
    out = {}
    for patient, given in inputs_of(inputs, docs).items():
        result = classify({"questionnaires": given}, as_of=as_of, rulesets=chosen)
        out[patient] = next(a.result for a in result.axes if a.axis == axis)
    return out


def inputs_of(
    inputs: Iterable[str], docs: Mapping[str, Mapping[str, Mapping[str, float]]]
) -> dict[str, dict[str, Mapping[str, float]]]:
    """Per patient the ``questionnaires`` that fill every one of ``inputs`` (names in
    :data:`FROM_ANSWERS`), from ``docs`` (:func:`baseline_questionnaires`); a patient lacking
    any is left out. The rule engine reads every field of a questionnaire it is given, so it
    is given only those the inputs read, and only whole."""
    wanted = {FROM_ANSWERS[name] for name in inputs}
    names = {name for name, _ in wanted}
    whole = {name: {f for n, f in FROM_ANSWERS.values() if n == name} for name in names}
    out = {}
    for patient, doc in docs.items():
        if all(whole[name] <= doc.get(name, {}).keys() for name in names):
            out[patient] = {name: doc[name] for name in names}
    return out
