"""One crawler over every URL of the project, as every role.

Every URL pattern is found by walking the resolver (no hand list). Each is requested, as each role, with an object
of the user's own township, one of another township, hostile values in every path parameter, a hostile query
string, and POSTs whose fields are those of the forms the page shows (plus common ones) filled with hostile values.
It asserts: never a 5xx; a township user never sees another township's data (names, household numbers, ID
numbers); an auditor without the county's grant never sees a full ID number or bank account; an auditor never
writes. A pattern that cannot be exercised fails the test unless it is on the skip list with its reason.
"""

from __future__ import annotations

import io
import random
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from assistance.determinations import determine_household
from assistance.models import AmountChange, ComparisonFlag, ExitReview, JobRun, LedgerEntry, MonthlyLedger
from cases.models import Application, Referral, RollRecord, User
from core.models import ExportJob, PolicyParameter
from core.validators import CONTROL_CHARACTERS
from payments.models import BackPayRun, PaymentLine, Payroll
from tests.conftest import UserFactory
from tests.crawl import AREAS
from tests.helpers import enroll, make_household, make_member, make_overpayment, make_roll_import, make_temporary_case

SEED = 20201001
MONTH = date(2020, 10, 1)

# Patterns not crawled, each with its reason.
SKIP = {
    "admin": "Django's admin: open to county admins only (tests/cases/test_login.py); its forms are Django's",
    "accounts/logout/": "ends the crawler's session; tested in tests/cases/test_login.py",
}

# Hostile values for text, numbers and dates.
HOSTILE = [
    "\x00",
    "a\x01b\x1f",
    "²",
    "１２",
    "1e28",
    "99999999999999999999999999999",
    "-1",
    "9999-12-31",
    "0001-01-01",
    "2026-13",
    "x" * 3000,
    "[]",
    "<script>alert(1)</script>",
    "\u202eevil",
]
HOSTILE_IN_QUERY = [value for value in HOSTILE if not CONTROL_CHARACTERS.search(value)]  # those are refused whole
HOSTILE_INT_PATH = ["0", "99999999999999999999"]
HOSTILE_STR_PATH = [quote("\x00"), quote("²"), "x" * 300, "2026-13", quote("../..")]
HOSTILE_QUERY = (
    "?month=2026-13&page=%C2%B2&q=x%E2%80%AEy&township=abc&household=99999999999999999999&member=%C2%B2&run=-1"
    "&status=zzz&benefit=zz&year=99999&id_number=%EF%BC%91&category=zz&flag=1e28&entry=&kind=zz&format=zz"
)
# Fields every POST carries besides the page's own.
COMMON_FIELDS = ["note", "reason", "comment", "result", "month", "amount", "township", "benefit", "next", "action"]

WRITE_SQL = re.compile(r'^\s*(INSERT INTO|UPDATE|DELETE FROM)\s+"?([a-z0-9_]+)"?', re.IGNORECASE)
# Auditors may export (read-only): the export centre logs the download, or queues a job for a large export.
ALLOWED_WRITES = {"django_session", "cases_sensitiveaccesslog", "core_exportdownload", "core_exportjob"}
FIELD_NAME = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', re.IGNORECASE)


# ---------------------------------------------------------------------------------------------------------------
# The world: the same objects in township A (汉葭街道) and township B (郁山镇)


