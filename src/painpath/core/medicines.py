"""Blood thinners before a procedure: recognise one typed as free text, and say what the
guideline says for it before a procedure of a given bleeding risk.

Recognition (:func:`recognise`)
    A medicine as a patient or clinician wrote it ("Hjertemagnyl 75 mg", "Marevan 2,5 mg",
    "B01AC06") is matched case-insensitively, strengths stripped (numbers, with or without a
    unit: 75 mg, 2,5 mg, 5000 IE, 10 mg/ml), against each blood thinner's code, generic names
    and spellings, Danish brand names and WHO ATC codes (``vocabularies/blood-thinners.yaml``).
    Whole words only: "Plavix" is found in "Plavix 75 mg x 1", never inside another word.
    Only the drug's code itself (a choice from the intake's list) counts as *confirmed*; a
    match in free text is a *possible* blood thinner that a clinician confirms — by recording
    the decision on it.

The pause table (:func:`load_pause_table`)
    ``rulesets/tables/anticoagulant-pauses.yaml`` after Narouze et al. 2018 (ASRA pain
    guideline, 2nd ed., Reg Anesth Pain Med 43:225–262): the bleeding-risk class (low /
    intermediate / high) of each procedure kind and region, and per class and drug one
    :class:`Answer` — a pause in days or hours, "shared assessment" (no fixed pause), "continue",
    or "the doctor sets the pause" where the source gives no figure. Aspirin is answered by
    indication (primary or secondary prevention), low-molecular-weight heparins by dose
    (prophylactic or therapeutic), dabigatran by renal function; when that detail is not
    recorded the table's ``unknown`` answer applies. Each row says whether it was verified and
    where.

The plan (:func:`plan`)
    For an episode's medicines and procedure as of a date: each blood thinner with what the
    table says, the doctor's documented decision (continue, or pause N days; who, when, why)
    if one is dated by then, and whether anything is left to do. A drug is *settled* by a
    decision, by the guideline's "continue", or — as before decisions were recorded — by a
    pause agreed in days with the checklist item ticked, at least as long as the table's pause
    where it gives one. painpath never
    turns a "continue" or a "shared assessment" into a suggestion to stop.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from painpath.core.errors import PauseTableError
from painpath.core.vocabularies import drugs, region_codes

__all__ = [
    "ADVICE",
    "RISK_CLASSES",
    "Answer",
    "BloodThinner",
    "Decision",
    "DrugRow",
    "PauseTable",
    "Plan",
    "Recognised",
    "load_pause_table",
    "plan",
    "recognise",
    "texts",
    "to_confirm_words",
]

RISK_CLASSES = ("low", "intermediate", "high")
ADVICE = ("pause", "shared_assessment", "continue", "doctor_sets")
# What a row answered "by" a patient detail is answered by, and the detail's values.
_BY = {
    "indication": ("primary_prevention", "secondary_prevention", "unknown"),
    "dose": ("prophylactic", "therapeutic", "unknown"),
    "renal_function": ("normal", "impaired", "unknown"),
}

# The words painpath shows, in English; clinicians' screens translate them through the rule
# sets' catalogues (core/data/rulesets/i18n), placeholders filled in after translating.
_ADVICE_WORDS = {
    "shared_assessment": "no fixed pause: shared assessment with the prescribing doctor",
    "continue": "continue: the guideline does not pause it for this bleeding risk",
    "doctor_sets": "the doctor sets the pause: the source gives no figure",
}
_PAUSE_DAYS = "pause {days} days before the procedure"
_PAUSE_DAY = "pause 1 day before the procedure"
_PAUSE_RANGE = "pause {low}–{high} days before the procedure"
_PAUSE_HOURS = "last dose at least {hours} hours before the procedure"
_NOT_IN_TABLE = "not in the pause table: the doctor sets the pause"
_NOT_CLASSIFIED = "procedure not classified for bleeding risk: the doctor decides"
_RISK_WORDS = {
    "low": "low bleeding risk",
    "intermediate": "intermediate bleeding risk",
    "high": "high bleeding risk",
}
_DECIDED_CONTINUE = "continue — decided by {by} on {date}"
_DECIDED_PAUSE = "pause {days} days — decided by {by} on {date}"
_DECIDED_PAUSE_1 = "pause 1 day — decided by {by} on {date}"
_TO_CONFIRM = "possible blood thinner — confirm"


@dataclass(frozen=True)
class Recognised:
    """A blood thinner found in a medicine's text. ``by`` is what matched (``code``, ``name``,
    ``brand``, ``atc``) and ``matched`` the word as the vocabulary spells it; ``exact`` means
    the text was the drug's code itself (chosen from the list, not typed)."""

    code: str
    drug_class: str
    matched: str
    by: str
    exact: bool


