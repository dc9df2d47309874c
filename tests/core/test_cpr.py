import datetime as dt

import pytest

from painpath.core.cpr import InvalidCpr, parse_cpr

# All numbers here are synthetic, built to pass or fail the check on purpose.


def weighted_sum(digits: str) -> int:
    return sum(int(d) * w for d, w in zip(digits, (4, 3, 2, 7, 6, 5, 4, 3, 2, 1), strict=True))


def test_a_valid_number_gives_its_birth_date_and_masks_the_serial() -> None:
    # 070761-4285: 4·0+3·7+2·0+7·7+6·6+5·1+4·4+3·2+2·8+1·5 = 154 = 14 × 11.
    cpr = parse_cpr("070761-4285")
    assert weighted_sum(cpr.digits) % 11 == 0
    assert cpr.birth_date == dt.date(1961, 7, 7)
    assert cpr.masked == "070761-••••"
    assert "4285" not in cpr.masked


@pytest.mark.parametrize(
    ("text", "born"),
    [
        ("0101003000", dt.date(1900, 1, 1)),  # 7th digit 0–3: 1900s
        ("0101364000", dt.date(2036, 1, 1)),  # 4 with 00–36: 2000s
        ("0101374000", dt.date(1937, 1, 1)),  # 4 with 37–99: 1900s
        ("0101575000", dt.date(2057, 1, 1)),  # 5–8 with 00–57: 2000s
        ("0101585000", dt.date(1858, 1, 1)),  # 5–8 with 58–99: 1800s
        ("0101999000", dt.date(1999, 1, 1)),  # 9 with 37–99: 1900s
    ],
)
def test_the_seventh_digit_gives_the_century(text: str, born: dt.date) -> None:
    # 1 January: the modulus-11 check does not apply, so any serial tests the century alone.
    assert parse_cpr(text).birth_date == born


def test_a_failed_check_is_refused_except_on_the_first_of_january() -> None:
    with pytest.raises(InvalidCpr, match="modulus-11"):
        parse_cpr("070761-4286")
    # cpr.dk: numbers without the check are issued with a birth date of 1 January.
    cpr = parse_cpr("010165-4286")
    assert not cpr.modulus_11_applies


@pytest.mark.parametrize(
    ("text", "message"),
    [("3102901234", "is not a date"), ("12345", "10 digits"), ("0707614285x", "10 digits")],
)
def test_bad_numbers_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(InvalidCpr, match=message):
        parse_cpr(text)
