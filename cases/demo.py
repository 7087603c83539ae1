"""Deterministic demo data: the same seed always gives the same rows. Set-based inserts only."""

from __future__ import annotations

import contextlib
import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

import pghistory
import pgtrigger
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from cases.models import (
    COUNTY_CODE,
    AssetRecord,
    Expenditure,
    Household,
    IllnessCatalog,
    IncomeItem,
    Member,
    SensitiveAccessLog,
    Township,
    User,
    Village,
)
from core import idnumber

DEMO_PASSWORD = "Pengshui@2020"  # noqa: S105 - published demo accounts, documented in the README

# (username, full name, role, township name or None for the county)
DEMO_USERS = (
    ("jingban", "张经办", User.Role.CASEWORKER, "汉葭街道"),
    ("shenhe", "李审核", User.Role.REVIEWER, "汉葭街道"),
    ("jingban_ys", "王经办", User.Role.CASEWORKER, "郁山镇"),
    ("shenhe_ys", "赵审核", User.Role.REVIEWER, "郁山镇"),
    ("xianju", "刘科长", User.Role.COUNTY_STAFF, None),
    ("admin", "系统管理员", User.Role.COUNTY_ADMIN, None),
    ("shenji", "陈审计", User.Role.AUDITOR, None),
)

_FIRST = "安白碧长大东丰凤高关红黄鸡金联龙鹿马梅木南平桥青三石双太桃天铜万向新杨岩玉枣中竹"
_SECOND = "坝坪沟湾岭山河溪塘坡园田林桥坳台堡寨岩池"


def _village_names(rng: random.Random, count: int) -> list[str]:
    names: list[str] = []
    while len(names) < count:
        name = rng.choice(_FIRST) + rng.choice(_SECOND)
        if name not in names:
            names.append(name)
    return names


def seed_villages(rng: random.Random) -> int:
    """About 8 villages (communities in 街道) per township, for townships that have none yet."""
    have = set(Village.objects.values_list("township_id", flat=True).distinct())
    rows: list[Village] = []
    for township in Township.objects.order_by("code"):
        count = rng.randint(6, 10)
        names = _village_names(rng, count)
        if township.id in have:
            continue
        is_street = township.kind == Township.Kind.SUBDISTRICT
        for number, name in enumerate(names, start=1):
            kind = Village.Kind.COMMUNITY if is_street else Village.Kind.VILLAGE
            rows.append(Village(township=township, code=f"{township.code}{number:03d}", name=name + kind, kind=kind))
    Village.objects.bulk_create(rows)
    return len(rows)


def seed_users() -> int:
    townships = dict(Township.objects.values_list("name", "id"))
    existing = set(User.objects.filter(username__in=[u[0] for u in DEMO_USERS]).values_list("username", flat=True))
    users = []
    for username, full_name, role, township in DEMO_USERS:
        if username in existing:
            continue
        user = User(
            username=username,
            first_name=full_name,
            role=role,
            township_id=townships[township] if township else None,
            is_staff=role == User.Role.COUNTY_ADMIN,
            is_superuser=role == User.Role.COUNTY_ADMIN,
        )
        user.set_password(DEMO_PASSWORD)
        users.append(user)
    User.objects.bulk_create(users)
    return len(users)


# Households and members ------------------------------------------------------------------------------------
#
# Everything below is generated from the seeded ``random.Random`` only: ages, dates and "current" facts are taken on
# REFERENCE_DATE, never on date.today(), so the same seed always gives the same people. Rows go in with PostgreSQL
# COPY in batches; households and members get their ids from their sequences first, so members and facts can point
# at them without a round trip per row.

REFERENCE_DATE = date(2020, 10, 1)
OLD_REGION_CODES = ("512327", "513525")  # issued before Chongqing became a municipality (1997), policy.md §12
BATCH_HOUSEHOLDS = 10_000

ILLNESSES = (
    ("恶性肿瘤", "ZD01"),
    ("尿毒症", "ZD02"),
    ("白血病", "ZD03"),
    ("重性精神病", "ZD04"),
    ("耐多药肺结核", "ZD05"),
    ("血友病", "ZD06"),
    ("儿童先天性心脏病", "ZD07"),
    ("器官移植术后抗排异治疗", "ZD08"),
)

