"""Nothing technical on screen (issue 22): every page the crawler visits, as a county user and a township user, shows
no Python repr and no parameter key (outside the parameter pages, which show the key beside its Chinese name);
where a reason names a member, the determination and ledger pages show the member's name, never the id."""

from __future__ import annotations

import html as html_module
import re
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from assistance.determinations import determine_household
from assistance.models import JobRun, LedgerEntry
from assistance.policy.defaults import DEFAULT_PARAMETERS
from tests.helpers import make_household, make_member
from tests.test_crawler import MONTH, SKIP, all_patterns, body_text, path_for
from tests.test_crawler import world as crawler_world  # noqa: F401  (the crawler's world, reused as a fixture)

REPRS = ("{'", "<QuerySet", "object at 0x", "Decimal(")
PARAMETER_KEYS = sorted({version.key for version in DEFAULT_PARAMETERS}, key=len, reverse=True)
# The parameter pages name each key beside its label (its code is what a county admin edits by).
PARAMETER_PAGES = ("parameter-list", "parameter-detail", "parameter-confirm", "recompute-list")

SCRIPT = re.compile(r"<(script|style)\b.*?</\1>", re.IGNORECASE | re.DOTALL)
TAG = re.compile(r"<[^>]+>")


def visible_text(html: str) -> str:
    return html_module.unescape(TAG.sub(" ", SCRIPT.sub(" ", html)))


@pytest.fixture
def world(crawler_world):  # noqa: F811
    """The crawler's world, plus what names a member by id: a ledger entry whose reason does, job runs of each kind
    with their counts, and a household with a screening result but no determination."""
    a = crawler_world.a
    a.child.schooling = "preschool"  # the rules name the child by id in the add-on's reason
    a.child.save(update_fields=["schooling"])
    a.determination = determine_household(actor=None, household=a.household, month=MONTH)
    a.named_entry = LedgerEntry.objects.create(
        township=a.township,
        month=MONTH,
        category="amount_change",
        household=a.household,
        member=a.child,
        current_amount=Decimal("496.00"),
        new_amount=Decimal("546.00"),
        details={"reasons": [f"{a.child.pk} 学龄前儿童加发", "每月低保金 546"]},
    )
    runs = {
        JobRun.Kind.SCREENING: {"households": 3, "entries": 2, "eligible_uncovered": 1, "amount_change": 1},
        JobRun.Kind.COMPARISON: {"flags": 1, "JDLK_NOT_COVERED": 1, "townships_done": 1},
        JobRun.Kind.REPRICING: {"enrollments": 2, "standard": 1, "change": 1, "applied": 1, "proposed": 1},
    }
    for kind, counts in runs.items():
        parent = JobRun.objects.create(kind=kind, month=MONTH, status=JobRun.Status.DONE, counts=counts)
        JobRun.objects.create(
            kind=kind, month=MONTH, township=a.township, parent=parent, status=JobRun.Status.DONE, counts=counts
        )
    if a.job.kind == JobRun.Kind.SCREENING:
        a.job.counts = runs[JobRun.Kind.SCREENING]
        a.job.save(update_fields=["counts"])
    actor = crawler_world.users["caseworker"]
    screened = make_household(actor, a.household.village, address="甲标记摸排地址")
    member = make_member(actor, screened, name="甲摸排孩子", relation="head", born=date(2016, 5, 1))
    LedgerEntry.objects.create(
        township=a.township,
        month=MONTH,
        category="eligible_uncovered",
        household=screened,
        new_amount=Decimal("590.00"),
        details={"reasons": [f"{member.pk} 学龄前儿童加发", "每月低保金 590"]},
    )
    a.screened, a.screened_member = screened, member
    return crawler_world


def _pages(world, role: str) -> list[tuple[str, str, str]]:
    client = Client(raise_request_exception=False)
    client.force_login(world.users[role])
    pages = []
    for pattern in all_patterns():
        if any(pattern.route.startswith(skip) for skip in SKIP) or pattern.name.startswith("api-"):
            continue
        path = path_for(pattern, world.a)
        response = client.get(path)
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
            continue
        pages.append((pattern.name, path, body_text(response)))
    return pages


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["county_staff", "caseworker"])
def test_no_page_shows_a_repr_or_a_parameter_key(world, role):
    problems = []
    pages = _pages(world, role)
    assert len(pages) > 40, "the walk saw too few pages"
    for name, path, html in pages:
        code = html_module.unescape(SCRIPT.sub(" ", html))  # a repr is escaped in the page: {&#x27;
        problems += [f"{path} ({name}) shows {marker!r}" for marker in REPRS if marker in code]
        if name in PARAMETER_PAGES:
            continue
        text = visible_text(html)
        problems += [f"{path} ({name}) shows the key {key}" for key in PARAMETER_KEYS if key in text]
    assert problems == [], "\n".join(problems)


@pytest.mark.django_db
def test_the_determination_names_members_and_labels_parameters(world, client_for):
    a = world.a
    html = client_for("caseworker").get(reverse("determination", args=[a.household.pk])).content.decode()
    text = visible_text(html)
    assert "农村低保标准" in text or "城市低保标准" in text
    assert not any(key in text for key in PARAMETER_KEYS)
    reasons = [r for outcome in a.determination.result["outcomes"] for r in outcome["reasons"]]
    assert any(r.startswith(f"{a.child.pk} 学龄前儿童加发") for r in reasons)  # the rules name the child by id
    assert f"{a.child.name} 学龄前儿童加发" in text  # the page by name
    assert f"{a.child.pk} 学龄前" not in text


@pytest.mark.django_db
def test_the_ledger_names_the_member_of_a_reason(world, client_for):
    a = world.a
    path = reverse("ledger-detail", args=[a.township.pk, f"{MONTH:%Y-%m}"]) + "?category=amount_change"
    text = visible_text(client_for("caseworker").get(path).content.decode())
    assert f"{a.child.name} 学龄前儿童加发" in text
    assert f"{a.child.pk} 学龄前儿童加发" not in text


@pytest.mark.django_db
def test_the_determination_tab_shows_the_screening_result_without_a_determination(world, client_for):
    a = world.a
    text = visible_text(
        client_for("caseworker")
        .get(reverse("determination", args=[a.screened.pk]), HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert "尚未测算。" not in text
    assert "590.00" in text and "应保未保" in text and "2020年10月" in text
    assert f"{a.screened_member.name} 学龄前儿童加发" in text


@pytest.mark.django_db
def test_job_pages_label_their_counts(world, client_for):
    client = client_for("county_staff")
    text = visible_text(client.get(reverse("job-list")).content.decode())
    for label in ("摸排家庭", "应保未保", "金额变化", "建档立卡对象应保未保", "已完成乡镇", "救助对象", "已调标"):
        assert label in text, label
    for run in JobRun.objects.filter(parent__isnull=True, counts__isnull=False).exclude(counts={}):
        detail = visible_text(client.get(reverse("job-detail", args=[run.pk])).content.decode())
        assert "{'" not in detail and "households" not in detail and "eligible_uncovered" not in detail


def test_reasons_with_names_filter():
    from cases.templatetags.casetags import member_name, with_names

    names = {"6247": "张三"}
    assert with_names(["6247 学龄前儿童加发", "家庭 2 人", "62470 x"], names) == [
        "张三 学龄前儿童加发",
        "家庭 2 人",
        "62470 x",
    ]
    assert with_names(None, names) == []
    assert member_name(6247, names) == "张三" and member_name("1", names) == "家庭成员"
