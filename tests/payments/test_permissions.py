"""Who may do what in payments: the predicates of ``payments.permissions`` as a written-out matrix (every role ×
an object of township A and of township B × predicate), ``ensure_`` agreeing with ``can_``, every write page
refusing an auditor (403) whatever the method, and input checked at the edge (NUL, absurd amounts)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from payments import permissions as perms
from payments import services
from payments.forms import LineFilterForm, OverpaymentResolveForm, PriceSubsidyMonthForm, ReturnPayrollForm
from payments.models import Overpayment, Payroll, PriceSubsidyMonth
from tests.helpers import make_overpayment
from tests.payments.conftest import OCT, PAYROLL_POST_PAGES
from tests.payments.test_extra_pages import PRICE
from tests.permission_tables import COUNTY_WRITERS, ROLES, TOWNSHIP_WORKERS_ONLY, TOWNSHIP_WRITERS, F, T

pytestmark = pytest.mark.django_db

S = Payroll.Status

EVERYONE = {role: (T, T) for role in ROLES}
FULL_IDENTITY = {**EVERYONE, "auditor": (F, F)}

# predicate → the payroll status it is asked about (None: a township / no state) → per role: (township A, township B).
MATRIX: list[tuple[str, str | None, dict[str, tuple[bool, bool]]]] = [
    ("generate_payroll", S.DRAFT, TOWNSHIP_WRITERS),
    ("generate_payroll", "township", TOWNSHIP_WRITERS),
    ("regenerate_payroll", S.DRAFT, TOWNSHIP_WRITERS),
    ("submit_payroll", S.DRAFT, TOWNSHIP_WORKERS_ONLY),
    ("return_payroll", S.SUBMITTED, COUNTY_WRITERS),
    ("approve_payroll", S.SUBMITTED, COUNTY_WRITERS),
    ("disburse_payroll", S.APPROVED, COUNTY_WRITERS),
    ("reconcile_payroll", S.DISBURSED, COUNTY_WRITERS),
    ("reissue_failed_lines", S.RECONCILED, TOWNSHIP_WRITERS),
    ("reissue_failed_lines", "township", TOWNSHIP_WRITERS),
    ("export_payroll", S.DRAFT, EVERYONE),
    ("download_bank_file", S.DISBURSED, FULL_IDENTITY),
    ("resolve_overpayment", "overpayment", COUNTY_WRITERS),
    ("record_price_subsidy", None, COUNTY_WRITERS),
    ("start_back_pay", None, COUNTY_WRITERS),
    ("check_timeliness", None, COUNTY_WRITERS),
]
# Each state-bound predicate is False, for everyone, from any other state.
STATE_OF = {
    "generate_payroll": {S.DRAFT},
    "regenerate_payroll": {S.DRAFT},
    "submit_payroll": {S.DRAFT},
    "return_payroll": {S.SUBMITTED},
    "approve_payroll": {S.SUBMITTED},
    "disburse_payroll": {S.APPROVED},
    "reconcile_payroll": {S.DISBURSED},
    "download_bank_file": {S.DISBURSED, S.RECONCILED},
}


def _object(kind: str | None, township, submitter):
    if kind is None:
        return None
    if kind == "township":
        return township
    if kind == "overpayment":
        return Overpayment(township=township, status=Overpayment.Status.OPEN)
    return Payroll(township=township, status=kind, submitted_by=submitter if kind != S.DRAFT else None)


@pytest.mark.parametrize(("predicate", "kind", "expected"), MATRIX, ids=[f"{p}-{k}" for p, k, _ in MATRIX])
def test_the_permission_matrix(users, township_a, township_b, predicate, kind, expected):
    can = getattr(perms, f"can_{predicate}")
    ensure = getattr(perms, f"ensure_{predicate}")
    submitters = {township_a.pk: users["caseworker"], township_b.pk: users["caseworker_b"]}
    for role in ROLES:
        user = users[role]
        for township, allowed in zip((township_a, township_b), expected[role], strict=True):
            obj = _object(kind, township, submitters[township.pk])
            where = f"{role} × {township.name}"
            assert can(user, obj) is allowed, f"can_{predicate}: {where}"
            if allowed:
                ensure(user, obj)
            else:
                with pytest.raises(PermissionDenied):
                    ensure(user, obj)


@pytest.mark.parametrize("predicate", sorted(STATE_OF))
def test_a_step_from_another_state_is_no_button(users, township_a, predicate):
    can = getattr(perms, f"can_{predicate}")
    for status in set(S.values) - STATE_OF[predicate]:
        payroll = Payroll(township=township_a, status=status, submitted_by=users["caseworker"])
        for role in ROLES:
            assert not can(users[role], payroll), f"can_{predicate}: {role} on {status}"


def test_the_submitter_never_approves(users, township_a):
    """Preparer ≠ approver, whoever submitted (even a county user, were one to have)."""
    for submitter in ("caseworker", "county_staff"):
        payroll = Payroll(township=township_a, status=S.SUBMITTED, submitted_by=users[submitter])
        assert not perms.can_approve_payroll(users[submitter], payroll)
        with pytest.raises(PermissionDenied, match="提交人不能审批"):
            perms.ensure_approve_payroll(users[submitter], payroll)
    payroll = Payroll(township=township_a, status=S.SUBMITTED, submitted_by=users["county_staff"])
    assert perms.can_approve_payroll(users["county_admin"], payroll)


def test_the_auditor_is_refused_as_read_only(users, township_a):
    payroll = Payroll(township=township_a, status=S.DRAFT)
    with pytest.raises(PermissionDenied, match="审计用户只能查看"):
        perms.ensure_generate_payroll(users["auditor"], payroll)
    with pytest.raises(PermissionDenied, match="审计用户只能查看"):
        perms.ensure_start_back_pay(users["auditor"])


def test_a_granted_auditor_downloads_bank_files_but_still_writes_nothing(users, township_a):
    auditor = users["auditor"]
    auditor.full_identity_access = True
    payroll = Payroll(township=township_a, status=S.DISBURSED)
    assert perms.can_download_bank_file(auditor, payroll)
    assert not perms.can_write_payments(auditor)
    assert not perms.can_reconcile_payroll(auditor, payroll)


# Every write page refuses an auditor, GET included -------------------------------------------------------------


@pytest.fixture
def objects(users, county, township_a):
    payroll = services.generate_payroll(actor=users["caseworker"], township=township_a, month=OCT, benefit="dibao")
    over = make_overpayment(township_a, county.dibao_home, "张大山", "perm")
    return payroll, over


def write_urls(payroll: Payroll, over: Overpayment) -> list[str]:
    return [
        reverse("payroll-generate"),
        *(reverse(name, args=[payroll.pk]) for name in PAYROLL_POST_PAGES),
        reverse("back-pay-start"),
        reverse("overpayment-resolve", args=[over.pk]),
        reverse("timeliness-check"),
    ]


def test_an_auditor_get_of_every_write_page_is_403(client_for, objects):
    client = client_for("auditor")
    for url in write_urls(*objects):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "审计用户只能查看" in response.content.decode(), url


def test_an_auditor_post_of_every_write_page_is_403_and_writes_nothing(client_for, objects):
    payroll, over = objects
    client = client_for("auditor")
    for url in [*write_urls(payroll, over), reverse("price-subsidy-list")]:
        assert client.post(url, {"reason": "x", "status": "recovered", "month": "2020-10"}).status_code == 403, url
    assert Payroll.objects.get(pk=payroll.pk).status == S.DRAFT
    assert Overpayment.objects.get(pk=over.pk).status == Overpayment.Status.OPEN
    assert not PriceSubsidyMonth.objects.exists()


def test_buttons_follow_the_flags(client_for, users, objects):
    payroll, _ = objects
    detail = reverse("payroll-detail", args=[payroll.pk])
    assert "重新生成" in client_for("caseworker").get(detail).content.decode()
    for role in ("auditor", "county_staff"):
        page = client_for(role).get(detail).content.decode()
        assert "提交县民政局审批" not in page and "退回原因" not in page
    assert "重新生成" not in client_for("auditor").get(detail).content.decode()
    services.submit_payroll(actor=users["caseworker"], payroll=payroll)
    staff = client_for("county_staff").get(detail).content.decode()
    assert "审批通过" in staff and "退回原因" in staff and "重新生成" not in staff
    for role in ("caseworker", "reviewer", "auditor"):
        page = client_for(role).get(detail).content.decode()
        assert "审批通过" not in page and "退回原因" not in page


# Input at the edge ---------------------------------------------------------------------------------------------


def test_a_nul_in_an_overpayment_note_is_a_form_error(client_for, objects):
    _, over = objects
    form = OverpaymentResolveForm({"status": "waived", "note": "核销\x00原因"})
    assert not form.is_valid() and "note" in form.errors
    page = client_for("county_staff").post(
        reverse("overpayment-resolve", args=[over.pk]), {"status": "waived", "note": "核销\x00原因"}, follow=True
    )
    text = page.content.decode()
    assert page.status_code == 200 and "说明" in text and "控制字符" in text
    assert Overpayment.objects.get(pk=over.pk).status == Overpayment.Status.OPEN


def test_a_nul_in_a_return_reason_is_a_form_error(client_for, users, objects):
    payroll, _ = objects
    services.submit_payroll(actor=users["caseworker"], payroll=payroll)
    assert "reason" in ReturnPayrollForm({"reason": "金额\x00有误"}).errors
    page = client_for("county_staff").post(
        reverse("payroll-return", args=[payroll.pk]), {"reason": "金额\x00有误"}, follow=True
    )
    assert page.status_code == 200 and "退回原因" in page.content.decode() and "控制字符" in page.content.decode()
    assert Payroll.objects.get(pk=payroll.pk).status == S.SUBMITTED


def test_a_nul_in_the_price_subsidy_note_is_a_form_error_on_the_page(client_for):
    response = client_for("county_staff").post(reverse("price-subsidy-list"), {**PRICE, "note": "依据\x00"})
    assert response.status_code == 200 and 'data-field-error="note"' in response.content.decode()
    assert not PriceSubsidyMonth.objects.exists()


@pytest.mark.parametrize("field", ["urban_amount", "rural_amount", "multiplier", "cpi_index"])
def test_an_absurd_amount_is_a_form_error_naming_the_field(client_for, field):
    form = PriceSubsidyMonthForm({**PRICE, field: "1e28"})
    assert not form.is_valid() and field in form.errors
    response = client_for("county_staff").post(reverse("price-subsidy-list"), {**PRICE, field: "1e28"})
    assert response.status_code == 200 and f'data-field-error="{field}"' in response.content.decode()
    assert not PriceSubsidyMonth.objects.exists()


def test_a_falling_food_index_is_not_refused_as_a_negative_amount():
    form = PriceSubsidyMonthForm({**PRICE, "food_rise": "-1.5"})
    assert form.is_valid(), form.errors
    assert form.service_values()["food_rise"] == Decimal("-0.015")


def test_a_malformed_township_on_generate_is_not_a_500(client_for, county):
    for township in ("１２", "99999999999999999999999", "a\x00"):
        response = client_for("county_staff").post(
            reverse("payroll-generate"), {"month": "2020-10", "township": township}
        )
        assert response.status_code in (302, 404), township


def test_a_nul_in_the_line_search_is_refused_not_a_500(client_for, objects):
    payroll, _ = objects
    assert "q" in LineFilterForm({"q": "张\x00"}).errors
    response = client_for("caseworker").get(reverse("payroll-detail", args=[payroll.pk]), {"q": "张\x00"})
    assert response.status_code == 400  # the edge middleware refuses it first; the form would otherwise
