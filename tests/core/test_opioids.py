from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from painpath.core import opioids
from painpath.core.opioids import OpioidError, convert, load_table, total

# Faculty of Pain Medicine (ANZCA), PS01(PM) Appendix 2021, Opioid Equivalence Calculation
# Table, page 1, column 3 ("conversion factor"), and the unit of column 2.
FPM_2021 = {
    "morphine_oral": ("1", "mg/day"),
    "oxycodone_oral": ("1.5", "mg/day"),
    "hydromorphone_oral": ("5", "mg/day"),
    "codeine_oral": ("0.13", "mg/day"),
    "tramadol_oral": ("0.2", "mg/day"),
    "tapentadol_oral": ("0.3", "mg/day"),
    "buprenorphine_sublingual": ("40", "mg/day"),
    "buprenorphine_td": ("2", "µg/h"),
    "fentanyl_td": ("3", "µg/h"),
}
# CDC 2022 (MMWR Recomm Rep 71(RR-3)), table of MME conversion factors; no buprenorphine row.
CDC_2022 = {
    "morphine_oral": "1",
    "oxycodone_oral": "1.5",
    "hydromorphone_oral": "5",
    "codeine_oral": "0.15",
    "tramadol_oral": "0.2",
    "tapentadol_oral": "0.4",
    "fentanyl_td": "2.4",
    "methadone_oral": "4.7",
}


@pytest.mark.parametrize(("code", "expected"), FPM_2021.items())
def test_each_factor_is_the_fpm_tables(code, expected):
    opioid = load_table().get(code)
    assert (opioid.factor, opioid.unit) == (Decimal(expected[0]), expected[1])


def test_the_cdc_factors_beside_each_row_are_the_cdc_tables():
    table = load_table()
    assert {o.code: o.cdc2022 for o in table.opioids if o.cdc2022 is not None} == {
        code: Decimal(factor) for code, factor in CDC_2022.items()
    }


def test_the_table_names_its_source_with_page_and_a_warning_in_english_and_danish():
    table = load_table()
    assert "PS01(PM) Appendix 2021" in table.citation
    assert "PS01(PM) Appendix 2021, p. 1" in table.short
    assert table.page == 1
    assert "pproximate" in table.warning_text("en")
    assert "mtrentlig" in table.warning_text("da")
    assert "NOT verified" in table.verification


def test_methadone_is_not_converted_and_says_why():
    conversion = convert("methadone_oral", 30)
    assert conversion.ome is None
    assert "non-linear" in conversion.opioid.not_convertible


def test_oxycodone_40_mg_a_day_is_60_mg_ome():
    # The FPM table's own example: "oMEDD of 40mg/day = 40 x 1.5 = 60mg/day".
    assert convert("oxycodone_oral", 40).ome == Decimal(60)


def test_a_fentanyl_patch_of_12_micrograms_an_hour_is_36_mg_ome():
    assert convert("fentanyl_td", "12").ome == Decimal(36)


def test_the_total_leaves_out_methadone_and_says_it_is_incomplete():
    result = total([("oxycodone_oral", 40), ("tramadol_oral", "200"), ("methadone_oral", 20)])
    assert result.ome == Decimal(100)
    assert not result.complete
    assert [c.opioid.code for c in result.unconverted] == ["methadone_oral"]


def test_an_empty_list_totals_zero_and_is_complete():
    result = total([])
    assert (result.ome, result.complete) == (Decimal(0), True)


def test_a_decimal_comma_is_read_as_danish_writes_it():
    assert convert("hydromorphone_oral", "2,5").ome == Decimal("12.5")


@pytest.mark.parametrize("dose", ["0", "-5", "abc", "nan", "inf", "100001", ""])
def test_a_dose_that_is_not_a_positive_number_is_refused_with_the_dose_named(dose):
    with pytest.raises(OpioidError, match="dose"):
        convert("morphine_oral", dose)


def test_an_unknown_opioid_is_refused_with_the_known_ones_listed():
    with pytest.raises(OpioidError, match=r"heroin.*morphine_oral"):
        convert("heroin", 10)


def test_a_row_without_factor_or_reason_is_a_table_error():
    document = {
        "id": "t",
        "version": "1",
        "warning": {"en": "approximate"},
        "opioids": [{"code": "x", "name": {"en": "x"}, "unit": "mg/day"}],
    }
    with pytest.raises(OpioidError, match="not_convertible"):
        opioids.parse_table(document)


def test_a_row_with_an_unknown_unit_is_a_table_error():
    document = {
        "id": "t",
        "version": "1",
        "warning": {"en": "approximate"},
        "opioids": [{"code": "x", "name": {"en": "x"}, "unit": "mg", "factor": 1}],
    }
    with pytest.raises(OpioidError, match="unit"):
        opioids.parse_table(document)


doses = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(10_000), places=2)
convertible = st.sampled_from(sorted(FPM_2021))


@given(st.lists(st.tuples(convertible, doses), max_size=6))
def test_the_total_is_the_sum_of_each_dose_times_its_factor(pairs):
    table = load_table()
    expected = sum((dose * table.get(code).factor for code, dose in pairs), Decimal(0))
    assert total(pairs).ome == expected


@given(convertible, doses, doses)
def test_more_of_the_same_opioid_is_never_fewer_ome(code, a, b):
    low, high = sorted((a, b))
    assert convert(code, low).ome <= convert(code, high).ome
