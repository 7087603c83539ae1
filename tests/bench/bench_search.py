"""Household search at county scale: 100,000 demo households (~300,000 members), 200 searches each by ID number and
by name prefix, through the page's own code path (``search_households`` + the first page + the total count).

Runs on a database whose name ends with ``_bench`` (BENCH_ALLOW_ANY_DB=1 to override); seeds the missing
households when there are fewer than 100,000."""

from __future__ import annotations

import os
import random
import sys

from common import bench, percentiles_ms, setup_django

setup_django()

from django.db import connection  # noqa: E402
from django.db.models import QuerySet  # noqa: E402

from cases.demo import seed_demo, vacuum_households  # noqa: E402
from cases.models import Household, Member, User  # noqa: E402
from cases.selectors import search_households, with_heads  # noqa: E402

HOUSEHOLDS = 100_000
SEARCHES = 200
PAGE_SIZE = 20


def guard_database() -> None:
    name = connection.settings_dict["NAME"]
    if not name.endswith("_bench") and os.environ.get("BENCH_ALLOW_ANY_DB") != "1":
        sys.exit(f"bench_search seeds demo households: run it on a *_bench database (this is {name!r}).")


def search(user: User, query: str) -> tuple[int, int]:
    """What the search page does: the matching households, first page with heads, and the total."""
    households = search_households(user, query)
    page = list(with_heads(households.order_by("number"))[:PAGE_SIZE])
    return len(page), households.count()


def id_numbers(members: QuerySet[Member], rng: random.Random) -> list[str]:
    numbers = list(members.order_by("id").values_list("id_number", flat=True))
    return rng.sample(numbers, SEARCHES)


def name_prefixes(members: QuerySet[Member], rng: random.Random) -> list[str]:
    """Distinct 1–2 character prefixes of names picked at random (so common surnames come up more often)."""
    names = list(members.order_by("id").values_list("name", flat=True))
    prefixes: list[str] = []
    while len(prefixes) < SEARCHES:
        prefix = rng.choice(names)[: rng.choice((1, 2))]
        if prefix not in prefixes:
            prefixes.append(prefix)
    return prefixes


def measure(label: str, user: User, queries: list[str]) -> None:
    for query in queries[:10]:  # warm the caches and the connection
        search(user, query)
    p50, p95 = percentiles_ms(lambda i: search(user, queries[i]), len(queries))
    bench(f"search_{label}_p50_ms", p50, "ms")
    bench(f"search_{label}_p95_ms", p95, "ms")


guard_database()
missing = HOUSEHOLDS - Household.objects.count()
seed_demo(seed=2020, households=max(0, missing))  # villages and demo users too, when missing
vacuum_households()  # no autovacuum here: as a database in steady use would be (dead rows gone, visibility map set)
county = User.objects.get(username="xianju")
township = User.objects.get(username="jingban")
rng = random.Random(0)
everybody = Member.objects.all()
own_township = Member.objects.filter(household__township=township.township_id)

measure("id", county, id_numbers(everybody, rng))
measure("name", county, name_prefixes(everybody, rng))
measure("id_township", township, id_numbers(own_township, rng))
measure("name_township", township, name_prefixes(own_township, rng))