def build_township(tag: str, actor: User, village, reviewer: User) -> SimpleNamespace:
    household = make_household(actor, village, address=f"{tag}标记地址")
    head = make_member(
        actor,
        household,
        name=f"{tag}标记户主",
        relation="head",
        bank_name="彭水农商行",
        bank_account=f"62284800{random.Random(tag).randrange(10**10, 10**11)}",
    )
    child = make_member(actor, household, name=f"{tag}标记孩子", relation="child", born=date(2015, 3, 1))
    township = household.township
    application = Application.objects.create(
        number=f"SQ{tag}{household.pk}",
        township=township,
        household=household,
        received_on=MONTH,
        received_by=actor,
        reason=f"{tag}标记申请理由",
        due_date=MONTH + timedelta(days=10),
    )
    referral = Referral.objects.create(
        application=application, office="人社", due_date=MONTH + timedelta(days=10), created_by=actor
    )
    from cases import services

    income = services.add_fact(
        actor=actor,
        household=household,
        kind="income",
        data={"member": head, "kind": "wage", "monthly_amount": Decimal("300"), "valid_from": MONTH},
    )
    expenditure = services.add_fact(
        actor=actor,
        household=household,
        kind="expenditure",
        data={"member": child, "kind": "education", "monthly_amount": Decimal("100"), "valid_from": MONTH},
    )
    asset = services.add_fact(
        actor=actor, household=household, kind="asset", data={"valid_from": MONTH, "financial": Decimal("1000")}
    )
    enrollment = enroll(household, "dibao", "496.00")
    exit_review = ExitReview.objects.create(
        enrollment=enrollment, last_month=MONTH, reason=f"{tag}标记退出理由", requested_by=actor
    )
    determination = determine_household(actor=None, household=household, month=MONTH)
    change = AmountChange.objects.create(
        enrollment=enrollment,
        township=township,
        household=household,
        kind="change",
        month=MONTH,
        current_amount=Decimal("496.00"),
        proposed_amount=Decimal("396.00"),
        reasons=[f"{tag}标记收入增加"],
    )
    temporary = make_temporary_case(household, head, actor, cause="illness", description=f"{tag}标记临时救助")
    MonthlyLedger.objects.get_or_create(township=township, month=MONTH)
    entry = LedgerEntry.objects.create(
        township=township, month=MONTH, category="eligible_uncovered", household=household
    )
    LedgerEntry.objects.create(township=township, month=MONTH, category="amount_change", household=household)
    flag = ComparisonFlag.objects.create(
        township=township, month=MONTH, code="JDLK_NOT_COVERED", opened_at=timezone.now(), household=household
    )
    payroll = Payroll.objects.create(township=township, month=MONTH, benefit="dibao", created_by=actor)
    PaymentLine.objects.create(
        payroll=payroll,
        benefit="dibao",
        month=MONTH,
        household=household,
        name=head.name,
        amount=Decimal("496.00"),
        id_number=head.id_number,
        bank_account=head.bank_account,
    )
    back_pay = BackPayRun.objects.create(started_by=reviewer)
    overpayment = make_overpayment(
        township,
        household,
        head.name,
        f"crawler-{tag}",
        "506",
        "496",
        month=MONTH,
        reason=f"{tag}标记多发",
        run=back_pay,
    )
    side = SimpleNamespace(
        tag=tag,
        village=village,
        township=township,
        household=household,
        member=head,
        child=child,
        application=application,
        referral=referral,
        income=income,
        expenditure=expenditure,
        asset=asset,
        enrollment=enrollment,
        exit_review=exit_review,
        determination=determination,
        change=change,
        temporary=temporary,
        entry=entry,
        flag=flag,
        payroll=payroll,
        back_pay=back_pay,
        overpayment=overpayment,
        markers=[
            household.number,
            head.name,
            child.name,
            head.id_number,
            child.id_number,
            head.bank_account,
            change.reasons[0],
        ],
        secrets=[head.id_number, child.id_number, head.bank_account],
    )
    for area in AREAS:
        area.build(side, actor, reviewer)
    return side


@pytest.fixture
def world(users, villages):
    users["auditor_granted"] = UserFactory(
        username="audit_full", role=User.Role.AUDITOR, township=None, full_identity_access=True
    )
    a = build_township("甲", users["caseworker"], villages["a"], users["county_staff"])
    b = build_township("乙", users["caseworker_b"], villages["b"], users["county_staff"])
    roll = make_roll_import(users["county_staff"], "crawler.csv")
    for number, side in enumerate((a, b), start=2):
        RollRecord.objects.create(
            roll_import=roll,
            row_number=number,
            id_number=side.member.id_number,
            id_number_raw=side.member.id_number,
            name=side.member.name,
            township=side.township,
        )
    a.roll = b.roll = roll
    a.job = b.job = JobRun.objects.create(kind="screening", month=MONTH)
    a.version = b.version = PolicyParameter.objects.filter(key="dibao.standard.urban").first()
    for side, owner in ((a, users["caseworker"]), (b, users["caseworker_b"])):  # another user's job is 404
        side.export_job = ExportJob.objects.create(
            user=owner, kind="ledger", title="台账", params={"township": str(side.township.pk), "month": "2020-10"}
        )
    return SimpleNamespace(a=a, b=b, users=users)


