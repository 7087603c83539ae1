"""Deterministic demo data: the same seed always gives the same rows. Set-based inserts only."""

from __future__ import annotations

import random

from django.db import transaction

from cases.models import Township, User, Village

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


@transaction.atomic
def seed_demo(*, seed: int) -> dict[str, int]:
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not security
    return {"villages": seed_villages(rng), "users": seed_users()}
