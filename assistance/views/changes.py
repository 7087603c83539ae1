"""待遇调整 pages (policy.md §3, §4): the changes the monthly re-pricing found in households' facts, the township's
confirmation (or its reason not to) and the county's approval by another person. Each step has its own page, which
is also the confirmation before the step is taken. The rules live in assistance.changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from assistance import changes, permissions, selectors
from assistance.forms import ChangeFilterForm, ConfirmChangeForm, DecideChangeForm
from assistance.models import AmountChange
from cases.models import User
from cases.permissions import can_see_full_identity
from core.exceptions import TransitionNotAllowed
from core.months import month_label, next_month, this_month
from core.views import form_errors_message, post_form, posted, refused_unless

Status = AmountChange.Status
Kind = AmountChange.Kind


def _change_or_404(user: User, pk: int) -> AmountChange:
    """A change the user may see (another township's is not found)."""
    return get_object_or_404(changes.changes(user).select_related("determination"), pk=pk)


@require_GET
def change_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    filters = ChangeFilterForm(request.GET)
    if not filters.is_valid():
        if "township" in filters.errors:
            raise Http404("没有该乡镇")
        form_errors_message(request, filters)
    data = filters.cleaned_data
    choose_township = permissions.can_choose_township(user)
    township = selectors.chosen_township(user, data.get("township"))
    status, month, query = data.get("status", ""), data.get("month"), data.get("q", "").strip()
    in_scope = changes.changes(user, township_id=township.pk if township else None, month=month, query=query)
    counts = dict(in_scope.order_by().values_list("status").annotate(n=Count("pk")))
    rows = in_scope.filter(status=status) if status else in_scope
    base = {
        "township": township.pk if township else "",
        "month": f"{month:%Y-%m}" if month else "",
        "q": query,
    }
    return render(
        request,
        "assistance/change_list.html",
        {
            "page": Paginator(rows, 50).get_page(request.GET.get("page")),
            "tabs": [(value, label, counts.get(value, 0)) for value, label in Status.choices],
            "total": sum(counts.values()),
            "status": status,
            "township": township,
            "townships": selectors.townships_by_code(user) if choose_township else [],
            "choose_township": choose_township,
            "month_text": base["month"],
            "q": query,
            "base_query": urlencode(base),
            "full_identity": can_see_full_identity(user),
        },
    )


@dataclass(frozen=True)
class Step:
    """One line of a change's record: what happened, when, by whom, and what they wrote."""

    label: str
    at: datetime | None
    by: User | None
    note: str


def _steps(change: AmountChange) -> list[Step]:
    steps = [Step(f"每月调整金额发现（{month_label(change.month)}）", change.created_at, None, "")]
    if change.confirmed_at is not None:
        label = "乡镇不予调整" if change.status == Status.DECLINED else "乡镇确认调整"
        steps.append(Step(label, change.confirmed_at, change.confirmed_by, change.confirm_note))
    if change.decided_at is not None:
        label = "县级批准" if change.status == Status.APPROVED else "县级不予批准"
        steps.append(Step(label, change.decided_at, change.decided_by, change.decision_note))
    if change.status == Status.SUPERSEDED:
        steps.append(Step("已被新测算取代：以后一次测算发现的待遇调整为准", None, None, ""))
    return steps


def _difference(change: AmountChange) -> str:
    difference = change.proposed_amount - change.current_amount
    if not difference:
        return ""
    return f"{'增加' if difference > 0 else '减少'} {abs(difference)} 元"


@require_GET
def change_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    change = _change_or_404(user, pk)
    county_confirmer = change.status == Status.CONFIRMED and change.confirmed_by_id == user.pk
    return render(
        request,
        "assistance/change_detail.html",
        {
            "change": change,
            "enrollment": change.enrollment,
            "steps": _steps(change),
            "difference": _difference(change),
            "can_confirm": permissions.can_confirm_amount_change(user, change),
            "can_decide": permissions.can_decide_amount_change(user, change),
            "own_confirmation": county_confirmer,
            "full_identity": can_see_full_identity(user),
        },
    )


def _decision_effect(change: AmountChange) -> str:
    back = "恢复在保，" if change.kind == Kind.RETURN else ""
    return (
        f"批准后{change.household.number}的{change.enrollment.get_benefit_display()}{back}月金额由 "
        f"{change.current_amount} 元调整为 {change.proposed_amount} 元，自 {month_label(next_month(this_month()))} 起"
        "发放；填写追溯月份的，自该月起调整，已发放月份的差额由补发（退）结算。不予批准须写明理由。"
    )


def _ensure_status(change: AmountChange, status: str, step: str) -> None:
    """A step offered only from its state: 409 (the refusal page) before any form is shown."""
    if change.status != status:
        raise TransitionNotAllowed(f"该待遇调整当前为“{change.get_status_display()}”，不能{step}。")


def _effect(change: AmountChange) -> str:
    """What the change does once approved, for the confirmation pages."""
    if change.kind == Kind.GRADUAL_EXIT:
        return f"确认后自{month_label(change.month)}起进入渐退期，保留原月金额 {change.current_amount} 元。"
    return f"月金额由 {change.current_amount} 元调整为 {change.proposed_amount} 元，须经县民政局审批后生效。"


@refused_unless(permissions.ensure_confirm_amount_change)
def change_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """The township confirms the change or records why not: the form is also the confirmation page."""
    change = _change_or_404(request.user, pk)
    permissions.ensure_confirm_amount_change(request.user, change)
    _ensure_status(change, Status.PROPOSED, "确认")
    form = ConfirmChangeForm(posted(request)[0], initial={"decision": request.GET.get("decision")})

    def confirm(data: dict[str, Any]) -> tuple[str, str]:
        done = changes.confirm_change(actor=request.user, change=change, confirm=form.confirm, note=data["note"])
        if done.status == Status.DECLINED:
            message = "已记录不予调整的理由。"
        elif done.status == Status.APPROVED:
            message = f"已确认：自{month_label(done.month)}起进入渐退期。"
        else:
            message = "已确认，待县民政局审批。"
        return message, reverse("amount-change-detail", args=[change.pk])

    return post_form(request, form, confirm) or render(
        request,
        "assistance/change_act.html",
        {
            "change": change,
            "form": form,
            "step": "乡镇确认",
            "effect": _effect(change) + "选择“不予调整”须写明理由。",
            "full_identity": can_see_full_identity(request.user),
        },
    )


@refused_unless(permissions.ensure_decide_amount_change)
def change_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """The county (not the person who confirmed it) approves or rejects: the form is also the confirmation page."""
    change = _change_or_404(request.user, pk)
    permissions.ensure_decide_amount_change(request.user, change)
    _ensure_status(change, Status.CONFIRMED, "审批")
    form = DecideChangeForm(posted(request)[0], initial={"decision": request.GET.get("decision")})

    def decide(data: dict[str, Any]) -> tuple[str, str]:
        done = changes.decide_change(
            actor=request.user,
            change=change,
            approve=form.approve,
            note=data["note"],
            unreported_from=data["unreported_from"] if form.approve else None,
        )
        if done.status != Status.APPROVED or done.effective_month is None:
            return "已决定不予批准。", reverse("amount-change-detail", args=[change.pk])
        message = f"已批准：自{month_label(done.effective_month)}起月金额 {done.proposed_amount} 元。"
        if done.effective_month <= this_month():
            message += "已发放月份的差额由补发（退）结算。"
        return message, reverse("amount-change-detail", args=[change.pk])

    return post_form(request, form, decide) or render(
        request,
        "assistance/change_act.html",
        {
            "change": change,
            "form": form,
            "step": "县级审批",
            "effect": _decision_effect(change),
            "full_identity": can_see_full_identity(request.user),
        },
    )