# Surnames common in Pengshui (苗族、土家族 families included), with rough weights.
_SURNAMES = (
    "冉冉冉冉冉冉任任任任任张张张张张张王王王王王李李李李李刘刘刘刘陈陈陈陈杨杨杨杨杨向向向向田田田田彭彭彭彭"
    "龙龙龙石石石黄黄黄何何何罗罗罗周周周吴吴吴谢谢徐徐侯侯庹庹蔡蔡熊熊邓邓汪汪秦秦朱朱唐唐胡胡赵赵余余曾曾"
    "郑马高杜袁孙冯文宋廖舒姚付钟蒋谭郭蹇简卢"
)
# Given-name characters by generation (born before 1965, 1965–1989, from 1990) and sex.
_GIVEN = {
    (0, "M"): "德明国华成贵福荣祥昌林海清正开富发光云山学元树银金文长顺全忠守道",
    (0, "F"): "秀英兰芳珍桂玉凤翠素琼菊群莲芝香仙花梅淑碧春会先",
    (1, "M"): "军勇伟强平华兵斌刚波涛建明红林彬杰峰洪春亮辉超江飞俊",
    (1, "F"): "丽英敏燕艳娟霞琴玲萍红莉芳静梅琼凤丹蓉群慧华小",
    (2, "M"): "浩宇轩涛杰博俊鑫磊鹏阳航晨睿子梓铭凯豪成文宏锐翔志毅",
    (2, "F"): "欣怡涵雨萱佳琪思梦婷雪悦诗琳可馨倩颖月瑶玉晓丹妍娜露",
}
_ETHNICITIES = ("苗族",) * 35 + ("土家族",) * 25 + ("汉族",) * 38 + ("仡佬族", "侗族")
_STREETS = "环城路 新华街 民族路 滨江路 桥南路 长滩路 河堡路 半坡路 中山路 绍庆路 靛水路".split()
_MOBILE_PREFIXES = ("133", "135", "136", "138", "139", "150", "151", "152", "158", "159", "177", "180", "182", "187")
_BANKS = (
    ("重庆农村商业银行", "621459"),
    ("中国农业银行", "622848"),
    ("中国邮政储蓄银行", "621799"),
    ("中国建设银行", "621700"),
    ("中国工商银行", "622202"),
)
# Category → digit used in the second-generation disability certificate number (ID number + category + grade).
_DISABILITIES = (
    ("physical", "4", 45),
    ("visual", "1", 12),
    ("hearing", "2", 12),
    ("speech", "3", 3),
    ("intellectual", "5", 9),
    ("mental", "6", 10),
    ("multiple", "7", 9),
)
_KIND_WEIGHT: dict[str, float] = {Township.Kind.SUBDISTRICT: 6.0, Township.Kind.TOWN: 3.0, Township.Kind.TOWNSHIP: 1.6}
_URBAN_SHARE: dict[str, float] = {
    Township.Kind.SUBDISTRICT: 0.88,
    Township.Kind.TOWN: 0.12,
    Township.Kind.TOWNSHIP: 0.03,
}
# Family shapes by size. Letters after the head: S spouse, C child, P parent, B sibling, L child-in-law,
# G grandchild.
_SHAPES = {
    1: ((1.0, ""),),
    2: ((0.6, "S"), (0.2, "C"), (0.15, "P"), (0.05, "B")),
    3: ((0.65, "SC"), (0.2, "SP"), (0.15, "CC")),
    4: ((0.6, "SCC"), (0.3, "SCP"), (0.1, "SPP")),
    5: ((0.45, "SCCP"), (0.3, "SCCC"), (0.25, "SCLG")),
    6: ((0.4, "SCCPP"), (0.3, "SCLGG"), (0.3, "SCCCP")),
}
_SIZES = ((1, 0.15), (2, 0.25), (3, 0.22), (4, 0.20), (5, 0.12), (6, 0.06))
_RELATION = {
    "H": Member.Relation.HEAD,
    "S": Member.Relation.SPOUSE,
    "C": Member.Relation.CHILD,
    "P": Member.Relation.PARENT,
    "B": Member.Relation.SIBLING,
    "L": Member.Relation.CHILD_IN_LAW,
    "G": Member.Relation.GRANDCHILD,
}
_HISTORY_TRIGGERS = tuple(
    f"cases.{model}:insert_insert" for model in ("Household", "Member", "IncomeItem", "Expenditure", "AssetRecord")
)
_REGISTRY_TABLES = (Household, Member, IncomeItem, Expenditure, AssetRecord)
_NULL = "\\N"
_Fact = tuple[int, str, str, str, str]
T = TypeVar("T")


@dataclass(slots=True)
class _Person:
    letter: str  # relation to the head, as in _SHAPES ("H" for the head)
    age: int  # on REFERENCE_DATE
    sex: str
    surname: str


def _copy_text(value: object) -> str:
    """A Python value in COPY's text format (generated values never contain tabs, newlines or backslashes)."""
    if value is None:
        return _NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


