"""Payroll pages: the month's payrolls per township with totals by benefit; a payroll with its searchable lines and
the workflow actions (generate, submit, return, approve, disburse, reconcile, re-issue); bank files and Excel
exports. Another township's payroll is 404, an auditor's write 403, a step from the wrong state 409."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cases import selectors as case_selectors
from cases.models import User
from cases.permissions import can_see_full_identity, sees_whole_county
from cases.services import log_sensitive_access
from core import export_views
from core.months import month_label
from core.views import (
    form_errors_text,
    id_param,
    invalid_message,
    month_param,
    next_url,
    posted,
    refuse,
)
from payments import bankfiles, planning, selectors, services
from payments import permissions as perms
from payments.forms import GeneratePayrollForm, LineFilterForm, ResultFileForm, ReturnPayrollForm
from payments.models import PaymentLine, Payroll, PayrollBenefit
from payments.views import writes

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
            "generated_benefits": [(b, PayrollBenefit(b).label) for b in planning.GENERATED_BENEFITS],
            "townships": case_selectors.visible_townships(user).order_by("code"),
            "can_generate": perms.can_generate_payroll(user),
            "choose_township": sees_whole_county(user),
        },
    )


def month_export(request: HttpRequest) -> HttpResponse:
    """The month's overview in Excel, through the export centre (kind ``payroll_month``)."""
    month = month_param(request.GET.get("month"))
    return export_views.respond(request, "payroll_month", {"month": f"{month:%Y-%m}"})


@writes
@require_POST
def payroll_generate(request: HttpRequest) -> HttpResponse:
    """Generate (or regenerate) one benefit's payroll, or every benefit's (``benefit`` empty) for the month."""
    user: User = request.user  # type: ignore[assignment]
    form = GeneratePayrollForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return redirect(next_url(request, reverse("payroll-list")))
    month = month_param(form.cleaned_data["month"])
    back = redirect(next_url(request, f"{reverse('payroll-list')}?month={month:%Y-%m}"))
    township_pk = id_param(form.cleaned_data["township"] or str(user.township_id or ""))
    if township_pk is None:
        messages.error(request, "请选择乡镇（街道）。")
        return back
    township = selectors.get_township(user, township_pk)
    benefit = form.cleaned_data["benefit"]
    try:
        if benefit:
            payroll = services.generate_payroll(actor=user, township=township, month=month, benefit=benefit)
        else:
            outcomes = services.generate_month(actor=user, township=township, month=month)
    except ValidationError as error:
        invalid_message(request, error)
        return back
    if benefit:
        messages.success(request, f"已生成{payroll}：{payroll.line_count} 条，合计 {payroll.total_amount} 元。")
        return redirect("payroll-detail", pk=payroll.pk)
    done = [o for o in outcomes if not o.refusal]
    messages.success(request, f"已生成 {township.name} {month_label(month)} 的 {len(done)} 本工资册。")
    for outcome in outcomes:
        if outcome.refusal:
            messages.warning(request, f"{PayrollBenefit(outcome.benefit).label}：{outcome.refusal}")
    return back


# One payroll ----------------------------------------------------------------------------------------------


def payroll_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    payroll = selectors.get_payroll(user, pk)
    filters = LineFilterForm(request.GET)
    if filters.is_valid():
        query, status, kind = (filters.cleaned_data[name] for name in ("q", "status", "kind"))
    else:
        messages.error(request, form_errors_text(filters))
        query = status = kind = ""
    lines = selectors.lines(user, payroll, query, status, kind)
    context: dict[str, Any] = {
        "payroll": payroll,
        "page": Paginator(lines, LINES_PER_PAGE).get_page(request.GET.get("page")),
        "q": query,
        "status": status,
        "kind": kind,
        "statuses": [*PaymentLine.Status.choices, ("problem", "不能发放")],
        "kinds": PaymentLine.Kind.choices,
        "full_identity": can_see_full_identity(user),
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "payments/_lines.html", context)
    reissuable = selectors.reissuable_count(payroll)
    context.update(
        {
            "summary": selectors.line_summary(payroll),
            "batches": selectors.month_payrolls(payroll),
            "reissuable": reissuable,
            "can_regenerate": perms.can_regenerate_payroll(user, payroll),
            "can_submit": perms.can_submit_payroll(user, payroll),
            "can_approve": perms.can_approve_payroll(user, payroll),
            "can_return": perms.can_return_payroll(user, payroll),
            "can_disburse": perms.can_disburse_payroll(user, payroll),
            "can_reconcile": perms.can_reconcile_payroll(user, payroll),
            "can_reissue": bool(reissuable) and perms.can_reissue_failed_lines(user, payroll),
            "can_export": perms.can_export_payroll(user, payroll),
            "bank_file_ready": perms.can_download_bank_file(user, payroll),
        }
    )
    return render(request, "payments/payroll_detail.html", context)


