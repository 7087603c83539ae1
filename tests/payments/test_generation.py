"""Generating a month's payroll from the enrollments: who is paid, to which account, and never twice."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from assistance.models import TemporaryCase
from cases.models import Member
from core.exceptions import TransitionNotAllowed
from eldercare.models import NursingHome
from payments import bankfiles, planning, services
from payments.models import PaymentLine, Payroll
from tests.helpers import enroll, make_household, make_member
from tests.payments.conftest import NOV, OCT

pytestmark = pytest.mark.django_db


def generate(users, township, benefit, month=OCT, role="caseworker"):
    return services.generate_payroll(actor=users[role], township=township, month=month, benefit=benefit)


def test_dibao_is_paid_to_the_heads_account(users, county, township_a):
    payroll = generate(users, township_a, "dibao")
    line = payroll.lines.get()
    assert (payroll.batch, payroll.status, payroll.line_count, payroll.total_amount) == (1, "draft", 1, Decimal("1024"))
    assert line.member_id is None and line.household_id == county.dibao_home.pk and line.enrollment == county.dibao
    assert (line.name, line.payee_name, line.payee_id_number) == ("张大山", "张大山", county.head.id_number)
    assert (line.bank_name, line.bank_account, line.payee_kind) == ("彭水农商行", "6228480000000000011", "self")
    assert (line.kind, line.benefit, line.month, line.problem) == ("regular", "dibao", OCT, "")


def test_centralized_tekun_is_paid_to_the_institution(users, county, township_a):
    line = generate(users, township_a, "tekun").lines.get()
    assert line.member == county.elder and line.name == "李老汉"
    assert (line.payee_kind, line.payee_name, line.payee_id_number) == (
        "institution",
        "汉葭敬老院",
        "12500243MB0000000X",
    )
    assert line.bank_account == "6228480000000000999" and line.amount == Decimal("1006.00")


def test_an_institution_without_account_is_generated_but_flagged(users, county, township_a):
    NursingHome.objects.filter(name="汉葭敬老院").update(bank_account="")
    payroll = generate(users, township_a, "tekun")
    line = payroll.lines.get()
    assert line.problem == "机构账户未登记（汉葭敬老院）" and line.bank_account == ""
    assert payroll.problem_count == 1
    with pytest.raises(ValidationError, match="李老汉（机构账户未登记（汉葭敬老院））"):
        services.submit_payroll(actor=users["caseworker"], payroll=payroll)
    NursingHome.objects.filter(name="汉葭敬老院").update(bank_name="农商行", bank_account="62284800000000001234")
    payroll = generate(users, township_a, "tekun")
    assert payroll.problem_count == 0
    assert services.submit_payroll(actor=users["caseworker"], payroll=payroll).status == "submitted"


def test_a_child_is_paid_to_the_recorded_guardian(users, county, township_a):
    line = generate(users, township_a, "orphan_allowance").lines.get()
    assert line.name == "王小宝" and line.id_number == county.orphan.id_number
    assert (line.payee_kind, line.payee_name, line.payee_id_number) == ("guardian", "王爷爷", county.guardian_id)
    assert line.bank_account == "6210980000000000022"


def test_a_person_without_account_is_flagged_and_blocks_submission(users, county, township_a, villages):
    cw = users["caseworker"]
    home = make_household(cw, villages["a"])
    person = make_member(cw, home, name="赵残疾", relation="head", disability_category="physical", disability_grade=1)
    enroll(home, "disability_care", "80.00", member=person)
    payroll = generate(users, township_a, "disability_care")
    assert payroll.lines.get().problem == "对象银行账号未登记"
    with pytest.raises(ValidationError, match="赵残疾（对象银行账号未登记）"):
        services.submit_payroll(actor=cw, payroll=payroll)


def test_suspended_exited_applying_and_ended_enrollments_are_not_paid(users, county, township_a, villages):
    cw = users["caseworker"]
    people = {}
    for name, fields in {
        "暂停": {"status": "suspended"},
        "已退出": {"status": "exited", "end_month": date(2020, 9, 1)},
        "申请中": {"status": "applying"},
        "九月截止": {"status": "active", "end_month": date(2020, 9, 1)},
        "十一月起": {"status": "active", "start_month": NOV},
        "十月最后一月": {"status": "exited", "end_month": OCT},
        "渐退期": {"status": "gradual_exit"},
    }.items():
        home = make_household(cw, villages["a"])
        people[name] = make_member(
            cw, home, name=name, relation="head", bank_account="62284800000000" + str(len(people))
        )
        enroll(home, "single_person_dibao", "500", member=people[name], **fields)
    paid = set(generate(users, township_a, "single_person_dibao").lines.values_list("name", flat=True))
    assert paid == {"十月最后一月", "渐退期"}


def test_the_dead_are_not_paid_and_a_dead_head_is_flagged(users, county, township_a):
    # recorded straight in the table: the hook that ends enrollments after a death is assistance's business
    Member.objects.filter(pk=county.orphan.pk).update(date_of_death=date(2020, 9, 15))
    Member.objects.filter(pk=county.head.pk).update(date_of_death=date(2020, 10, 3))
    orphans = generate(users, township_a, "orphan_allowance")
    assert orphans.line_count == 0 and "本月之前已死亡，未列入 1 人：王小宝" in orphans.notes
    assert generate(users, township_a, "dibao").lines.get().problem == "户主已死亡，请变更户主或登记领取人"


def test_regenerating_a_draft_replaces_its_lines_and_never_duplicates(users, county, township_a):
    first = generate(users, township_a, "dibao")
    line_id = first.lines.get().pk
    again = generate(users, township_a, "dibao")
    assert again.pk == first.pk and again.lines.get().pk == line_id  # nothing changed → nothing rewritten
    county.dibao.amounts.update(amount=Decimal("1100.00"))  # a new amount in force for October
    again = generate(users, township_a, "dibao")
    assert again.lines.count() == 1 and again.total_amount == Decimal("1100.00")
    assert PaymentLine.objects.filter(benefit="dibao", month=OCT, household=county.dibao_home).count() == 1
    assert Payroll.objects.filter(township=township_a, month=OCT, benefit="dibao").count() == 1


def test_the_database_refuses_a_second_regular_line(users, county, township_a):
    payroll = generate(users, township_a, "dibao")
    line = payroll.lines.get()
    second = Payroll.objects.create(
        township=township_a, month=OCT, benefit="dibao", batch=2, created_by=users["caseworker"]
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentLine.objects.create(
            payroll=second, benefit="dibao", month=OCT, household=line.household, name="x", amount=Decimal("1")
        )
    person = generate(users, township_a, "orphan_allowance").lines.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentLine.objects.create(
            payroll=second, benefit="orphan_allowance", month=OCT, household=person.household, member=person.member,
            name="x", amount=Decimal("1"),
        )  # fmt: skip
    # a re-issue of the same beneficiary and month is not a second regular line
    PaymentLine.objects.filter(pk=line.pk).update(status="failed", failure_reason="账户冻结")
    PaymentLine.objects.create(
        payroll=second, kind="reissue", reissue_of=line, benefit="dibao", month=OCT, household=line.household,
        name="x", amount=Decimal("1"),
    )  # fmt: skip


def test_a_household_that_moved_township_is_not_paid_twice(users, county, township_a, township_b):
    generate(users, township_b, "dibao", role="caseworker_b")  # October paid in 郁山镇
    county.b_dibao.status, county.b_dibao.end_month = "exited", OCT
    county.b_dibao.save()
    enroll(county.b_home, "dibao", "620.00", township_id=township_a.pk, start_month=OCT)  # moved to 汉葭街道
    payroll = generate(users, township_a, "dibao")
    assert set(payroll.lines.values_list("name", flat=True)) == {"张大山"}
    assert payroll.notes == ["已列入其他工资册，未重复列入 1 人（户）：郁山户主（郁山镇）"]
    # the refused first attempt (a new payroll is written unchecked) left no line and no history behind
    events = apps.get_model("payments", "PaymentLineEvent").objects.filter(payroll_id=payroll.pk)
    line = payroll.lines.get()
    assert list(events.values_list("pgh_label", "pgh_obj_id")) == [("insert", line.pk)]
    again = generate(users, township_a, "dibao")  # a regeneration looks first: the same lines, nothing rewritten
    assert (again.lines.get().pk, again.notes, events.count()) == (line.pk, payroll.notes, 1)


@pytest.mark.parametrize("status", ["submitted", "approved", "disbursed", "reconciled"])
def test_generating_a_month_past_the_draft_is_refused_with_the_reason(users, county, township_a, status):
    payroll = generate(users, township_a, "dibao")
    Payroll.objects.filter(pk=payroll.pk).update(status=status)
    with pytest.raises(TransitionNotAllowed) as refused:
        generate(users, township_a, "dibao")
    expected = "已提交县民政局审批" if status == "submitted" else "该月工资册已审批"
    assert expected in refused.value.message and "不能重新生成" in refused.value.message
    assert payroll.lines.count() == 1


def test_who_may_generate(users, county, township_a):
    with pytest.raises(PermissionDenied):
        generate(users, township_a, "dibao", role="auditor")
    with pytest.raises(PermissionDenied):
        generate(users, township_a, "dibao", role="caseworker_b")
    assert generate(users, township_a, "dibao", role="county_staff").line_count == 1
    with pytest.raises(ValidationError, match="价格临时补贴"):
        generate(users, township_a, "price_subsidy")
    with pytest.raises(ValidationError, match="最多提前生成下月"):
        generate(users, township_a, "dibao", month=date(timezone.localdate().year + 1, 1, 1))
    assert not Payroll.objects.filter(benefit="price_subsidy").exists()


def test_temporary_payroll_holds_cases_approved_in_the_month_and_covid_relief(users, county, township_a):
    cw = users["caseworker"]

    def case(amount, decided_on, status="approved", cause="fire"):
        return TemporaryCase.objects.create(
            township=township_a, household=county.dibao_home, member=county.head, kind="emergency", cause=cause,
            description="火灾", amount=Decimal(amount), year=decided_on.year, level="township", status=status,
            created_by=cw, decided_on=decided_on,
        )  # fmt: skip

    october = case("3000", date(2020, 10, 20))
    case("2000", date(2020, 9, 30), cause="illness")
    case("1000", date(2020, 10, 5), status="pending", cause="traffic")
    covid = enroll(county.dibao_home, "covid_relief", "992.00", member=county.head, start_month=OCT, end_month=OCT)
    payroll = generate(users, township_a, "temporary")
    lines = {(line.temporary_case_id, line.enrollment_id): line.amount for line in payroll.lines.all()}
    assert lines == {(october.pk, None): Decimal("3000.00"), (None, covid.pk): Decimal("992.00")}
    assert payroll.total_amount == Decimal("3992.00")
    assert generate(users, township_a, "temporary").lines.count() == 2


def test_generate_month_makes_every_benefit_with_someone_to_pay(users, county, township_a):
    outcomes = services.generate_month(actor=users["caseworker"], township=township_a, month=OCT)
    made = {o.benefit: o.payroll.line_count for o in outcomes}
    assert made == {"dibao": 1, "tekun": 1, "orphan_allowance": 1}
    dibao = Payroll.objects.get(township=township_a, month=OCT, benefit="dibao")
    Payroll.objects.filter(pk=dibao.pk).update(status="approved")
    outcomes = services.generate_month(actor=users["caseworker"], township=township_a, month=OCT)
    refused = {o.benefit: o.refusal for o in outcomes if o.refusal}
    assert list(refused) == ["dibao"] and "该月工资册已审批" in refused["dibao"]
    assert PaymentLine.objects.filter(payroll__township=township_a, month=OCT).aggregate(s=Sum("amount"))["s"] == (
        Decimal("1024") + Decimal("1006") + Decimal("1256")
    )


def test_generated_lines_are_recorded_in_history_with_the_actor(users, county, township_a):
    payroll = generate(users, township_a, "dibao")
    line = payroll.lines.get()
    events = apps.get_model("payments", "PaymentLineEvent").objects.filter(pgh_obj_id=line.pk)
    event = events.select_related("pgh_context").get()
    assert (event.pgh_label, event.name, event.amount, event.payroll_id) == (
        "insert",
        "张大山",
        line.amount,
        payroll.pk,
    )
    assert event.pgh_context.metadata == {"user": users["caseworker"].pk, "reason": "生成工资册"}
    assert (line.status, line.failure_reason, line.source_key, line.reissue_of_id) == ("pending", "", "", None)
    assert line.created_at is not None and line.back_pay_run_id is None and line.result_at is None


def test_each_line_of_a_payroll_has_its_own_history_event(users, county, township_a, villages):
    for name, account in (("赵一", "6228480000000000101"), ("钱二", "6228480000000000102")):
        home = make_household(users["caseworker"], villages["a"])
        make_member(users["caseworker"], home, name=name, relation="head", bank_name="农行", bank_account=account)
        enroll(home, "dibao", "700.00")
    payroll = generate(users, township_a, "dibao")
    lines = dict(payroll.lines.values_list("pk", "name"))
    events = apps.get_model("payments", "PaymentLineEvent").objects.filter(payroll_id=payroll.pk)
    assert len(lines) == 3 and {e.pgh_obj_id: e.name for e in events} == lines
    assert {(e.pgh_label, e.pgh_context_id) for e in events} == {("insert", events[0].pgh_context_id)}
    assert events[0].pgh_context.metadata == {"user": users["caseworker"].pk, "reason": "生成工资册"}
    Member.objects.filter(pk=county.head.pk).update(bank_account="6228480000000000077")
    generate(users, township_a, "dibao")
    labels = sorted(events.values_list("pgh_label", flat=True))
    assert labels == ["delete"] * 3 + ["insert"] * 6


def test_a_line_written_meanwhile_by_another_payroll_fails_the_copy_and_nothing_is_written(
    users, county, township_a, monkeypatch
):
    first = generate(users, township_a, "dibao")
    original = first.lines.get()
    county.dibao.monthly_amount = Decimal("1100.00")
    county.dibao.save()
    # another payroll took the household after this one looked (that look is skipped here): the COPY fails
    other = Payroll.objects.create(
        township=township_a, month=OCT, benefit="dibao", batch=2, created_by=users["caseworker"]
    )
    PaymentLine.objects.filter(pk=original.pk).update(payroll=other)
    monkeypatch.setattr(planning, "drop_paid_elsewhere", lambda plan, payroll: None)
    with pytest.raises(ValidationError, match="没有写入任何明细"):
        generate(users, township_a, "dibao")
    assert list(PaymentLine.objects.values_list("pk", "payroll_id", "amount")) == [
        (original.pk, other.pk, Decimal("1024.00"))
    ]
    first.refresh_from_db()
    assert (first.line_count, first.total_amount) == (1, Decimal("1024.00"))


def test_regenerating_after_a_payee_change_rewrites_the_lines_with_history(users, county, township_a):
    first = generate(users, township_a, "dibao")
    old = first.lines.get()
    Member.objects.filter(pk=county.head.pk).update(bank_account="6228480000000000077")
    again = generate(users, township_a, "dibao")
    line = again.lines.get()
    assert line.pk != old.pk and line.bank_account == "6228480000000000077"
    labels = apps.get_model("payments", "PaymentLineEvent").objects.filter(payroll_id=again.pk)
    assert sorted(labels.values_list("pgh_label", "pgh_obj_id")) == [
        ("delete", old.pk),
        ("insert", old.pk),
        ("insert", line.pk),
    ]


def test_generate_month_plans_each_new_payroll_once(users, county, township_a):
    calls = []
    real = planning.plan

    def counting(township_id, month, benefit):
        calls.append(benefit)
        return real(township_id, month, benefit)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(planning, "plan", counting)
        outcomes = services.generate_month(actor=users["caseworker"], township=township_a, month=OCT)
    assert {o.benefit for o in outcomes} == {"dibao", "tekun", "orphan_allowance"}
    assert sorted(calls) == sorted(planning.GENERATED_BENEFITS)


def test_bank_xlsx_keeps_odd_text_as_written(users, county, township_a):
    payroll = generate(users, township_a, "dibao")
    odd = (
        "1",
        "汉葭街道",
        "001",
        "张&<三>",
        "",
        "农商行 ",
        "0123456789012345678",
        "1024.00",
        "低保",
        "2020-10",
        " 摘要",
    )
    rows = [
        odd,
        ("2", "汉葭街道", "002", "a\x01b_x0041_", "X", "\n", "0012", "0.10", "低保", "2020-10", "x"),
    ]
    book = openpyxl.load_workbook(io.BytesIO(bankfiles.bank_xlsx(payroll, rows)))
    sheet = book["代发明细"]
    assert sheet.freeze_panes == "A2" and [c.value for c in sheet[1]] == list(bankfiles.HEADER)
    first, second = ([cell.value for cell in row] for row in sheet.iter_rows(min_row=2))
    assert first == [*odd[:7], 1024, *odd[8:]]  # every text as written; the amount a number
    assert second[3] == "a_x0001_b_x005F_x0041_" and second[5] == "\n" and second[7] == 0.1  # Excel's escapes
    assert sheet["G2"].number_format == "@" and sheet["H2"].number_format == "0.00"
    assert {r[0].value: r[1].value for r in book["汇总"].iter_rows()}["合计金额（元）"] == 1024.1
