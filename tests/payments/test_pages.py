"""Payroll pages: scoped (another township → 404), read-only for auditors (writes → 403), steps from the wrong state
→ 409; IDs and accounts masked for auditors unless granted; Excel exports with totals; flat query counts."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import SensitiveAccessLog
from payments import bankfiles, services
from payments.models import PaymentLine, Payroll
from tests.helpers import enroll, make_household, make_member
from tests.payments.conftest import OCT, PAYROLL_POST_PAGES

pytestmark = pytest.mark.django_db

GET_PAGES = ["payroll-detail", "payroll-export", "payroll-reconcile"]


@pytest.fixture
def payroll(users, county, township_a) -> Payroll:
    return services.generate_payroll(actor=users["caseworker"], township=township_a, month=OCT, benefit="dibao")


def to_disbursed(users, payroll) -> Payroll:
    services.submit_payroll(actor=users["caseworker"], payroll=payroll)
    services.approve_payroll(actor=users["county_staff"], payroll=payroll)
    return services.disburse_payroll(actor=users["county_staff"], payroll=payroll)


def test_list_shows_totals_by_benefit_for_the_users_scope(client_for, users, county, township_a, township_b, payroll):
    services.generate_payroll(actor=users["caseworker_b"], township=township_b, month=OCT, benefit="dibao")
    services.generate_payroll(actor=users["caseworker"], township=township_a, month=OCT, benefit="orphan_allowance")
    url = reverse("payroll-list") + "?month=2020-10"
    county_page = client_for("county_staff").get(url).content.decode()
    assert "汉葭街道" in county_page and "郁山镇" in county_page
    assert 'data-testid="grand-total">2,776.00' in county_page  # 1024 + 1256 + 496
    own = client_for("caseworker").get(url).content.decode()
    assert "汉葭街道" in own and "郁山镇" not in own and "2,280.00" in own
    assert 'data-testid="generate"' in own
    audit = client_for("auditor").get(url).content.decode()
    assert 'data-testid="generate"' not in audit
    assert client_for("caseworker").get(reverse("payroll-list") + "?month=2020-13").status_code == 400


def test_month_export_has_a_totals_row(client_for, users, county, township_a, township_b, payroll):
    services.generate_payroll(actor=users["caseworker_b"], township=township_b, month=OCT, benefit="dibao")
    response = client_for("county_staff").get(reverse("payroll-month-export") + "?month=2020-10")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("乡镇（街道）", "低保（元）", "低保（笔）")
    assert rows[-1][0] == "合计" and rows[-1][1] == 1520.0 and rows[-1][2] == 2 and rows[-1][-2] == 1520.0
    own = client_for("caseworker").get(reverse("payroll-month-export") + "?month=2020-10")
    rows = list(openpyxl.load_workbook(io.BytesIO(own.content)).active.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == ["汉葭街道", "合计"]


def test_generate_from_the_page(client_for, county, township_a, township_b):
    response = client_for("caseworker").post(reverse("payroll-generate"), {"month": "2020-10", "benefit": "dibao"})
    payroll = Payroll.objects.get(township=township_a, benefit="dibao")
    assert response.status_code == 302 and response.url == reverse("payroll-detail", args=[payroll.pk])
    client_for("county_staff").post(reverse("payroll-generate"), {"month": "2020-10", "township": township_b.pk})
    assert Payroll.objects.filter(township=township_b, benefit="dibao").exists()
    no_township = client_for("county_staff").post(reverse("payroll-generate"), {"month": "2020-10"}, follow=True)
    assert "请选择乡镇（街道）" in no_township.content.decode()
    assert client_for("caseworker").post(
        reverse("payroll-generate"), {"month": "2020-10", "township": township_b.pk, "benefit": "dibao"}
    ).status_code == 404  # fmt: skip
    assert client_for("auditor").post(
        reverse("payroll-generate"), {"month": "2020-10", "township": township_a.pk}
    ).status_code == 403  # fmt: skip
    Payroll.objects.filter(pk=payroll.pk).update(status="approved")
    refused = client_for("caseworker").post(reverse("payroll-generate"), {"month": "2020-10", "benefit": "dibao"})
    assert refused.status_code == 409 and "该月工资册已审批，不能重新生成" in refused.content.decode()


@pytest.mark.parametrize("name", GET_PAGES)
def test_another_townships_payroll_is_not_found(client_for, payroll, name):
    assert client_for("caseworker_b").get(reverse(name, args=[payroll.pk])).status_code == 404


@pytest.mark.parametrize("name", PAYROLL_POST_PAGES)
def test_another_township_cannot_act_on_the_payroll(client_for, payroll, name):
    assert client_for("caseworker_b").post(reverse(name, args=[payroll.pk]), {"reason": "x"}).status_code == 404
    assert Payroll.objects.get(pk=payroll.pk).status == "draft"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_another_township_cannot_download_the_bank_file(client_for, users, payroll, fmt):
    to_disbursed(users, payroll)
    assert client_for("caseworker_b").get(reverse("payroll-bankfile", args=[payroll.pk, fmt])).status_code == 404


@pytest.mark.parametrize("name", PAYROLL_POST_PAGES)
def test_auditors_cannot_write(client_for, payroll, name):
    assert client_for("auditor").post(reverse(name, args=[payroll.pk]), {"reason": "x"}).status_code == 403
    assert Payroll.objects.get(pk=payroll.pk).status == "draft"


@pytest.mark.parametrize("role", ["caseworker", "reviewer", "county_staff", "county_admin", "auditor"])
def test_every_role_of_the_scope_reads_the_payroll(client_for, payroll, role):
    assert client_for(role).get(reverse("payroll-detail", args=[payroll.pk])).status_code == 200
    assert client_for(role).get(reverse("payroll-export", args=[payroll.pk])).status_code == 200
    assert client_for(role).get(reverse("payroll-list")).status_code == 200
    assert client_for(role).get(reverse("payroll-bank-layout")).status_code == 200


def test_steps_from_the_wrong_state_are_409(client_for, users, payroll):
    county_client = client_for("county_staff")
    for name in ("payroll-approve", "payroll-disburse", "payroll-return"):
        assert county_client.post(reverse(name, args=[payroll.pk]), {"reason": "x"}).status_code == 409
    assert county_client.get(reverse("payroll-reconcile", args=[payroll.pk])).status_code == 409
    assert county_client.get(reverse("payroll-bankfile", args=[payroll.pk, "csv"])).status_code == 409
    assert client_for("caseworker").post(reverse("payroll-reissue", args=[payroll.pk])).status_code == 409
    client_for("caseworker").post(reverse("payroll-submit", args=[payroll.pk]))
    assert client_for("reviewer").post(reverse("payroll-submit", args=[payroll.pk])).status_code == 409
    assert client_for("caseworker").post(reverse("payroll-regenerate", args=[payroll.pk])).status_code == 409


def test_the_workflow_through_the_pages(client_for, users, payroll):
    detail = reverse("payroll-detail", args=[payroll.pk])
    cw, staff = client_for("caseworker"), client_for("county_staff")
    page = cw.get(detail).content.decode()
    assert "提交县民政局审批" in page and "审批通过" not in page
    assert cw.post(reverse("payroll-submit", args=[payroll.pk])).url == detail
    own = cw.post(reverse("payroll-approve", args=[payroll.pk]))
    assert own.status_code == 403 and "提交人不能审批自己提交的工资册" in own.content.decode()
    assert client_for("reviewer").post(reverse("payroll-approve", args=[payroll.pk])).status_code == 403
    assert "审批通过" in staff.get(detail).content.decode()
    staff.post(reverse("payroll-approve", args=[payroll.pk]))
    staff.post(reverse("payroll-disburse", args=[payroll.pk]))
    assert Payroll.objects.get(pk=payroll.pk).status == "disbursed"
    csv_file = staff.get(reverse("payroll-bankfile", args=[payroll.pk, "csv"]))
    assert csv_file.content.startswith(b"\xef\xbb\xbf") and csv_file["Content-Disposition"].endswith('-dibao-1.csv"')
    xlsx = staff.get(reverse("payroll-bankfile", args=[payroll.pk, "xlsx"]))
    assert openpyxl.load_workbook(io.BytesIO(xlsx.content))["代发明细"].max_row == 2
    assert client_for("caseworker").get(reverse("payroll-reconcile", args=[payroll.pk])).status_code == 403
    line = payroll.lines.get()
    upload = reverse("payroll-reconcile", args=[payroll.pk])
    bad = f"流水号,身份证号,账号,金额,结果\n{line.pk},{line.payee_id_number},{line.bank_account},1000,成功\n"
    page = staff.post(upload, {"file": SimpleUploadedFile("r.csv", bad.encode())}).content.decode()
    assert "没有导入任何结果" in page and "金额 1000 与该笔明细的金额 1024.00 不一致" in page
    assert PaymentLine.objects.get(pk=line.pk).status == "pending"
    good = (
        f"流水号,身份证号,账号,金额,结果,失败原因\n{line.pk},{line.payee_id_number},{line.bank_account},1024,失败,销户"
    )
    page = staff.post(upload, {"file": SimpleUploadedFile("r.csv", (good + "\n").encode())}).content.decode()
    assert 'data-testid="reconcile-ok"' in page and "失败 1 笔" in page and "本工资册已全部对账" in page
    page = cw.get(detail).content.decode()
    assert "失败：销户" in page and "失败重发（1 笔）" in page
    response = cw.post(reverse("payroll-reissue", args=[payroll.pk]))
    batch = Payroll.objects.get(batch=2)
    assert response.url == reverse("payroll-detail", args=[batch.pk])
    assert "第2批" in cw.get(response.url).content.decode()
    assert cw.post(reverse("payroll-reissue", args=[payroll.pk])).status_code == 409


def test_submission_with_a_missing_account_shows_the_reason(client_for, users, township_a, villages, county):
    cw = users["caseworker"]
    home = make_household(cw, villages["a"])
    make_member(cw, home, name="无卡户", relation="head")
    enroll(home, "dibao", "200")
    payroll = services.generate_payroll(actor=cw, township=township_a, month=OCT, benefit="dibao")
    detail = reverse("payroll-detail", args=[payroll.pk])
    response = client_for("caseworker").post(reverse("payroll-submit", args=[payroll.pk]), follow=True)
    page = response.content.decode()
    assert "无卡户（户主银行账号未登记）" in page and Payroll.objects.get(pk=payroll.pk).status == "draft"
    assert "无卡户" in client_for("caseworker").get(detail + "?status=problem").content.decode()


def test_ids_and_accounts_are_masked_for_auditors_unless_granted(client_for, users, county, payroll):
    to_disbursed(users, payroll)
    detail = reverse("payroll-detail", args=[payroll.pk])
    account, id_number = county.head.bank_account, county.head.id_number
    full = client_for("caseworker").get(detail).content.decode()
    assert account in full and id_number in full
    masked = client_for("auditor").get(detail).content.decode()
    assert account not in masked and id_number not in masked and account[-4:] in masked
    export = client_for("auditor").get(reverse("payroll-export", args=[payroll.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(export.content))["发放明细"]
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert account not in values and id_number not in values
    assert client_for("auditor").get(reverse("payroll-bankfile", args=[payroll.pk, "csv"])).status_code == 403
    users["auditor"].full_identity_access = True
    users["auditor"].save()
    granted = client_for("auditor")
    assert account in granted.get(detail).content.decode()
    assert granted.get(reverse("payroll-bankfile", args=[payroll.pk, "csv"])).status_code == 200


def test_payroll_export_has_lines_and_totals_and_logs_childrens_records(client_for, users, county, township_a):
    payroll = services.generate_payroll(
        actor=users["caseworker"], township=township_a, month=OCT, benefit="orphan_allowance"
    )
    # a child's record: the export centre asks for a reason first
    response = client_for("county_staff").post(reverse("payroll-export", args=[payroll.pk]), {"reason": "核对孤儿发放"})
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(book["发放明细"].iter_rows(values_only=True))
    assert rows[0][0] == "流水号" and rows[1][3] == "王小宝" and rows[1][6] == "王爷爷" and rows[1][5] == "监护人"
    assert rows[1][4] == county.orphan.id_number and rows[1][10] == 1256.0
    assert rows[-1][0] == "合计" and rows[-1][3] == "1 条" and rows[-1][10] == 1256.0
    figures = {row[0]: row[1] for row in book["汇总"].iter_rows(values_only=True)}
    assert figures["合计金额（元）"] == 1256.0 and figures["明细条数"] == 1
    assert SensitiveAccessLog.objects.filter(member=county.orphan, action="export").exists()


def test_lines_are_searchable(client_for, county, payroll, users, township_a):
    payroll = services.generate_payroll(actor=users["caseworker"], township=township_a, month=OCT, benefit="tekun")
    services.generate_payroll(actor=users["caseworker"], township=township_a, month=OCT, benefit="dibao")
    detail = reverse("payroll-detail", args=[payroll.pk])
    client = client_for("caseworker")

    def names(**params):
        page = client.get(detail, params, HTTP_HX_REQUEST="true").content.decode()
        assert "<html" not in page
        return page.count("data-line=")

    assert names() == 1
    assert names(q="李老") == 1 and names(q="汉葭敬") == 1 and names(q="王") == 0
    assert names(q=county.elder.id_number) == 1 and names(q="12500243MB0000000X") == 0
    assert names(q="6228480000000000999") == 1 and names(q="0999") == 1 and names(q="0011") == 0
    assert names(status="paid") == 0 and names(status="pending") == 1 and names(kind="reissue") == 0


def test_the_lines_page_keeps_its_query_count_flat(client_for, users, township_a, villages, county):
    cw = users["caseworker"]
    payroll = services.generate_payroll(actor=cw, township=township_a, month=OCT, benefit="dibao")
    to_disbursed(users, payroll)
    client = client_for("county_staff")
    url = reverse("payroll-detail", args=[payroll.pk])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = count()
    for index in range(12):
        home = make_household(cw, villages["a"])
        make_member(cw, home, name=f"户主{index}", relation="head", bank_account=f"62284800000{index:05d}")
        enroll(home, "dibao", "300")
    Payroll.objects.filter(pk=payroll.pk).update(status="draft")
    payroll = services.generate_payroll(actor=cw, township=township_a, month=OCT, benefit="dibao")
    assert payroll.line_count == 13
    to_disbursed(users, payroll)
    lines = list(payroll.lines.order_by("id"))
    result = "流水号,身份证号,账号,金额,结果,失败原因\n" + "".join(
        f"{line.pk},{line.payee_id_number},{line.bank_account},{line.amount},{'失败' if i % 2 else '成功'},冻结\n"
        for i, line in enumerate(lines)
    )
    services.reconcile_payroll(actor=users["county_staff"], payroll=payroll, file_bytes=result.encode(), filename="r")
    services.reissue_failed(actor=cw, township=township_a, month=OCT, benefit="dibao")
    assert count() == few


def test_bank_file_of_a_disbursed_payroll_matches_its_digest(client_for, users, payroll):
    import hashlib

    to_disbursed(users, payroll)
    payroll.refresh_from_db()
    content = client_for("county_staff").get(reverse("payroll-bankfile", args=[payroll.pk, "csv"])).content
    assert hashlib.sha256(content).hexdigest() == payroll.bank_file_digest
    assert bankfiles.filename(payroll, "xlsx").endswith("-dibao-1.xlsx")
    assert client_for("county_staff").get(reverse("payroll-bankfile", args=[payroll.pk, "pdf"])).status_code == 404
    assert payroll.total_amount == Decimal("1024.00")