# ---------------------------------------------------------------------------------------------------------------
# The patterns, and the values of their path parameters


@dataclass
class Pattern:
    route: str
    name: str
    kwargs: list[str]
    converters: dict[str, str] = field(default_factory=dict)


def all_patterns(patterns=None, prefix: str = "") -> list[Pattern]:
    found = []
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found += all_patterns(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            regex = entry.pattern.regex
            converters = getattr(entry.pattern, "converters", {})
            kinds = {k: type(c).__name__ for k, c in converters.items()}
            found.append(Pattern(route, entry.name or route, list(regex.groupindex), kinds))
    return found


# URL name (longest prefix wins) → the world's object for ``pk``.
PK_OBJECT = {
    "township-detail": "township",
    "household-": "household",
    "api-household": "household",
    "member-": "member",
    "api-member": "member",
    "api-income": "income",
    "fact-": "income",  # the kind is "income" (KWARG_VALUE)
    "api-expenditure": "expenditure",
    "api-asset": "asset",
    "application-": "application",
    "api-application": "application",
    "referral-": "referral",
    "api-referral": "referral",
    "external-roll-": "roll",
    "temporary-": "temporary",
    "comparison-flag": "flag",
    "enrollment-": "enrollment",
    "exit-request": "enrollment",
    "exit-review": "exit_review",
    "job-": "job",
    "payroll-": "payroll",
    "back-pay-run": "back_pay",
    "overpayment-": "overpayment",
    "parameter-confirm": "version",
    "ledger-entry": "entry",
    "export-job": "export_job",
    "amount-change-": "change",
    "api-amount-change": "change",
}
for _area in AREAS:
    PK_OBJECT.update(_area.PK_OBJECT)
KWARG_VALUE = {
    "household_pk": lambda side: side.household.pk,
    "township_pk": lambda side: side.township.pk,
    "month": lambda side: f"{MONTH:%Y-%m}",
    "kind": lambda side: "income",
    "action": lambda side: "investigate",
    "fmt": lambda side: "csv",
    "key": lambda side: "dibao.standard.urban",
    "format": lambda side: "json",
}


def kwargs_for(pattern: Pattern, side: SimpleNamespace) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for kwarg in pattern.kwargs:
        if kwarg == "pk":
            prefixes = [p for p in PK_OBJECT if pattern.name.startswith(p)]
            assert prefixes, f"the crawler has no object for {pattern.name} ({pattern.route}): add it to PK_OBJECT"
            values["pk"] = getattr(side, PK_OBJECT[max(prefixes, key=len)]).pk
        else:
            assert kwarg in KWARG_VALUE, f"the crawler has no value for {kwarg!r} of {pattern.name}"
            values[kwarg] = KWARG_VALUE[kwarg](side)
    return values


def path_for(pattern: Pattern, side: SimpleNamespace, hostile: tuple[str, str] | None = None) -> str:
    values = kwargs_for(pattern, side)
    if hostile is None:
        return reverse(pattern.name, kwargs=values)
    # Reverse with a recognisable stand-in, then put the raw hostile text in its place.
    kwarg, text = hostile
    stand_in = "7777777" if pattern.converters.get(kwarg) == "IntConverter" or kwarg == "pk" else "standin"
    values[kwarg] = stand_in if kwarg != "format" else "json"
    path = reverse(pattern.name, kwargs=values)
    return path.replace(stand_in, text, 1) if kwarg != "format" else path


# ---------------------------------------------------------------------------------------------------------------
# Looking at answers


def body_text(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    if raw.startswith(b"PK"):  # xlsx: the text of every part
        with zipfile.ZipFile(io.BytesIO(raw)) as book:
            raw = b"".join(book.read(name) for name in book.namelist() if name.endswith(".xml"))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


@dataclass
class Tally:
    requests: int = 0
    problems: list[str] = field(default_factory=list)
    exercised: set[str] = field(default_factory=set)
    inputs: Counter = field(default_factory=Counter)


ROLES = ["caseworker", "reviewer", "caseworker_b", "county_staff", "county_admin", "auditor", "auditor_granted"]


def crawl(world, role: str, rng: random.Random, tally: Tally) -> None:
    user = world.users[role]
    own, other = (world.b, world.a) if role == "caseworker_b" else (world.a, world.b)
    township_user = user.township_id is not None
    masked = role == "auditor"
    client = Client(raise_request_exception=False)

    def check(label: str, response, writes: list[str]) -> None:
        tally.requests += 1
        tally.inputs[label] += 1
        where = f"{role} {label} {response.request['REQUEST_METHOD']} {response.request['PATH_INFO']}"
        if response.status_code >= 500:
            tally.problems.append(f"{where} → {response.status_code}")
            return
        if writes and role.startswith("auditor"):
            tally.problems.append(f"{where} → auditor wrote {sorted(set(writes))}")
        if township_user or masked:
            text = body_text(response)
            if township_user:
                leaked = [m for m in other.markers if m and m in text]
                if leaked:
                    tally.problems.append(f"{where} → another township's data {leaked}")
            if masked:
                shown = [s for s in own.secrets + other.secrets if s and s in text]
                if shown:
                    tally.problems.append(f"{where} → unmasked for an auditor {shown}")

    def request(label: str, method: str, path: str, data: dict[str, str] | None = None):
        with CaptureQueriesContext(connection) as queries:
            if method == "GET":
                response = client.get(path)
            else:
                response = client.post(path, data or {})
        writes = [
            m.group(2)
            for q in queries.captured_queries
            if (m := WRITE_SQL.match(q["sql"] or "")) and m.group(2) not in ALLOWED_WRITES
        ]
        check(label, response, writes)
        return response

    for pattern in all_patterns():
        if any(pattern.route.startswith(skip) for skip in SKIP):
            continue
        client.force_login(user)
        tally.exercised.add(pattern.route)
        sides = [("own", own), ("other", other)] if pattern.kwargs else [("own", own)]
        for label, side in sides:
            path = path_for(pattern, side)
            page = request(f"GET {label}", "GET", path)
            request(f"GET {label} hostile query", "GET", path + HOSTILE_QUERY)
            names = set(FIELD_NAME.findall(body_text(page))) if page.status_code == 200 else set()
            names.discard("csrfmiddlewaretoken")
            if names:  # the page's own fields as query parameters (filters), with values a query may carry
                query = {name: rng.choice(HOSTILE_IN_QUERY) for name in sorted(names)}
                request(f"GET {label} hostile fields", "GET", f"{path}?{urlencode(query)}")
            for _attempt in range(2):
                data = {name: rng.choice(HOSTILE) for name in sorted(names | set(COMMON_FIELDS))}
                request(f"POST {label} hostile fields", "POST", path, data)
                client.force_login(user)  # a POST may have ended the session (never expected, but keep crawling)
        if role in ("caseworker", "county_admin"):
            for kwarg in pattern.kwargs:
                is_int = pattern.converters.get(kwarg) == "IntConverter" or kwarg == "pk"
                for text in HOSTILE_INT_PATH if is_int else HOSTILE_STR_PATH:
                    request("GET hostile path", "GET", path_for(pattern, own, (kwarg, text)))


@pytest.mark.django_db
def test_every_url_as_every_role(world, capsys):
    rng = random.Random(SEED)
    tally = Tally()
    for role in ROLES:
        crawl(world, role, rng, tally)
    patterns = {p.route for p in all_patterns()}
    crawled_or_skipped = tally.exercised | {r for r in patterns if any(r.startswith(s) for s in SKIP)}
    unexercised = sorted(patterns - crawled_or_skipped)
    with capsys.disabled():
        print(
            f"\ncrawler: {len(tally.exercised)} patterns × {len(ROLES)} roles, {tally.requests} requests "
            f"({', '.join(f'{k}: {v}' for k, v in sorted(tally.inputs.items()))}); "
            f"{len(tally.problems)} problems; skipped {sorted(SKIP)}"
        )
    assert tally.requests > 1000
    assert unexercised == []
    assert tally.problems == [], "\n".join(sorted(set(re.sub(r"^\S+ ", "", p) for p in tally.problems)))
