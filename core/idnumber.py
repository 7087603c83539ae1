"""The citizen ID number (公民身份号码, GB 11643-1999; policy.md §12).

Pure Python, no Django import: the policy rules and the import jobs use it as well as the forms.

An 18-character number is ``AAAAAA YYYYMMDD SSS C``: region code at issue, birth date, sequence (17th digit odd
= male) and a check character. Old region codes are deliberately not checked: Pengshui residents may still carry
512327 or 513525 from before Chongqing became a municipality (1997).
"""

from __future__ import annotations

import re
from datetime import date

from core.masking import mask_id_number

__all__ = [
    "InvalidIdNumber",
    "age_on",
    "birth_date",
    "check_char",
    "mask",
    "normalize_id_number",
    "sex",
]

_CHECK_CHARS = "10X98765432"
# ASCII only: str.isdigit() would also accept full-width and other Unicode digits.
_ID18 = re.compile(r"[0-9]{17}[0-9X]")
_ID15 = re.compile(r"[0-9]{15}")
_DIGITS17 = re.compile(r"[0-9]{17}")
_WHITESPACE = re.compile(r"\s+")
# Nobody alive was born before this; a year like 0001 or 1066 is a typing error, not a person.
_EARLIEST_BIRTH_YEAR = 1800

MSG_LENGTH = "身份证号应为18位（或15位旧号码）"
MSG_DATE = "身份证号中的出生日期无效"
MSG_FUTURE = "身份证号中的出生日期晚于今天"


class InvalidIdNumber(ValueError):
    """An ID number that cannot belong to anybody; ``message`` is Chinese, for the person who typed it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def check_char(first17: str) -> str:
    """The check character for the first 17 digits (GB 11643-1999 ISO 7064 MOD 11-2)."""
    if not _DIGITS17.fullmatch(first17):
        raise InvalidIdNumber(MSG_LENGTH)
    return _check(first17)


def _check(digits17: str) -> str:
    # ISO 7064 MOD 11-2 weighs the i-th digit (i = 0…16) by 2**(17 - i) mod 11. As 13 ≡ 2 (mod 11), the weighted
    # sum is ≡ 2 × the digits read as a base-13 number: one int() in C rather than a loop over the digits.
    return _CHECK_CHARS[2 * int(digits17, 13) % 11]


def _parse_birth(id17: str) -> date:
    try:
        born = date.fromisoformat(id17[6:14])  # YYYYMMDD (the caller checked that these are digits)
    except ValueError:
        raise InvalidIdNumber(MSG_DATE) from None
    if born.year < _EARLIEST_BIRTH_YEAR:
        raise InvalidIdNumber(MSG_DATE)
    return born


def normalize_id_number(raw: str, today: date | None = None) -> str:
    """Return the 18-character form of ``raw`` or raise ``InvalidIdNumber``.

    Spaces are removed and a lower-case x is stored as X. A 15-digit number (issued before 1999) gets "19"
    inserted after its region code and a computed check character. The birth date must exist and not be after
    ``today`` (the real today when not given).
    """
    number = (raw if raw.isalnum() else _WHITESPACE.sub("", raw)).upper()  # letters and digits: no space to remove
    if _ID18.fullmatch(number):
        id17 = number[:17]
        given = number[17]
    elif _ID15.fullmatch(number):
        id17 = number[:6] + "19" + number[6:]
        given = None
    else:
        raise InvalidIdNumber(MSG_LENGTH)
    born = _parse_birth(id17)
    if born > (today or date.today()):
        raise InvalidIdNumber(MSG_FUTURE)
    expected = _check(id17)
    if given is not None and given != expected:
        raise InvalidIdNumber(f"身份证号校验位应为 {expected}")
    return id17 + expected


def _as18(id_number: str) -> str:
    # The derived facts below are meant for stored (normalised) numbers; anything else is normalised first so
    # that a 15-digit number still gives the right century.
    if len(id_number) == 18 and _ID18.fullmatch(id_number):
        return id_number
    return normalize_id_number(id_number)


def birth_date(id18: str) -> date:
    """The birth date written in the number."""
    return _parse_birth(_as18(id18))


def sex(id18: str) -> str:
    """ "M" when the 17th digit (the end of the sequence number) is odd, else "F"."""
    return "M" if int(_as18(id18)[16]) % 2 else "F"


def age_on(id18_or_birth: str | date, on: date) -> int:
    """Age in full years on ``on``: the birthday itself counts (born 1950-10-01 is 70 on 2020-10-01).

    Somebody born on 29 February reaches the next year of age on 1 March in a common year.
    """
    born = id18_or_birth if isinstance(id18_or_birth, date) else birth_date(id18_or_birth)
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def mask(id18: str) -> str:
    """The number as shown on lists and exports (kept for callers of this name): ``core.masking``."""
    return mask_id_number(id18)