_TOKEN = re.compile(r"[^\W_]+")
# A strength: a number, optionally with a unit glued on ("75mg", "5000IE") — as its own word.
_STRENGTH = re.compile(r"^\d+(?:mg|g|µg|μg|mcg|ug|ie|iu|e|ml|mmol)?$")


def _words(text: str) -> tuple[str, ...]:
    return tuple(word for word in _TOKEN.findall(text.casefold()) if not _STRENGTH.match(word))


@cache
def _index() -> tuple[tuple[tuple[str, ...], Recognised], ...]:
    """Every phrase a blood thinner is known by, longest first (so that "acetylsalicylic
    acid" is matched as one name)."""
    phrases: dict[tuple[str, ...], Recognised] = {}
    for drug in drugs():
        spellings = [
            (drug.code.replace("_", " "), "code"),
            *((name, "name") for name in drug.names),
            *((brand, "brand") for brand in drug.brands),
            *((atc, "atc") for atc in drug.atc),
        ]
        for spelling, by in spellings:
            key = _words(spelling)
            if key and key not in phrases:
                phrases[key] = Recognised(drug.code, drug.drug_class, spelling, by, False)
    return tuple(sorted(phrases.items(), key=lambda pair: -len(pair[0])))


def recognise(text: str) -> Recognised | None:
    """The blood thinner a medicine's text names, or ``None``: case-insensitive, strengths
    stripped, whole words (``"Hjertemagnyl 75 mg"`` → aspirin, antiplatelet)."""
    words = _words(text)
    if not words:
        return None
    exact_code = text.strip().casefold()
    for start in range(len(words)):
        for phrase, found in _index():
            if words[start : start + len(phrase)] == phrase:
                exact = found.by == "code" and exact_code == found.code
                return Recognised(found.code, found.drug_class, found.matched, found.by, exact)
    return None


# --------------------------------------------------------------------------- the table


def _translate(text: str, lang: str | None) -> str:
    # Imported here: the rule engine imports this module.
    from painpath.core.rules.i18n import rule_text

    return rule_text(text, lang)


@dataclass(frozen=True)
class Answer:
    """What the guideline says for one drug before a procedure of one bleeding-risk class.

    ``days`` is ``(low, high)`` — equal for a single figure; a range is compared by its upper
    bound. ``hours`` is given instead for heparins. ``note`` qualifies it ("and a normal INR
    before the procedure")."""

    advice: str
    days: tuple[int, int] | None = None
    hours: int | None = None
    note: str = ""

    @property
    def required_days(self) -> int | None:
        """The days of pause an agreed pause must reach (upper bound; hours rounded up)."""
        if self.advice != "pause":
            return None
        if self.days is not None:
            return self.days[1]
        return math.ceil((self.hours or 0) / 24)

    def words(self, lang: str | None = None) -> str:
        """The answer in words, in ``lang`` where the catalogue has them."""
        if self.advice != "pause":
            text = _translate(_ADVICE_WORDS[self.advice], lang)
        elif self.hours is not None:
            text = _translate(_PAUSE_HOURS, lang).format(hours=self.hours)
        elif self.days is not None and self.days[0] != self.days[1]:
            low, high = self.days
            text = _translate(_PAUSE_RANGE, lang).format(low=low, high=high)
        elif self.days == (1, 1):
            text = _translate(_PAUSE_DAY, lang)
        else:
            text = _translate(_PAUSE_DAYS, lang).format(days=self.days[0] if self.days else 0)
        return f"{text} ({_translate(self.note, lang)})" if self.note else text


