"""补发 runs with their lines, and the overpayments to recover (a township sees its own; the county starts runs and
resolves overpayments)."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cases.models import User
from cases.permissions import sees_whole_county
from core.months import month_label
from core.views import form_errors_text, id_param, invalid_message, next_url
from payments import permissions as perms
from payments import selectors
from payments.back_pay import back_pay_run, resolve_overpayment
from payments.forms import OverpaymentResolveForm
from payments.models import Overpayment
from payments.views import writes

RUNS_SHOWN = 30
PER_PAGE = 50


def _month_label(month: date | None) -> str:
    return month_label(month) if month else "—"


# 补发 and 多发 ------------------------------------------------------------------------------------------------


def back_pay_list(request: HttpRequest) -> HttpResponse:
    """The latest runs with the lines and overpayments in the user's scope, and the overpayments (filterable by
    status and run)."""
    user: User = request.user  # type: ignore[assignment]
    runs = list(selectors.back_pay_runs(user).order_by("-started_at", "-id")[:RUNS_SHOWN])
    ids = [run.pk for run in runs]
    lines = selectors.totals_by(selectors.back_pay_lines(user).filter(back_pay_run__in=ids), "back_pay_run")
    overs = selectors.totals_by(selectors.overpayments(user).filter(run__in=ids), "run")
    status = request.GET.get("status", Overpayment.Status.OPEN)
    overpayments = selectors.overpayments(user)
    run_pk = id_param(request.GET.get("run"))
    if run_pk is not None:
        overpayments = overpayments.filter(run_id=run_pk)
    counts = selectors.status_counts(overpayments)
    if status in Overpayment.Status.values:
        overpayments = overpayments.filter(status=status)
    return render(
        request,
        "payments/back_pay_list.html",
        {
            "runs": [(run, lines.get(run.pk), overs.get(run.pk)) for run in runs],
            "page": Paginator(overpayments.order_by("-month", "township__code", "id"), PER_PAGE).get_page(
                request.GET.get("page")
            ),
            "status": status,
            "run_pk": run_pk,
            "statuses": [(value, label, counts.get(value, 0)) for value, label in Overpayment.Status.choices],
            "pending_marks": selectors.pending_recompute_count() if sees_whole_county(user) else None,
            "whole_county": sees_whole_county(user),
            "can_start": perms.can_start_back_pay(user),
            "can_resolve": perms.can_resolve_overpayment(user),
            "export_query": urlencode({"status": status, "run": run_pk or ""}),
        },
    )


def back_pay_run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One run: its back-pay lines in the user's scope (each with its payroll) and its overpayment counts."""
    user: User = request.user  # type: ignore[assignment]
    run = selectors.back_pay_runs(user).filter(pk=pk).first()
    if run is None:
        raise Http404("没有这次补发重算。")
    lines = selectors.back_pay_lines(user).filter(back_pay_run=run).select_related("payroll__township")
    summary = lines.aggregate(count=Count("pk"), amount=Sum("amount"))
    overpayments = selectors.status_counts(selectors.overpayments(user).filter(run=run))
    return render(
        request,
        "payments/back_pay_run.html",
        {
            "run": run,
            "months": f"{_month_label(run.from_month)}—{_month_label(run.to_month)}",
            "page": Paginator(lines.order_by("payroll__township__code", "month", "id"), PER_PAGE).get_page(
                request.GET.get("page")
            ),
            "summary": summary,
            "overpayments": [(v, label, overpayments.get(v, 0)) for v, label in Overpayment.Status.choices],
            "county_counts": run.counts if sees_whole_county(user) else None,
            "whole_county": sees_whole_county(user),
        },
    )


@writes
@require_POST
def back_pay_start(request: HttpRequest) -> HttpResponse:
    """Recompute every pending RecomputeMark county-wide (back_pay_run checks who may)."""
    user: User = request.user  # type: ignore[assignment]
    try:
        run = back_pay_run(actor=user)
    except ValidationError as error:
        invalid_message(request, error)
        return redirect("back-pay-list")
    counts = run.counts
    messages.success(
        request,
        f"补发重算 #{run.pk} 已完成：{counts.get('months', 0)} 个月，补发 {counts.get('back_pay_lines', 0)} 笔 "
        f"{counts.get('back_pay_amount', '0.00')} 元，多发 {counts.get('overpayments', 0)} 笔 "
        f"{counts.get('overpaid_amount', '0.00')} 元。补发明细在各乡镇的草稿批次中，核对后提交审批。",
    )
    return redirect("back-pay-run", pk=run.pk)


@writes
@require_POST
def overpayment_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    """待追回 → 已追回 / 已核销 with a note (resolve_overpayment checks who may)."""
    user: User = request.user  # type: ignore[assignment]
    overpayment = selectors.get_overpayment(user, pk)
    back = next_url(request, reverse("back-pay-list"))
    perms.ensure_resolve_overpayment(user, overpayment)
    form = OverpaymentResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_text(form))
        return redirect(back)
    try:
        done = resolve_overpayment(
            actor=user, overpayment=overpayment, status=form.cleaned_data["status"], note=form.cleaned_data["note"]
        )
    except ValidationError as error:
        invalid_message(request, error)
        return redirect(back)
    messages.success(
        request, f"{done.name} {_month_label(done.month)} 多发 {done.amount} 元：{done.get_status_display()}。"
    )
    return redirect(back)
