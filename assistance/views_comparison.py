"""信息比对 (policy.md §11): the month's flags per township with counts per code, resolved with a note by the
township; the county sees every township and starts a comparison run (followed on the job pages)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from assistance import comparison, jobs
from assistance.models import ComparisonFlag, JobRun
from cases import selectors as case_selectors
from cases.models import RollImport, Township, User
from cases.services import TransitionNotAllowed
from cases.views.common import error_messages, month_param, refuse


def _can_start(user: User) -> bool:
    return user.role in ("county_staff", "county_admin")


def comparison_list(request: HttpRequest) -> HttpResponse:
    month = month_param(request.GET.get("month"))
    townships = case_selectors.visible_townships(request.user).order_by("code")
    township = None
    if request.GET.get("township"):
        try:
            township = townships.filter(pk=int(request.GET["township"])).first()
        except ValueError:
            township = None
        if township is None:
            raise Http404("没有该乡镇")
    elif not request.user.is_county_level:
        township = townships.first()
    flags = comparison.flags_for(request.user, month=month, township_id=township.pk if township else None)
    counts = comparison.code_counts(flags)
    code, status = request.GET.get("code", ""), request.GET.get("status", "")
    if code:
        flags = flags.filter(code=code)
    if status:
        flags = flags.filter(status=status)
    today = timezone.localdate()
    cutoff = comparison.overdue_cutoff(today)
    last_run = JobRun.objects.filter(kind=JobRun.Kind.COMPARISON, parent__isnull=True).order_by("-created_at").first()
    last_import = RollImport.objects.filter(is_current=True).order_by("-imported_at").first()
    stale = bool(last_import and (last_run is None or last_import.imported_at > last_run.created_at))
    query = {"month": f"{month:%Y-%m}", "township": township.pk if township else ""}
    return render(
        request,
        "assistance/comparison_list.html",
        {
            "month": month,
            "month_text": f"{month:%Y-%m}",
            "township": township,
            "townships": townships,
            "page": Paginator(flags, 50).get_page(request.GET.get("page")),
            "counts": [(value, label, counts.get(value)) for value, label in ComparisonFlag.Code.choices],
            "codes": ComparisonFlag.Code.choices,
            "code": code,
            "status": status,
            "cutoff": cutoff,
            "max_days": comparison.max_open_days(today),
            "overdue_count": flags.filter(status="open", opened_at__lt=cutoff).count(),
            "full_identity": case_selectors.can_see_full_identity(request.user),
            "can_write": not request.user.is_read_only,
            "can_start": _can_start(request.user),
            "last_run": last_run if request.user.is_county_level else None,
            "last_import": last_import if request.user.is_county_level else None,
            "stale": stale and request.user.is_county_level,
            "base_query": "&".join(f"{k}={v}" for k, v in query.items()),
        },
    )


@require_POST
def flag_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    flag = case_selectors.get_scoped_or_404(ComparisonFlag.objects.all(), request.user, pk=pk)
    try:
        comparison.resolve_flag(actor=request.user, flag=flag, note=request.POST.get("note", ""))
    except PermissionDenied as error:
        return refuse(request, str(error), 403)
    except TransitionNotAllowed as error:
        return refuse(request, error.message, 409)
    except ValidationError as error:
        messages.error(request, "；".join(m for ms in error_messages(error).values() for m in ms))
    else:
        messages.success(request, "已记录处理情况。")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = f"{reverse('comparison-list')}?month={flag.month:%Y-%m}"
    return redirect(target)


@require_POST
def comparison_run(request: HttpRequest) -> HttpResponse:
    if not _can_start(request.user):
        return refuse(request, "信息比对由县民政局启动。", 403)
    township = None
    if request.POST.get("township"):
        township = Township.objects.filter(pk=request.POST["township"]).first()
        if township is None:
            raise Http404("没有该乡镇")
    month = month_param(request.POST.get("month"))
    try:
        run = jobs.start_comparison(actor=request.user, month=month, township=township)
    except PermissionDenied as error:
        return refuse(request, str(error), 403)
    messages.success(request, f"已启动{run.month:%Y年%m月}信息比对。")
    return redirect("job-detail", pk=run.pk)
