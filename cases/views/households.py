from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from cases import permissions, selectors, services
from cases.forms import FACT_FORMS, EndFactForm, HouseholdForm, MemberForm
from cases.models import AssetRecord, Expenditure, Household, IncomeItem, Member
from core import idnumber
from core.views import error_messages, id_param, post_form, posted, refuse

ID_CHECK_LIMIT = getattr(settings, "ID_CHECK_LIMIT", 30)  # checks per user per minute
ID_CHECK_WINDOW_S = 60
Fact = IncomeItem | Expenditure | AssetRecord
DETAIL_TABS = ("members", "facts", "applications")  # the household page's tabs that ``?tab=`` may open
ID_CHECK_THROTTLED = "身份证号核验过于频繁，请稍后再试（每分钟最多 {limit} 次）。"


def household_search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    households = selectors.search_households(request.user, query) if query else selectors.all_households(request.user)
    page = Paginator(selectors.with_heads(households.order_by("number")), 20).get_page(request.GET.get("page"))
    template = "cases/_household_results.html" if request.htmx else "cases/household_search.html"
    context = {
        "page": page,
        "q": query,
        "can_create_household": permissions.can_create_household(request.user),
        "export_query": urlencode({"q": query}),
    }
    return render(request, template, context)


def _household(request: HttpRequest, pk: int) -> Household:
    return selectors.get_household(request.user, pk)


def household_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    household = _household(request, pk) if pk else None
    if household is None:  # refused (403) before any form
        permissions.ensure_create_household(request.user)
    else:
        permissions.ensure_edit_household(request.user, household)
    form = HouseholdForm(posted(request)[0], instance=household, user=request.user)

    def save(data: dict[str, Any]) -> tuple[str, str]:
        saved = services.save_household(actor=request.user, data=data, household=household)
        return f"家庭 {saved.number} 已保存。", reverse("household-detail", args=[saved.pk])

    return post_form(request, form, save) or render(
        request, "cases/household_form.html", {"form": form, "household": household}
    )


def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    members = list(selectors.household_members(household))
    services.log_sensitive_access(
        actor=request.user, members=members, action="view", what=f"家庭 {household.number} 详情"
    )
    today = timezone.localdate()
    user = request.user
    can_edit = permissions.can_edit_household(user, household)
    head = next((m for m in members if m.active and m.relation == Member.Relation.HEAD), None)
    context = {
        "household": household,
        "head": head,
        "tab": request.GET.get("tab") if request.GET.get("tab") in DETAIL_TABS else "members",
        "members": members,
        "full_identity": permissions.can_see_full_identity(user),
        **selectors.household_facts(household, [m.pk for m in members]),
        "applications": selectors.household_applications(household, today),
        "today": today,
        "can_write": can_edit,
        "can_edit_household": can_edit,
        "can_edit_members": permissions.can_edit_member(user, household),
        "can_add_fact": permissions.can_add_fact(user, household),
        "can_receive_application": permissions.can_receive_application(user, household),
    }
    return render(request, "cases/household_detail.html", context)


def household_history(request: HttpRequest, pk: int) -> HttpResponse:
    """The change history: ID numbers and accounts masked for users without full-identity access; the view is
    logged for children and disabled members (and every member for an auditor with full access)."""
    household = _household(request, pk)
    members = list(selectors.household_members(household))
    services.log_sensitive_access(
        actor=request.user, members=members, action="view", what=f"家庭 {household.number} 修改历史"
    )
    full = permissions.can_see_full_identity(request.user)
    return render(
        request, "cases/_history.html", {"events": selectors.household_history(household, full_identity=full)}
    )


def member_form(request: HttpRequest, household_pk: int, pk: int | None = None) -> HttpResponse:
    household = _household(request, household_pk)
    member = selectors.get_member(request.user, pk) if pk else None
    if member is not None and member.household_id != household.pk:
        return redirect("member-edit", household_pk=member.household_id, pk=member.pk)
    permissions.ensure_edit_member(request.user, household)  # refused (403) before any form
    form = MemberForm(posted(request)[0], instance=member)

    def save(data: dict[str, Any]) -> tuple[str, str]:
        saved = services.save_member(actor=request.user, household=household, data=data, member=member)
        if member is None and "add_next" in request.POST:  # 保存并添加下一位: straight to the next member's form
            return f"成员 {saved.name} 已保存，请登记下一位。", reverse("member-new", args=[household.pk])
        return f"成员 {saved.name} 已保存。", reverse("household-detail", args=[household.pk])

    return post_form(request, form, save) or render(
        request, "cases/member_form.html", {"form": form, "household": household, "member": member}
    )


