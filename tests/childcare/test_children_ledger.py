"""The left-behind children's ledger: from the registry flag (idempotent) or by hand, one active row per child,
the age limit, a guardian under 18 kept as 无监护能力 with a guardianship case, visits and their due dates, and
the orphan / de-facto unsupported cases with their two-person reviews and end."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from assistance.models import Enrollment
from childcare.models import ChildCase, ChildCaseStep, ChildVisit, GuardianshipCase, LeftBehindChild
from childcare.selectors import children as selectors
from childcare.services import children as services
from tests.childcare.fixtures_children import insure, make_case, make_child_member, make_left_behind, years_ago
from tests.helpers import enroll, make_household, make_member

pytestmark = pytest.mark.django_db


def _visit(**data):
    return {"visited_on": timezone.localdate(), "visitor": "张干部", "way": "home", "findings": "情况良好", **data}


def test_generate_from_the_registry_is_idempotent(users, villages, township_a):
    actor = users["caseworker"]
    flagged = make_child_member(actor, villages["a"], name="标记儿童", left_behind_child=True)
    make_child_member(actor, villages["a"], name="过龄儿童", age=17, left_behind_child=True)
    make_child_member(actor, villages["a"], name="未标记儿童")
    other = make_child_member(users["caseworker_b"], villages["b"], name="乙镇儿童", left_behind_child=True)
    assert services.generate_from_registry(actor=actor, township_id=township_a.pk) == 1
    assert services.generate_from_registry(actor=actor, township_id=township_a.pk) == 0
    row = LeftBehindChild.objects.get()
    assert (row.member, row.source, row.township_id) == (flagged, "registry", township_a.pk)
    assert not LeftBehindChild.objects.filter(member=other).exists()
    with pytest.raises(PermissionDenied):
        services.generate_from_registry(actor=users["auditor"], township_id=township_a.pk)


def test_a_second_active_row_and_an_over_age_child_are_refused_naming_the_member(users, villages):
    actor = users["caseworker"]
    child = make_left_behind(actor, villages["a"])
    with pytest.raises(ValidationError) as error:
        services.save_child(actor=users["county_staff"], member=child.member, data={})
    assert "member" in error.value.message_dict
    old = make_child_member(actor, villages["a"], name="十六岁", age=16)
    with pytest.raises(ValidationError) as error:
        services.save_child(actor=actor, member=old, data={})
    assert "16" in error.value.message_dict["member"][0]
    assert LeftBehindChild.objects.count() == 1


def test_another_townships_child_is_refused(users, villages):
    member = make_child_member(users["caseworker_b"], villages["b"])
    with pytest.raises(PermissionDenied):
        services.save_child(actor=users["caseworker"], member=member, data={})


def test_a_guardian_under_18_is_kept_without_capacity_and_opens_a_case(users, villages):
    born = years_ago(16, 10)
    child = make_left_behind(
        users["caseworker"],
        villages["a"],
        guardian_name="小哥哥",
        guardian_birth_date=born,
        guardian_capacity="capable",
    )
    child.refresh_from_db()
    assert (child.guardian_age, child.guardian_capacity) == (16, "none")
    case = GuardianshipCase.objects.get(child=child)
    assert (case.reason, case.status, case.guardian_name) == ("minor", "open", "小哥哥")
    assert case.due_date == case.opened_on + timedelta(days=30)
    # saving again does not open a second case
    services.save_child(actor=users["caseworker"], child=child, data={"school": "汉葭小学"})
    assert GuardianshipCase.objects.filter(child=child).count() == 1
    services.resolve_guardianship(actor=users["caseworker"], case=case, outcome="guardian_changed", note="改由姑姑监护")
    case.refresh_from_db()
    assert case.status == "resolved" and case.resolved_by == users["caseworker"]


def test_a_guardian_assessed_without_capacity_opens_a_case(users, villages):
    child = make_left_behind(users["caseworker"], villages["a"], guardian_capacity="none")
    assert GuardianshipCase.objects.get(child=child).reason == "incapable"


def test_visits_before_birth_or_in_the_future_are_refused_and_nothing_is_saved(users, villages):
    child = make_left_behind(users["caseworker"], villages["a"])
    for day in (child.member.birth_date - timedelta(days=1), timezone.localdate() + timedelta(days=1)):
        with pytest.raises(ValidationError) as error:
            services.record_visit(actor=users["caseworker"], child=child, data=_visit(visited_on=day))
        assert "visited_on" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.record_visit(actor=users["caseworker"], child=child, data=_visit(findings=""))
    assert "findings" in error.value.message_dict
    assert not ChildVisit.objects.exists()
    with pytest.raises(PermissionDenied):
        services.record_visit(actor=users["caseworker_b"], child=child, data=_visit())


def test_the_visit_due_date_and_the_overdue_list(users, villages):
    today = timezone.localdate()
    child = make_left_behind(users["caseworker"], villages["a"], name="逾期儿童")
    LeftBehindChild.objects.filter(pk=child.pk).update(start=today - timedelta(days=45))
    overdue = selectors.children_list(users["caseworker"], today, overdue_only=True)
    assert [c.pk for c in overdue] == [child.pk]
    assert overdue[0].visit_due == today - timedelta(days=15)
    services.record_visit(actor=users["caseworker"], child=child, data=_visit(visited_on=today - timedelta(days=3)))
    row = selectors.get_child(users["caseworker"], child.pk, today)
    assert (row.last_visit, row.visit_due, row.overdue) == (
        today - timedelta(days=3),
        today + timedelta(days=27),
        False,
    )
    assert not selectors.children_list(users["caseworker"], today, overdue_only=True).exists()


def test_ending_a_row_lets_the_child_be_added_again(users, villages):
    child = make_left_behind(users["caseworker"], villages["a"])
    with pytest.raises(ValidationError) as error:
        services.end_child(actor=users["caseworker"], child=child, ended_on=timezone.localdate(), reason="")
    assert "end_reason" in error.value.message_dict
    services.end_child(actor=users["caseworker"], child=child, ended_on=timezone.localdate(), reason="父母返乡")
    with pytest.raises(ValidationError):
        services.record_visit(actor=users["caseworker"], child=child, data=_visit())
    again = services.save_child(actor=users["caseworker"], member=child.member, data={})
    assert again.pk != child.pk and again.status == "active"


# Orphans and de-facto unsupported children ------------------------------------------------------------------


def test_a_case_links_the_members_orphan_allowance_and_sets_the_review(users, villages):
    member = make_child_member(users["caseworker"], villages["a"], name="孤儿小刚", age=9)
    allowance = enroll(member.household, "orphan_allowance", "1256", member=member)
    data = {
        "category": "orphan",
        "father_basis": "dead",
        "father_evidence": "death",
        "father_evidence_ref": "死亡证明1",
        "mother_basis": "dead",
        "mother_evidence": "death",
        "mother_evidence_ref": "死亡证明2",
        "placement": "dispersed",
        "opened_on": date(2020, 3, 31),
    }
    case = services.open_case(actor=users["caseworker"], member=member, data=data)
    assert case.enrollment == allowance and case.review_due == date(2021, 3, 31)
    assert Enrollment.objects.filter(member=member).count() == 1  # no second path for money


def test_a_child_at_the_age_limit_is_refused_naming_the_member(users, villages):
    member = make_child_member(users["caseworker"], villages["a"], name="十八岁", age=18)
    with pytest.raises(ValidationError) as error:
        services.open_case(
            actor=users["caseworker"],
            member=member,
            data={
                "category": "de_facto",
                "father_basis": "prison",
                "father_evidence": "prison",
                "father_evidence_ref": "1",
                "mother_basis": "prison",
                "mother_evidence": "prison",
                "mother_evidence_ref": "2",
            },
        )
    assert "18" in error.value.message_dict["member"][0]
    assert not ChildCase.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"category": "orphan", "mother_basis": "prison", "mother_evidence": "prison"}, "category"),
        ({"category": "de_facto", "father_basis": "none", "father_evidence": ""}, "category"),
        ({"father_evidence": ""}, "father_evidence"),
        ({"mother_evidence_ref": " "}, "mother_evidence_ref"),
        (
            {
                "insured": True,
                "insurance_policy": "P1",
                "insurance_from": date(2020, 5, 1),
                "insurance_to": date(2020, 4, 30),
            },
            "insurance_to",
        ),
        ({"insured": True, "insurance_policy": ""}, "insurance_policy"),
    ],
)
def test_bad_bases_and_insurance_periods_are_refused_naming_the_field(users, villages, data, field):
    with pytest.raises(ValidationError) as error:
        make_case(users["caseworker"], villages["a"], **data)
    assert field in error.value.message_dict
    assert not ChildCase.objects.exists()


def test_a_de_facto_child_with_one_parent_dead_and_the_other_imprisoned(users, villages):
    case = make_case(
        users["caseworker"],
        villages["a"],
        category="de_facto",
        mother_basis="prison",
        mother_evidence="prison",
        mother_evidence_ref="服刑证明1",
    )
    assert case.category == "de_facto"
    with pytest.raises(ValidationError) as error:
        make_case(users["caseworker"], villages["a"], name="另一个", category="de_facto")  # both gone: an orphan
    assert "category" in error.value.message_dict


def test_the_review_and_the_end_are_prepared_by_one_and_approved_by_another(users, villages):
    case = make_case(users["caseworker"], villages["a"])
    today = timezone.localdate()
    step = services.prepare_step(actor=users["caseworker"], case=case, kind="review", on=today, findings="情况未变")
    with pytest.raises(ValidationError):
        services.prepare_step(actor=users["caseworker"], case=case, kind="review", on=today, findings="又一次")
    with pytest.raises(PermissionDenied):
        services.decide_step(actor=users["caseworker"], step=step, approve=True, note="")
    reviewer_own = users["reviewer"]
    services.decide_step(actor=reviewer_own, step=step, approve=True, note="同意")
    case.refresh_from_db()
    assert case.review_due == services.add_months(today, 12)
    with pytest.raises(ValidationError) as error:
        services.prepare_step(actor=users["reviewer"], case=case, kind="end", on=today, findings="年满18周岁")
    assert "end_reason" in error.value.message_dict
    end = services.prepare_step(
        actor=users["reviewer"], case=case, kind="end", on=today, findings="父亲返回", end_reason="父母情况变化"
    )
    with pytest.raises(PermissionDenied):
        services.decide_step(actor=users["reviewer"], step=end, approve=True, note="")
    services.decide_step(actor=users["county_staff"], step=end, approve=True, note="")
    case.refresh_from_db()
    assert (case.status, case.ended_on, case.end_reason) == ("ended", today, "父母情况变化")
    assert ChildCaseStep.objects.filter(status="approved").count() == 2


def test_insurance_is_recorded(users, villages):
    case = insure(make_case(users["caseworker"], villages["a"]), users["caseworker"])
    assert selectors.insured_on(case, timezone.localdate())


def test_children_in_difficulty_are_listed_set_based_with_their_support(users, villages, django_assert_max_num_queries):
    actor = users["caseworker"]
    poor = make_child_member(actor, villages["a"], name="低保儿童")
    enroll(poor.household, "dibao", "400")
    disabled = make_child_member(
        actor, villages["a"], name="残疾儿童", disability_category="physical", disability_grade=2
    )
    status = make_child_member(actor, villages["a"], name="事实儿童", child_status="de_facto_unsupported")
    case = make_case(actor, villages["a"], name="孤儿儿童")
    make_child_member(actor, villages["a"], name="普通儿童")
    household = make_household(actor, villages["a"])
    adult = make_member(
        actor, household, name="残疾成人", relation="head", disability_category="physical", disability_grade=1
    )
    today = timezone.localdate()
    rows = list(selectors.difficulty_children(actor, today))
    names = {m.name for m in rows}
    assert names == {"低保儿童", "残疾儿童", "事实儿童", "孤儿儿童"}
    assert adult.name not in names
    with django_assert_max_num_queries(4):
        support = selectors.support_of(rows, today)
    assert support[poor.pk].enrollments == ["低保"]
    assert support[case.member_id].cases == ["孤儿"]
    assert {m.name for m in selectors.difficulty_children(actor, today, kind="disability")} == {"残疾儿童"}
    assert {m.name for m in selectors.difficulty_children(actor, today, kind="guardianship")} == {
        "事实儿童",
        "孤儿儿童",
    }
    assert not selectors.difficulty_children(users["caseworker_b"], today).exists()
    assert disabled.pk and status.pk
