"""Payroll pages: the month's payrolls per township with totals by benefit; a payroll with its searchable lines and
the workflow actions (generate, submit, return, approve, disburse, reconcile, re-issue); bank files and Excel
exports. Another township's payroll is 404, an auditor's write 403, a step from the wrong state 409."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cases import selectors as case_selectors
from cases.models import Member, Township, User
from cases.services import TransitionNotAllowed, log_sensitive_access
from cases.views.common import id_param, month_param, posted, refusal, refuse
from payments import bankfiles, exports, selectors, services
from payments.models import PaymentLine, Payroll, PayrollBenefit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LINES_PER_PAGE = 50


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# The month ------------------------------------------------------------------------------------------------


def payroll_list(request: HttpRequest) -> HttpResponse:
    month = month_param(request.GET.get("month"))
    user: User = request.user  # type: ignore[assignment]
    return render(
        request,
        "payments/payroll_list.html",
        {
            "month": month,
            "overview": selectors.month_overview(user, month),
            "generated_benefits": [(b, PayrollBenefit(b).label) for b in services.GENERATED_BENEFITS],
            "townships": case_selectors.visible_townships(user).order_by("code"),
            "can_generate": not user.is_read_only,
        },
    )


def month_export(request: HttpRequest) -> HttpResponse:
    month = month_param(request.GET.get("month"))
    content = exports.month_workbook(selectors.month_overview(request.user, month))  # type: ignore[arg-type]
    return _download(content, f"payrolls-{month:%Y%m}.xlsx", XLSX)


@require_POST
def payroll_generate(request: HttpRequest) -> HttpResponse:
    """Generate (or regenerate) one benefit's payroll, or every benefit's (``benefit`` empty) for the month."""
    user: User = request.user  # type: ignore[assignment]
    month = month_param(request.POST.get("month"))
    back = redirect(f"{reverse('payroll-list')}?month={month:%Y-%m}")
    township_pk = id_param(str(request.POST.get("township") or user.township_id or ""))
    if township_pk is None:
        messages.error(request, "请选择乡镇（街道）。")
        return back
    township = case_selectors.get_scoped_or_404(Township.objects.all(), user, "pk", pk=township_pk)
    benefit = request.POST.get("benefit", "")
    try:
        if benefit:
            payroll = services.generate_payroll(actor=user, township=township, month=month, benefit=benefit)
        else:
            outcomes = services.generate_month(actor=user, township=township, month=month)
    except (PermissionDenied, TransitionNotAllowed, ValidationError) as error:
        return refusal(request, error) or back
    if benefit:
        messages.success(request, f"已生成{payroll}：{payroll.line_count} 条，合计 {payroll.total_amount} 元。")
        return redirect("payroll-detail", pk=payroll.pk)
    done = [o for o in outcomes if not o.refusal]
    messages.success(request, f"已生成 {township.name} {services.month_label(month)} 的 {len(done)} 本工资册。")
    for outcome in outcomes:
        if outcome.refusal:
            messages.warning(request, f"{PayrollBenefit(outcome.benefit).label}：{outcome.refusal}")
    return back


# One payroll ----------------------------------------------------------------------------------------------


def payroll_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    payroll = selectors.get_payroll(user, pk)
    query = request.GET.get("q", "")
    lines = selectors.lines(user, payroll, query, request.GET.get("status", ""), request.GET.get("kind", ""))
    context: dict[str, Any] = {
        "payroll": payroll,
        "page": Paginator(lines, LINES_PER_PAGE).get_page(request.GET.get("page")),
        "q": query,
        "status": request.GET.get("status", ""),
        "kind": request.GET.get("kind", ""),
        "statuses": [*PaymentLine.Status.choices, ("problem", "不能发放")],
        "kinds": PaymentLine.Kind.choices,
        "full_identity": case_selectors.can_see_full_identity(user),
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "payments/_lines.html", context)
    is_county = user.role in User.COUNTY_ROLES
    own_township = user.role in User.TOWNSHIP_ROLES and user.township_id == payroll.township_id
    context.update(
        {
            "summary": selectors.line_summary(payroll),
            "batches": selectors.month_payrolls(payroll),
            "reissuable": selectors.reissuable_count(payroll),
            "can_regenerate": not user.is_read_only and payroll.status == Payroll.Status.DRAFT,
            "can_submit": own_township and payroll.status == Payroll.Status.DRAFT,
            "can_approve": is_county and payroll.status == Payroll.Status.SUBMITTED,
            "can_disburse": is_county and payroll.status == Payroll.Status.APPROVED,
            "can_reconcile": is_county and payroll.status == Payroll.Status.DISBURSED,
            "can_reissue": not user.is_read_only,
            "bank_file_ready": payroll.status in (Payroll.Status.DISBURSED, Payroll.Status.RECONCILED),
        }
    )
    return render(request, "payments/payroll_detail.html", context)


def _act(request: HttpRequest, pk: int, action: Callable[[User, Payroll], str]) -> HttpResponse:
    """Run one workflow step on the payroll; back to its page with the outcome."""
    user: User = request.user  # type: ignore[assignment]
    payroll = selectors.get_payroll(user, pk)
    try:
        done = action(user, payroll)
    except (PermissionDenied, TransitionNotAllowed, ValidationError) as error:
        if response := refusal(request, error):
            return response
    else:
        messages.success(request, done)
    return redirect("payroll-detail", pk=payroll.pk)


@require_POST
def payroll_regenerate(request: HttpRequest, pk: int) -> HttpResponse:
    def regenerate(user: User, payroll: Payroll) -> str:
        if payroll.batch == 1:
            payroll = services.generate_payroll(
                actor=user, township=payroll.township, month=payroll.month, benefit=payroll.benefit
            )
            return f"已重新生成：{payroll.line_count} 条，合计 {payroll.total_amount} 元。"
        changed = services.refresh_payees(actor=user, payroll=payroll)
        return f"已更新收款信息：{changed} 条明细有变化。"

    return _act(request, pk, regenerate)


@require_POST
def payroll_submit(request: HttpRequest, pk: int) -> HttpResponse:
    def submit(user: User, payroll: Payroll) -> str:
        services.submit_payroll(actor=user, payroll=payroll)
        return "工资册已提交县民政局审批。"

    return _act(request, pk, submit)


@require_POST
def payroll_return(request: HttpRequest, pk: int) -> HttpResponse:
    def send_back(user: User, payroll: Payroll) -> str:
        services.return_payroll(actor=user, payroll=payroll, reason=request.POST.get("reason", ""))
        return "已退回乡镇（街道）。"

    return _act(request, pk, send_back)


@require_POST
def payroll_approve(request: HttpRequest, pk: int) -> HttpResponse:
    def approve(user: User, payroll: Payroll) -> str:
        services.approve_payroll(actor=user, payroll=payroll)
        return "工资册已审批通过。"

    return _act(request, pk, approve)


@require_POST
def payroll_disburse(request: HttpRequest, pk: int) -> HttpResponse:
    def disburse(user: User, payroll: Payroll) -> str:
        services.disburse_payroll(actor=user, payroll=payroll)
        return "已确认发放。请下载银行文件报送代发银行，收到银行回盘后导入对账结果。"

    return _act(request, pk, disburse)


@require_POST
def payroll_reissue(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    payroll = selectors.get_payroll(user, pk)
    try:
        batch = services.reissue_failed(
            actor=user, township=payroll.township, month=payroll.month, benefit=payroll.benefit
        )
    except (PermissionDenied, TransitionNotAllowed, ValidationError) as error:
        return refusal(request, error) or redirect("payroll-detail", pk=payroll.pk)
    messages.success(request, f"已生成{batch}：{batch.line_count} 条失败重发明细。核对账户后提交审批。")
    return redirect("payroll-detail", pk=batch.pk)


# Files ----------------------------------------------------------------------------------------------------


def _log_export(user: User, payroll: Payroll, what: str) -> None:
    members = Member.objects.filter(pk__in=payroll.lines.exclude(member=None).values("member_id"))
    log_sensitive_access(actor=user, members=members, action="export", what=f"{payroll.township.name}{payroll}{what}")


def payroll_bankfile(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The bank file (csv or xlsx) of a disbursed payroll: full IDs and accounts, so only for users who may see
    them."""
    user: User = request.user  # type: ignore[assignment]
    payroll = selectors.get_payroll(user, pk)
    if fmt not in ("csv", "xlsx"):
        raise Http404("未知的文件格式")
    if not case_selectors.can_see_full_identity(user):
        return refuse(request, "银行文件含完整身份证号和银行账号，审计用户须经县民政局授权后才能下载。", 403)
    if payroll.status not in (Payroll.Status.DISBURSED, Payroll.Status.RECONCILED):
        return refuse(request, "工资册确认发放后才能下载银行文件。", 409)
    rows = bankfiles.bank_rows(payroll)
    _log_export(user, payroll, "银行文件下载")
    if fmt == "csv":
        return _download(bankfiles.bank_csv(payroll, rows), bankfiles.filename(payroll, "csv"), "text/csv")
    return _download(bankfiles.bank_xlsx(payroll, rows), bankfiles.filename(payroll, "xlsx"), XLSX)


