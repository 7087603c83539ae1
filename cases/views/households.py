from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cases import idnumber, selectors, services
from cases.forms import FACT_FORMS, HouseholdForm, MemberForm
from cases.models import AssetRecord, Expenditure, Household, IncomeItem, Member
from cases.views.common import apply_errors, error_messages, posted, refuse


def household_search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    households = (
        selectors.search_households(request.user, query)
        if query
        else selectors.scope(Household.objects.select_related("township", "village"), request.user)
    )
    page = Paginator(selectors.with_heads(households.order_by("number")), 20).get_page(request.GET.get("page"))
    template = "cases/_household_results.html" if request.htmx else "cases/household_search.html"
    return render(request, template, {"page": page, "q": query})


def _household(request: HttpRequest, pk: int) -> Household:
    return selectors.get_scoped_or_404(Household.objects.select_related("township", "village"), request.user, pk=pk)


def household_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    household = _household(request, pk) if pk else None
    form = HouseholdForm(posted(request)[0], instance=household, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_household(actor=request.user, data=form.cleaned_data, household=household)
        except PermissionDenied as error:
            return refuse(request, str(error), 403)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"家庭 {saved.number} 已保存。")
            return redirect("household-detail", pk=saved.pk)
    return render(request, "cases/household_form.html", {"form": form, "household": household})


def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    members = list(selectors.household_members(household))
    services.log_sensitive_access(
        actor=request.user, members=members, action="view", what=f"家庭 {household.number} 详情"
    )
    member_ids = [m.pk for m in members]
    context = {
        "household": household,
        "members": members,
        "full_identity": selectors.can_see_full_identity(request.user),
        "incomes": IncomeItem.objects.filter(member_id__in=member_ids).select_related("member"),
        "expenditures": Expenditure.objects.filter(member_id__in=member_ids).select_related("member"),
        "assets": AssetRecord.objects.filter(household=household),
        "applications": household.applications.all(),
        "today": timezone.localdate(),
        "can_write": not request.user.is_read_only,
    }
    return render(request, "cases/household_detail.html", context)


def household_history(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    return render(request, "cases/_history.html", {"events": selectors.household_history(household)})


def member_form(request: HttpRequest, household_pk: int, pk: int | None = None) -> HttpResponse:
    household = _household(request, household_pk)
    member = (
        selectors.get_scoped_or_404(Member.objects.all(), request.user, "household__township", pk=pk) if pk else None
    )
    if member is not None and member.household_id != household.pk:
        return redirect("member-edit", household_pk=member.household_id, pk=member.pk)
    form = MemberForm(posted(request)[0], instance=member)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_member(actor=request.user, household=household, data=form.cleaned_data, member=member)
        except PermissionDenied as error:
            return refuse(request, str(error), 403)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"成员 {saved.name} 已保存。")
            return redirect("household-detail", pk=household.pk)
    return render(request, "cases/member_form.html", {"form": form, "household": household, "member": member})


@require_POST
def member_check_id(request: HttpRequest) -> HttpResponse:
    """Inline validation of an ID number while typing (HTMX)."""
    member_pk = request.POST.get("member") or None
    raw = request.POST.get("id_number", "")
    result: dict[str, object] = {}
    try:
        number = services.check_id_number(raw, actor=request.user, exclude_member_id=member_pk)
    except ValidationError as error:
        result["errors"] = error_messages(error).get("id_number", [])
    else:
        result.update(number=number, birth_date=idnumber.birth_date(number), sex=idnumber.sex(number))
    return render(request, "cases/_id_check.html", result)


def fact_form(request: HttpRequest, household_pk: int, kind: str) -> HttpResponse:
    household = _household(request, household_pk)
    if kind not in FACT_FORMS:
        return refuse(request, "未知的事实类型。", 404)
    form_class, label = FACT_FORMS[kind]
    form = form_class(*posted(request), household=household)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_fact(actor=request.user, household=household, kind=kind, data=form.cleaned_data)
        except PermissionDenied as error:
            return refuse(request, str(error), 403)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"{label}已登记。")
            return redirect("household-detail", pk=household.pk)
    return render(request, "cases/fact_form.html", {"form": form, "household": household, "label": label})