@dataclass(frozen=True)
class DrugRow:
    """One drug's row: ``answers[risk_class][value]``, where ``value`` is the detail the row is
    answered ``by`` (``""`` when it is answered the same whatever the detail)."""

    code: str
    by: str | None
    answers: Mapping[str, Mapping[str, Answer]]
    verified: bool
    checked: str


@dataclass(frozen=True)
class PauseTable:
    id: str
    version: str
    source: str
    classes: Mapping[str, Mapping[str, str]]  # procedure kind → region → risk class
    reasons: Mapping[str, str]  # procedure kind → why its regions have their classes
    drugs: Mapping[str, DrugRow]
    notes: tuple[str, ...] = field(default=())
    # language → procedure kind → the reason in that language (the table's ``da:`` blocks)
    translated_reasons: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.id} {self.version}"

    def reason(self, kind: str, lang: str | None = None) -> str:
        """Why ``kind``'s regions have their classes, in ``lang`` where the table has it."""
        english = self.reasons.get(kind, "")
        if not lang:
            return english
        return self.translated_reasons.get(lang[:2].lower(), {}).get(kind) or english

    def risk_class(self, kind: str, region: str) -> str | None:
        """The bleeding-risk class of ``kind`` in ``region``; ``None`` when not classified."""
        return self.classes.get(kind, {}).get(region)

    def answer(
        self,
        code: str,
        risk_class: str,
        *,
        indication: str | None = None,
        dose: str | None = None,
        renal_impaired: bool | None = None,
    ) -> Answer | None:
        """What the table says for drug ``code`` in ``risk_class``; ``None`` if not listed."""
        row = self.drugs.get(code)
        if row is None:
            return None
        by_class = row.answers[risk_class]
        if row.by is None or "" in by_class:
            return by_class[""]
        renal = None if renal_impaired is None else ("impaired" if renal_impaired else "normal")
        value = {"indication": indication, "dose": dose, "renal_function": renal}[row.by]
        return by_class.get(value or "unknown", by_class["unknown"])


def _answer(data: Any, where: str) -> Answer:
    if not isinstance(data, Mapping) or data.get("advice") not in ADVICE:
        raise PauseTableError(f"{where}: needs 'advice:' one of {', '.join(ADVICE)}")
    days = data.get("days")
    hours = data.get("hours")
    if data["advice"] == "pause" and (days is None) == (hours is None):
        raise PauseTableError(f"{where}: a pause needs either 'days:' or 'hours:'")
    if data["advice"] != "pause" and (days is not None or hours is not None):
        raise PauseTableError(f"{where}: only a pause has days or hours")
    span = None
    if days is not None:
        low, high = (days, days) if isinstance(days, int) else tuple(days)
        if not 0 < low <= high:
            raise PauseTableError(f"{where}: days must be a positive number or [low, high]")
        span = (int(low), int(high))
    return Answer(data["advice"], span, None if hours is None else int(hours), data.get("note", ""))


def _row(code: str, data: Mapping[str, Any]) -> DrugRow:
    where = f"anticoagulant-pauses.yaml: drug {code}"
    by = data.get("by")
    if by is not None and by not in _BY:
        raise PauseTableError(f"{where}: 'by: {by}' is not one of {', '.join(_BY)}")
    if not isinstance(data.get("verified"), bool) or not data.get("checked"):
        raise PauseTableError(f"{where}: say 'verified: true/false' and what was 'checked:'")
    answers: dict[str, dict[str, Answer]] = {}
    for risk in RISK_CLASSES:
        if risk not in data:
            raise PauseTableError(f"{where}: no answer for {risk}-risk procedures")
        cell = data[risk]
        if by is not None and isinstance(cell, Mapping) and "advice" not in cell:
            missing = [value for value in _BY[by] if value not in cell]
            if missing:
                raise PauseTableError(f"{where}: {risk} needs answers for {missing}")
            answers[risk] = {v: _answer(cell[v], f"{where} {risk} {v}") for v in _BY[by]}
        else:
            answers[risk] = {"": _answer(cell, f"{where} {risk}")}
    return DrugRow(code, by, answers, data["verified"], " ".join(str(data["checked"]).split()))


