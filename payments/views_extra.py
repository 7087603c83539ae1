"""The payments pages beyond the payrolls (policy.md §8, §14): the price-subsidy months, back-pay runs with their
lines and the overpayments to recover, and the monthly timeliness report.

Everyone logged in reads them within their scope (a township sees its own lines, overpayments and results; another
township's objects are 404). Writes follow the services: the county records the price subsidy, starts back-pay runs,
resolves overpayments and re-runs the timeliness check; an auditor's write is 403."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Max, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from cases.models import User
from cases.permissions import sees_whole_county
from cases.selectors import visible_townships
from core.months import month_label, previous_month, this_month
from core.parameters import parameter
from core.views import apply_errors, form_errors_text, id_param, invalid_message, month_param, next_url, posted
from payments import permissions as perms
from payments import selectors
from payments.back_pay import back_pay_run, resolve_overpayment
from payments.forms import OverpaymentResolveForm, PriceSubsidyMonthForm
from payments.models import Overpayment, TimelinessResult
from payments.price_subsidy import record_price_subsidy_month
from payments.selectors import OVERVIEW_BENEFITS
from payments.timeliness import check_timeliness
from payments.views import writes

RUNS_SHOWN = 30
PER_PAGE = 50


def _percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{(value * 100).normalize():f}%"


def _month_label(month: date | None) -> str:
    return month_label(month) if month else "—"


# 价格临时补贴 ------------------------------------------------------------------------------------------------


def price_subsidy_list(request: HttpRequest) -> HttpResponse:
    """The recorded months; for the county a form to record (or correct) a month."""
    user: User = request.user  # type: ignore[assignment]
    can_record = perms.can_record_price_subsidy(user)
    if request.method == "POST":
        perms.ensure_record_price_subsidy(user)
    initial: dict[str, object] = {}
    if can_record and request.method == "GET" and request.GET.get("month"):
        record = selectors.price_subsidy_month(month_param(request.GET["month"]))
        if record is not None:  # correct a recorded month: the form filled with its values
            initial = {
                "month": record.month,
                "cpi_index": record.cpi_index,
                "cpi_rise": record.cpi_rise * 100,
                "food_rise": record.food_rise * 100,
                "urban_amount": record.urban_amount,
                "rural_amount": record.rural_amount,
                "multiplier": record.multiplier,
                "note": record.note,
            }
    data, _ = posted(request)
    form = PriceSubsidyMonthForm(data, initial=initial)
    if data is not None and form.is_valid():
        try:
            record = record_price_subsidy_month(actor=user, **form.service_values())  # type: ignore[arg-type]
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"已录入{record.month.year}年{record.month.month}月价格临时补贴：城市 {record.urban_amount} 元、"
                f"农村 {record.rural_amount} 元，×{record.multiplier}。",
            )
            return redirect("price-subsidy-list")
    months = Paginator(selectors.price_subsidy_months(), PER_PAGE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    return render(
        request,
        "payments/price_subsidy_list.html",
        {
            "page": months,
            "rows": [(record, _percent(record.cpi_rise), _percent(record.food_rise)) for record in months],
            "form": form if can_record else None,
            "cpi_trigger": _percent(parameter("price_subsidy.cpi_trigger", today)),
            "food_trigger": _percent(parameter("price_subsidy.food_trigger", today)),
        },
    )


# 补发 and 多发 ------------------------------------------------------------------------------------------------


def back_pay_list(request: HttpRequest) -> HttpResponse:
    """The latest runs with the lines and overpayments in the user's scope, and the overpayments (filterable by
    status and run)."""
    user: User = request.user  # type: ignore[assignment]
    runs = list(selectors.back_pay_runs(user).order_by("-started_at", "-id")[:RUNS_SHOWN])
    ids = [run.pk for run in runs]
    lines = {
        row["back_pay_run"]: row
        for row in selectors.back_pay_lines(user)
        .filter(back_pay_run__in=ids)
        .order_by()
        .values("back_pay_run")
        .annotate(count=Count("pk"), amount=Sum("amount"))
    }
    overs = {
        row["run"]: row
        for row in selectors.overpayments(user)
        .filter(run__in=ids)
        .order_by()
        .values("run")
        .annotate(count=Count("pk"), amount=Sum("amount"))
    }
    status = request.GET.get("status", Overpayment.Status.OPEN)
    overpayments = selectors.overpayments(user)
    run_pk = id_param(request.GET.get("run"))
    if run_pk is not None:
        overpayments = overpayments.filter(run_id=run_pk)
    counts = dict(overpayments.order_by().values_list("status").annotate(n=Count("pk")))
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
    overpayments = dict(
        selectors.overpayments(user).filter(run=run).order_by().values_list("status").annotate(n=Count("pk"))
    )
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


# 按月按时发放 -------------------------------------------------------------------------------------------------

STATUS_CLASS: dict[str, str] = {
    TimelinessResult.Status.ON_TIME: "text-bg-success",
    TimelinessResult.Status.LATE: "text-bg-warning",
    TimelinessResult.Status.MISSING: "text-bg-danger",
    TimelinessResult.Status.NOT_DUE: "text-bg-secondary",
}


def timeliness_report(request: HttpRequest) -> HttpResponse:
    """Per visible township × benefit: the month's result (default: the previous month, as the monthly check)."""
    user: User = request.user  # type: ignore[assignment]
    month = month_param(request.GET.get("month")) if request.GET.get("month") else previous_month(this_month())
    townships = visible_townships(user).order_by("code")
    township_pk = request.GET.get("township", "")
    if township_pk:
        chosen = selectors.get_township(user, id_param(township_pk))
        townships = townships.filter(pk=chosen.pk)
    results = selectors.timeliness_results(user, month, townships)
    found = {(r.township_id, r.benefit): r for r in results.select_related("payroll")}
    for result in found.values():
        result.css = STATUS_CLASS.get(result.status, "text-bg-light")  # type: ignore[attr-defined]
    counts = dict(results.order_by().values_list("status").annotate(n=Count("pk")))
    totals = results.aggregate(lumps=Sum("lump_count"), checked=Max("checked_at"))
    return render(
        request,
        "payments/timeliness_report.html",
        {
            "month": month,
            "benefits": [(b.value, str(b.label)) for b in OVERVIEW_BENEFITS],
            "rows": [  # townships with someone to pay (or a payroll) in the month
                (t, [found.get((t.pk, b)) for b in OVERVIEW_BENEFITS])
                for t in townships
                if any(township_id == t.pk for township_id, _ in found)
            ],
            "checked": bool(found),
            "checked_at": totals["checked"],
            "lumps": totals["lumps"] or 0,
            "statuses": [(v, label, counts.get(v, 0), STATUS_CLASS[v]) for v, label in TimelinessResult.Status.choices],
            "township_pk": township_pk,
            "all_townships": visible_townships(user).order_by("code") if sees_whole_county(user) else None,
            "can_check": perms.can_check_timeliness(user),
            "export_query": urlencode({"month": f"{month:%Y-%m}", "township": township_pk}),
        },
    )


@writes
@require_POST
def timeliness_check(request: HttpRequest) -> HttpResponse:
    """Re-run the month's check (the results are replaced), by the county."""
    user: User = request.user  # type: ignore[assignment]
    perms.ensure_check_timeliness(user)
    month = month_param(request.POST.get("month"))
    back = redirect(next_url(request, f"{reverse('timeliness-report')}?month={month:%Y-%m}"))
    if month > timezone.localdate():
        messages.error(request, "不能检查尚未开始的月份。")
        return back
    results = check_timeliness(month, actor=user)
    late = sum(1 for r in results if r.status in (TimelinessResult.Status.LATE, TimelinessResult.Status.MISSING))
    messages.success(request, f"已检查{_month_label(month)}：{len(results)} 项，逾期或未发放 {late} 项。")
    return back
