"""Policy-parameter pages (policy.md §0): everyone signed in may read the values in force; county admins add
versions and confirm proposed ones; county users follow the months marked for recomputation."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from assistance import permissions, selectors, services
from assistance.forms import ConfirmVersionForm, ParameterFilterForm, ParameterVersionForm
from core.views import apply_errors, next_url, posted, refuse, refused_unless, submit

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
        "can_see_marks": permissions.can_view_recompute_marks(request.user),
    }
    return render(request, "assistance/parameter_list.html", context)


def parameter_detail(request: HttpRequest, key: str) -> HttpResponse:
    versions = list(selectors.parameter_history(key).select_related("created_by"))
    if not versions:
        raise Http404("未知参数")
    can_edit = permissions.can_add_parameter_version(request.user)
    if request.method == "POST" and not can_edit:
        return refuse(request, permissions.PARAMETERS_ADMIN_ONLY, 403)
    today = timezone.localdate()
    form = ParameterVersionForm(posted(request)[0], today=today) if can_edit else None
    if form is not None and form.is_bound and form.is_valid():
        try:
            version = services.add_parameter_version(actor=request.user, key=key, **form.service_data())
        except ValidationError as error:
            apply_errors(form, error)
        else:
            text = f"已新增 {selectors.key_label(key)} 自 {version.effective_from:%Y-%m-%d} 起的版本。"
            mark = version.recompute_marks.first()
            if mark is not None:
                text += f"已标记 {mark.months_label} 待重算。"
            messages.success(request, text)
            return redirect(next_url(request, reverse("parameter-detail", args=[key])))
    context = {
        "key": key,
        "label": selectors.key_label(key),
        "versions": versions,
        "current": selectors.parameter_version(key, today),
        "changes": selectors.parameter_changes(key),
        "marks": selectors.pending_marks(key),
        "form": form,
        "can_edit": can_edit,
        "confirmable": {v.pk for v in versions if permissions.can_confirm_parameter_version(request.user, v)},
        "can_see_marks": permissions.can_view_recompute_marks(request.user),
        "today": today,
    }
    return render(request, "assistance/parameter_detail.html", context)


@refused_unless(permissions.ensure_confirm_parameter_version)
@require_POST
def parameter_confirm(request: HttpRequest, key: str, pk: int) -> HttpResponse:
    version = selectors.parameter_version_or_404(key, pk)

    def confirm(data: dict[str, Any]) -> str:
        services.confirm_parameter_version(actor=request.user, version=version, note=data["note"])
        return f"{selectors.key_label(key)} 自 {version.effective_from:%Y-%m-%d} 起的版本已确认。"

    submit(request, ConfirmVersionForm(request.POST), confirm)
    return redirect(next_url(request, reverse("parameter-detail", args=[key])))


def recompute_list(request: HttpRequest) -> HttpResponse:
    if not permissions.can_view_recompute_marks(request.user):
        return refuse(request, permissions.MARKS_COUNTY_ONLY, 403)
    marks = selectors.pending_marks()
    rows = [(mark, selectors.key_label(mark.key)) for mark in marks]
    return render(request, "assistance/recompute_list.html", {"rows": rows})
