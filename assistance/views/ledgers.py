"""Monthly ledgers and job runs: the township works its entries and submits the month; the county starts the
screening, follows its progress, and accepts or returns the ledgers."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from assistance import changes, jobs, ledgers, permissions, selectors
from assistance.forms import EntryHandleForm, JobStartForm, LedgerFilterForm, LedgerReviewForm
from assistance.models import AmountChange, JobRun, LedgerEntry
from cases import selectors as case_selectors
from cases.permissions import can_see_full_identity
from core import export_views
from core.views import form_errors_message, invalid_message, month_param, next_url, refuse, refused_unless, submit


def ledger_list(request: HttpRequest) -> HttpResponse:
    month = month_param(request.GET.get("month"))
    rows = {ledger.township_id: ledger for ledger in ledgers.ledgers(request.user, month)}
    townships = case_selectors.visible_townships(request.user)
    return render(
        request,
        "assistance/ledger_list.html",
        {
            "month": month,
            "rows": [(t, rows.get(t.pk)) for t in townships],
            "can_view_job_runs": permissions.can_view_job_runs(request.user),
        },
    )


def ledger_detail(request: HttpRequest, township_pk: int, month: str) -> HttpResponse:
    township = selectors.township_or_404(request.user, township_pk)
    first = month_param(month)
    kind = request.GET.get("ledger", "screening")
    if kind not in ledgers.LEDGERS:
        raise Http404("未知的台账")
    entries = ledgers.entries(request.user, township.pk, first, kind)
    filters = LedgerFilterForm(request.GET)
    filters.is_valid()
    if category := filters.cleaned_data.get("category"):
        entries = entries.filter(category=category)
    if status := filters.cleaned_data.get("status"):
        entries = entries.filter(status=status)
    ledger = selectors.monthly_ledger(township, first)
    user = request.user
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
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
            "page": page,
            "open_changes": _open_changes(user, township.pk, list(page)),
            "member_names": selectors.member_names({e.household_id for e in page}),
            "counts": ledgers.category_counts(township.pk, first),
            "categories": LedgerEntry.Category.choices,
            "full_identity": can_see_full_identity(user),
            "can_handle": permissions.can_handle_ledger_entry(user, township, ledger=ledger),
            "can_submit": ledger is not None and permissions.can_submit_ledger(user, ledger),
            "can_review": ledger is not None and permissions.can_review_ledger(user, ledger),
        },
    )


def _open_changes(user: Any, township_id: int, entries: list[LedgerEntry]) -> dict[int, AmountChange]:
    """The open 待遇调整 answering each 金额变化 / 进入渐退期 entry of the page (its household's, of the same person),
    by entry: such an entry is answered there, not with a note (``ledgers.handle_entry``)."""
    reviewed = [e for e in entries if e.category in ledgers.REVIEWED_CATEGORIES and e.status == LedgerEntry.Status.OPEN]
    if not reviewed:
        return {}
    found = changes.changes(user, township_id=township_id).filter(
        status__in=AmountChange.OPEN_STATUSES, household_id__in={e.household_id for e in reviewed}
    )
    by_person = {(c.household_id, c.member_id): c for c in found}
    return {e.pk: by_person[key] for e in reviewed if (key := (e.household_id, e.member_id)) in by_person}


def ledger_export(request: HttpRequest, township_pk: int, month: str) -> HttpResponse:
    """The ledger's Excel, through the export centre (kind ``ledger``): scoped, masked, logged."""
    params = {"township": str(township_pk), "month": month, "ledger": request.GET.get("ledger", "screening")}
    return export_views.respond(request, "ledger", params)


def _ledger_page(township_id: int, month: str) -> str:
    return reverse("ledger-detail", args=[township_id, month])


@refused_unless(permissions.ensure_handle_ledger_entry)
@require_POST
def entry_handle(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.ledger_entry_or_404(request.user, pk)

    def handle(data: dict[str, Any]) -> str:
        ledgers.handle_entry(actor=request.user, entry=entry, note=data["note"])
        return "已记录处理情况。"

    submit(request, EntryHandleForm(request.POST), handle)
    return redirect(next_url(request, _ledger_page(entry.township_id, f"{entry.month:%Y-%m}")))


@refused_unless(permissions.ensure_submit_ledger)
@require_POST
def ledger_submit(request: HttpRequest, township_pk: int, month: str) -> HttpResponse:
    township = selectors.township_or_404(request.user, township_pk)
    try:
        ledgers.submit_ledger(actor=request.user, township_id=township.pk, month=month_param(month))
    except ValidationError as error:
        invalid_message(request, error)
    else:
        messages.success(request, "台账已上报县民政局。")
    return redirect(next_url(request, _ledger_page(township.pk, month)))


@refused_unless(permissions.ensure_review_ledger)
@require_POST
def ledger_review(request: HttpRequest, township_pk: int, month: str) -> HttpResponse:
    township = selectors.township_or_404(request.user, township_pk)
    ledger = selectors.monthly_ledger(township, month_param(month))
    if ledger is None:
        raise Http404("该月没有台账")
    form = LedgerReviewForm(request.POST)

    def review(data: dict[str, Any]) -> str:
        ledgers.review_ledger(actor=request.user, ledger=ledger, accept=form.accept, note=data["note"])
        return "验收意见已记录。"

    submit(request, form, review)
    return redirect(next_url(request, _ledger_page(township.pk, month)))


def job_list(request: HttpRequest) -> HttpResponse:
    """Runs of the monthly jobs, with progress; county staff start a run here."""
    if not permissions.can_view_job_runs(request.user):
        return refuse(request, permissions.JOBS_COUNTY_ONLY, 403)
    form = JobStartForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        permissions.ensure_start_job_run(request.user)
        if form.is_valid():
            township = selectors.chosen_township(request.user, form.cleaned_data["township"])
            run = jobs.start_screening(actor=request.user, month=form.cleaned_data["month"], township=township)
            messages.success(request, f"已启动{run.month:%Y年%m月}摸排。")
            return redirect(next_url(request, reverse("job-list")))
        form_errors_message(request, form)  # and the page again, the error on its field
    runs = list(selectors.job_runs()[:30])
    rows = [(run, *jobs.progress(run)) for run in runs]
    template = "assistance/_job_rows.html" if request.htmx else "assistance/job_list.html"
    return render(
        request,
        template,
        {
            "rows": rows,
            "run_counts": selectors.job_counts(runs),
            "running": any(run.status in (JobRun.Status.QUEUED, JobRun.Status.RUNNING) for run, _, _ in rows),
            "townships": selectors.townships_by_code(request.user),
            "month": form["month"].value() if form.is_bound else timezone.localdate().strftime("%Y-%m"),
            "form": form,
            "can_start": permissions.can_start_job_run(request.user),
        },
        status=400 if form.is_bound else 200,
    )


def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if not permissions.can_view_job_runs(request.user):
        return refuse(request, permissions.JOBS_COUNTY_ONLY, 403)
    run = selectors.job_run(pk)
    if run is None:
        raise Http404("没有该运行记录")
    if request.method == "POST":
        count = jobs.retry_failed(actor=request.user, run=run)
        messages.success(request, f"已重新排队 {count} 个失败的乡镇。")
        return redirect(next_url(request, reverse("job-detail", args=[run.pk])))
    children = list(run.children.select_related("township").order_by("township__code"))
    return render(
        request,
        "assistance/job_detail.html",
        {
            "run": run,
            "children": children,
            "progress": jobs.progress(run),
            "counts": selectors.job_count_rows(run.kind, run.counts),
            "child_counts": selectors.job_counts(children),
            "can_retry": permissions.can_retry_job_run(request.user, run),
        },
    )
