"""Table-driven tests of the pure rules (evaluate.md rules 1–8, policy.md §2–§10), no database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from assistance.policy import model
from assistance.policy.model import Assets, Covid, CurrentDibao, Disability, Expense, Household, Income, Member
from assistance.policy.params import MissingParameters, Parameters, ParamVersion, defaults_lookup
from assistance.policy.rules import (
    counted_income,
    evaluate_household,
    per_capita,
    round_yuan,
)
from core.idnumber import age_on
from tests.parameter_tables import VALUES_IN_FORCE

OCT_2020 = date(2020, 10, 1)  # rural standard 496, urban 620, 特困 basic 806, self-care 50
ADULT = date(1980, 5, 5)


def member(ref: str = "a", born: date = ADULT, **fields: object) -> Member:
    return Member(ref=ref, birth_date=born, **fields)  # type: ignore[arg-type]


def earning(amount: str, kind: str = "transfer") -> tuple[Income, ...]:
    return (Income(kind, Decimal(amount)),)


def household(
    *members: Member,
    area: str = "rural",
    registry: str = "none",
    status: str = "none",
    amount: str = "0",
    since: date | None = None,
    assets: Assets | None = None,
) -> Household:
    return Household(
        area=area,
        members=members,
        poverty_registry=registry,
        current_dibao=CurrentDibao(status, Decimal(amount), since),
        assets=assets or Assets(),
    )


def evaluate(h: Household, month: date = OCT_2020, overrides: dict[str, str] | None = None) -> model.Evaluation:
    params = Parameters(month, defaults_lookup, {k: Decimal(v) for k, v in (overrides or {}).items()})
    return evaluate_household(h, month, params)


def find(evaluation: model.Evaluation, benefit: str, ref: str | None = None) -> model.Outcome | None:
    for outcome in evaluation.outcomes:
        if outcome.benefit == benefit and (ref is None or outcome.member == ref):
            return outcome
    return None


def dibao_of(evaluation: model.Evaluation) -> tuple[str, str]:
    outcome = evaluation.outcomes[0]
    assert outcome.benefit == "dibao"
    return outcome.decision, str(outcome.monthly_amount)


def personal(evaluation: model.Evaluation) -> set[tuple[str, str | None, str]]:
    return {(o.benefit, o.member, str(o.monthly_amount)) for o in evaluation.outcomes if o.benefit != "dibao"}


# ---------------------------------------------------------------------------------------------------------------
# Parameters


@pytest.mark.parametrize(
    ("key", "on", "value"),
    [
        *VALUES_IN_FORCE,
        ("disability.care.grade1", date(2022, 9, 1), "80"),
        ("orphan.institution", date(2019, 1, 1), "1404"),
    ],
)
def test_defaults_lookup_gives_the_version_in_force(key: str, on: date, value: str) -> None:
    version = defaults_lookup(key, on)
    assert version is not None
    assert version.value == Decimal(value)
    assert version.source == "default"


@pytest.mark.parametrize(
    ("key", "on"),
    [("dibao.standard.rural", date(2017, 12, 31)), ("orphan.community", date(2018, 12, 1)), ("no.such.key", OCT_2020)],
)
def test_defaults_lookup_none_before_the_first_version(key: str, on: date) -> None:
    assert defaults_lookup(key, on) is None


def test_parameters_use_the_first_of_the_month_and_record_versions() -> None:
    params = Parameters(date(2020, 9, 30), defaults_lookup)  # any day of September reads 1 September
    assert params["dibao.standard.rural"] == Decimal(496)
    assert params.used["dibao.standard.rural"].effective_from == date(2020, 9, 1)
    assert list(params.used) == ["dibao.standard.rural"]


def test_parameters_overrides_and_fresh_records() -> None:
    calls: list[str] = []

    def lookup(key: str, on: date) -> ParamVersion | None:
        calls.append(key)
        return defaults_lookup(key, on)

    params = Parameters(OCT_2020, lookup, {"tekun.basic": Decimal("900")})
    assert params["tekun.basic"] == Decimal(900)
    assert params.used["tekun.basic"] == ParamVersion("tekun.basic", Decimal(900), None, "request")
    assert params["dibao.standard.urban"] == Decimal(620)
    other = params.fresh()
    assert other.used == {}
    assert other["dibao.standard.urban"] == Decimal(620)
    assert calls == ["dibao.standard.urban"]  # looked up once for both records; the override never


def test_missing_parameter_is_recorded_and_raised() -> None:
    params = Parameters(date(2017, 12, 1), defaults_lookup)
    params["dibao.standard.rural"]  # reads a stand-in so that evaluation can find every missing key
    assert params.used == {}
    with pytest.raises(MissingParameters) as missing:
        params.raise_if_missing()
    assert missing.value.keys == ["dibao.standard.rural"]


# ---------------------------------------------------------------------------------------------------------------
# Rounding and ages


@pytest.mark.parametrize(
    ("income", "members", "expected"),
    [
        ("1120", 4, "280.00"),
        ("1000", 3, "333.33"),
        ("2000", 3, "666.67"),
        ("0.01", 2, "0.01"),  # 0.005 rounds half-up to the fen
        ("991.99", 2, "496.00"),  # 495.995
        ("0", 0, "0.00"),
    ],
)
def test_per_capita_rounds_half_up_to_the_fen(income: str, members: int, expected: str) -> None:
    assert str(per_capita(Decimal(income), members)) == expected


@pytest.mark.parametrize(
    ("amount", "expected"),
    [("494.50", "495.00"), ("495.50", "496.00"), ("494.49", "494.00"), ("0.49", "0.00"), ("-3", "0.00"), ("0", "0.00")],
)
def test_round_yuan_half_up_never_negative(amount: str, expected: str) -> None:
    assert str(round_yuan(Decimal(amount))) == expected


@pytest.mark.parametrize(
    ("born", "on", "age"),
    [
        (date(1950, 10, 1), OCT_2020, 70),
        (date(1950, 10, 2), OCT_2020, 69),
        (date(2002, 7, 1), date(2020, 7, 1), 18),
        (date(2002, 7, 2), date(2020, 7, 1), 17),
    ],
)
def test_age_in_full_years(born: date, on: date, age: int) -> None:
    assert age_on(born, on) == age


# ---------------------------------------------------------------------------------------------------------------
# Rule 2: counted income


@pytest.mark.parametrize(
    ("members", "counted"),
    [
        # the worked example's earner: 1600 wage, 30 % employment cost 480, land rent 200, medical 200
        (
            [
                member(
                    employed=True,
                    incomes=(Income("wage", Decimal(1600)), Income("property", Decimal(200))),
                    expenses=(Expense("medical", Decimal(200)),),
                )
            ],
            "1120",
        ),
        ([member(incomes=earning("1600", "wage"))], "1600"),  # not employed: no employment cost
        ([member(employed=True, incomes=earning("2000", "wage"))], "1504"),  # 600 capped at 1 × standard 496
        ([member(employed=True, incomes=earning("1000", "business"))], "700"),
        ([member(employed=True, incomes=earning("1000", "transfer"))], "1000"),  # only wage + business
        ([member(incomes=earning("5000", "excluded"))], "0"),  # awards, 优抚, assistance money never count
        ([member(incomes=earning("100"), expenses=(Expense("care", Decimal(300)),))], "0"),  # floored at 0
        (
            [
                member("a", incomes=earning("100"), expenses=(Expense("education", Decimal(300)),)),
                member("b", incomes=earning("500")),
            ],
            "300",  # the set's total is floored, not each member's
        ),
    ],
)
def test_counted_income(members: list[Member], counted: str) -> None:
    params = Parameters(OCT_2020, defaults_lookup)
    assert counted_income(members, Decimal(496), params).counted == Decimal(counted)


# ---------------------------------------------------------------------------------------------------------------
# Rule 4: 低保 grant, add-ons, boundaries


def test_worked_example() -> None:
    h = household(
        member(
            "m1",
            date(1978, 3, 15),
            employed=True,
            incomes=(Income("wage", Decimal(1600)), Income("property", Decimal(200))),
            expenses=(Expense("medical", Decimal(200)),),
        ),
        member("m2", date(1980, 6, 20)),
        member("m3", date(1948, 1, 1)),
        member("m4", date(2010, 9, 1), schooling="student"),
    )
    evaluation = evaluate(h)
    assert evaluation.counted_income == Decimal(1120)
    assert str(evaluation.per_capita_income) == "280.00"
    assert dibao_of(evaluation) == ("grant", "1024.00")
    reasons = evaluation.outcomes[0].reasons
    assert "人均收入 280.00 低于标准 496.00" in reasons
    assert "m3 年满70周岁加发 60.00" in reasons


@pytest.mark.parametrize(
    ("born", "amount"),
    [
        (date(1950, 10, 1), "556.00"),  # 70th birthday on the 1st of the month: add-on this month
        (date(1950, 10, 2), "496.00"),  # on the 2nd: 69 on the 1st, no add-on yet
        (date(1950, 9, 30), "556.00"),
    ],
)
def test_elderly_addon_by_age_on_the_first(born: date, amount: str) -> None:
    assert dibao_of(evaluate(household(member(born=born)))) == ("grant", amount)


@pytest.mark.parametrize(
    ("income", "decision", "amount"),
    [
        ("496.00", "deny", "0.00"),  # exactly the standard: not below it
        ("495.99", "grant", "0.00"),  # one fen below: eligible, top-up rounds to 0
        ("496.01", "deny", "0.00"),
        ("0", "grant", "496.00"),
    ],
)
def test_income_at_the_standard(income: str, decision: str, amount: str) -> None:
    assert dibao_of(evaluate(household(member(incomes=earning(income))))) == (decision, amount)


@pytest.mark.parametrize(
    ("income", "decision", "amount"),
    [
        ("991.99", "deny", "0.00"),  # per capita 495.995 rounds to 496.00: not below
        ("991.98", "grant", "0.00"),  # 495.99
    ],
)
def test_per_capita_rounding_decides(income: str, decision: str, amount: str) -> None:
    h = household(member("a", incomes=earning(income)), member("b"))
    assert dibao_of(evaluate(h)) == (decision, amount)


@pytest.mark.parametrize(
    ("income", "amount"),
    [("1.50", "495.00"), ("1.51", "494.00"), ("0.50", "496.00"), ("2.50", "494.00")],
)
def test_amount_rounds_half_up_to_the_yuan(income: str, amount: str) -> None:
    # 494.50 → 495 (half-up; half-even would give 494)
    assert dibao_of(evaluate(household(member(incomes=earning(income))))) == ("grant", amount)


@pytest.mark.parametrize(
    ("fields", "addon"),
    [
        ({"disability": Disability("physical", 3)}, 40),
        ({"disability": Disability("visual", 4)}, 40),
        ({"disability": Disability("physical", 1)}, 100),  # 40 + severe 60
        ({"disability": Disability("mental", 2), "born": date(1940, 1, 1)}, 100),  # 40 + one of 60 / 60
        ({"major_illness": True}, 60),
        ({"major_illness": True, "schooling": "student", "born": date(2008, 1, 1)}, 100),  # the higher only
        ({"schooling": "preschool", "born": date(2017, 1, 1)}, 100),
        ({"born": date(1940, 1, 1), "major_illness": True}, 60),
        ({"born": date(1951, 1, 1)}, 0),  # 69
    ],
)
def test_addons(fields: dict[str, object], addon: int) -> None:
    born = fields.pop("born", ADULT)
    evaluation = evaluate(household(member(born=born, **fields)))  # type: ignore[arg-type]
    assert dibao_of(evaluation) == ("grant", f"{496 + addon}.00")


def test_addon_parameters_can_be_overridden() -> None:
    h = household(member(born=date(1945, 1, 1)))
    overrides = {"dibao.addon.elderly": "80", "dibao.addon.elderly_age": "80"}
    assert dibao_of(evaluate(h, overrides=overrides)) == ("grant", "496.00")  # 75 < 80
    overrides["dibao.addon.elderly_age"] = "75"
    assert dibao_of(evaluate(h, overrides=overrides)) == ("grant", "576.00")


def test_urban_standard() -> None:
    evaluation = evaluate(household(member(incomes=earning("20")), area="urban"))
    assert evaluation.standard == Decimal(620)
    assert dibao_of(evaluation) == ("grant", "600.00")


# ---------------------------------------------------------------------------------------------------------------
# Rule 3: assets


@pytest.mark.parametrize(
    ("assets", "passes"),
    [
        (Assets(financial=Decimal("5952.00")), True),  # exactly 1 × 496 × 12
        (Assets(financial=Decimal("5952.01")), False),
        (Assets(vehicles=1), False),
        (Assets(shop_front=True), False),
        (Assets(enterprise=True), False),
        (Assets(dwellings=2, housing_area_multiple=Decimal(3)), True),  # at the multiple: passes
        (Assets(dwellings=2, housing_area_multiple=Decimal("3.01")), False),
        (Assets(dwellings=1, housing_area_multiple=Decimal(10)), True),  # one dwelling, however large
        (Assets(dwellings=0), True),
    ],
)
def test_asset_test(assets: Assets, passes: bool) -> None:
    evaluation = evaluate(household(member(), assets=assets))
    assert evaluation.assets_pass is passes
    assert dibao_of(evaluation)[0] == ("grant" if passes else "deny")


def test_asset_limit_grows_with_members_and_reason_names_the_figures() -> None:
    assets = Assets(financial=Decimal(50000))
    four = [member(str(i)) for i in range(4)]
    evaluation = evaluate(household(*four, assets=assets))
    assert not evaluation.assets_pass
    assert "家庭金融资产 50000.00 超过限额 23808.00" in evaluation.outcomes[0].reasons
    assert evaluate(household(*four, assets=Assets(financial=Decimal(23808)))).assets_pass


# ---------------------------------------------------------------------------------------------------------------
# Rule 4: gradual exit


def _above_standard(**kwargs: object) -> Household:
    # per capita 730.00 in October 2020: 496 ≤ 730 < 992
    members = (member("a", incomes=earning("1000")), member("b", incomes=earning("460")))
    defaults: dict[str, object] = {"registry": "lifted", "status": "gradual_exit", "amount": "620.00"}
    defaults.update(kwargs)
    return household(*members, **defaults)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("since", "month", "decision"),
    [
        (None, OCT_2020, "gradual_exit"),  # null: this month is month 1
        (date(2020, 10, 1), OCT_2020, "gradual_exit"),  # month 1
        (date(2020, 5, 1), OCT_2020, "gradual_exit"),  # month 6 of 6
        (date(2020, 5, 1), date(2020, 11, 1), "exit"),  # month 7
        (date(2020, 8, 1), date(2021, 1, 1), "gradual_exit"),  # month 6 across the year end
        (date(2020, 7, 1), date(2021, 1, 1), "exit"),
    ],
)
def test_gradual_exit_months(since: date | None, month: date, decision: str) -> None:
    evaluation = evaluate(_above_standard(since=since), month)
    expected_amount = "620.00" if decision == "gradual_exit" else "0.00"
    assert dibao_of(evaluation) == (decision, expected_amount)


def test_gradual_exit_month_count_parameter() -> None:
    h = _above_standard(since=date(2020, 5, 1))
    assert dibao_of(evaluate(h, overrides={"gradual_exit.months": "5"}))[0] == "exit"
    assert dibao_of(evaluate(h, overrides={"gradual_exit.months": "12"}))[0] == "gradual_exit"


@pytest.mark.parametrize(
    ("changes", "decision"),
    [
        ({"status": "active"}, "gradual_exit"),
        ({"status": "none"}, "deny"),  # not on 低保 now
        ({"registry": "none"}, "exit"),  # not 建档立卡: leaves at once
        ({"registry": "unlifted"}, "gradual_exit"),
        ({"registry": "monitored"}, "gradual_exit"),
        ({"assets": Assets(vehicles=1)}, "exit"),
        ({"amount": "620.50"}, "gradual_exit"),
    ],
)
def test_gradual_exit_conditions(changes: dict[str, object], decision: str) -> None:
    assert dibao_of(evaluate(_above_standard(**changes)))[0] == decision


@pytest.mark.parametrize(("second_income", "decision"), [("983.98", "gradual_exit"), ("984", "exit")])
def test_gradual_exit_upper_bound(second_income: str, decision: str) -> None:
    # per capita (1000 + x) / 2 against 2 × 496 = 992: 991.99 keeps, 992.00 leaves
    h = household(
        member("a", incomes=earning("1000")),
        member("b", incomes=earning(second_income)),
        registry="lifted",
        status="active",
        amount="500",
    )
    assert dibao_of(evaluate(h))[0] == decision


def test_gradual_exit_amount_rounds_to_the_yuan() -> None:
    assert dibao_of(evaluate(_above_standard(amount="620.50"))) == ("gradual_exit", "621.00")


def test_on_dibao_but_below_standard_with_failed_assets_exits() -> None:
    h = household(member(), registry="lifted", status="active", amount="400", assets=Assets(shop_front=True))
    evaluation = evaluate(h)
    assert dibao_of(evaluation) == ("exit", "0.00")
    assert "家庭有门面房" in evaluation.outcomes[0].reasons


# ---------------------------------------------------------------------------------------------------------------
# Rule 1: 特困


def _destitute(**fields: object) -> Member:
    values: dict[str, object] = {"born": date(1940, 2, 2), "work_capacity": "none", "able_supporter": False}
    values.update(fields)
    born = values.pop("born")
    return member("t", born, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("lost", "level", "amount"),
    [
        (0, "self", "856.00"),
        (1, "half", "1006.00"),
        (3, "half", "1006.00"),
        (4, "full", "1106.00"),
        (6, "full", "1106.00"),
    ],
)
def test_tekun_care_levels(lost: int, level: str, amount: str) -> None:
    evaluation = evaluate(household(_destitute(self_care_lost=lost)))
    outcome = find(evaluation, "tekun", "t")
    assert outcome is not None
    assert (outcome.care_level, str(outcome.monthly_amount)) == (level, amount)
    assert dibao_of(evaluation) == ("deny", "0.00")
    assert evaluation.members == []


@pytest.mark.parametrize(("month", "amount"), [(date(2020, 8, 1), "754.00"), (date(2020, 9, 1), "856.00")])
def test_tekun_self_care_50_from_september_2020(month: date, amount: str) -> None:
    outcome = find(evaluate(household(_destitute()), month), "tekun")
    assert outcome is not None
    assert str(outcome.monthly_amount) == amount


@pytest.mark.parametrize(
    ("month", "is_tekun"),
    [(date(2020, 6, 1), False), (date(2020, 7, 1), True)],  # minor age 16 → 18 on 2020-07-01
)
def test_minor_age_change_in_july_2020(month: date, is_tekun: bool) -> None:
    child = _destitute(born=date(2003, 3, 10))  # 17 in both months
    evaluation = evaluate(household(child), month)
    assert (find(evaluation, "tekun") is not None) is is_tekun
    assert dibao_of(evaluation) == (("deny", "0.00") if is_tekun else ("grant", "440.00"))


@pytest.mark.parametrize(
    ("fields", "is_tekun"),
    [
        ({}, True),
        ({"born": date(1960, 10, 1)}, True),  # 60 on the 1st
        ({"born": date(1960, 10, 2)}, False),  # 59
        ({"born": ADULT, "disability": Disability("intellectual", 2)}, True),
        ({"born": ADULT, "disability": Disability("mental", 1)}, True),
        ({"born": ADULT, "disability": Disability("physical", 1)}, True),
        ({"born": ADULT, "disability": Disability("physical", 2)}, False),
        ({"born": ADULT, "disability": Disability("intellectual", 3)}, False),
        ({"born": ADULT, "disability": Disability("visual", 1)}, False),
        ({"work_capacity": "partial"}, False),
        ({"able_supporter": True}, False),
        ({"child_status": "de_facto_unsupported", "born": date(2010, 1, 1)}, False),  # the allowance instead
        ({"incomes": earning("495.99")}, True),
        ({"incomes": earning("496")}, False),  # own income must be below the standard
        ({"incomes": earning("496"), "expenses": (Expense("medical", Decimal("0.01")),)}, True),
        ({"incomes": earning("900", "excluded")}, True),
    ],
)
def test_tekun_conditions(fields: dict[str, object], is_tekun: bool) -> None:
    evaluation = evaluate(household(_destitute(**fields)))
    assert (find(evaluation, "tekun") is not None) is is_tekun


def test_tekun_asset_test_uses_all_counted_members_then_leaves_the_household() -> None:
    son = member("s", employed=True, incomes=earning("600", "wage"))
    h = household(_destitute(), son, assets=Assets(financial=Decimal(8000)))
    evaluation = evaluate(h)
    # 8000 ≤ 2 × 496 × 12 = 11904: 特困 passes with both members counted ...
    assert find(evaluation, "tekun", "t") is not None
    # ... and the son alone is the household: 8000 > 1 × 496 × 12 = 5952.
    assert evaluation.members == ["s"]
    assert evaluation.counted_income == Decimal(420)
    assert not evaluation.assets_pass
    assert dibao_of(evaluation) == ("deny", "0.00")
    assert evaluation.outcomes[0].members == ["s"]


def test_tekun_denied_when_household_assets_fail() -> None:
    h = household(_destitute(), member("s"), assets=Assets(financial=Decimal(12000)))
    evaluation = evaluate(h)
    assert find(evaluation, "tekun") is None
    assert evaluation.members == ["t", "s"]


def test_tekun_member_income_leaves_the_household_too() -> None:
    elder = _destitute(incomes=earning("300"))
    h = household(elder, member("s", incomes=earning("400")))
    evaluation = evaluate(h)
    assert evaluation.counted_income == Decimal(400)
    assert dibao_of(evaluation) == ("grant", "96.00")


def test_on_dibao_household_left_with_no_members_exits() -> None:
    evaluation = evaluate(household(_destitute(), registry="lifted", status="active", amount="500"))
    assert dibao_of(evaluation) == ("exit", "0.00")
    assert evaluation.outcomes[0].members == []


# ---------------------------------------------------------------------------------------------------------------
# Rule 5: 单人户


def _poor_household(*members: Member, registry: str = "unlifted", **kwargs: object) -> Household:
    earner = member("e", incomes=earning("3000"))  # keeps the household above the standard
    return household(earner, *members, registry=registry, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "amount"),
    [
        ({"disability": Disability("physical", 2)}, "596.00"),  # 496 + 40 + 60
        ({"disability": Disability("physical", 1), "work_capacity": "none"}, "596.00"),
        ({"disability": Disability("intellectual", 3)}, "536.00"),  # 496 + 40
        ({"disability": Disability("mental", 3), "incomes": earning("100.50")}, "436.00"),  # 395.50 + 40 → 436
        ({"major_illness": True}, "556.00"),  # 496 + 60
        ({"major_illness": True, "incomes": earning("495.99")}, "60.00"),
        ({"disability": Disability("physical", 3)}, None),
        ({"disability": Disability("physical", 2), "work_capacity": "full"}, None),
        ({"major_illness": True, "incomes": earning("496")}, None),
        ({}, None),
    ],
)
def test_single_person_dibao(fields: dict[str, object], amount: str | None) -> None:
    values: dict[str, object] = {"work_capacity": "partial"}
    values.update(fields)
    evaluation = evaluate(_poor_household(member("p", **values)))  # type: ignore[arg-type]
    assert dibao_of(evaluation)[0] == "deny"
    outcome = find(evaluation, "single_person_dibao", "p")
    assert (None if outcome is None else str(outcome.monthly_amount)) == amount


@pytest.mark.parametrize("registry", ["none", "lifted", "monitored"])
def test_single_person_dibao_only_for_unlifted(registry: str) -> None:
    sick = member("p", work_capacity="partial", major_illness=True)
    assert find(evaluate(_poor_household(sick, registry=registry)), "single_person_dibao") is None


def test_single_person_dibao_not_when_household_is_covered() -> None:
    sick = member("p", work_capacity="partial", major_illness=True)
    evaluation = evaluate(household(sick, registry="unlifted"))
    assert dibao_of(evaluation) == ("grant", "556.00")
    assert find(evaluation, "single_person_dibao") is None


def test_single_person_dibao_after_exit() -> None:
    sick = member("p", work_capacity="none", disability=Disability("hearing", 2))
    h = household(member("e", incomes=earning("5000")), sick, registry="unlifted", status="active", amount="800")
    evaluation = evaluate(h)
    assert dibao_of(evaluation) == ("exit", "0.00")  # per capita 2500 ≥ 2 × standard
    assert ("single_person_dibao", "p", "596.00") in personal(evaluation)
    assert ("disability_living", "p", "70.00") in personal(evaluation)  # covered alone: living subsidy too


# ---------------------------------------------------------------------------------------------------------------
# Rule 6: COVID relief


@pytest.mark.parametrize(
    ("admitted", "discharged", "relief"),
    [
        (date(2020, 9, 20), date(2020, 9, 30), False),  # discharged on the last day of the previous month
        (date(2020, 9, 20), date(2020, 10, 1), True),  # discharged on the first day of the month
        (date(2020, 10, 31), None, True),  # admitted on the last day
        (date(2020, 11, 1), None, False),  # admitted next month
        (date(2020, 8, 1), None, True),  # still in hospital
        (date(2020, 10, 5), date(2020, 10, 9), True),
    ],
)
def test_covid_relief_in_hospital_during_the_month(admitted: date, discharged: date | None, relief: bool) -> None:
    patient = member("p", covid=Covid(admitted, discharged))
    evaluation = evaluate(household(patient))  # on 低保: covered
    outcome = find(evaluation, "covid_relief", "p")
    assert (None if outcome is None else str(outcome.monthly_amount)) == ("992.00" if relief else None)


@pytest.mark.parametrize(
    ("fields", "kwargs", "relief"),
    [
        ({}, {}, None),  # above the standard, no group at all
        ({}, {"registry": "lifted"}, "992.00"),  # 建档立卡
        ({}, {"registry": "monitored", "area": "urban"}, "1240.00"),  # the household's own standard
        ({"child_status": "orphan_community", "born": date(2012, 1, 1)}, {}, "992.00"),  # child in difficulty
        ({"child_status": "de_facto_unsupported", "born": date(2001, 1, 1)}, {}, "992.00"),  # the status counts
    ],
)
def test_covid_relief_groups(fields: dict[str, object], kwargs: dict[str, object], relief: str | None) -> None:
    born = fields.pop("born", ADULT)
    patient = member("p", born, incomes=earning("3000"), covid=Covid(date(2020, 10, 3)), **fields)  # type: ignore[arg-type]
    outcome = find(evaluate(household(patient, **kwargs)), "covid_relief")  # type: ignore[arg-type]
    assert (None if outcome is None else str(outcome.monthly_amount)) == relief


def test_covid_relief_for_tekun_and_single_person() -> None:
    stay = Covid(date(2020, 10, 3))
    tekun_patient = _destitute(covid=stay)
    evaluation = evaluate(household(tekun_patient))
    assert ("covid_relief", "t", "992.00") in personal(evaluation)
    sick = member("p", work_capacity="partial", major_illness=True, covid=stay)
    evaluation = evaluate(_poor_household(sick))
    assert ("covid_relief", "p", "992.00") in personal(evaluation)
    assert find(evaluation, "covid_relief", "e") is None


def test_covid_relief_multiple_parameter() -> None:
    patient = member("p", covid=Covid(date(2020, 10, 3)))
    evaluation = evaluate(household(patient), overrides={"temporary.covid_multiple": "1.5"})
    assert ("covid_relief", "p", "744.00") in personal(evaluation)


# ---------------------------------------------------------------------------------------------------------------
# Rules 7 and 8: 两项补贴 and the orphan allowance


@pytest.mark.parametrize(
    ("disability", "covered", "expected"),
    [
        (Disability("visual", 3), True, {("disability_living", "d", "70.00")}),
        (Disability("visual", 4), False, set()),
        (Disability("physical", 1), True, {("disability_living", "d", "70.00"), ("disability_care", "d", "80.00")}),
        (Disability("physical", 2), True, {("disability_living", "d", "70.00"), ("disability_care", "d", "70.00")}),
        (Disability("physical", 1), False, {("disability_care", "d", "80.00")}),  # care does not need 低保
        (Disability("hearing", 2), False, {("disability_care", "d", "70.00")}),
    ],
)
def test_disability_subsidies(disability: Disability, covered: bool, expected: set[tuple[str, str, str]]) -> None:
    income = "0" if covered else "3000"
    evaluation = evaluate(household(member("d", disability=disability, incomes=earning(income))))
    assert personal(evaluation) == expected


def test_disability_subsidies_from_october_2022() -> None:
    evaluation = evaluate(household(member("d", disability=Disability("physical", 1))), date(2022, 10, 1))
    assert personal(evaluation) == {("disability_living", "d", "80.00"), ("disability_care", "d", "90.00")}
    evaluation = evaluate(household(member("d", disability=Disability("physical", 2))), date(2022, 9, 1))
    assert personal(evaluation) == {("disability_living", "d", "70.00"), ("disability_care", "d", "70.00")}


def test_no_disability_subsidies_for_tekun() -> None:
    evaluation = evaluate(household(_destitute(disability=Disability("intellectual", 1), born=ADULT)))
    assert {o.benefit for o in evaluation.outcomes} == {"dibao", "tekun"}


def test_orphan_gets_care_but_no_living_subsidy() -> None:
    orphan = member("o", date(2012, 1, 1), child_status="orphan_community", disability=Disability("physical", 1))
    evaluation = evaluate(household(orphan, member("g", born=date(1950, 1, 1))))
    assert dibao_of(evaluation)[0] == "grant"
    assert personal(evaluation) == {("orphan_allowance", "o", "1256.00"), ("disability_care", "o", "80.00")}


@pytest.mark.parametrize(
    ("status", "month", "amount"),
    [
        ("orphan_institution", OCT_2020, "1456.00"),
        ("orphan_community", OCT_2020, "1256.00"),
        ("de_facto_unsupported", OCT_2020, "1204.00"),
        ("orphan_institution", date(2019, 1, 1), "1404.00"),
        ("orphan_community", date(2021, 9, 1), "1277.00"),
        ("de_facto_unsupported", date(2021, 9, 1), "1225.00"),
    ],
)
def test_orphan_allowance(status: str, month: date, amount: str) -> None:
    evaluation = evaluate(household(member("o", date(2010, 5, 5), child_status=status)), month)
    assert ("orphan_allowance", "o", amount) in personal(evaluation)


@pytest.mark.parametrize(("born", "granted"), [(date(2002, 10, 2), True), (date(2002, 10, 1), False)])
def test_orphan_allowance_under_18_only(born: date, granted: bool) -> None:
    evaluation = evaluate(household(member("o", born, child_status="orphan_community")))
    assert (find(evaluation, "orphan_allowance") is not None) is granted


def test_orphan_parameter_needed_only_when_an_orphan_is_present() -> None:
    month = date(2018, 6, 1)
    assert dibao_of(evaluate(household(member()), month)) == ("grant", "410.00")
    with pytest.raises(MissingParameters) as missing:
        evaluate(household(member("o", date(2010, 5, 5), child_status="orphan_institution")), month)
    assert missing.value.keys == ["orphan.institution"]
    overridden = evaluate(
        household(member("o", date(2010, 5, 5), child_status="orphan_institution")),
        month,
        overrides={"orphan.institution": "1300"},
    )
    assert ("orphan_allowance", "o", "1300.00") in personal(overridden)


def test_month_before_2018_names_the_parameter() -> None:
    with pytest.raises(MissingParameters) as missing:
        evaluate(household(member()), date(2017, 12, 1))
    # every key this household needs is named at once, not one per attempt
    assert missing.value.keys == ["dibao.standard.rural", "assets.financial_months", "dibao.addon.elderly_age"]
    overrides = {"dibao.standard.rural": "400", "assets.financial_months": "12", "dibao.addon.elderly_age": "70"}
    assert dibao_of(evaluate(household(member()), date(2017, 12, 1), overrides)) == ("grant", "400.00")


# ---------------------------------------------------------------------------------------------------------------
# Members not counted


def test_uncounted_members_are_ignored_everywhere() -> None:
    away = member(
        "x",
        counted=False,
        incomes=earning("99999"),
        disability=Disability("physical", 1),
        covid=Covid(date(2020, 10, 3)),
        child_status="orphan_community",
        born=date(2012, 1, 1),
    )
    evaluation = evaluate(household(member("a"), away, registry="unlifted"))
    assert evaluation.members == ["a"]
    assert dibao_of(evaluation) == ("grant", "496.00")
    assert len(evaluation.outcomes) == 1
