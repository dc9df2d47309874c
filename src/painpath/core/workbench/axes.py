"""A shipped rule set's axis computed from baseline scores alone (``--classification
axis:NAME``).

A registry's long scores table holds one ``score`` per instrument and time point: enough for
an axis whose rule set reads instrument totals only (the Örebro short form's risk), not for
one that needs a subscale (STarT Back's psychosocial subscore), intake answers (durations,
regions, red flags) or the clinician's findings. Such an axis is refused with the inputs it
needs (:class:`AxisNeedsInputs`); the extract stores the clinic's own result per axis as an
``axis_<name>`` column, which can be validated instead.

Which input a total fills, and under which name the episode holds it, is the clinic's
episode document (``pathway.services``: the score of ``orebro10`` is the episode's
``questionnaires.orebro_short.score``, read by the rules as ``orebro_short_score``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from painpath.core.errors import PainpathError

__all__ = ["FROM_SCORES", "AxisNeedsInputs", "UnknownAxis", "axis_from_scores"]

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


def axis_from_scores(
    axis: str, baseline: Mapping[str, Mapping[str, float]], *, as_of: dt.date
) -> dict[str, str]:
    """Per patient (``baseline``: patient → instrument → baseline score) the result of the
    shipped rule set for ``axis`` as of ``as_of``, for each patient with every instrument it
    reads; :class:`AxisNeedsInputs` when it reads anything but instrument totals."""
    from painpath.core.rules import builtin_rulesets, classify

    rulesets = builtin_rulesets()
    axes = sorted(rs.axis for rs in rulesets.values())
    if axis not in axes:
        raise UnknownAxis(f"no shipped rule set for axis {axis!r}; axes: {', '.join(axes)}")
    inputs = _inputs(axis, rulesets)
    needed = [name for name in inputs if name not in FROM_SCORES]
    if needed:
        raise AxisNeedsInputs(
            f"axis {axis} needs {', '.join(sorted(set(needed)))}, which a scores table does not "
            f"hold (it computes from instrument totals only); validate the stored result "
            f"(column axis_{axis}) or a classification column of the patients table instead"
        )
    chosen = [rs for rs in rulesets.values() if rs.axis == axis]
    codes = {FROM_SCORES[name][0] for name in inputs}
    out = {}
    for patient, scores in baseline.items():
        if not codes <= scores.keys():
            continue
        questionnaires: dict[str, dict[str, float]] = {}
        for code, name, field in FROM_SCORES.values():
            if code in scores:
                questionnaires.setdefault(name, {})[field] = scores[code]
        result = classify({"questionnaires": questionnaires}, as_of=as_of, rulesets=chosen)
        out[patient] = next(a.result for a in result.axes if a.axis == axis)
    return out