def _act(request: HttpRequest, pk: int, action: Callable[[User, Payroll], str]) -> HttpResponse:
    """Run one workflow step on the payroll; back to its page with the outcome."""
    user: User = request.user  # type: ignore[assignment]
    payroll = selectors.get_payroll(user, pk)
    try:
        done = action(user, payroll)
    except ValidationError as error:
        invalid_message(request, error)
    else:
        messages.success(request, done)
    return redirect(next_url(request, reverse("payroll-detail", args=[payroll.pk])))


@writes
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


@writes
@require_POST
def payroll_return(request: HttpRequest, pk: int) -> HttpResponse:
    def send_back(user: User, payroll: Payroll) -> str:
        form = ReturnPayrollForm(request.POST)
        if not form.is_valid():
            perms.ensure_return_payroll(user, payroll)  # who may, before saying what is wrong with the reason
            raise ValidationError(form_errors_text(form))
        services.return_payroll(actor=user, payroll=payroll, reason=form.cleaned_data["reason"])
        return "已退回乡镇（街道）。"

    return _act(request, pk, send_back)


def _step(service: Callable[..., Payroll], message: str) -> Callable[[HttpRequest, int], HttpResponse]:
    """A workflow step that needs nothing but the payroll: call the service, say ``message``."""

    @writes
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        def take(user: User, payroll: Payroll) -> str:
            service(actor=user, payroll=payroll)
            return message

        return _act(request, pk, take)

    return view


payroll_submit = _step(services.submit_payroll, "工资册已提交县民政局审批。")
payroll_approve = _step(services.approve_payroll, "工资册已审批通过。")
payroll_disburse = _step(
    services.disburse_payroll, "已确认发放。请下载银行文件报送代发银行，收到银行回盘后导入对账结果。"
)


@writes
@require_POST
def payroll_reissue(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    payroll = selectors.get_payroll(user, pk)
    try:
        batch = services.reissue_failed(
            actor=user, township=payroll.township, month=payroll.month, benefit=payroll.benefit
        )
    except ValidationError as error:
        invalid_message(request, error)
        return redirect(next_url(request, reverse("payroll-detail", args=[payroll.pk])))
    messages.success(request, f"已生成{batch}：{batch.line_count} 条失败重发明细。核对账户后提交审批。")
    return redirect("payroll-detail", pk=batch.pk)


# Files ----------------------------------------------------------------------------------------------------


def _log_export(user: User, payroll: Payroll, what: str) -> None:
    members = selectors.payroll_members(payroll)
    log_sensitive_access(actor=user, members=members, action="export", what=f"{payroll.township.name}{payroll}{what}")


def payroll_bankfile(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The bank file (csv or xlsx) of a disbursed payroll: full IDs and accounts, so only for users who may see
    them."""
    user: User = request.user  # type: ignore[assignment]
    payroll = selectors.get_payroll(user, pk)
    if fmt not in ("csv", "xlsx"):
        raise Http404("未知的文件格式")
    perms.ensure_download_bank_file(user, payroll)
    if not perms.can_download_bank_file(user, payroll):
        return refuse(request, "工资册确认发放后才能下载银行文件。", 409)
    rows = bankfiles.bank_rows(payroll)
    _log_export(user, payroll, "银行文件下载")
    if fmt == "csv":
        return _download(bankfiles.bank_csv(payroll, rows), bankfiles.filename(payroll, "csv"), "text/csv")
    return _download(bankfiles.bank_xlsx(payroll, rows), bankfiles.filename(payroll, "xlsx"), XLSX)


def payroll_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The payroll's lines in Excel, through the export centre (kind ``payroll``): scoped, masked, logged."""
    return export_views.respond(request, "payroll", {"payroll": str(pk)})


@writes
def payroll_reconcile(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload the bank's result file: a report of row errors (nothing applied) or the lines settled."""
    user: User = request.user  # type: ignore[assignment]
    payroll = selectors.get_payroll(user, pk)
    perms.ensure_reconcile_payroll(user, payroll)
    data, files = posted(request)
    form = ResultFileForm(data, files)
    report = None
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = services.reconcile_payroll(
                actor=user, payroll=payroll, file_bytes=upload.read(), filename=upload.name
            )
        except ValidationError as error:
            invalid_message(request, error)
        payroll.refresh_from_db()
    elif request.method == "GET" and not perms.can_reconcile_payroll(user, payroll):
        return refuse(request, f"工资册当前为“{payroll.get_status_display()}”，发放后才能导入银行结果。", 409)
    return render(
        request,
        "payments/payroll_reconcile.html",
        {
            "payroll": payroll,
            "form": form,
            "report": report,
            "columns": bankfiles.RESULT_COLUMNS,
            "can_upload": perms.can_reconcile_payroll(user, payroll),
        },
    )


def bank_layout(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "payments/bank_layout.html",
        {"header": bankfiles.HEADER, "columns": bankfiles.RESULT_COLUMNS},
    )
