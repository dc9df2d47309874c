"""Follow-up protocols: when a patient is asked again, for what, and how often reminded.

A protocol is configuration (``core/data/followup/*.yaml``): the index event it counts from,
its time points (months after the index date, each with a window of ± days), the
instruments, the reminder cadence and when to give up. This module turns a protocol and an
index date into due dates, and places an answer on the time point it belongs to — flagged
when it came outside the window, never dropped.

The instruments depend on the episode's main region (:meth:`FollowUpProtocol.instruments_for`):
pain as the average over the last week on the 0–10 NRS and quality of life on the EQ-5D-5L
for everyone, with the disability measure made for that region — ODI for the low back, NDI
for the neck, OKS for the knee, OHS for the hip (IMMPACT: Dworkin RH et al. Pain
2005;113:9–19; Dworkin et al. J Pain 2008;9:105–21) — and the generic set elsewhere.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from painpath.core.errors import PainpathError
from painpath.core.instruments import REGISTRY
from painpath.core.rules.derive import add_months
from painpath.core.vocabularies import region_codes

__all__ = [
    "INDEX_EVENTS",
    "DuePoint",
    "FollowUpProtocol",
    "Placement",
    "ProtocolError",
    "TimePoint",
    "builtin_protocol_texts",
    "builtin_protocols",
    "load_protocol",
    "parse_protocol",
    "place",
    "schedule",
    "version_key",
]

INDEX_EVENTS = ("first_visit", "course_start", "procedure_date")


class ProtocolError(PainpathError):
    """A protocol file that cannot be used; the message names the file and the field."""


@dataclass(frozen=True)
class TimePoint:
    months: int
    window_days: int


@dataclass(frozen=True)
class FollowUpProtocol:
    id: str
    version: str
    title: str
    index_event: str
    timepoints: tuple[TimePoint, ...]
    instruments: tuple[str, ...]
    """The default set: for a region without its own set, or no region recorded."""
    reminder_after_days: tuple[int, ...]
    give_up: str
    source: str
    by_region: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """(region code, instruments) for the regions with their own set, in file order."""
    titles: tuple[tuple[str, str], ...] = ()
    """(language, title) for the languages the file gives; ``title`` is the English one."""

    def title_in(self, language: str) -> str:
        """The title in ``language`` if the file gives it, else in English."""
        return dict(self.titles).get(language, self.title)

    def instruments_for(self, region: str | None) -> tuple[str, ...]:
        """The instruments to ask about an episode whose main region is ``region`` (a code of
        the regions vocabulary; empty or None: not recorded)."""
        return dict(self.by_region).get(region or "", self.instruments)


@dataclass(frozen=True)
class DuePoint:
    months: int
    target: dt.date
    window_start: dt.date
    window_end: dt.date

    def reminders(self, protocol: FollowUpProtocol) -> tuple[dt.date, ...]:
        """When to send: the link when the window opens, then each reminder, never after the
        window closes (the give-up point)."""
        sends = [self.window_start] + [
            self.window_start + dt.timedelta(days=d) for d in protocol.reminder_after_days
        ]
        return tuple(day for day in sends if day <= self.window_end)


@dataclass(frozen=True)
class Placement:
    """Where an answer belongs: its time point, and whether it came inside that window."""

    months: int
    target: dt.date
    days_from_target: int
    in_window: bool


def _protocol(data: Any, origin: str) -> FollowUpProtocol:
    def need(key: str) -> Any:
        if not isinstance(data, dict) or key not in data:
            raise ProtocolError(f"{origin}: missing {key!r}")
        return data[key]

    index_event = need("index_event")
    if index_event not in INDEX_EVENTS:
        raise ProtocolError(
            f"{origin}: index_event {index_event!r}; use one of {', '.join(INDEX_EVENTS)}"
        )
    points = []
    for n, raw in enumerate(need("timepoints"), start=1):
        try:
            point = TimePoint(int(raw["months"]), int(raw["window_days"]))
        except (KeyError, TypeError, ValueError):
            raise ProtocolError(
                f"{origin}: timepoints[{n}] needs whole 'months' and 'window_days'"
            ) from None
        if point.months <= 0 or point.window_days < 0:
            raise ProtocolError(f"{origin}: timepoints[{n}]: months > 0, window_days ≥ 0")
        points.append(point)
    months = [p.months for p in points]
    if months != sorted(set(months)):
        raise ProtocolError(f"{origin}: timepoints must be increasing and distinct")
    instruments, by_region = _instruments(need("instruments"), origin)
    title, titles = _titles(need("title"), origin)
    reminders = need("reminders")
    give_up = reminders.get("give_up", "window_end") if isinstance(reminders, dict) else None
    if give_up != "window_end":
        raise ProtocolError(f"{origin}: reminders.give_up supports 'window_end' only")
    after = tuple(int(d) for d in reminders.get("after_days", ()))
    if any(d <= 0 for d in after) or list(after) != sorted(set(after)):
        raise ProtocolError(f"{origin}: reminders.after_days must be increasing and positive")
    return FollowUpProtocol(
        id=str(need("id")),
        version=str(need("version")),
        title=title,
        index_event=index_event,
        timepoints=tuple(points),
        instruments=instruments,
        reminder_after_days=after,
        give_up=give_up,
        source=" ".join(str(need("source")).split()),
        by_region=by_region,
        titles=titles,
    )


def _titles(raw: Any, origin: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """``title`` is one English text, or ``{en: …, da: …, de: …}`` (English required)."""
    if isinstance(raw, dict):
        if not isinstance(raw.get("en"), str):
            raise ProtocolError(f"{origin}: title needs an 'en' text")
        return raw["en"], tuple((str(lang), str(text)) for lang, text in raw.items())
    return str(raw), ()


def _instrument_list(raw: Any, where: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw:
        raise ProtocolError(f"{where}: a list of instrument codes, e.g. [nrs, odi, eq5d5l]")
    unknown = [str(code) for code in raw if code not in REGISTRY]
    if unknown:
        raise ProtocolError(
            f"{where}: unknown instrument(s) {', '.join(unknown)}; known: {', '.join(REGISTRY)}"
        )
    if len(set(raw)) != len(raw):
        raise ProtocolError(f"{where}: an instrument is listed twice")
    # A protocol's instruments go to the patient (a link, a reminder).
    clinician = [f"{REGISTRY[c].title} ({c})" for c in raw if REGISTRY[c].respondent != "patient"]
    if clinician:
        raise ProtocolError(
            f"{where}: {', '.join(clinician)} is answered by the clinician (an examination), "
            "not by the patient, so a protocol cannot send it"
        )
    return tuple(raw)


def _instruments(
    raw: Any, origin: str
) -> tuple[tuple[str, ...], tuple[tuple[str, tuple[str, ...]], ...]]:
    """``instruments`` is one list for every episode, or per region: ``{default: [...],
    low_back: [...], ...}`` with region codes from the regions vocabulary."""
    if isinstance(raw, list):
        return _instrument_list(raw, f"{origin}: instruments"), ()
    if not isinstance(raw, dict) or "default" not in raw:
        raise ProtocolError(
            f"{origin}: instruments must be a list, or a mapping from region codes to lists "
            "with a 'default' entry for the other regions"
        )
    regions = region_codes()
    unknown = [str(key) for key in raw if key != "default" and key not in regions]
    if unknown:
        raise ProtocolError(
            f"{origin}: instruments: unknown region(s) {', '.join(unknown)}; "
            f"use codes of the regions vocabulary ({', '.join(regions)}) or 'default'"
        )
    default = _instrument_list(raw["default"], f"{origin}: instruments.default")
    by_region = tuple(
        (str(region), _instrument_list(codes, f"{origin}: instruments.{region}"))
        for region, codes in raw.items()
        if region != "default"
    )
    return default, by_region


def load_protocol(path: Path) -> FollowUpProtocol:
    """A protocol from a YAML file (a clinic's own); errors name the file and field."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ProtocolError(f"{path}: {error}") from None
    return parse_protocol(text, str(path))


def parse_protocol(text: str, origin: str = "protocol") -> FollowUpProtocol:
    """A protocol from its YAML text (a file, an edit on screen, an upload); errors name
    ``origin`` and the field. The version must be numbers separated by dots (1.2.0)."""
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError, RecursionError) as error:
        # ValueError: a date YAML cannot build (0000-00-00); RecursionError: nesting too deep.
        raise ProtocolError(f"{origin}: not valid YAML: {error}") from None
    protocol = _protocol(data, origin)
    try:
        version_key(protocol.version)
    except ValueError:
        raise ProtocolError(
            f"{origin}: version {protocol.version!r}; write numbers separated by dots, e.g. 1.2.0"
        ) from None
    return protocol