class _CopyTable:
    """Column list and a template row (every column at its model default, as ``Model()`` would have it) for COPY
    into ``model``'s table. A NOT NULL column that the generator does not set and that has no default (a field added
    later) makes COPY fail with that column's name."""

    def __init__(self, model: type[Model], now: datetime, *, with_pk: bool) -> None:
        fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
        self.table = model._meta.db_table
        self.columns = [f.column for f in fields]
        self.index = {f.attname: i for i, f in enumerate(fields)}
        self.template: list[str] = []
        for field in fields:
            auto = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
            value = now if auto else field.get_default()
            self.template.append(_copy_text(value))

    def copy(self, lines: list[str]) -> None:
        if not lines:
            return
        columns = ", ".join(f'"{c}"' for c in self.columns)
        with connection.cursor() as cursor:
            # Through Django's cursor: inside pgtrigger.ignore() this also sets the transaction-local setting the
            # history triggers read. COPY itself goes straight to psycopg, past Django's execute wrappers.
            cursor.execute("SELECT 1")
            with cursor.cursor.copy(f'COPY "{self.table}" ({columns}) FROM STDIN') as copy:
                for start in range(0, len(lines), 20_000):
                    copy.write("".join(lines[start : start + 20_000]))


@contextlib.contextmanager
def _trigger_settings(*, history: bool) -> Iterator[None]:
    """Skip the history triggers (``pgtrigger.ignore``), or record history with a pghistory context.

    Either way both settings the trigger functions read (``pgtrigger.ignore``, ``pghistory.context_id``) are
    defined for the transaction. An undefined one makes ``CURRENT_SETTING`` raise inside the functions' EXCEPTION
    blocks, one aborted subtransaction per inserted row, and each abort scans the whole queue of deferred foreign
    key checks: loading 100,000 households that way takes well over ten minutes instead of seconds."""
    if not history:
        with pgtrigger.ignore(*_HISTORY_TRIGGERS):
            yield
        return
    with pghistory.context(source="seed_demo") as context:
        # pghistory puts its settings in front of data-changing statements that pass through Django; COPY does not.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('pgtrigger.ignore', '{}', true), set_config('pghistory.context_id', %s, true),"
                " set_config('pghistory.context_metadata', %s, true)",
                [str(context.id), json.dumps(context.metadata)],
            )
        yield


def _next_ids(model: type[Model], count: int) -> list[int]:
    if not count:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, "id", count]
        )
        return [row[0] for row in cursor.fetchall()]


def _luhn(digits: str) -> str:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def ensure_illness_catalog() -> list[int]:
    """The county's major-illness catalogue (a few common entries when it is empty); ids of the active ones."""
    if not IllnessCatalog.objects.exists():
        IllnessCatalog.objects.bulk_create([IllnessCatalog(name=name, code=code) for name, code in ILLNESSES])
    return list(IllnessCatalog.objects.filter(active=True).order_by("name").values_list("pk", flat=True))


def _village_quotas(rng: random.Random, villages: list[Village], count: int) -> list[int]:
    """Households per village: townships weighted by kind (街道 most populous), villages within a township vary;
    largest-remainder rounding so the quotas add up to ``count``."""
    township_weight: dict[int, float] = {}
    jitter = []
    for village in villages:
        if village.township_id not in township_weight:
            township_weight[village.township_id] = _KIND_WEIGHT[village.township.kind] * (0.7 + 0.6 * rng.random())
        jitter.append(0.5 + rng.random())
    jitter_sum: dict[int, float] = {}
    for village, j in zip(villages, jitter, strict=True):
        jitter_sum[village.township_id] = jitter_sum.get(village.township_id, 0.0) + j
    weights = [
        township_weight[v.township_id] * j / jitter_sum[v.township_id] for v, j in zip(villages, jitter, strict=True)
    ]
    total = sum(weights)
    exact = [count * w / total for w in weights]
    quotas = [int(x) for x in exact]
    by_remainder = sorted(range(len(villages)), key=lambda i: (quotas[i] - exact[i], i))
    for i in by_remainder[: count - sum(quotas)]:
        quotas[i] += 1
    return quotas