def payroll_export(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    payroll = selectors.get_payroll(user, pk)
    lines = selectors.lines(user, payroll)
    _log_export(user, payroll, "导出")
    content = exports.payroll_workbook(
        payroll=payroll, lines=lines.iterator(chunk_size=2000), full_identity=case_selectors.can_see_full_identity(user)
    )
    return _download(content, f"payroll-{bankfiles.filename(payroll, 'xlsx')}", XLSX)


class ResultFileForm(forms.Form):
    file = forms.FileField(
        label="银行回盘文件",
        help_text="Excel（.xlsx、.xls）或 CSV（UTF-8 或 GB18030 编码），不超过 20 MB。",
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx,.xls,.csv"}),
    )


def payroll_reconcile(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload the bank's result file: a report of row errors (nothing applied) or the lines settled."""
    user: User = request.user  # type: ignore[assignment]
    payroll = selectors.get_payroll(user, pk)
    if user.is_read_only:
        return refuse(request, "审计用户只能查看，不能修改。", 403)
    if user.role not in User.COUNTY_ROLES:
        return refuse(request, "银行回盘由县民政局导入对账。", 403)
    data, files = posted(request)
    form = ResultFileForm(data, files)
    report = None
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = services.reconcile_payroll(
                actor=user, payroll=payroll, file_bytes=upload.read(), filename=upload.name
            )
        except (PermissionDenied, TransitionNotAllowed, ValidationError) as error:
            if response := refusal(request, error):
                return response
        payroll.refresh_from_db()
    elif request.method == "GET" and payroll.status != Payroll.Status.DISBURSED:
        return refuse(request, f"工资册当前为“{payroll.get_status_display()}”，发放后才能导入银行结果。", 409)
    return render(
        request,
        "payments/payroll_reconcile.html",
        {"payroll": payroll, "form": form, "report": report, "columns": bankfiles.RESULT_COLUMNS},
    )


def bank_layout(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "payments/bank_layout.html",
        {"header": bankfiles.HEADER, "columns": bankfiles.RESULT_COLUMNS},
    )
