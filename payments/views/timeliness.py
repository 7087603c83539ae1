"""The monthly timeliness report (按月足额发放) and the county's re-run of the check."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from cases.models import User
from cases.permissions import sees_whole_county
from cases.selectors import visible_townships
from core.months import month_label, previous_month, this_month
from core.views import id_param, month_param, next_url
from payments import permissions as perms
from payments import selectors
from payments.models import TimelinessResult
from payments.selectors import OVERVIEW_BENEFITS
from payments.timeliness import check_timeliness
from payments.views import writes


def _month_label(month: date | None) -> str:
    return month_label(month) if month else "—"


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
    counts = selectors.status_counts(results)
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
    results = check_timeliness(actor=user, month=month)
    late = sum(1 for r in results if r.status in (TimelinessResult.Status.LATE, TimelinessResult.Status.MISSING))
    messages.success(request, f"已检查{_month_label(month)}：{len(results)} 项，逾期或未发放 {late} 项。")
    return back