def version_key(version: str) -> tuple[int, ...]:
    """For comparing versions: ``1.10.0`` is after ``1.9.2``. ValueError if not numeric."""
    parts = tuple(int(part) for part in version.split("."))
    if any(part < 0 for part in parts):
        raise ValueError(version)
    return parts


@cache
def builtin_protocol_texts() -> dict[str, str]:
    """The shipped protocols' YAML text by protocol id."""
    folder = resources.files("painpath.core.data").joinpath("followup")
    out = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            text = entry.read_text(encoding="utf-8")
            out[_protocol(yaml.safe_load(text), entry.name).id] = text
    return out


@cache
def builtin_protocols() -> dict[str, FollowUpProtocol]:
    """The shipped protocols by id: ``default`` and one per seed scenario."""
    return {
        protocol_id: _protocol(yaml.safe_load(text), f"{protocol_id}.yaml")
        for protocol_id, text in builtin_protocol_texts().items()
    }


@lru_cache(maxsize=4096)
def schedule(protocol: FollowUpProtocol, index_date: dt.date) -> tuple[DuePoint, ...]:
    """Each time point's target date (calendar months; 31 Jan + 1 month = end of February)
    and its window. Cached: :func:`place` asks it again for each answer of an episode (the
    registry export places 200,000 answers)."""
    out = []
    for point in protocol.timepoints:
        target = add_months(index_date, point.months)
        window = dt.timedelta(days=point.window_days)
        out.append(DuePoint(point.months, target, target - window, target + window))
    return tuple(out)


def place(protocol: FollowUpProtocol, index_date: dt.date, answered: dt.date) -> Placement | None:
    """The time point an answer on ``answered`` belongs to: the nearest target date (the
    earlier one on a tie). None for an answer before the first time point's window opens
    halfway — that is a baseline-period answer, not a follow-up."""
    points = schedule(protocol, index_date)
    if not points or answered <= index_date:
        return None
    first = points[0]
    if answered < index_date + (first.target - index_date) / 2:
        return None
    best = min(points, key=lambda p: (abs((answered - p.target).days), p.months))
    delta = (answered - best.target).days
    return Placement(
        months=best.months,
        target=best.target,
        days_from_target=delta,
        in_window=best.window_start <= answered <= best.window_end,
    )
