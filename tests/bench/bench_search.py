"""Household search at county scale: 100,000 demo households (~300,000 members), 200 searches each by ID number and
by name prefix, through the page's own code path (``search_households`` + the first page + the total count).

Works on the households bench_seed loaded (fails when there are fewer than 100,000); every search must find
something. Goal: each ``search_*_p95_ms`` ≤ 100 ms (absolute; a missed goal is shown, not fatal)."""

from __future__ import annotations

import random

from common import HOUSEHOLDS, bench, goal, percentiles_ms, require, setup_django

setup_django()

from django.db.models import QuerySet  # noqa: E402

from cases.demo import vacuum_households  # noqa: E402
from cases.models import Household, Member, User  # noqa: E402
from cases.selectors import search_households, with_heads  # noqa: E402

SEARCHES = 200
PAGE_SIZE = 20


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
    totals: list[int] = []

    def run(i: int) -> None:
        totals.append(search(user, queries[i])[1])

    p50, p95 = percentiles_ms(run, len(queries))
    require(sum(1 for total in totals if total > 0), SEARCHES, f"searches by {label} that found a household")
    bench(f"search_{label}_p50_ms", p50, "ms")
    bench(f"search_{label}_p95_ms", p95, "ms")
    goal(f"search_{label}_p95_ms", p95, "ms", at_most=100)


require(Household.objects.count(), HOUSEHOLDS, "households in the bench database")
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