def _id_check_throttled(request: HttpRequest) -> bool:
    """At most ID_CHECK_LIMIT checks per user per minute (the cache counts them)."""
    key = f"member-check-id:{request.user.pk}"
    if cache.add(key, 1, timeout=ID_CHECK_WINDOW_S):
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=ID_CHECK_WINDOW_S)
        return False
    return count > ID_CHECK_LIMIT


@require_POST
def member_check_id(request: HttpRequest) -> HttpResponse:
    """Inline validation of an ID number while typing (HTMX). Another township's member is not described."""
    if _id_check_throttled(request):
        errors = [ID_CHECK_THROTTLED.format(limit=ID_CHECK_LIMIT)]
        return render(request, "cases/_id_check.html", {"errors": errors}, status=429)
    member_pk = id_param(request.POST.get("member"))
    raw = request.POST.get("id_number", "")
    result: dict[str, object] = {}
    try:
        number = services.check_id_number(raw, actor=request.user, exclude_member_id=member_pk)
    except ValidationError as error:
        result["errors"] = error_messages(error).get("id_number", [])
    else:
        result.update(number=number, birth_date=idnumber.birth_date(number), sex=idnumber.sex(number))
    return render(request, "cases/_id_check.html", result)


def _facts_tab(household: Household) -> str:
    """The household page opened on its 收入、支出与财产 tab."""
    return f"{reverse('household-detail', args=[household.pk])}?tab=facts"


def _fact(request: HttpRequest, household: Household, kind: str, pk: int) -> Fact:
    """A fact of this household (another township's, or another household's, is 404)."""
    fact = selectors.get_fact(request.user, kind, pk)
    owner = fact.household_id if isinstance(fact, AssetRecord) else fact.member.household_id
    if owner != household.pk:
        raise Http404
    return fact


def fact_form(request: HttpRequest, household_pk: int, kind: str, pk: int | None = None) -> HttpResponse:
    """Record an income, expenditure or asset record, or correct one (``pk``)."""
    household = _household(request, household_pk)
    if kind not in FACT_FORMS:
        return refuse(request, "未知的事实类型。", 404)
    fact = _fact(request, household, kind, pk) if pk else None
    permissions.ensure_add_fact(request.user, household)  # refused (403) before any form
    form_class, label = FACT_FORMS[kind]
    form = form_class(*posted(request), household=household, instance=fact)

    def save(data: dict[str, Any]) -> tuple[str, str]:
        if fact is None:
            services.add_fact(actor=request.user, household=household, kind=kind, data=data)
            return f"{label}已登记。", _facts_tab(household)
        services.update_fact(actor=request.user, fact=fact, data=data)
        return f"{label}已修改。", _facts_tab(household)

    return post_form(request, form, save) or render(
        request, "cases/fact_form.html", {"form": form, "household": household, "label": label, "fact": fact}
    )


def fact_end(request: HttpRequest, household_pk: int, kind: str, pk: int) -> HttpResponse:
    """End a recorded income, expenditure or asset record on a date (终止)."""
    household = _household(request, household_pk)
    if kind not in FACT_FORMS:
        return refuse(request, "未知的事实类型。", 404)
    fact = _fact(request, household, kind, pk)
    permissions.ensure_add_fact(request.user, household)
    label = FACT_FORMS[kind][1]
    form = EndFactForm(posted(request)[0], initial={"valid_to": fact.valid_to or timezone.localdate()})

    def end(data: dict[str, Any]) -> tuple[str, str]:
        services.end_fact(actor=request.user, fact=fact, valid_to=data["valid_to"])
        return f"{label}已终止。", _facts_tab(household)

    return post_form(request, form, end) or render(
        request, "cases/fact_end.html", {"form": form, "household": household, "label": label, "fact": fact}
    )
