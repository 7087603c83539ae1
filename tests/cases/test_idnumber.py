"""The citizen ID number (policy.md §12, GB 11643-1999)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.idnumber import (
    InvalidIdNumber,
    age_on,
    birth_date,
    check_char,
    mask,
    normalize_id_number,
    sex,
)

TODAY = date(2024, 5, 1)


def with_check(first17: str) -> str:
    return first17 + check_char(first17)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("11010519491231002X", "11010519491231002X"),
        ("11010519491231002x", "11010519491231002X"),  # lower-case x is stored as X
        (" 110105 19491231 002x ", "11010519491231002X"),  # spaces anywhere are removed
        ("500243197803150012", "500243197803150012"),
    ],
)
def test_valid_numbers_are_normalised(raw: str, expected: str) -> None:
    assert normalize_id_number(raw, today=TODAY) == expected


def test_old_region_codes_are_accepted() -> None:
    # Pengshui residents may carry 512327 or 513525 (Sichuan codes from before 1997); codes are never checked.
    for region in ("512327", "513525", "999999", "000000"):
        number = with_check(region + "19600101001")
        assert normalize_id_number(number, today=TODAY) == number


def test_wrong_check_char_names_the_right_one() -> None:
    with pytest.raises(InvalidIdNumber) as problem:
        normalize_id_number("500243199001010010", today=TODAY)
    assert problem.value.message == "身份证号校验位应为 7"
    assert str(problem.value) == "身份证号校验位应为 7"
    assert isinstance(problem.value, ValueError)


def test_check_char_x() -> None:
    assert check_char("11010519491231002") == "X"
    with pytest.raises(InvalidIdNumber) as problem:
        normalize_id_number("110105194912310020", today=TODAY)
    assert problem.value.message == "身份证号校验位应为 X"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "50024319900101001",  # 17 characters
        "5002431990010100101",  # 19 characters
        "50024319900101001Y",
        "X00243199001010017",
        "5002431990010100X7",
        "５００２４３１９９００１０１００１７",  # full-width digits are not ASCII digits
        "50024319900101001.",
        "12345678901234X",  # 15 characters, but not all digits
    ],
)
def test_wrong_length_or_characters(raw: str) -> None:
    with pytest.raises(InvalidIdNumber) as problem:
        normalize_id_number(raw, today=TODAY)
    assert problem.value.message == "身份证号应为18位（或15位旧号码）"


@pytest.mark.parametrize("birth", ["19900230", "19901301", "19900001", "19900100", "20230229", "00000000", "17991231"])
def test_impossible_dates(birth: str) -> None:
    number = with_check("500243" + birth + "001")
    with pytest.raises(InvalidIdNumber) as problem:
        normalize_id_number(number, today=TODAY)
    assert problem.value.message == "身份证号中的出生日期无效"


def test_leap_day_is_a_real_date() -> None:
    number = with_check("50024320000229001")
    assert birth_date(normalize_id_number(number, today=TODAY)) == date(2000, 2, 29)


def test_future_date_relative_to_today() -> None:
    number = with_check("50024320240502001")
    with pytest.raises(InvalidIdNumber) as problem:
        normalize_id_number(number, today=TODAY)
    assert problem.value.message == "身份证号中的出生日期晚于今天"
    assert normalize_id_number(number, today=date(2024, 5, 2)) == number  # born today is fine


def test_future_date_defaults_to_the_real_today() -> None:
    number = with_check("50024330000101001")
    with pytest.raises(InvalidIdNumber):
        normalize_id_number(number)


def test_fifteen_digit_numbers_are_converted() -> None:
    # 15-digit numbers (before 1999): "19" goes after the region code and the check char is computed.
    assert normalize_id_number("110105491231002", today=TODAY) == "11010519491231002X"
    assert normalize_id_number(" 500243780315001 ", today=TODAY) == with_check("50024319780315001")


def test_fifteen_digit_number_with_impossible_date() -> None:
    with pytest.raises(InvalidIdNumber) as problem:
        normalize_id_number("500243780231001", today=TODAY)
    assert problem.value.message == "身份证号中的出生日期无效"


@given(st.text("0123456789", min_size=17, max_size=17))
def test_check_char_is_the_standards_weighted_sum(first17: str) -> None:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # GB 11643-1999: 2**(17 - i) mod 11
    total = sum(int(digit) * weight for digit, weight in zip(first17, weights, strict=True))
    assert check_char(first17) == "10X98765432"[total % 11]


def test_check_char_needs_17_digits() -> None:
    with pytest.raises(InvalidIdNumber):
        check_char("1234")


def test_birth_date_sex_and_mask() -> None:
    number = "500243197803150012"
    assert birth_date(number) == date(1978, 3, 15)
    assert sex(number) == "M"  # 17th digit 1
    assert sex("500243198006200026") == "F"  # 17th digit 2
    assert sex("11010519491231002X") == "F"
    assert mask(number) == "500243********0012"
    assert birth_date("110105491231002") == date(1949, 12, 31)  # a 15-digit number gets its century


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(1950, 10, 1), date(2020, 10, 1), 70),  # the birthday itself counts
        (date(1950, 10, 2), date(2020, 10, 1), 69),
        (date(1950, 9, 30), date(2020, 10, 1), 70),
        (date(2003, 7, 1), date(2020, 6, 1), 16),
        (date(2000, 2, 29), date(2021, 2, 28), 20),
        (date(2000, 2, 29), date(2021, 3, 1), 21),
        (date(2020, 10, 1), date(2020, 10, 1), 0),
    ],
)
def test_age_on(born: date, on: date, age: int) -> None:
    assert age_on(born, on) == age
    number = with_check("500243" + born.strftime("%Y%m%d") + "001")
    assert age_on(number, on) == age


@given(st.dates(min_value=date(1900, 1, 1), max_value=TODAY), st.integers(0, 999))
def test_every_valid_number_round_trips(born: date, sequence: int) -> None:
    number = with_check(f"500243{born:%Y%m%d}{sequence:03d}")
    assert normalize_id_number(number, today=TODAY) == number
    assert normalize_id_number(number.lower(), today=TODAY) == number
    assert birth_date(number) == born
    assert sex(number) == ("M" if sequence % 2 else "F")


@given(st.dates(min_value=date(1900, 1, 1), max_value=TODAY), st.integers(0, 999), st.integers(1, 10))
def test_any_other_check_char_is_rejected(born: date, sequence: int, shift: int) -> None:
    first17 = f"500243{born:%Y%m%d}{sequence:03d}"
    right = check_char(first17)
    chars = "0123456789X"
    wrong = chars[(chars.index(right) + shift) % 11]
    with pytest.raises(InvalidIdNumber) as problem:
        normalize_id_number(first17 + wrong, today=TODAY)
    assert problem.value.message == f"身份证号校验位应为 {right}"
