"""The application workflow's steps and the record of a death: the pages whose consequences reach the enrollments
(the county's final approval creates them, a death ends them), so they call assistance's services."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from assistance import enrollments
from assistance.forms import DeathForm
from cases import permissions as case_permissions
from cases import selectors as case_selectors
from cases.forms import TRANSITION_FORMS, TransitionForm
from cases.services import STEPS, step_blocker
from core.views import post_form, posted


def application_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One workflow step: the form is also the confirmation page."""
    application = case_selectors.get_application(request.user, pk, timezone.localdate())
    step = STEPS.get(action)
    if step is None:
        raise Http404("未知的办理操作")
    case_permissions.ensure_act_on_application(request.user, application)  # refused (403) before any form
    form = TRANSITION_FORMS.get(action, TransitionForm)(*posted(request), application=application)

    def act(cleaned: dict[str, Any]) -> tuple[str, str]:
        data = dict(cleaned)
        if "attachments" in form.fields:
            data["attachments"] = request.FILES.getlist("attachments")
        enrollments.act_on_application(
            actor=request.user, application=application, action=action, comment=data.pop("comment"), data=data
        )
        return f"已{step.label}。", reverse("application-detail", args=[application.pk])

    return post_form(request, form, act) or render(
        request,
        "cases/application_act.html",
        {"application": application, "form": form, "step": step, "blocker": step_blocker(application, action)},
    )


def record_death(request: HttpRequest, pk: int) -> HttpResponse:
    """登记死亡: the date goes into the registry and the person's enrollments end after that month."""
    member = case_selectors.get_member(request.user, pk)
    case_permissions.ensure_edit_member(request.user, member.household)  # refused (403) before any form
    form = DeathForm(posted(request)[0], initial={"date_of_death": member.date_of_death})

    def record(data: dict[str, Any]) -> tuple[str, str]:
        enrollments.record_death(actor=request.user, member=member, died_on=data["date_of_death"])
        message = f"已登记 {member.name} 的死亡日期，其本人的救助关系自次月起终止。"
        return message, reverse("household-detail", args=[member.household_id])

    return post_form(request, form, record) or render(
        request, "assistance/death_form.html", {"member": member, "form": form}
    )