class _Generator:
    """Builds COPY lines for households, members and their facts. One instance per ``seed_households`` call."""

    def __init__(self, rng: random.Random, illnesses: list[int], existing_ids: set[str]) -> None:
        self.random = rng.random
        self.illnesses = illnesses
        self.existing_ids = existing_ids
        self.now = timezone.now()
        self.households = _CopyTable(Household, self.now, with_pk=True)
        self.members = _CopyTable(Member, self.now, with_pk=True)
        self.incomes = _CopyTable(IncomeItem, self.now, with_pk=False)
        self.expenditures = _CopyTable(Expenditure, self.now, with_pk=False)
        self.assets = _CopyTable(AssetRecord, self.now, with_pk=False)
        # Born in [first, first + 364] → exactly ``age`` full years old on REFERENCE_DATE (a 1 October).
        self.first_day_of_age = [
            date(REFERENCE_DATE.year - age - 1, REFERENCE_DATE.month, REFERENCE_DATE.day).toordinal() + 1
            for age in range(110)
        ]
        self.days: dict[int, tuple[str, str]] = {}
        self.sequence: dict[tuple[str, int, int], int] = {}
        self.fact_dates = [date(2019 + m // 12, 1 + m % 12, 1).isoformat() for m in range(21)]  # 2019-01 … 2020-09
        self.bank_counter = 0
        self.counts = {"households": 0, "members": 0, "incomes": 0, "expenditures": 0, "assets": 0}
        size_weights = [w for _, w in _SIZES]
        self.size_cuts = [sum(size_weights[: i + 1]) for i in range(len(size_weights))]

    # Small helpers -----------------------------------------------------------------------------------------

    def between(self, low: int, high: int) -> int:
        return low + int(self.random() * (high - low + 1))

    def pick(self, seq: Sequence[T]) -> T:
        return seq[int(self.random() * len(seq))]

    def fact(self, position: int, kind: str, low: int, high: int, note: str, step: int = 10) -> _Fact:
        """A monthly amount between ``low`` and ``high`` times ``step`` yuan, valid from a month in 2019–2020."""
        return (position, kind, f"{self.between(low, high) * step}.00", self.pick(self.fact_dates), note)

    def mobile(self) -> str:
        return f"{self.pick(_MOBILE_PREFIXES)}{int(self.random() * 100_000_000):08d}"

    def day(self, ordinal: int) -> tuple[str, str]:
        """(YYYYMMDD, ISO) of a day ordinal, cached: a county's people share some 35,000 birthdays."""
        cached = self.days.get(ordinal)
        if cached is None:
            day = date.fromordinal(ordinal)
            cached = self.days[ordinal] = (day.strftime("%Y%m%d"), day.isoformat())
        return cached

    def id_number(self, ordinal: int, male: bool, region: str) -> tuple[str, int]:
        """A valid, unused ID number for somebody born on ``ordinal``: the 3-digit sequence encodes a running
        counter per (region, birthday, sex) starting at a birthday-dependent offset; its last digit is odd for
        men. After 500 people of one sex on one birthday the next day is used."""
        sex_bit = 1 if male else 0
        while True:
            key = (region, ordinal, sex_bit)
            counter = self.sequence.get(key, 0)
            if counter >= 500:
                ordinal += 1
                continue
            self.sequence[key] = counter + 1
            seq = ((ordinal * 7 + counter) % 500) * 2 + sex_bit
            first17 = f"{region}{self.day(ordinal)[0]}{seq:03d}"
            number = first17 + idnumber.check_char(first17)
            if number not in self.existing_ids:
                return number, ordinal

    def given_name(self, birth_year: int, sex: str) -> str:
        generation = 0 if birth_year < 1965 else 1 if birth_year < 1990 else 2
        pool = _GIVEN[(generation, sex)]
        if self.random() < 0.35:
            return self.pick(pool)
        return self.pick(pool) + self.pick(pool)

    # Families ------------------------------------------------------------------------------------------------

    def family(self) -> list[_Person]:
        """The members, head first, with ages consistent with their relations."""
        r = self.random
        if r() < 0.004:  # grandparent(s) raising grandchildren (orphans, de-facto unsupported, left behind)
            shape = ("S" if r() < 0.5 else "") + "G" * self.between(1, 2)
            head_age = self.between(58, 82)
        else:
            x = r()
            size = next(s for (s, _), cut in zip(_SIZES, self.size_cuts, strict=True) if x < cut or s == 6)
            x = r()
            shape = ""
            for weight, candidate in _SHAPES[size]:
                shape = candidate
                if x < weight:
                    break
                x -= weight
            if "G" in shape:
                head_age = self.between(50, 85)
            elif "P" in shape:
                head_age = self.between(25, 62)
            elif "C" in shape:
                head_age = self.between(28, 70)
            elif r() < 0.5:
                head_age = self.between(60, 85)
            else:
                head_age = self.between(25, 59)
        has_spouse = "S" in shape
        head = _Person("H", head_age, "M" if r() < (0.8 if has_spouse else 0.55) else "F", self.pick(_SURNAMES))
        people = [head]
        spouse = None
        if has_spouse:
            spouse_age = max(22, min(90, head_age + self.between(-5, 5)))
            spouse = _Person("S", spouse_age, "F" if head.sex == "M" else "M", self.pick(_SURNAMES))
            people.append(spouse)
        father_surname = spouse.surname if spouse and spouse.sex == "M" else head.surname
        youngest_parent = min(head_age, spouse.age) if spouse else head_age
        child = in_law = None
        for letter in shape:
            if letter == "C":
                if "G" in shape:  # an adult child living with a spouse and children of their own
                    age = max(22, youngest_parent - self.between(22, 30))
                else:
                    age = self.between(0, max(0, min(35, youngest_parent - 20)))
                child = _Person("C", age, "M" if r() < 0.52 else "F", father_surname)
                people.append(child)
            elif letter == "P":
                mother = any(p.letter == "P" for p in people) or (shape.count("P") == 1 and r() < 0.65)
                age = min(98, head_age + self.between(22, 34))
                surname = self.pick(_SURNAMES) if mother else head.surname
                people.append(_Person("P", age, "F" if mother else "M", surname))
            elif letter == "B":
                age = max(18, head_age + self.between(-8, 8))
                people.append(_Person("B", age, "M" if r() < 0.5 else "F", head.surname))
            elif letter == "L" and child is not None:
                age = max(20, child.age + self.between(-4, 4))
                in_law = _Person("L", age, "F" if child.sex == "M" else "M", self.pick(_SURNAMES))
                people.append(in_law)
            elif letter == "G":
                if child is not None and in_law is not None:
                    parents_age = min(child.age, in_law.age)
                    surname = child.surname if child.sex == "M" else in_law.surname
                else:  # raised by grandparents: the parents are not in the household
                    parents_age = head_age - 25
                    surname = head.surname if head.sex == "M" else self.pick(_SURNAMES)
                age = self.between(0, max(0, min(17, parents_age - 20)))
                people.append(_Person("G", age, "M" if r() < 0.52 else "F", surname))
        return people

    # One household -----------------------------------------------------------------------------------------

    def household(
        self, household_id: int, number: str, village: Village
    ) -> tuple[list[str], list[list[str]], list[str], list[_Fact], list[_Fact]]:
        """COPY rows for one household: its own, its members' (ids filled in later), its asset record, and its
        incomes and expenditures as (member position in the household, kind, monthly amount, valid from, note)."""
        r = self.random
        between = self.between
        township = village.township
        rural = r() >= _URBAN_SHARE[township.kind]
        if village.kind == Village.Kind.COMMUNITY:
            address = f"彭水县{township.name}{village.name}{self.pick(_STREETS)}{between(1, 260)}号"
        else:
            address = f"彭水县{township.name}{village.name}{between(1, 12)}组{between(1, 90)}号"
        x = r()
        poverty = "none"
        if x < (0.10 if rural else 0.025):
            y = r()
            poverty = "unlifted" if y < 0.08 else "monitored" if y < 0.2 else "lifted"
        ethnicity = self.pick(_ETHNICITIES)
        people = self.family()
        orphans = any(p.letter == "G" for p in people) and not any(p.letter == "C" for p in people)
        m = self.members
        mi = m.index
        rows: list[list[str]] = []
        incomes: list[_Fact] = []
        expenditures: list[_Fact] = []
        fact_dates = self.fact_dates
        head_phone = ""
        head_row = None
        severe_head = False
        for position, person in enumerate(people):
            letter, age, sex, surname = person.letter, person.age, person.sex, person.surname
            male = sex == "M"
            ordinal = self.first_day_of_age[age] + int(r() * 365)
            born_year = int(self.day(ordinal)[0][:4])
            region = self.pick(OLD_REGION_CODES) if born_year < 1997 and r() < 0.04 else COUNTY_CODE
            number_id, ordinal = self.id_number(ordinal, male, region)
            row = m.template[:]
            row[mi["household_id"]] = str(household_id)
            row[mi["name"]] = surname + self.given_name(born_year, sex)
            row[mi["id_number"]] = number_id
            row[mi["birth_date"]] = self.day(ordinal)[1]
            row[mi["sex"]] = sex
            row[mi["relation"]] = _RELATION[letter]
            row[mi["ethnicity"]] = ethnicity if letter not in "SL" or r() < 0.5 else self.pick(_ETHNICITIES)
            row[mi["poverty_status"]] = poverty
            adult = age >= 18
            if adult and age <= 75 and r() < 0.7:
                row[mi["phone"]] = self.mobile()
            # Disability, illness, work capacity, self-care.
            capacity = "full"
            disability_grade = 0
            category = ""
            if r() < (0.13 if age >= 60 else 0.035):
                category, digit, _ = self.weighted_disability()
                y = r()
                disability_grade = 1 if y < 0.1 else 2 if y < 0.3 else 3 if y < 0.6 else 4
                row[mi["disability_category"]] = category
                row[mi["disability_grade"]] = str(disability_grade)
                row[mi["disability_certificate"]] = f"{number_id}{digit}{disability_grade}"
                if disability_grade <= 2:
                    capacity = "none" if r() < 0.7 else "partial"
                elif disability_grade == 3:
                    capacity = "partial" if r() < 0.6 else "full"
                elif r() < 0.3:
                    capacity = "partial"
            if self.illnesses and r() < (0.06 if age >= 60 else 0.03 if age >= 40 else 0.01):
                row[mi["major_illness_id"]] = str(self.pick(self.illnesses))
                if capacity == "full":
                    y = r()
                    capacity = "none" if y < 0.2 else "partial" if y < 0.7 else "full"
                if r() < 0.8:
                    expenditures.append(self.fact(position, "medical", 30, 300, "大病自付医疗费用"))
            if capacity == "full" and age >= 75:
                y = r()
                capacity = "none" if y < 0.2 else "partial" if y < 0.6 else "full"
            elif capacity == "full" and age >= 60 and r() < 0.15:
                capacity = "partial"
            row[mi["work_capacity"]] = capacity
            lost = 0
            if disability_grade == 1:
                lost = between(2, 6)
            elif disability_grade == 2 or age >= 85:
                lost = between(0, 3)
            for field in Member.SELF_CARE_FIELDS[:lost]:
                row[mi[field]] = "t"
            if disability_grade and disability_grade <= 2 and r() < 0.3:
                expenditures.append(self.fact(position, "care", 30, 100, "重度残疾护理费用"))
            if letter == "H" and disability_grade and disability_grade <= 2 and category in ("intellectual", "mental"):
                severe_head = True
            # Schooling.
            schooling = "none"
            if 3 <= age <= 5:
                schooling = "preschool" if r() < 0.8 else "none"
            elif 6 <= age <= 17:
                schooling = "student" if r() < 0.97 else "none"
            elif 18 <= age <= 22 and r() < 0.35:
                schooling = "student"
                if r() < 0.4:
                    expenditures.append(self.fact(position, "education", 40, 120, "大学学费"))
            row[mi["schooling"]] = schooling
            # Counted or not, employment.
            if adult and age <= 60 and r() < 0.015:
                y = r()
                reason = "prison" if y < 0.25 else "detox" if y < 0.35 else "missing" if y < 0.45 else "clergy"
                if y >= 0.5:
                    reason = "not_resident"
                    row[mi["co_resident"]] = "f"
                row[mi["not_counted_reason"]] = reason
            employed = (
                18 <= age <= 60
                and schooling != "student"
                and not row[mi["not_counted_reason"]]
                and (capacity == "full" or (capacity == "partial" and r() < 0.3))
                and r() < (0.5 if rural else 0.65)
            )
            row[mi["employed"]] = "t" if employed else "f"
            # Incomes (monthly amounts, valid from a month in 2019–2020).
            if employed:
                incomes.append(self.fact(position, "wage", *((150, 400) if rural else (200, 550)), "务工收入"))
            elif rural and adult and age <= 75 and capacity != "none" and schooling != "student" and r() < 0.55:
                incomes.append(self.fact(position, "business", 20, 120, "种养殖"))
            elif not rural and adult and age < 60 and schooling != "student" and r() < 0.08:
                incomes.append(self.fact(position, "business", 100, 500, "个体经营"))
            if age >= 60 and r() < 0.95:
                if not rural and r() < 0.4:
                    incomes.append(self.fact(position, "transfer", 200, 450, "退休金"))
                else:
                    low, high = (115, 300) if rural else (150, 400)
                    incomes.append(self.fact(position, "transfer", low, high, "城乡居民养老保险", step=1))
                if r() < 0.1:
                    incomes.append(self.fact(position, "transfer", 10, 50, "赡养费"))
            if schooling == "student" and poverty != "none" and r() < 0.3:
                incomes.append(self.fact(position, "excluded", 10, 30, "助学金"))
            if age >= 60 and not disability_grade and r() < 0.03:
                expenditures.append(self.fact(position, "medical", 10, 80, "慢性病自付医疗费用"))
            # Left behind (rural), orphans, supporters.
            if rural:
                if age >= 60 and r() < 0.12:
                    row[mi["left_behind_elderly"]] = "t"
                elif age < 16 and r() < 0.15:
                    row[mi["left_behind_child"]] = "t"
                elif letter == "S" and sex == "F" and 20 <= age <= 60 and r() < 0.06:
                    row[mi["left_behind_woman"]] = "t"
            if orphans and letter == "G":
                y = r()
                status = "orphan_community" if y < 0.4 else "de_facto_unsupported" if y < 0.8 else ""
                if status == "orphan_community" and r() < 0.15:
                    status = "orphan_institution"
                if status:
                    row[mi["child_status"]] = status
                    row[mi["able_supporter"]] = "f" if r() < 0.5 else "t"
                else:
                    row[mi["left_behind_child"]] = "t"
            if letter == "H" and len(people) == 1 and age >= 60 and capacity == "none" and r() < 0.5:
                row[mi["able_supporter"]] = "f"
            # A few COVID-19 patients in early 2020, a few deaths among the old (never the head).
            if r() < 0.0001:
                admitted = date(2020, 1, 24).toordinal() + between(0, 27)
                row[mi["covid_confirmed"]] = "t"
                row[mi["covid_admitted"]] = self.day(admitted)[1]
                row[mi["covid_discharged"]] = self.day(admitted + between(8, 30))[1]
            if letter != "H" and age >= 75 and r() < 0.02:
                row[mi["date_of_death"]] = self.day(date(2019, 1, 1).toordinal() + between(0, 637))[1]
                incomes = [item for item in incomes if item[0] != position]  # nobody's pension runs on after death
                expenditures = [item for item in expenditures if item[0] != position]
            if letter == "H":
                head_row = row
                head_phone = row[mi["phone"]]
                bank_name, bin_ = self.pick(_BANKS)
                self.bank_counter += 1
                digits = f"{bin_}{int(r() * 1_000_000):06d}{self.bank_counter:06d}"
                row[mi["bank_name"]] = bank_name
                row[mi["bank_account"]] = digits + _luhn(digits)
            rows.append(row)
        if severe_head and head_row is not None and len(rows) > 1 and people[1].letter == "S":
            head_row[mi["payee_kind"]] = "guardian"
            head_row[mi["payee_name"]] = rows[1][mi["name"]]
            head_row[mi["payee_id_number"]] = rows[1][mi["id_number"]]
        if r() < 0.05:
            low, high, note = (5, 30, "土地流转") if rural else (20, 150, "房屋出租")
            incomes.append(self.fact(0, "property", low, high, note))
        # The household's own line.
        h = self.households
        hi = h.index
        line = h.template[:]
        line[hi["id"]] = str(household_id)
        line[hi["township_id"]] = str(township.id)
        line[hi["village_id"]] = str(village.id)
        line[hi["number"]] = number
        line[hi["address"]] = address
        line[hi["area_type"]] = "rural" if rural else "urban"
        line[hi["phone"]] = head_phone or (f"023-784{int(r() * 100_000):05d}" if r() < 0.3 else "")
        # Assets.
        a = self.assets
        ai = a.index
        asset = a.template[:]
        asset[ai["household_id"]] = str(household_id)
        asset[ai["valid_from"]] = self.pick(fact_dates)
        y = r()
        financial = 0 if y < 0.3 else between(1, 20) * 1000 if y < 0.7 else between(20, 100) * 1000
        if y >= 0.95:
            financial = between(100, 500) * 1000
        asset[ai["financial"]] = f"{financial}.00"
        asset[ai["vehicles"]] = "1" if r() < (0.06 if rural else 0.15) else "0"
        asset[ai["shop_front"]] = "t" if r() < (0.02 if rural else 0.06) else "f"
        asset[ai["enterprise"]] = "t" if r() < 0.01 else "f"
        y = r()
        asset[ai["dwellings"]] = "1" if y < 0.88 else "2" if y < 0.97 else "0"
        asset[ai["housing_area_multiple"]] = f"{between(30, 350) / 100:.2f}"
        return line, rows, asset, incomes, expenditures

    def weighted_disability(self) -> tuple[str, str, int]:
        x = self.random() * 100
        for entry in _DISABILITIES:
            if x < entry[2]:
                return entry
            x -= entry[2]
        return _DISABILITIES[0]

    # One batch -----------------------------------------------------------------------------------------------

    def flush(self, batch: list[tuple[Village, str]]) -> None:
        """Generate and COPY a batch of households (village, number) with everything that belongs to them."""
        if not batch:
            return
        household_ids = _next_ids(Household, len(batch))
        household_lines: list[str] = []
        asset_lines: list[str] = []
        member_rows: list[list[str]] = []
        incomes: list[_Fact] = []
        expenditures: list[_Fact] = []
        for (village, number), household_id in zip(batch, household_ids, strict=True):
            line, rows, asset, own_incomes, own_expenditures = self.household(household_id, number, village)
            household_lines.append("\t".join(line) + "\n")
            asset_lines.append("\t".join(asset) + "\n")
            first = len(member_rows)
            member_rows.extend(rows)
            incomes.extend((first + f[0], f[1], f[2], f[3], f[4]) for f in own_incomes)
            expenditures.extend((first + f[0], f[1], f[2], f[3], f[4]) for f in own_expenditures)
        member_ids = [str(pk) for pk in _next_ids(Member, len(member_rows))]
        pk = self.members.index["id"]
        member_lines = []
        for row, member_id in zip(member_rows, member_ids, strict=True):
            row[pk] = member_id
            member_lines.append("\t".join(row) + "\n")
        self.households.copy(household_lines)
        self.members.copy(member_lines)
        self.assets.copy(asset_lines)
        self.incomes.copy(self.fact_lines(self.incomes, incomes, member_ids))
        self.expenditures.copy(self.fact_lines(self.expenditures, expenditures, member_ids))
        self.counts["households"] += len(household_lines)
        self.counts["members"] += len(member_lines)
        self.counts["incomes"] += len(incomes)
        self.counts["expenditures"] += len(expenditures)
        self.counts["assets"] += len(asset_lines)

    @staticmethod
    def fact_lines(table: _CopyTable, facts: list[_Fact], member_ids: list[str]) -> list[str]:
        index = table.index
        i_member, i_kind, i_amount = index["member_id"], index["kind"], index["monthly_amount"]
        i_from, i_note = index["valid_from"], index["note"]
        lines = []
        for position, kind, amount, valid_from, note in facts:
            row = table.template[:]
            row[i_member] = member_ids[position]
            row[i_kind] = kind
            row[i_amount] = amount
            row[i_from] = valid_from
            row[i_note] = note
            lines.append("\t".join(row) + "\n")
        return lines


@transaction.atomic
def seed_households(rng: random.Random, count: int, *, history: bool = False) -> dict[str, int]:
    """``count`` households spread over every village (街道 more populous, mostly urban; 乡镇 mostly rural), each
    with 1–6 members, their incomes, rigid expenditures and an asset record. Returns the rows made per kind.

    Set-based: PostgreSQL COPY in batches of BATCH_HOUSEHOLDS. ID numbers and household numbers already in the
    database are skipped, so a second run adds ``count`` more. History triggers (django-pghistory) are skipped
    unless ``history`` (then the events carry the context ``{"source": "seed_demo"}``)."""
    villages = list(Village.objects.select_related("township").order_by("code"))
    if count <= 0 or not villages:
        return {"households": 0}
    illnesses = ensure_illness_catalog()
    existing_ids = set(Member.objects.filter(active=True).values_list("id_number", flat=True))
    existing_numbers = set(Household.objects.values_list("number", flat=True))
    quotas = _village_quotas(rng, villages, count)
    generator = _Generator(rng, illnesses, existing_ids)
    with _trigger_settings(history=history):
        batch: list[tuple[Village, str]] = []
        for village, quota in zip(villages, quotas, strict=True):
            counter = 0
            for _ in range(quota):
                counter += 1
                while f"{village.code}{counter:04d}" in existing_numbers:
                    counter += 1
                batch.append((village, f"{village.code}{counter:04d}"))
                if len(batch) == BATCH_HOUSEHOLDS:
                    generator.flush(batch)
                    batch = []
        generator.flush(batch)
    tables = ", ".join(f'"{model._meta.db_table}"' for model in _REGISTRY_TABLES)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")  # the first searches after a load should not plan on empty statistics
    return generator.counts


def vacuum_households() -> bool:
    """VACUUM (ANALYZE) the registry tables after a large load or reset: PostgreSQL may run without autovacuum
    (this project's development machines do), and a deleted-and-reloaded registry then keeps its dead rows and
    reads two to four times slower. Only possible outside a transaction; returns whether it ran."""
    if connection.in_atomic_block:
        return False
    tables = ", ".join(f'"{model._meta.db_table}"' for model in _REGISTRY_TABLES)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {tables}")
    return True


class ResetRefused(Exception):
    """Households cannot be removed: other records (applications …) refer to them."""


_RESET_ORDER = (SensitiveAccessLog, IncomeItem, Expenditure, AssetRecord, Member, Household)


@transaction.atomic
def reset_households() -> dict[str, int]:
    """Delete every household with its members, their facts and access logs (the demo registry). Refused, with
    nothing deleted, when anything else (an application, a benefit line …) refers to a household or a member."""
    blockers = []
    for referenced in (Household, Member):
        for relation in referenced._meta.related_objects:
            related = relation.related_model
            if related in _RESET_ORDER or not getattr(relation.field, "db_constraint", True):
                continue  # deleted here, or a history event (no database constraint)
            if related._default_manager.exists():
                blockers.append(str(related._meta.verbose_name))
    if blockers:
        raise ResetRefused("已有记录引用家庭或成员，不能重置：" + "、".join(sorted(set(blockers))))
    removed: dict[str, int] = {}
    with connection.cursor() as cursor:
        for model in _RESET_ORDER:
            cursor.execute(f'DELETE FROM "{model._meta.db_table}"')  # noqa: S608 - our own table names
            removed[model._meta.model_name or model.__name__] = cursor.rowcount
    return removed


@transaction.atomic
def seed_demo(*, seed: int, households: int = 0, history: bool = False) -> dict[str, int]:
    """Villages and demo users (only what is missing), then ``households`` new households."""
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not security
    counts = {"villages": seed_villages(rng), "users": seed_users()}
    if households > 0:
        counts.update(seed_households(rng, households, history=history))
    return counts
