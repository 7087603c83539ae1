from datetime import date

import pytest

from core.workdays import HOLIDAY, WORKDAY, add_working_days, is_working_day, working_days_between

# National Day 2020: 10-01..10-08 off; Sunday 09-27 and Saturday 10-10 were make-up working days.
NATIONAL_DAY_2020 = {date(2020, 10, d): HOLIDAY for d in range(1, 9)} | {
    date(2020, 9, 27): WORKDAY,
    date(2020, 10, 10): WORKDAY,
}


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2020, 9, 25), True),  # Friday
        (date(2020, 9, 26), False),  # Saturday
        (date(2020, 9, 27), True),  # Sunday, make-up working day
        (date(2020, 10, 1), False),  # holiday on a Thursday
        (date(2020, 10, 10), True),  # Saturday, make-up working day
        (date(2020, 10, 11), False),  # Sunday
    ],
)
def test_is_working_day(day, working):
    assert is_working_day(day, NATIONAL_DAY_2020) is working


def test_add_working_days_skips_holidays_and_counts_make_up_days():
    # From Wed 09-30: next working days are Fri 10-09, Sat 10-10 (make-up), Mon 10-12 …
    assert add_working_days(date(2020, 9, 30), 1, NATIONAL_DAY_2020) == date(2020, 10, 9)
    assert add_working_days(date(2020, 9, 30), 2, NATIONAL_DAY_2020) == date(2020, 10, 10)
    assert add_working_days(date(2020, 9, 30), 3, NATIONAL_DAY_2020) == date(2020, 10, 12)
    assert add_working_days(date(2020, 9, 25), 1, NATIONAL_DAY_2020) == date(2020, 9, 27)


def test_plain_weeks_without_a_calendar():
    assert add_working_days(date(2020, 6, 5), 10, {}) == date(2020, 6, 19)  # two weeks, Friday to Friday
    assert add_working_days(date(2020, 6, 5), 0, {}) == date(2020, 6, 5)
    assert working_days_between(date(2020, 6, 5), date(2020, 6, 19), {}) == 10
    assert working_days_between(date(2020, 9, 30), date(2020, 10, 12), NATIONAL_DAY_2020) == 3
