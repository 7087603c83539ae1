"""Policy-parameter pages (policy.md §0): everyone signed in may read the values in force; county admins add
versions and confirm proposed ones; county users follow the months marked for recomputation."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from assistance import selectors, services
from assistance.forms import ConfirmVersionForm, ParameterFilterForm, ParameterVersionForm
from assistance.models import PolicyParameter, RecomputeMark
from cases.views.common import apply_errors, posted, refuse

# Pages ---------------------------------------------------------------------------------------------------------


def parameter_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = ParameterFilterForm(request.GET or None)
    query, on = "", today
    if form.is_valid():
        query, on = form.cleaned_data["q"].strip(), form.cleaned_data["on"] or today
    context = {
        "form": form,
        "rows": selectors.parameter_overview(on, query),
        "on": on,
        "today": today,
        "q": query,
        "can_see_marks": selectors.can_see_recompute_marks(request.user),
    }
    return render(request, "assistance/parameter_list.html", context)


def parameter_detail(request: HttpRequest, key: str) -> HttpResponse:
    versions = list(selectors.parameter_history(key).select_related("created_by"))
    if not versions:
        raise Http404("未知参数")
    can_edit = services.can_edit_parameters(request.user)
    if request.method == "POST" and not can_edit:
        return refuse(request, services.NOT_ALLOWED, 403)
    today = timezone.localdate()
    form = ParameterVersionForm(posted(request)[0], today=today) if can_edit else None
    if form is not None and form.is_bound and form.is_valid():
        try:
            version = services.add_parameter_version(actor=request.user, key=key, **form.service_data())
        except PermissionDenied as error:
            return refuse(request, str(error), 403)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            text = f"已新增 {selectors.key_label(key)} 自 {version.effective_from:%Y-%m-%d} 起的版本。"
            mark = version.recompute_marks.first()
            if mark is not None:
                text += f"已标记 {mark.months_label} 待重算。"
            messages.success(request, text)
            return redirect("parameter-detail", key=key)
    context = {
        "key": key,
        "label": selectors.key_label(key),
        "versions": versions,
        "current": selectors.parameter_version(key, today),
        "changes": selectors.parameter_changes(key),
        "marks": RecomputeMark.objects.filter(key=key, status=RecomputeMark.Status.PENDING).select_related(
            "version", "created_by"
        ),
        "form": form,
        "can_edit": can_edit,
        "can_see_marks": selectors.can_see_recompute_marks(request.user),
        "today": today,
    }
    return render(request, "assistance/parameter_detail.html", context)


@require_POST
def parameter_confirm(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    version = get_object_or_404(PolicyParameter, key=key, pk=pk)
    form = ConfirmVersionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.confirm_parameter_version(actor=request.user, version=version, note=note)
    except PermissionDenied as error:
        return refuse(request, str(error), 403)
    except ValidationError as error:
        messages.error(request, "；".join(error.messages))
    else:
        messages.success(request, f"{selectors.key_label(key)} 自 {version.effective_from:%Y-%m-%d} 起的版本已确认。")
    return redirect("parameter-detail", key=key)


def recompute_list(request: HttpRequest) -> HttpResponse:
    if not selectors.can_see_recompute_marks(request.user):
        return refuse(request, "待重算月份仅供县级用户查看。", 403)
    marks = (
        RecomputeMark.objects.filter(status=RecomputeMark.Status.PENDING)
        .select_related("version", "created_by")
        .order_by("from_month", "key", "id")
    )
    rows = [(mark, selectors.key_label(mark.key)) for mark in marks]
    return render(request, "assistance/recompute_list.html", {"rows": rows})
