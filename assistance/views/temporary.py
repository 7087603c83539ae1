"""临时救助 pages (policy.md §7): the list with its follow-up alarm, registering a case for a member, and the
case page where it is decided and its 低保 assessment recorded. The rules live in assistance.temporary."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from assistance import permissions, temporary
from assistance.forms import DecideForm, FollowupForm, MemberLookupForm, TemporaryCaseForm
from assistance.models import TemporaryCase
from cases.models import Member
from cases.permissions import can_see_full_identity, ensure_can_write
from core.views import id_param, next_url, post_form, posted, refuse, refused_unless


@require_GET
def temporary_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in TemporaryCase.Status.values:
        status = ""
    overdue_only = request.GET.get("overdue") == "1"
    today = timezone.localdate()
    cases = temporary.case_list(request.user, status or None, overdue_only, today=today)
    counts = temporary.status_counts(request.user)
    context = {
        "page": Paginator(cases, 30).get_page(request.GET.get("page")),
        "tabs": [(value, label, counts.get(value, 0)) for value, label in TemporaryCase.Status.choices],
        "status": status,
        "overdue_only": overdue_only,
        "overdue_count": temporary.overdue_followups(request.user, today).count(),
        "today": today,
        "can_write": permissions.can_register_temporary_case(request.user),
        "export_query": urlencode({"status": status, "overdue": "1" if overdue_only else ""}),
    }
    return render(request, "assistance/temporary_list.html", context)


def _pick_member(request: HttpRequest) -> tuple[Member | None, MemberLookupForm]:
    """The member from ``?member=<id>`` (404 outside the user's township) or found by ``?id_number=``."""
    lookup = MemberLookupForm(request.GET if "id_number" in request.GET else None)
    member_id = id_param(request.GET.get("member"))
    if member_id is not None:
        return temporary.get_member(request.user, member_id), lookup
    if lookup.is_valid():
        member = temporary.find_member(request.user, lookup.cleaned_data["id_number"])
        if member is None:
            lookup.add_error("id_number", "本辖区内没有该身份证号的在册成员，请先在家庭中登记该成员。")
        return member, lookup
    return None, lookup


@refused_unless(permissions.ensure_register_temporary_case)
def temporary_new(request: HttpRequest) -> HttpResponse:
    member, lookup = _pick_member(request)
    if member is None:
        return render(request, "assistance/temporary_new.html", {"lookup": lookup, "member": None})
    if not permissions.can_register_temporary_case(request.user, member):
        return refuse(request, permissions.OWN_TOWNSHIP_ONLY, 403)
    today = timezone.localdate()
    form = TemporaryCaseForm(posted(request)[0])

    def register(data: dict[str, Any]) -> tuple[str, str]:
        case = temporary.register_case(actor=request.user, member=member, **data)
        message = f"已登记临时救助第 {case.pk} 号（{case.amount} 元），审批层级：{case.get_level_display()}。"
        return message, next_url(request, reverse("temporary-detail", args=[case.pk]))

    if response := post_form(request, form, register):
        return response
    context = {
        "lookup": lookup,
        "member": member,
        "form": form,
        "limits": temporary.limits_on(today),
        "preview": temporary.level_preview(form["amount"].value(), today) if form.is_bound else None,
        "this_year": temporary.member_cases(member, today.year),
        "full_identity": can_see_full_identity(request.user),
    }
    return render(request, "assistance/temporary_new.html", context)


@require_GET
def temporary_level(request: HttpRequest) -> HttpResponse:
    """htmx: the approval level the typed amount calls for (today's urban standard)."""
    preview = temporary.level_preview(request.GET.get("amount", ""), timezone.localdate())
    return render(request, "assistance/temporary_level.html", {"preview": preview})


def _detail(request: HttpRequest, case: TemporaryCase, **forms: object) -> HttpResponse:
    today = timezone.localdate()
    user = request.user
    pending = case.status == TemporaryCase.Status.PENDING
    decide_refusal = permissions.temporary_decision_refusal(user, case) if pending else None
    context = {
        "case": case,
        "today": today,
        "decide_form": forms.get("decide_form") or DecideForm(),
        "followup_form": forms.get("followup_form") or FollowupForm(),
        "can_decide": permissions.can_decide_temporary_case(user, case),
        "decide_refusal": decide_refusal,
        "can_followup": permissions.can_followup_temporary_case(user, case),
        "followup_overdue": temporary.followup_overdue(case, today),
        "this_year": temporary.member_cases(case.member, case.year).exclude(pk=case.pk),
        "full_identity": can_see_full_identity(user),
    }
    return render(request, "assistance/temporary_detail.html", context)


@require_GET
def temporary_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, temporary.get_case(request.user, pk))


@refused_unless(ensure_can_write)  # who decides depends on the case's level and state: see the service
@require_POST
def temporary_decide(request: HttpRequest, pk: int) -> HttpResponse:
    case = temporary.get_case(request.user, pk)
    form = DecideForm(request.POST)

    def decide(data: dict[str, Any]) -> tuple[str, str]:
        temporary.decide_case(actor=request.user, case=case, approve=form.approve, note=data["note"])
        message = "已批准。" if form.approve else "已决定不予批准。"
        return message, next_url(request, reverse("temporary-detail", args=[case.pk]))

    return post_form(request, form, decide) or _detail(request, case, decide_form=form)


@refused_unless(permissions.ensure_followup_temporary_case)
@require_POST
def temporary_followup(request: HttpRequest, pk: int) -> HttpResponse:
    case = temporary.get_case(request.user, pk)
    form = FollowupForm(request.POST)

    def complete(data: dict[str, Any]) -> tuple[str, str]:
        temporary.complete_followup(actor=request.user, case=case, note=data["note"])
        return "已登记低保评估结果。", next_url(request, reverse("temporary-detail", args=[case.pk]))

    return post_form(request, form, complete) or _detail(request, case, followup_form=form)
