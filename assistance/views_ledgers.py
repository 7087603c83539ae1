"""Monthly ledgers and job runs: the township works its entries and submits the month; the county starts the
screening, follows its progress, and accepts or returns the ledgers."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from assistance import jobs, ledgers
from assistance.exports import ledger_workbook
from assistance.models import JobRun, LedgerEntry, MonthlyLedger
from cases import selectors as case_selectors
from cases.models import Township
from cases.services import TransitionNotAllowed, log_sensitive_access
from cases.views.common import month_param, next_url, refusal, refuse


def ledger_list(request: HttpRequest) -> HttpResponse:
    month = month_param(request.GET.get("month"))
    rows = {ledger.township_id: ledger for ledger in ledgers.ledgers(request.user, month)}
    townships = case_selectors.visible_townships(request.user)
    return render(
        request,
        "assistance/ledger_list.html",
        {"month": month, "rows": [(t, rows.get(t.pk)) for t in townships]},
    )


def ledger_detail(request: HttpRequest, township_pk: int, month: str) -> HttpResponse:
    township = case_selectors.get_scoped_or_404(Township.objects.all(), request.user, "pk", pk=township_pk)
    first = month_param(month)
    kind = request.GET.get("ledger", "screening")
    if kind not in ledgers.LEDGERS:
        raise Http404("未知的台账")
    entries = ledgers.entries(request.user, township.pk, first, kind)
    if category := request.GET.get("category"):
        entries = entries.filter(category=category)
    if status := request.GET.get("status"):
        entries = entries.filter(status=status)
    ledger = MonthlyLedger.objects.filter(township=township, month=first).first()
    return render(
        request,
        "assistance/ledger_detail.html",
        {
            "township": township,
            "month": first,
            "month_text": f"{first:%Y-%m}",
            "kind": kind,
            "kinds": [(key, label) for key, (label, _) in ledgers.LEDGERS.items()],
            "ledger": ledger,
            "page": Paginator(entries, 50).get_page(request.GET.get("page")),
            "counts": ledgers.category_counts(township.pk, first),
            "categories": LedgerEntry.Category.choices,
            "full_identity": case_selectors.can_see_full_identity(request.user),
            "can_write": not request.user.is_read_only and not (ledger and ledger.locked),
        },
    )


def ledger_export(request: HttpRequest, township_pk: int, month: str) -> HttpResponse:
    township = case_selectors.get_scoped_or_404(Township.objects.all(), request.user, "pk", pk=township_pk)
    first = month_param(month)
    kind = request.GET.get("ledger", "screening")
    if kind not in ledgers.LEDGERS:
        raise Http404("未知的台账")
    label = ledgers.LEDGERS[kind][0]
    entries = list(ledgers.entries(request.user, township.pk, first, kind).select_related("household__village"))
    log_sensitive_access(
        actor=request.user,
        members=[e.member for e in entries if e.member],
        action="export",
        what=f"{township.name}{first:%Y年%m月}{label}导出",
    )
    content = ledger_workbook(
        title=f"{township.name}{first:%Y年%m月}{label}",
        entries=entries,
        full_identity=case_selectors.can_see_full_identity(request.user),
    )
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    filename = f"{township.code}-{first:%Y%m}-{kind}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
def entry_handle(request: HttpRequest, pk: int) -> HttpResponse:
    entry = case_selectors.get_scoped_or_404(LedgerEntry.objects.all(), request.user, pk=pk)
    try:
        ledgers.handle_entry(actor=request.user, entry=entry, note=request.POST.get("note", ""))
    except (PermissionDenied, TransitionNotAllowed, ValidationError) as error:
        if response := refusal(request, error):
            return response
    else:
        messages.success(request, "已记录处理情况。")
    return redirect(next_url(request, f"/policy/ledgers/{entry.township_id}/{entry.month:%Y-%m}/"))


@require_POST
def ledger_submit(request: HttpRequest, township_pk: int, month: str) -> HttpResponse:
    township = case_selectors.get_scoped_or_404(Township.objects.all(), request.user, "pk", pk=township_pk)
    try:
        ledgers.submit_ledger(actor=request.user, township_id=township.pk, month=month_param(month))
    except (PermissionDenied, TransitionNotAllowed, ValidationError) as error:
        if response := refusal(request, error):
            return response
    else:
        messages.success(request, "台账已上报县民政局。")
    return redirect("ledger-detail", township_pk=township.pk, month=month)


@require_POST
def ledger_review(request: HttpRequest, township_pk: int, month: str) -> HttpResponse:
    township = case_selectors.get_scoped_or_404(Township.objects.all(), request.user, "pk", pk=township_pk)
    ledger = MonthlyLedger.objects.filter(township=township, month=month_param(month)).first()
    if ledger is None:
        raise Http404("该月没有台账")
    try:
        ledgers.review_ledger(
            actor=request.user,
            ledger=ledger,
            accept=request.POST.get("decision") == "accept",
            note=request.POST.get("note", ""),
        )
    except (PermissionDenied, TransitionNotAllowed, ValidationError) as error:
        if response := refusal(request, error):
            return response
    else:
        messages.success(request, "验收意见已记录。")
    return redirect("ledger-detail", township_pk=township.pk, month=month)


def job_list(request: HttpRequest) -> HttpResponse:
    """Runs of the monthly jobs, with progress; county staff start a run here."""
    if not request.user.is_county_level:
        return refuse(request, "任务运行记录由县民政局查看。", 403)
    if request.method == "POST":
        township = None
        if request.POST.get("township"):
            township = Township.objects.filter(pk=request.POST["township"]).first()
        try:
            run = jobs.start_screening(
                actor=request.user, month=month_param(request.POST.get("month")), township=township
            )
        except PermissionDenied as error:
            return refuse(request, str(error), 403)
        messages.success(request, f"已启动{run.month:%Y年%m月}摸排。")
        return redirect("job-list")
    runs = JobRun.objects.filter(parent__isnull=True).select_related("township", "created_by")
    rows = [(run, *jobs.progress(run)) for run in runs[:30]]
    template = "assistance/_job_rows.html" if request.htmx else "assistance/job_list.html"
    return render(
        request,
        template,
        {
            "rows": rows,
            "running": any(run.status in ("queued", "running") for run, _, _ in rows),
            "townships": Township.objects.order_by("code"),
            "month": timezone.localdate().strftime("%Y-%m"),
            "can_start": request.user.role in ("county_staff", "county_admin"),
        },
    )


def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_county_level:
        return refuse(request, "任务运行记录由县民政局查看。", 403)
    run = JobRun.objects.filter(pk=pk).select_related("township").first()
    if run is None:
        raise Http404("没有该运行记录")
    if request.method == "POST":
        try:
            retry = jobs.retry_failed_comparison if run.kind == JobRun.Kind.COMPARISON else jobs.retry_failed
            count = retry(actor=request.user, run=run)
        except PermissionDenied as error:
            return refuse(request, str(error), 403)
        messages.success(request, f"已重新排队 {count} 个失败的乡镇。")
        return redirect("job-detail", pk=run.pk)
    children = run.children.select_related("township").order_by("township__code")
    return render(
        request,
        "assistance/job_detail.html",
        {"run": run, "children": children, "progress": jobs.progress(run)},
    )