@cache
def load_pause_table() -> PauseTable:
    """The shipped table, checked: every drug a known code with an answer in every class,
    every region a known region, every class one of :data:`RISK_CLASSES`."""
    path = resources.files("painpath.core.data").joinpath(
        "rulesets/tables/anticoagulant-pauses.yaml"
    )
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    known_drugs = {drug.code for drug in drugs()}
    unknown = sorted(set(data["drugs"]) - known_drugs)
    if unknown:
        raise PauseTableError(
            f"anticoagulant-pauses.yaml: drugs {unknown} are not in "
            f"vocabularies/blood-thinners.yaml; add them there first"
        )
    classes: dict[str, dict[str, str]] = {}
    reasons: dict[str, str] = {}
    translated: dict[str, dict[str, str]] = {}
    regions = set(region_codes())
    for kind, entry in (data.get("procedures") or {}).items():
        classes[kind] = {}
        for risk in RISK_CLASSES:
            for region in entry.get(risk) or ():
                if region not in regions or region in classes[kind]:
                    raise PauseTableError(
                        f"anticoagulant-pauses.yaml: procedure {kind}: region {region!r} is "
                        f"unknown or listed twice"
                    )
                classes[kind][region] = risk
        reasons[kind] = " ".join(str(entry.get("reason", "")).split())
        if "da" in entry:
            words = entry["da"]
            if not isinstance(words, dict) or not str(words.get("reason") or "").strip():
                raise PauseTableError(
                    f"anticoagulant-pauses.yaml: procedure {kind}: da: needs a reason"
                )
            translated.setdefault("da", {})[kind] = " ".join(str(words["reason"]).split())
    source = " ".join(str(data["source"]).split())
    return PauseTable(
        id=str(data["id"]),
        version=str(data["version"]),
        source=source,
        classes=classes,
        reasons=reasons,
        translated_reasons=translated,
        drugs={code: _row(code, row) for code, row in data["drugs"].items()},
    )


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Decision:
    """The doctor's documented decision on one blood thinner: ``continue``, or ``pause`` for
    ``days`` days before the procedure; who (``by``), when (``date``) and why (``reason``)."""

    action: str
    days: int | None
    by: str
    date: dt.date
    reason: str = ""

    def words(self, lang: str | None = None) -> str:
        if self.action == "continue":
            template = _DECIDED_CONTINUE
        else:
            template = _DECIDED_PAUSE_1 if self.days == 1 else _DECIDED_PAUSE
        text = _translate(template, lang).format(
            days=self.days, by=self.by or "?", date=self.date.isoformat()
        )
        return f"{text}: {self.reason}" if self.reason else text


@dataclass(frozen=True)
class BloodThinner:
    """One blood thinner on the medicine list, as the procedure sees it.

    ``index`` is its place in the medicines given to :func:`plan`, ``text`` the medicine as
    recorded, ``code`` the drug it was recognised as (``None`` when a medicine marked as a
    blood thinner matches none); ``to_confirm`` a free-text match no decision has confirmed
    yet; ``answer`` what the table says (``None``: not listed, or the procedure is not
    classified); ``settled`` whether nothing is left to decide."""

    index: int
    text: str
    code: str | None
    drug_class: str | None
    to_confirm: bool
    answer: Answer | None
    decision: Decision | None
    agreed_days: int | None
    settled: bool

    @property
    def name(self) -> str:
        return self.code or self.text

    def advice_words(self, risk_class: str | None, lang: str | None = None) -> str:
        if self.answer is not None:
            return self.answer.words(lang)
        if risk_class is None:
            return _translate(_NOT_CLASSIFIED, lang)
        return _translate(_NOT_IN_TABLE, lang)


@dataclass(frozen=True)
class Plan:
    """The blood thinners before one procedure: its bleeding-risk class (``None`` when the
    table does not classify it) and each drug (:class:`BloodThinner`)."""

    risk_class: str | None
    table: str
    drugs: tuple[BloodThinner, ...]

    def risk_words(self, lang: str | None = None) -> str:
        if self.risk_class is None:
            return _translate(_NOT_CLASSIFIED, lang)
        return _translate(_RISK_WORDS[self.risk_class], lang)

    @property
    def undecided(self) -> list[str]:
        """Confirmed blood thinners still waiting for the doctor's decision."""
        return sorted({d.name for d in self.drugs if not d.settled and not d.to_confirm})

    @property
    def to_confirm(self) -> list[BloodThinner]:
        return [d for d in self.drugs if d.to_confirm]


