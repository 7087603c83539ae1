"""Pages of the groups area (mounted at ``/childcare/``): the left-behind women's screening per township and year,
the disabled persons ledger with each person's page and 福康工程 services, and the county admins' log of reads of
sensitive records. Every page that shows a woman's or a disabled person's record logs the read."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from cases.permissions import can_see_full_identity
from cases.services import log_sensitive_access
from childcare import permissions
from childcare.forms.groups import (
    AccessLogFilterForm,
    DisabledFilterForm,
    GenerateForm,
    MemberLookupForm,
    NewWomanForm,
    ServiceForm,
    WomanFilterForm,
    WomanForm,
    initial_of,
)
from childcare.selectors import groups as selectors
from childcare.services import groups as services
from core.views import form_errors_message, id_param, post_form, posted, refuse, refused_unless, submit

PER_PAGE = 30


def _query(form: Any, names: list[str]) -> str:
    """The valid filters as a query string (for the export link and the pages)."""
    values = {name: form.data.get(name, "") for name in names if name not in form.errors}
    return urlencode({name: value for name, value in values.items() if value})


# Left-behind women ------------------------------------------------------------------------------------------


@require_GET
def woman_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    townships = selectors.townships(user)
    data = request.GET.copy()
    data.setdefault("year", str(timezone.localdate().year))
    filters = WomanFilterForm(data, townships=townships)
    if not filters.is_valid():
        form_errors_message(request, filters)
    rows = selectors.women(user, **filters.filters())
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    log_sensitive_access(
        actor=user, members=[row.member for row in page], action="view", what="农村留守妇女台账", everyone=True
    )
    context = {
        "page": page,
        "filters": filters,
        "export_query": _query(filters, ["township", "year", "q", "health", "source"]),
        "page_query": _query(filters, ["township", "year", "q", "health", "source"]),
        "can_record": permissions.can_record_groups(user),
        "generate_form": GenerateForm(initial={"year": filters.value("year")}),
        "townships": townships if permissions.can_record_groups(user) else [],
        "can_view_access_log": permissions.can_view_access_log(user),
        "full_identity": can_see_full_identity(user),
    }
    return render(request, "childcare/groups/woman_list.html", context)


@refused_unless(permissions.ensure_record_groups)
@require_POST
def woman_generate(request: HttpRequest) -> HttpResponse:
    form = GenerateForm(request.POST)
    township_id = id_param(request.POST.get("township")) or request.user.township_id
    township = selectors.visible_township(request.user, township_id)
    if township is None:
        messages.error(request, "乡镇（街道）：请选择要生成台账的乡镇（街道）。")
        return redirect("childcare-woman-list")

    def generate(data: dict[str, Any]) -> str:
        done = services.generate_women(actor=request.user, township_id=township.pk, year=data["year"])
        message = f"{township.name}{data['year']}年：从户籍标记新增 {done.created} 人，已在台账中 {done.existing} 人。"
        if done.skipped:
            message += f"未列入 {len(done.skipped)} 人：{'、'.join(done.skipped[:20])}。"
        return message

    submit(request, form, generate)
    year = form.cleaned_data.get("year", "") if hasattr(form, "cleaned_data") else ""
    return redirect(f"{reverse('childcare-woman-list')}?{urlencode({'township': township.pk, 'year': year})}")


@refused_unless(permissions.ensure_record_groups)
def woman_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    member = None
    lookup = MemberLookupForm(request.GET if "id_number" in request.GET else None)
    member_id = id_param(request.GET.get("member"))
    if member_id is not None:
        member = selectors.get_member(user, member_id)
    elif lookup.is_valid():
        member = selectors.find_member(user, lookup.cleaned_data["id_number"])
        if member is None:
            lookup.add_error("id_number", "本辖区内没有该身份证号的在册成员，请先在家庭中登记该成员。")
        else:
            return redirect(f"{reverse('childcare-woman-new')}?member={member.pk}")
    if member is None:
        return render(request, "childcare/groups/woman_new.html", {"lookup": lookup, "member": None})
    if not permissions.can_record_groups(user, member.household.township_id):
        return refuse(request, permissions.OWN_TOWNSHIP_ONLY, 403)
    log_sensitive_access(actor=user, members=[member], action="view", what="登记留守妇女", everyone=True)
    form = NewWomanForm(
        posted(request)[0], initial={"year": timezone.localdate().year, "children_in_care": 0, "elderly_in_care": 0}
    )

    def add(data: dict[str, Any]) -> tuple[str, str]:
        year = data.pop("year")
        woman = services.add_woman(actor=user, member=member, year=year, data=data)
        return f"已将 {member.name} 列入 {year} 年留守妇女台账。", reverse("childcare-woman-detail", args=[woman.pk])

    if response := post_form(request, form, add):
        return response
    context = {"lookup": lookup, "member": member, "form": form, "full_identity": can_see_full_identity(user)}
    return render(request, "childcare/groups/woman_new.html", context)


@require_GET
def woman_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    woman = selectors.get_woman(user, pk)
    log_sensitive_access(
        actor=user, members=[woman.member], action="view", what=f"{woman.year}年留守妇女记录", everyone=True
    )
    context = {
        "woman": woman,
        "can_record": permissions.can_record_groups(user, woman.township_id),
        "events": selectors.record_history(woman, full_identity=can_see_full_identity(user)),
        "full_identity": can_see_full_identity(user),
    }
    return render(request, "childcare/groups/woman_detail.html", context)


@refused_unless(permissions.ensure_record_groups)
def woman_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    woman = selectors.get_woman(user, pk)
    permissions.ensure_record_groups(user, woman.township_id)
    log_sensitive_access(
        actor=user, members=[woman.member], action="view", what=f"修改{woman.year}年留守妇女记录", everyone=True
    )
    form = WomanForm(posted(request)[0], initial=initial_of(woman, WomanForm))

    def save(data: dict[str, Any]) -> tuple[str, str]:
        services.update_woman(actor=user, woman=woman, data=data)
        return "已保存。", reverse("childcare-woman-detail", args=[woman.pk])

    return post_form(request, form, save) or render(
        request, "childcare/groups/woman_form.html", {"form": form, "woman": woman}
    )


@refused_unless(permissions.ensure_record_groups)
@require_POST
def woman_remove(request: HttpRequest, pk: int) -> HttpResponse:
    woman = selectors.get_woman(request.user, pk)
    services.remove_woman(actor=request.user, woman=woman)
    messages.success(request, f"已将 {woman.member.name} 移出 {woman.year} 年留守妇女台账。")
    return redirect(
        f"{reverse('childcare-woman-list')}?{urlencode({'township': woman.township_id, 'year': woman.year})}"
    )


# The disabled persons ledger -------------------------------------------------------------------------------


@require_GET
def disabled_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    filters = DisabledFilterForm(request.GET, townships=selectors.townships(user))
    if not filters.is_valid():
        form_errors_message(request, filters)
    values = filters.filters()
    roll_only = filters.roll_only()
    if roll_only:
        rows = selectors.roll_only_persons(user, township_id=values["township_id"], query=values["query"])
        page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
        ledger: list[Any] = []
    else:
        page = Paginator(selectors.disabled_ledger(user, **values), PER_PAGE).get_page(request.GET.get("page"))
        ledger = selectors.ledger_rows(list(page))
        log_sensitive_access(actor=user, members=[row.member for row in ledger], action="view", what="残疾人台账")
    names = ["show", "township", "q", "grade", "living", "care", "poverty", "uncovered"]
    context = {
        "page": page,
        "ledger": ledger,
        "roll_only": roll_only,
        "roll": selectors.disability_roll(),
        "can_view_access_log": permissions.can_view_access_log(user),
        "filters": filters,
        "export_query": _query(filters, names),
        "page_query": _query(filters, names),
        "full_identity": can_see_full_identity(user),
    }
    return render(request, "childcare/groups/disabled_list.html", context)


def _disabled_detail(request: HttpRequest, pk: int, **forms: Any) -> HttpResponse:
    user = request.user
    member = selectors.get_disabled_member(user, pk)
    log_sensitive_access(actor=user, members=[member], action="view", what="残疾人台账个人详情")
    row = selectors.ledger_rows([member])[0]
    service_list = list(selectors.member_services(member))
    events = [
        event
        for service in service_list
        for event in selectors.record_history(service, full_identity=can_see_full_identity(user))
    ]
    context = {
        "row": row,
        "member": member,
        "entry": selectors.open_entry(member),
        "services": service_list,
        "events": sorted(events, key=lambda e: e.at, reverse=True),
        "can_record": permissions.can_record_groups(user, member.household.township_id),
        "full_identity": can_see_full_identity(user),
    }
    return render(request, "childcare/groups/disabled_detail.html", context)


@require_GET
def disabled_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _disabled_detail(request, pk)


@refused_unless(permissions.ensure_record_groups)
def service_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    member = selectors.get_disabled_member(user, pk)
    permissions.ensure_record_groups(user, member.household.township_id)
    log_sensitive_access(actor=user, members=[member], action="view", what="登记福康工程服务")
    form = ServiceForm(posted(request)[0])

    def add(data: dict[str, Any]) -> tuple[str, str]:
        service = services.add_service(actor=user, member=member, data=data)
        return f"已登记福康工程服务：{service.get_kind_display()}。", reverse("childcare-disabled-detail", args=[pk])

    return post_form(request, form, add) or render(
        request, "childcare/groups/service_form.html", {"form": form, "member": member, "service": None}
    )


@refused_unless(permissions.ensure_record_groups)
def service_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    service = selectors.get_service(user, pk)
    permissions.ensure_record_groups(user, service.township_id)
    log_sensitive_access(actor=user, members=[service.member], action="view", what="修改福康工程服务")
    form = ServiceForm(posted(request)[0], initial=initial_of(service, ServiceForm))

    def save(data: dict[str, Any]) -> tuple[str, str]:
        services.update_service(actor=user, service=service, data=data)
        return "已保存。", reverse("childcare-disabled-detail", args=[service.member_id])

    return post_form(request, form, save) or render(
        request, "childcare/groups/service_form.html", {"form": form, "member": service.member, "service": service}
    )


# The sensitive-read log ------------------------------------------------------------------------------------


@refused_unless(permissions.ensure_view_access_log)
@require_GET
def access_log(request: HttpRequest) -> HttpResponse:
    filters = AccessLogFilterForm(request.GET, townships=selectors.townships(request.user))
    if not filters.is_valid():
        form_errors_message(request, filters)
    rows = selectors.access_log(**filters.filters())
    context = {
        "page": Paginator(rows, 50).get_page(request.GET.get("page")),
        "filters": filters,
        "page_query": _query(filters, ["township", "q", "user", "action", "date_from", "date_to"]),
    }
    return render(request, "childcare/groups/access_log.html", context)


urlpatterns = [
    path("women/", woman_list, name="childcare-woman-list"),
    path("women/generate/", woman_generate, name="childcare-woman-generate"),
    path("women/new/", woman_new, name="childcare-woman-new"),
    path("women/<int:pk>/", woman_detail, name="childcare-woman-detail"),
    path("women/<int:pk>/edit/", woman_edit, name="childcare-woman-edit"),
    path("women/<int:pk>/remove/", woman_remove, name="childcare-woman-remove"),
    path("disabled/", disabled_list, name="childcare-disabled-list"),
    path("disabled/<int:pk>/", disabled_detail, name="childcare-disabled-detail"),
    path("disabled/<int:pk>/services/new/", service_new, name="childcare-disabled-service-new"),
    path("fukang-services/<int:pk>/edit/", service_edit, name="childcare-service-edit"),
    path("access-log/", access_log, name="childcare-access-log"),
]
