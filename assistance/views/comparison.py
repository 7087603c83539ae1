"""信息比对 (policy.md §11): the month's flags per township with counts per code, resolved with a note by the
township; the county sees every township and starts a comparison run (followed on the job pages)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from assistance import comparison, jobs, permissions, selectors
from assistance.forms import ComparisonFilterForm, FlagResolveForm, StartRunForm
from assistance.models import ComparisonFlag
from cases.permissions import can_see_full_identity
from core.views import form_errors_message, month_param, next_url, refused_unless, submit


def comparison_list(request: HttpRequest) -> HttpResponse:
    month = month_param(request.GET.get("month"))
    user = request.user
    townships = selectors.townships_by_code(user)
    choose_township = permissions.can_choose_township(user)
    filters = ComparisonFilterForm(request.GET)
    if not filters.is_valid():
        if "township" in filters.errors:
            raise Http404("没有该乡镇")
        form_errors_message(request, filters)
    data = filters.cleaned_data
    township = None
    if data.get("township") is not None:
        township = townships.filter(pk=data["township"]).first()
        if township is None:
            raise Http404("没有该乡镇")
    elif not choose_township:
        township = townships.first()
    flags = comparison.flags_for(user, month=month, township_id=township.pk if township else None)
    counts = comparison.code_counts(flags)
    code, status = data.get("code", ""), data.get("status", "")
    if code:
        flags = flags.filter(code=code)
    if status:
        flags = flags.filter(status=status)
    today = timezone.localdate()
    cutoff = comparison.overdue_cutoff(today)
    last_run = selectors.last_comparison_run() if choose_township else None
    last_import = selectors.last_roll_import() if choose_township else None
    stale = bool(last_import and (last_run is None or last_import.imported_at > last_run.created_at))
    query = {"month": f"{month:%Y-%m}", "township": township.pk if township else ""}
    return render(
        request,
        "assistance/comparison_list.html",
        {
            "month": month,
            "month_text": f"{month:%Y-%m}",
            "export_query": urlencode({**query, "code": code, "status": status}),
            "township": township,
            "townships": townships,
            "choose_township": choose_township,
            "page": Paginator(flags, 50).get_page(request.GET.get("page")),
            "counts": [(value, label, counts.get(value)) for value, label in ComparisonFlag.Code.choices],
            "codes": ComparisonFlag.Code.choices,
            "code": code,
            "status": status,
            "cutoff": cutoff,
            "max_days": comparison.max_open_days(today),
            "overdue_count": flags.filter(status=ComparisonFlag.Status.OPEN, opened_at__lt=cutoff).count(),
            "full_identity": can_see_full_identity(user),
            "can_resolve": permissions.can_resolve_comparison_flag(user, township),
            "can_start": permissions.can_run_comparison(user),
            "last_run": last_run,
            "last_import": last_import,
            "stale": stale,
            "base_query": "&".join(f"{k}={v}" for k, v in query.items()),
        },
    )


@refused_unless(permissions.ensure_resolve_comparison_flag)
@require_POST
def flag_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    flag = selectors.comparison_flag_or_404(request.user, pk)

    def resolve(data: dict[str, Any]) -> str:
        comparison.resolve_flag(actor=request.user, flag=flag, note=data["note"])
        return "已记录处理情况。"

    submit(request, FlagResolveForm(request.POST), resolve)
    return redirect(next_url(request, f"{reverse('comparison-list')}?month={flag.month:%Y-%m}"))


@refused_unless(permissions.ensure_run_comparison)
@require_POST
def comparison_run(request: HttpRequest) -> HttpResponse:
    form = StartRunForm(request.POST)
    if not form.is_valid():
        form_errors_message(request, form)
        return redirect(next_url(request, reverse("comparison-list")))
    township = selectors.chosen_township(request.user, form.cleaned_data["township"])
    run = jobs.start_comparison(actor=request.user, month=form.cleaned_data["month"], township=township)
    messages.success(request, f"已启动{run.month:%Y年%m月}信息比对。")
    return redirect(next_url(request, reverse("job-detail", args=[run.pk])))
