from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from cases import permissions, selectors, services
from cases.forms import ApplicationForm, ApplicationQueueFilterForm, ReferralForm
from cases.models import Application
from core.views import form_errors_message, post_form, posted


def application_queue(request: HttpRequest) -> HttpResponse:
    """Applications per status, soonest deadline first, overdue ones marked; searchable, with a count."""
    filters = ApplicationQueueFilterForm(request.GET)
    if not filters.is_valid():
        form_errors_message(request, filters)
    data = filters.cleaned_data
    query, status, overdue_only = data.get("q", ""), data.get("status", ""), bool(data.get("overdue"))
    today = timezone.localdate()
    queue = selectors.searched_application_queue(
        request.user, today, query=query, status=status, overdue_only=overdue_only
    )
    counts = selectors.application_counts(request.user)
    tabs = [(value, label, counts.get(value, 0)) for value, label in Application.Status.choices]
    context = {
        "page": Paginator(queue, 30).get_page(request.GET.get("page")),
        "tabs": tabs,
        "status": status,
        "overdue_only": overdue_only,
        "q": query,
        "overdue_count": selectors.overdue_applications(request.user, today).count(),
        "overdue_referrals": selectors.overdue_referrals(request.user, today),
        "today": today,
        # The export (cases.exports.applications) selects the same rows: search, status and overdue.
        "export_query": urlencode(
            {
                key: value
                for key, value in (("q", query), ("status", status), ("overdue", overdue_only and "1"))
                if value
            }
        ),
    }
    return render(request, "cases/application_queue.html", context)


def application_new(request: HttpRequest, household_pk: int) -> HttpResponse:
    household = selectors.get_household(request.user, household_pk)
    permissions.ensure_receive_application(request.user, household)  # refused (403) before any form
    form = ApplicationForm(*posted(request), household=household)

    def receive(data: dict[str, Any]) -> tuple[str, str]:
        application = services.receive_application(
            actor=request.user,
            household=household,
            benefits=form.benefits(),
            reason=data["reason"],
            authorization_signed=data["authorization_signed"],
            authorization_date=data["authorization_date"],
            authorization_file=data["authorization_file"],
            epidemic_fast_track=data["epidemic_fast_track"],
        )
        message = f"申请 {application.number} 已受理，请在 {application.due_date} 前完成入户调查。"
        return message, reverse("application-detail", args=[application.pk])

    return post_form(request, form, receive) or render(
        request, "cases/application_form.html", {"form": form, "household": household}
    )


def _application(request: HttpRequest, pk: int) -> Application:
    return selectors.get_application(request.user, pk, timezone.localdate())


def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    user = request.user
    referrals = list(selectors.application_referrals(application, timezone.localdate()))
    for referral in referrals:
        referral.can_update = permissions.can_update_referral(user, referral)  # type: ignore[attr-defined]
    context = {
        "application": application,
        "benefits": application.benefits.select_related("member"),
        "transitions": application.transitions.select_related("actor"),
        "investigation": getattr(application, "investigation", None),
        "referrals": referrals,
        "steps": services.step_buttons(actor=user, application=application),
        "today": timezone.localdate(),
        "can_add_referral": permissions.can_add_referral(user, application),
    }
    return render(request, "cases/application_detail.html", context)


def referral_new(request: HttpRequest, pk: int) -> HttpResponse:
    application = _application(request, pk)
    permissions.ensure_add_referral(request.user, application)  # refused (403) before any form
    form = ReferralForm(posted(request)[0])

    def refer(data: dict[str, Any]) -> tuple[str, str]:
        services.add_referral(actor=request.user, application=application, **data)
        return "已转办。", reverse("application-detail", args=[application.pk])

    return post_form(request, form, refer) or render(
        request, "cases/referral_form.html", {"application": application, "form": form}
    )


def referral_update(request: HttpRequest, pk: int) -> HttpResponse:
    referral = selectors.get_referral(request.user, pk)
    if request.method != "POST":
        return redirect("application-detail", pk=referral.application_id)
    try:
        services.update_referral(
            actor=request.user,
            referral=referral,
            status=request.POST.get("status", ""),
            result=request.POST.get("result", ""),
        )
    except ValidationError as error:
        messages.error(request, "；".join(m for msgs in error.message_dict.values() for m in msgs))
    else:
        messages.success(request, "转办事项已更新。")
    return redirect("application-detail", pk=referral.application_id)
