"""Blood thinners before a procedure: recognition, the pause table by bleeding-risk class
(Narouze et al. 2018, Reg Anesth Pain Med 43:225–262, through
core/data/rulesets/tables/anticoagulant-pauses.yaml) and the plan that readiness reads."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from painpath.core import medicines, vocabularies
from painpath.core.errors import PauseTableError
from painpath.core.medicines import RISK_CLASSES, Answer, load_pause_table, plan, recognise

TABLE = load_pause_table()
AS_OF = dt.date(2024, 6, 1)
KNEE_GOLD = {"kind": "gold_implantation", "region": "knee"}
BACK_GOLD = {"kind": "gold_implantation", "region": "low_back"}


def answer(code: str, risk: str, **details: Any) -> Answer:
    found = TABLE.answer(code, risk, **details)
    assert found is not None, code
    return found


# -- recognition ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code", "drug_class"),
    [
        ("Hjertemagnyl 75 mg", "aspirin", "antiplatelet"),
        ("HJERTEMAGNYL", "aspirin", "antiplatelet"),
        ("Magnyl 500mg", "aspirin", "antiplatelet"),
        ("acetylsalicylsyre 75 mg dagligt", "aspirin", "antiplatelet"),
        ("Marevan 2,5 mg efter INR", "warfarin", "anticoagulant"),
        ("Marcoumar 3 mg", "phenprocoumon", "anticoagulant"),
        ("Eliquis 5 mg x 2", "apixaban", "anticoagulant"),
        ("Xarelto 20 mg", "rivaroxaban", "anticoagulant"),
        ("Lixiana 60 mg", "edoxaban", "anticoagulant"),
        ("Pradaxa 150 mg", "dabigatran", "anticoagulant"),
        ("Plavix 75mg", "clopidogrel", "antiplatelet"),
        ("Brilique 90 mg", "ticagrelor", "antiplatelet"),
        ("Efient 10 mg", "prasugrel", "antiplatelet"),
        ("Fragmin 5000 IE", "dalteparin", "anticoagulant"),
        ("Innohep 4500 IE", "tinzaparin", "anticoagulant"),
        ("Klexane 40 mg/0,4 ml", "enoxaparin", "anticoagulant"),
        ("Persantin 200 mg", "dipyridamole", "antiplatelet"),
        ("Pletal 100 mg", "cilostazol", "antiplatelet"),
        ("B01AC06", "aspirin", "antiplatelet"),
        ("b01af02", "apixaban", "anticoagulant"),
        ("acetylsalicylic acid 75 mg", "aspirin", "antiplatelet"),
    ],
)
def test_a_free_text_medicine_is_recognised_by_brand_generic_name_or_atc_code(
    text: str, code: str, drug_class: str
) -> None:
    found = recognise(text)
    assert found is not None
    assert (found.code, found.drug_class, found.exact) == (code, drug_class, False)


def test_the_brand_and_strength_are_stripped_and_the_matched_word_kept() -> None:
    found = recognise("Hjertemagnyl 75 mg")
    assert found is not None
    assert (found.by, found.matched) == ("brand", "Hjertemagnyl")


def test_only_the_drug_code_itself_counts_as_confirmed() -> None:
    # The intake's ticked boxes store the code; a clinician may type it with a capital.
    assert recognise("apixaban") == medicines.Recognised(
        "apixaban", "anticoagulant", "apixaban", "code", True
    )
    found = recognise(" Apixaban ")
    assert found is not None and found.exact
    found = recognise("apixaban 5 mg")
    assert found is not None and not found.exact


@pytest.mark.parametrize(
    "text", ["paracetamol 500 mg", "Pinex", "ibuprofen 400 mg", "75 mg", "", "Plavixtra", "asap"]
)
def test_other_medicines_and_words_containing_a_name_are_not_blood_thinners(text: str) -> None:
    assert recognise(text) is None


def test_every_danish_brand_the_review_names_is_in_the_vocabulary() -> None:
    # DOMAIN.md section 9; issue 10 part 2.
    brands = {brand for drug in vocabularies.drugs() for brand in drug.brands}
    assert {
        "Hjertemagnyl",
        "Magnyl",
        "Marevan",
        "Marcoumar",
        "Eliquis",
        "Xarelto",
        "Lixiana",
        "Pradaxa",
        "Plavix",
        "Brilique",
        "Efient",
        "Fragmin",
        "Innohep",
        "Klexane",
        "Persantin",
        "Pletal",
    } <= brands


def test_every_blood_thinner_has_an_atc_code_and_a_row_in_the_pause_table() -> None:
    for drug in vocabularies.drugs():
        assert drug.atc, drug.code
        assert drug.code in TABLE.drugs, drug.code
    # WHO ATC index: antithrombotic agents are B01A…; aspirin also N02BA01 (Magnyl).
    assert {
        atc for drug in vocabularies.drugs() for atc in drug.atc if not atc.startswith("B01A")
    } == {"N02BA01"}


# -- bleeding-risk classes --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "region", "risk"),
    [
        # Around a peripheral joint: like a joint injection, low risk (Narouze 2018).
        ("gold_implantation", "knee", "low"),
        ("gold_implantation", "shoulder", "low"),
        ("gold_implantation", "hip", "low"),
        # Paraspinal: at most intermediate (cervical facet procedures are intermediate).
        ("gold_implantation", "neck", "intermediate"),
        ("gold_implantation", "low_back", "intermediate"),
        ("steroid_injection", "low_back", "intermediate"),
        ("steroid_injection", "knee", "low"),
        # Not classified: the doctor decides.
        ("gold_implantation", "abdomen", None),
        ("other", "knee", None),
    ],
)
def test_a_procedure_has_a_bleeding_risk_class_by_kind_and_region(
    kind: str, region: str, risk: str | None
) -> None:
    assert TABLE.risk_class(kind, region) == risk


def test_no_gold_implantation_is_classed_high_risk() -> None:
    assert "high" not in set(TABLE.classes["gold_implantation"].values())


def test_every_region_a_gold_implantation_is_classified_in_is_a_known_region() -> None:
    for kind, regions in TABLE.classes.items():
        assert set(regions) <= set(vocabularies.region_codes()), kind
        assert TABLE.reasons[kind], kind


# -- what the table says: worked cases per class and drug ------------------------------------

# Each case: drug, class, details, advice, days (low, high) or hours. The figures are the
# table's; `verified` in the YAML says where each row was checked.
CASES: list[tuple[str, str, dict[str, Any], str, tuple[int, int] | None, int | None]] = [
    # Warfarin: 5 days and a normal INR (summary row "Coumadin"); low risk: shared assessment.
    ("warfarin", "high", {}, "pause", (5, 5), None),
    ("warfarin", "intermediate", {}, "pause", (5, 5), None),
    ("warfarin", "low", {}, "shared_assessment", None, None),
    ("acenocoumarol", "intermediate", {}, "pause", (3, 3), None),
    ("acenocoumarol", "low", {}, "shared_assessment", None, None),
    # Phenprocoumon: no figure in Narouze 2018 — the doctor sets it, INR-guided.
    ("phenprocoumon", "intermediate", {}, "doctor_sets", None, None),
    # Direct oral anticoagulants.
    ("apixaban", "intermediate", {}, "pause", (3, 3), None),
    ("rivaroxaban", "high", {}, "pause", (3, 3), None),
    ("edoxaban", "intermediate", {}, "pause", (3, 3), None),
    ("apixaban", "low", {}, "shared_assessment", None, None),
    # Dabigatran: 4–5 days; 6 days with impaired renal function; not recorded: up to 6.
    ("dabigatran", "intermediate", {"renal_impaired": False}, "pause", (4, 5), None),
    ("dabigatran", "intermediate", {"renal_impaired": True}, "pause", (6, 6), None),
    ("dabigatran", "high", {}, "pause", (4, 6), None),
    ("dabigatran", "low", {"renal_impaired": True}, "shared_assessment", None, None),
    # P2Y12 inhibitors.
    ("clopidogrel", "intermediate", {}, "pause", (7, 7), None),
    ("prasugrel", "high", {}, "pause", (7, 10), None),
    ("ticagrelor", "intermediate", {}, "pause", (5, 5), None),
    ("clopidogrel", "low", {}, "shared_assessment", None, None),
    # Aspirin by indication (summary row "ASA and ASA combinations").
    ("aspirin", "high", {"indication": "primary_prevention"}, "pause", (6, 6), None),
    ("aspirin", "high", {"indication": "secondary_prevention"}, "shared_assessment", None, None),
    ("aspirin", "high", {}, "shared_assessment", None, None),
    (
        "aspirin",
        "intermediate",
        {"indication": "primary_prevention"},
        "shared_assessment",
        None,
        None,
    ),
    (
        "aspirin",
        "intermediate",
        {"indication": "secondary_prevention"},
        "shared_assessment",
        None,
        None,
    ),
    ("aspirin", "low", {"indication": "secondary_prevention"}, "continue", None, None),
    ("aspirin", "low", {"indication": "primary_prevention"}, "continue", None, None),
    # Low-molecular-weight heparins by dose, in hours (summary rows "LMWH: Enoxaparin").
    ("enoxaparin", "low", {"dose": "prophylactic"}, "pause", None, 12),
    ("enoxaparin", "high", {"dose": "therapeutic"}, "pause", None, 24),
    ("enoxaparin", "intermediate", {}, "pause", None, 24),
    ("dalteparin", "intermediate", {"dose": "prophylactic"}, "pause", None, 24),
    ("tinzaparin", "intermediate", {"dose": "prophylactic"}, "pause", None, 12),
    # Phosphodiesterase inhibitors: 2 days for high risk only.
    ("dipyridamole", "high", {}, "pause", (2, 2), None),
    ("dipyridamole", "intermediate", {}, "continue", None, None),
    ("cilostazol", "high", {}, "pause", (2, 2), None),
    ("cilostazol", "low", {}, "continue", None, None),
]


@pytest.mark.parametrize(("code", "risk", "details", "advice", "days", "hours"), CASES)
def test_the_table_answers_each_drug_by_bleeding_risk_class(
    code: str,
    risk: str,
    details: dict[str, Any],
    advice: str,
    days: tuple[int, int] | None,
    hours: int | None,
) -> None:
    found = answer(code, risk, **details)
    assert (found.advice, found.days, found.hours) == (advice, days, hours)


def test_the_answers_in_words() -> None:
    assert answer("warfarin", "intermediate").words() == (
        "pause 5 days before the procedure (and a normal INR before the procedure)"
    )
    assert answer("prasugrel", "high").words() == "pause 7–10 days before the procedure"
    assert answer("enoxaparin", "low", dose="prophylactic").words() == (
        "last dose at least 12 hours before the procedure"
    )
    assert answer("apixaban", "low").words() == (
        "no fixed pause: shared assessment with the prescribing doctor"
    )
    assert answer("apixaban", "low").words("da") == (
        "ingen fast pause: fælles vurdering med den ordinerende læge"
    )
    assert answer("dabigatran", "intermediate", renal_impaired=True).words("da") == (
        "pause 6 dage før indgrebet (nedsat nyrefunktion)"
    )


def test_a_range_is_compared_by_its_upper_bound_and_hours_by_whole_days() -> None:
    assert answer("prasugrel", "intermediate").required_days == 10
    assert answer("dabigatran", "intermediate", renal_impaired=False).required_days == 5
    assert answer("enoxaparin", "intermediate", dose="prophylactic").required_days == 1
    assert answer("aspirin", "intermediate").required_days is None


def test_for_low_risk_procedures_no_drug_gets_a_fixed_pause_in_days() -> None:
    # Narouze 2018, low-risk column: "No" or "shared assessment and risk stratification"; only
    # the heparins keep their interval in hours.
    for code in TABLE.drugs:
        for details in ({}, {"indication": "secondary_prevention"}, {"renal_impaired": True}):
            found = answer(code, "low", **details)
            assert found.days is None, code


@pytest.mark.parametrize(
    ("risk", "indication"),
    list(itertools.product(RISK_CLASSES, ("primary_prevention", "secondary_prevention", None))),
)
def test_painpath_never_suggests_stopping_an_antiplatelet_drug_the_guideline_continues(
    risk: str, indication: str | None
) -> None:
    for drug in vocabularies.drugs():
        if drug.drug_class != "antiplatelet":
            continue
        found = answer(drug.code, risk, indication=indication)
        if found.advice in ("continue", "shared_assessment"):
            assert found.required_days is None
            assert not found.words().startswith("pause"), (drug.code, risk)
        if found.advice == "continue":
            # Nothing to decide: readiness does not ask for a pause either.
            medication = {"code": drug.code, **({"indication": indication} if indication else {})}
            procedure = {"kind": "steroid_injection", "region": "knee" if risk == "low" else "neck"}
            if risk != "high":
                (settled,) = plan([medication], procedure, AS_OF).drugs
                assert settled.settled, (drug.code, risk)


def test_aspirin_for_secondary_prevention_is_continued_for_a_low_risk_procedure() -> None:
    result = plan([{"code": "aspirin", "indication": "secondary_prevention"}], KNEE_GOLD, AS_OF)
    (aspirin,) = result.drugs
    assert (result.risk_class, aspirin.answer and aspirin.answer.advice) == ("low", "continue")
    assert aspirin.settled and result.undecided == []


def test_aspirin_for_secondary_prevention_asks_for_a_decision_not_a_stop_paraspinally() -> None:
    result = plan([{"code": "aspirin", "indication": "secondary_prevention"}], BACK_GOLD, AS_OF)
    (aspirin,) = result.drugs
    assert aspirin.answer == Answer("shared_assessment")
    assert not aspirin.settled and result.undecided == ["aspirin"]


def test_aspirin_for_primary_prevention_is_paused_6_days_only_before_a_high_risk_procedure() -> (
    None
):
    assert answer("aspirin", "high", indication="primary_prevention").days == (6, 6)
    assert answer("aspirin", "intermediate", indication="primary_prevention").days is None


# -- the plan ---------------------------------------------------------------------------------


def decision(**fields: Any) -> dict[str, Any]:
    return {"action": "continue", "by": "dr_hansen", "date": "2024-05-20", **fields}


def test_the_doctors_documented_decision_settles_the_drug() -> None:
    meds = [{"code": "clopidogrel", "decision": decision(reason="stent 3 months ago")}]
    (clopidogrel,) = plan(meds, BACK_GOLD, AS_OF).drugs
    assert clopidogrel.settled
    assert clopidogrel.decision == medicines.Decision(
        "continue", None, "dr_hansen", dt.date(2024, 5, 20), "stent 3 months ago"
    )
    assert clopidogrel.decision.words() == (
        "continue — decided by dr_hansen on 2024-05-20: stent 3 months ago"
    )
    pause = medicines.Decision("pause", 7, "dr_hansen", dt.date(2024, 5, 20))
    assert pause.words("da") == "pause 7 dage — besluttet af dr_hansen den 2024-05-20"


def test_a_decision_dated_after_the_as_of_date_is_not_yet_there() -> None:
    meds = [{"code": "clopidogrel", "decision": decision(date="2024-06-02")}]
    (clopidogrel,) = plan(meds, BACK_GOLD, AS_OF).drugs
    assert clopidogrel.decision is None and not clopidogrel.settled


def test_an_agreed_pause_counts_with_the_checklist_item_ticked_and_as_long_as_the_table() -> None:
    meds = [{"code": "warfarin", "pause_agreed_days": 5}]
    assert plan(meds, BACK_GOLD, AS_OF, pause_agreed_ticked=True).drugs[0].settled
    assert not plan(meds, BACK_GOLD, AS_OF, pause_agreed_ticked=False).drugs[0].settled
    short = [{"code": "warfarin", "pause_agreed_days": 4}]
    assert not plan(short, BACK_GOLD, AS_OF, pause_agreed_ticked=True).drugs[0].settled
    # Dabigatran with impaired renal function: 6 days.
    dabigatran = [{"code": "dabigatran", "renal_impaired": True, "pause_agreed_days": 5}]
    assert not plan(dabigatran, BACK_GOLD, AS_OF, pause_agreed_ticked=True).drugs[0].settled
    dabigatran[0]["pause_agreed_days"] = 6
    assert plan(dabigatran, BACK_GOLD, AS_OF, pause_agreed_ticked=True).drugs[0].settled


def test_a_free_text_blood_thinner_is_to_be_confirmed_until_a_decision_names_it() -> None:
    typed = {"code": "Hjertemagnyl 75 mg", "anticoagulant": False}
    result = plan([typed, {"code": "paracetamol"}], KNEE_GOLD, AS_OF)
    (aspirin,) = result.drugs
    assert (aspirin.code, aspirin.to_confirm, aspirin.settled) == ("aspirin", True, False)
    assert result.undecided == []  # confirming comes first
    decided = plan([{**typed, "decision": decision()}], KNEE_GOLD, AS_OF).drugs[0]
    assert (decided.to_confirm, decided.settled) == (False, True)


def test_a_decision_on_a_drug_covers_the_same_drug_ticked_and_typed() -> None:
    meds = [{"code": "aspirin", "decision": decision()}, {"code": "Hjertemagnyl 75 mg"}]
    result = plan(meds, BACK_GOLD, AS_OF)
    assert [(d.text, d.settled, d.to_confirm) for d in result.drugs] == [
        ("Hjertemagnyl 75 mg", True, False),
        ("aspirin", True, False),
    ]


def test_a_blood_thinner_not_in_the_table_or_an_unclassified_procedure_needs_the_doctor() -> None:
    unknown = plan([{"code": "fondaparinux", "anticoagulant": True}], BACK_GOLD, AS_OF)
    assert unknown.undecided == ["fondaparinux"]
    assert unknown.drugs[0].advice_words(unknown.risk_class) == (
        "not in the pause table: the doctor sets the pause"
    )
    other = plan([{"code": "aspirin"}], {"kind": "other", "region": "knee"}, AS_OF)
    assert (other.risk_class, other.undecided) == (None, ["aspirin"])
    assert other.risk_words() == "procedure not classified for bleeding risk: the doctor decides"


def test_ordinary_medicines_are_not_in_the_plan() -> None:
    assert plan([{"code": "paracetamol"}, {"code": "Pinex"}], KNEE_GOLD, AS_OF).drugs == ()


# -- the table file ---------------------------------------------------------------------------


def test_every_row_says_whether_and_where_it_was_verified() -> None:
    for code, row in TABLE.drugs.items():
        assert isinstance(row.verified, bool), code
        assert len(row.checked) > 20, code
    verified = {code for code, row in TABLE.drugs.items() if row.verified}
    # What a stored copy of the summary of Narouze 2018 showed (see the YAML's checked_against).
    assert verified == {
        "warfarin",
        "acenocoumarol",
        "enoxaparin",
        "dalteparin",
        "aspirin",
        "dipyridamole",
        "cilostazol",
    }


def test_a_malformed_table_says_what_to_fix() -> None:
    with pytest.raises(PauseTableError, match="either 'days:' or 'hours:'"):
        medicines._answer({"advice": "pause"}, "drug x high")
    row = {
        "high": {"advice": "continue"},
        "intermediate": {"advice": "continue"},
        "verified": False,
        "checked": "nothing",
    }
    with pytest.raises(PauseTableError, match="no answer for low-risk"):
        medicines._row("x", row)


def test_every_text_a_clinician_reads_has_danish_words() -> None:
    from painpath.core.rules.i18n import rule_text

    for text in medicines.texts():
        assert rule_text(text, "da") != text, text
