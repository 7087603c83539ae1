"""Registry comparison (民政–扶贫 信息比对, policy.md §11): a crafted township where every flag appears; re-runs are
identical and never touch resolved flags; overdue by comparison.open_flag_max_days; the pages' scope; a real
worker runs the county comparison."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from assistance import comparison, jobs
from assistance.comparison import compare_county, compare_township, overdue_flags, resolve_flag
from assistance.models import ComparisonFlag, JobRun, LedgerEntry
from cases.models import Member, RollKind
from cases.rolls.services import commit_roll
from tests.helpers import enroll, make_household, make_member, run_on_a_worker, workbook_bytes

# The comparison pages are included at policy/comparison/ by the project's URLs; this module includes them itself
# so the tests do not depend on that line.

MARCH = date(2020, 3, 1)
Code = ComparisonFlag.Code
INVALID_ID = "500243199001010010"
REGISTRY = ["户编号", "姓名", "身份证号", "与户主关系", "贫困户属性", "脱贫状态", "是否监测对象", "乡镇", "村"]


def xlsx(header, rows) -> bytes:
    return workbook_bytes([header, *rows])


def registry_row(member, attribute="一般贫困户", lifted="未脱贫", name=None, number=None):
    return [
        f"H{member.household_id:06d}",
        name or member.name,
        number or member.id_number,
        "户主",
        attribute,
        lifted,
        "否",
        "汉葭街道",
        "甲村",
    ]


def commit(actor, kind, header, rows, name):
    return commit_roll(actor=actor, kind=kind, file_bytes=xlsx(header, rows), filename=f"{name}.xlsx")


@pytest.fixture
def crafted(users, villages):
    """Township A (汉葭街道) with one person per comparison flag, the external rolls imported through commit_roll."""
    cw, county = users["caseworker"], users["county_staff"]
    v = villages["a"]
    made = {}

    def person(key, name, **member):
        household = make_household(cw, v, area_type="rural")
        made[key] = make_member(cw, household, name=name, relation="head", **member)
        made[f"{key}_household"] = household
        return made[key]

    person("not_covered", "甲一", work_capacity="none", born=date(1950, 1, 1))
    exit_person = person("exit", "甲二")
    enroll(made["exit_household"], status="exited", end_month=date(2020, 2, 1))
    person("tekun_candidate", "甲三", born=date(1935, 1, 1))
    person("single_candidate", "甲四")
    person("general_on_dibao", "甲五")
    enroll(made["general_on_dibao_household"])
    person("duplicate_id", "甲六")
    person("renamed", "甲七")
    tekun = person("double", "甲八", born=date(1940, 1, 1), work_capacity="none")
    enroll(made["double_household"], "tekun", "1100", tekun)
    enroll(made["double_household"], "disability_living", "70", tekun)
    person("covid", "甲九", covid_confirmed=True, covid_admitted=date(2020, 3, 5))
    enroll(made["covid_household"])
    covid_listed = person("covid_listed", "甲十")
    new_entrant = person("new_entrant", "甲十一")
    enroll(made["new_entrant_household"], start_month=MARCH)
    dead = person("dead", "乙一", born=date(1930, 1, 1), work_capacity="none")
    enroll(made["dead_household"], "tekun", "1100", dead)
    # Township B: a person who must never show up in A's flags.
    other = make_household(users["caseworker_b"], villages["b"])
    made["outsider"] = make_member(users["caseworker_b"], other, name="郁山人", relation="head", work_capacity="none")

    for key, category in (
        ("tekun_candidate", LedgerEntry.Category.TEKUN_CANDIDATE),
        ("single_candidate", LedgerEntry.Category.SINGLE_PERSON_CANDIDATE),
    ):
        LedgerEntry.objects.create(
            township=v.township,
            month=MARCH,
            category=category,
            household=made[f"{key}_household"],
            member=made[key],
            new_amount=Decimal("500"),
            details={"reasons": ["测试"]},
        )

    commit(
        county,
        RollKind.POVERTY_REGISTRY,
        REGISTRY,
        [
            registry_row(made["not_covered"]),
            registry_row(exit_person, attribute="低保贫困户", lifted="已脱贫"),
            registry_row(made["tekun_candidate"]),
            registry_row(made["single_candidate"]),
            registry_row(made["general_on_dibao"]),
            registry_row(made["duplicate_id"]),
            registry_row(made["duplicate_id"]),
            registry_row(made["renamed"], name="甲七七"),
            registry_row(covid_listed),
            ["H999999", "无效号", INVALID_ID, "户主", "一般贫困户", "未脱贫", "否", "汉葭街道", "甲村"],
            [*registry_row(made["outsider"])[:7], "郁山镇", "乙村"],
            registry_row(new_entrant, attribute="特困供养贫困户"),
        ],
        "registry",
    )
    commit(
        county,
        RollKind.COVID_PATIENTS,
        ["姓名", "身份证号", "乡镇", "入院日期", "出院日期"],
        [[covid_listed.name, covid_listed.id_number, "汉葭街道", "2020-02-20", "2020-03-10"]],
        "covid",
    )
    commit(
        county,
        RollKind.DEATHS,
        ["姓名", "身份证号", "乡镇", "死亡日期"],
        [[dead.name, dead.id_number, "汉葭街道", "2020-02-10"]],
        "deaths",
    )
    return made


def flag_rows():
    return sorted(
        ComparisonFlag.objects.values_list(
            "township_id", "month", "code", "id_number", "household_id", "member_id", "status", "opened_at"
        )
    )


def flags_after_comparing(township):
    compare_township(township_id=township.pk, month=MARCH)
    return flag_rows()


@pytest.mark.django_db
def test_every_flag_appears(crafted, township_a):
    counts = compare_township(township_id=township_a.pk, month=MARCH)
    flags = {(f.code, f.member_id) for f in ComparisonFlag.objects.filter(township=township_a, month=MARCH)}
    # each code with the crafted person it names (None: a flag on a household or a roll row)
    expected = [
        (Code.JDLK_NOT_COVERED, "not_covered"),
        (Code.JDLK_EXIT_CHECK, None),
        (Code.TEKUN_CANDIDATE, "tekun_candidate"),
        (Code.SINGLE_PERSON_CANDIDATE, "single_candidate"),
        (Code.ATTRIBUTE_MISMATCH, None),
        (Code.ID_INVALID, None),
        (Code.ID_DUPLICATE, "duplicate_id"),
        (Code.NAME_MISMATCH, "renamed"),
        (Code.DUPLICATE_BENEFIT, "double"),
        (Code.COVID_NO_RELIEF, "covid"),
        (Code.COVID_NO_RELIEF, "covid_listed"),
        (Code.DECEASED_STILL_PAID, "dead"),
        (Code.JDLK_ENTRY_CHECK, None),
        (Code.ROLL_FACT_MISMATCH, "covid_listed"),
        (Code.ROLL_FACT_MISMATCH, "dead"),
    ]
    assert {(code, crafted[key].pk if key else None) for code, key in expected} <= flags
    assert {code for code, _ in flags} == set(Code.values)
    assert counts["flags"] == ComparisonFlag.objects.count() == 17
    assert not ComparisonFlag.objects.filter(member=crafted["outsider"]).exists()

    exit_flag = ComparisonFlag.objects.get(code=Code.JDLK_EXIT_CHECK)
    assert exit_flag.household == crafted["exit_household"]
    assert exit_flag.evidence["enrollments"][0]["end_month"] == "2020-02-01"
    mismatch = {f.household_id for f in ComparisonFlag.objects.filter(code=Code.ATTRIBUTE_MISMATCH)}
    assert mismatch == {
        crafted["exit_household"].pk,
        crafted["general_on_dibao_household"].pk,
        crafted["new_entrant_household"].pk,  # 特困供养贫困户 without anyone on 特困
    }
    entry = ComparisonFlag.objects.get(code=Code.JDLK_ENTRY_CHECK)
    assert entry.household == crafted["new_entrant_household"]
    assert entry.evidence["reasons"] == ["本月新纳入低保，但建档立卡为特困供养贫困户"]
    facts = {f.member_id: f.evidence["reasons"] for f in ComparisonFlag.objects.filter(code=Code.ROLL_FACT_MISMATCH)}
    assert facts == {
        crafted["covid_listed"].pk: ["新冠住院：名单（第2行）为2020-02-20 入院，2020-03-10 出院，登记为未登记"],
        crafted["dead"].pk: ["死亡日期：名单（第2行）为2020-02-10，登记为未登记"],
    }
    invalid = ComparisonFlag.objects.get(code=Code.ID_INVALID)
    assert invalid.id_number == INVALID_ID and invalid.evidence["registry"][0]["row"] == 11  # the header is row 1
    duplicate = ComparisonFlag.objects.get(code=Code.ID_DUPLICATE)
    assert [r["row"] for r in duplicate.evidence["registry"]] == [7, 8]
    name = ComparisonFlag.objects.get(code=Code.NAME_MISMATCH)
    assert (name.name, name.evidence["roll_name"]) == ("甲七七", "甲七")
    double = ComparisonFlag.objects.get(code=Code.DUPLICATE_BENEFIT)
    assert [e["benefit"] for e in double.evidence["enrollments"]] == ["tekun", "disability_living"]
    assert ComparisonFlag.objects.get(code=Code.DECEASED_STILL_PAID).evidence["date_of_death"] == "2020-02-10"
    assert {f.owner.username for f in ComparisonFlag.objects.all()} == {"cw_a"}


@pytest.mark.django_db
def test_covered_persons_and_relief_raise_nothing(crafted, township_a):
    enroll(crafted["not_covered_household"])
    enroll(crafted["covid_household"], "covid_relief", member=crafted["covid"], start_month=MARCH, end_month=MARCH)
    compare_township(township_id=township_a.pk, month=MARCH)
    assert not ComparisonFlag.objects.filter(code=Code.JDLK_NOT_COVERED).exists()
    assert list(ComparisonFlag.objects.filter(code=Code.COVID_NO_RELIEF).values_list("member_id", flat=True)) == [
        crafted["covid_listed"].pk
    ]


@pytest.mark.django_db
def test_running_twice_gives_identical_rows_and_keeps_resolved_flags(crafted, township_a, users):
    first = flags_after_comparing(township_a)
    assert flags_after_comparing(township_a) == first
    assert ComparisonFlag.objects.count() == len(first)
    flag = ComparisonFlag.objects.get(code=Code.NAME_MISMATCH)
    resolve_flag(actor=users["caseworker"], flag=flag, note="已核实，扶贫系统姓名录入有误")
    compare_county(month=MARCH)
    flag.refresh_from_db()
    assert flag.status == "resolved" and flag.resolution_note.startswith("已核实")
    assert ComparisonFlag.objects.filter(code=Code.NAME_MISMATCH).count() == 1
    # the county run gives the same flags for the township, plus township B's own
    assert [r[:6] for r in flag_rows() if r[0] == township_a.pk] == [r[:6] for r in first]
    assert list(ComparisonFlag.objects.exclude(township=township_a).values_list("code", "member_id")) == [
        (Code.JDLK_NOT_COVERED, crafted["outsider"].pk)
    ]


@pytest.mark.django_db
def test_resolve_needs_a_note_and_the_township(crafted, township_a, users):
    compare_township(township_id=township_a.pk, month=MARCH)
    flag = ComparisonFlag.objects.filter(code=Code.ID_INVALID).get()
    with pytest.raises(PermissionDenied):
        resolve_flag(actor=users["caseworker_b"], flag=flag, note="x")
    with pytest.raises(PermissionDenied):
        resolve_flag(actor=users["auditor"], flag=flag, note="x")
    with pytest.raises(Exception, match="处理情况"):
        resolve_flag(actor=users["caseworker"], flag=flag, note="  ")


@pytest.mark.django_db
def test_only_county_starts_comparison_runs(users):
    with pytest.raises(PermissionDenied):
        jobs.start_comparison(actor=users["caseworker"], month=MARCH)


@pytest.mark.django_db
def test_overdue_by_open_flag_max_days(crafted, township_a, users):
    compare_township(township_id=township_a.pk, month=MARCH)
    today = timezone.localdate()
    assert not overdue_flags(township_a.pk, today).exists()
    old = ComparisonFlag.objects.get(code=Code.ID_INVALID)
    ComparisonFlag.objects.filter(pk=old.pk).update(opened_at=timezone.now() - timedelta(days=31))
    fresh = ComparisonFlag.objects.get(code=Code.NAME_MISMATCH)
    ComparisonFlag.objects.filter(pk=fresh.pk).update(opened_at=timezone.now() - timedelta(days=29))
    assert list(overdue_flags(township_a.pk, today)) == [old]
    # a re-run keeps when the flag was first raised, and so its age
    compare_township(township_id=township_a.pk, month=MARCH)
    assert list(overdue_flags(township_a.pk, today).values_list("code", flat=True)) == [Code.ID_INVALID]
    # and so does the next month's run of the same finding
    compare_township(township_id=township_a.pk, month=date(2020, 4, 1))
    april = ComparisonFlag.objects.get(code=Code.ID_INVALID, month=date(2020, 4, 1))
    assert april in overdue_flags(township_a.pk, today)
    resolve_flag(actor=users["caseworker"], flag=april, note="已通知扶贫办更正")
    assert april not in overdue_flags(township_a.pk, today)
    assert comparison.max_open_days(today) == 30


# Pages ------------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_scope(crafted, township_a, township_b, users, client_for):
    compare_county(month=MARCH)
    flag_a = ComparisonFlag.objects.filter(township=township_a, code=Code.ID_INVALID).get()
    url = "/policy/comparison/?month=2020-03"

    county = client_for("county_staff").get(url)
    assert county.status_code == 200 and INVALID_ID in county.content.decode()
    own = client_for("caseworker").get(url)
    assert own.status_code == 200 and "甲七七" in own.content.decode()
    other = client_for("caseworker_b").get(url)
    assert other.status_code == 200 and "甲七七" not in other.content.decode()
    assert client_for("caseworker_b").get(f"{url}&township={township_a.pk}").status_code == 404
    auditor = client_for("auditor").get(url)
    assert auditor.status_code == 200 and "comparison-flag-resolve" not in auditor.content.decode()
    assert 'action="/policy/comparison/flags/' not in auditor.content.decode()
    filtered = client_for("caseworker").get(f"{url}&code=NAME_MISMATCH").content.decode()
    assert 'data-code="NAME_MISMATCH"' in filtered and 'data-code="ID_INVALID"' not in filtered

    resolve = f"/policy/comparison/flags/{flag_a.pk}/resolve/"
    assert client_for("caseworker_b").post(resolve, {"note": "x"}).status_code == 404
    assert client_for("auditor").post(resolve, {"note": "x"}).status_code == 403
    response = client_for("caseworker").post(resolve, {"note": "已通知扶贫办更正", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"].startswith("/policy/comparison/")
    assert ComparisonFlag.objects.get(pk=flag_a.pk).status == "resolved"
    assert client_for("caseworker").post(resolve, {"note": "again"}).status_code == 409

    assert client_for("caseworker").post("/policy/comparison/run/", {"month": "2020-03"}).status_code == 403
    assert client_for("auditor").post("/policy/comparison/run/", {"month": "2020-03"}).status_code == 403
    started = client_for("county_staff").post("/policy/comparison/run/", {"month": "2020-03"})
    assert started.status_code == 302
    run = JobRun.objects.get(kind=JobRun.Kind.COMPARISON, parent__isnull=True)
    assert run.children.count() == 39 and started["Location"] == f"/policy/jobs/{run.pk}/"


@pytest.mark.django_db
def test_page_says_when_an_import_is_newer_than_the_last_run(crafted, client_for):
    page = client_for("county_staff").get("/policy/comparison/?month=2020-03").content.decode()
    assert 'data-testid="comparison-stale"' in page


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_county_comparison(users, villages):
    cw, county = users["caseworker"], users["county_staff"]
    household = make_household(cw, villages["a"], area_type="rural")
    member = make_member(cw, household, name="比对人", relation="head", work_capacity="none")
    commit(county, RollKind.POVERTY_REGISTRY, REGISTRY, [registry_row(member, name="比对人甲")], "registry")
    parent = run_on_a_worker(lambda: jobs.start_comparison(actor=county, month=MARCH))
    assert parent.status == "done", parent.error
    assert parent.children.count() == 39 and parent.counts["townships_done"] == 39
    codes = set(ComparisonFlag.objects.filter(member=member).values_list("code", flat=True))
    assert codes == {Code.JDLK_NOT_COVERED, Code.NAME_MISMATCH}
    child = parent.children.get(township=household.township)
    assert ComparisonFlag.objects.filter(member=member, run=child).count() == 2
    assert jobs.execute_comparison(child.pk).status == "done"
    assert Member.objects.get(pk=member.pk).name == "比对人"