def _decision(data: Any, as_of: dt.date) -> Decision | None:
    if not isinstance(data, Mapping):
        return None
    day = dt.date.fromisoformat(data["date"])
    if day > as_of:  # facts dated after the as-of date are ignored
        return None
    return Decision(
        data["action"], data.get("days"), str(data.get("by", "")), day, data.get("reason", "")
    )


def plan(
    medications: Sequence[Mapping[str, Any]],
    procedure: Mapping[str, Any] | None,
    as_of: dt.date,
    *,
    pause_agreed_ticked: bool = False,
    table: PauseTable | None = None,
) -> Plan:
    """The blood thinners among ``medications`` (episode-schema entries) before
    ``procedure`` as of ``as_of`` (see the module docstring). ``pause_agreed_ticked`` is the
    checklist item "anticoagulant pause agreed", which an agreed pause in days needs."""
    table = table or load_pause_table()
    risk = table.risk_class(procedure["kind"], procedure["region"]) if procedure else None
    found = [(i, m, recognise(str(m["code"]))) for i, m in enumerate(medications)]
    found = [(i, m, r) for i, m, r in found if r is not None or m.get("anticoagulant", False)]
    # A decision is about the drug: it covers every entry of that drug (ticked and typed).
    decisions: dict[str, Decision] = {}
    for _, medication, recognised in found:
        decision = _decision(medication.get("decision"), as_of)
        key = recognised.code if recognised else str(medication["code"])
        if decision is not None and (key not in decisions or decision.date > decisions[key].date):
            decisions[key] = decision
    result = []
    for index, medication, recognised in found:
        code = recognised.code if recognised else None
        decision = decisions.get(code or str(medication["code"]))
        answer = None
        if code is not None and risk is not None:
            answer = table.answer(
                code,
                risk,
                indication=medication.get("indication"),
                dose=medication.get("dose_level"),
                renal_impaired=medication.get("renal_impaired"),
            )
        to_confirm = recognised is not None and not recognised.exact and decision is None
        agreed = medication.get("pause_agreed_days")
        required = answer.required_days if answer is not None else None
        agreed_enough = (
            pause_agreed_ticked and agreed is not None and (required is None or agreed >= required)
        )
        continued = answer is not None and answer.advice == "continue"
        settled = decision is not None or (not to_confirm and (continued or agreed_enough))
        result.append(
            BloodThinner(
                index=index,
                text=str(medication["code"]),
                code=code,
                drug_class=recognised.drug_class if recognised else None,
                to_confirm=to_confirm,
                answer=answer,
                decision=decision,
                agreed_days=agreed,
                settled=settled,
            )
        )
    result.sort(key=lambda d: (d.name, d.text))
    return Plan(risk, table.label, tuple(result))


def _table_notes(table: PauseTable) -> Iterable[str]:
    for row in table.drugs.values():
        for by_class in row.answers.values():
            for answer in by_class.values():
                if answer.note:
                    yield answer.note


def texts() -> list[str]:
    """Every text of this module and the pause table that a clinician may read (translated
    in the rule sets' catalogues)."""
    fixed = [
        *_ADVICE_WORDS.values(),
        _PAUSE_DAYS,
        _PAUSE_DAY,
        _PAUSE_RANGE,
        _PAUSE_HOURS,
        _NOT_IN_TABLE,
        _NOT_CLASSIFIED,
        *_RISK_WORDS.values(),
        _DECIDED_CONTINUE,
        _DECIDED_PAUSE,
        _DECIDED_PAUSE_1,
        _TO_CONFIRM,
    ]
    return list(dict.fromkeys([*fixed, *_table_notes(load_pause_table())]))


def to_confirm_words(lang: str | None = None) -> str:
    """The flag shown beside a free-text medicine that may be a blood thinner."""
    return _translate(_TO_CONFIRM, lang)
