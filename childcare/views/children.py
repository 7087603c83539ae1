"""childcare pages: children — the left-behind children's ledger (list with the overdue visits, a child's page
with the visits and guardianship cases), the cases of orphans and de-facto unsupported children, the 困境儿童 list
and the area's alerts. Every read of a child's record is logged (``cases.services.log_sensitive_access``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from assistance.jobs import start_job
from assistance.models import JobRun
from cases.models import Member
from cases.permissions import can_see_full_identity, ensure_can_write
from cases.selectors import visible_townships
from cases.services import log_sensitive_access
from childcare import permissions
from childcare.forms.children import (
    CaseForm,
    ChildForm,
    DecideStepForm,
    EndChildForm,
    MemberPickForm,
    ResolveGuardianshipForm,
    StepForm,
    VisitForm,
)
from childcare.models import ChildAlert, ChildCase, ChildCaseStep, LeftBehindChild
from childcare.models.children import Capacity
from childcare.selectors import children as selectors
from childcare.services import children as services
from core import masking
from core.months import this_month
from core.views import id_param, month_param, post_form, posted, refuse, refused_unless, submit


def _log(request: HttpRequest, members: Iterable[Member], what: str) -> None:
    log_sensitive_access(actor=request.user, members=members, action="view", what=what)


def _township_filter(request: HttpRequest) -> tuple[int | None, Any]:
    townships = visible_townships(request.user)
    return id_param(request.GET.get("township")), townships


def _page(request: HttpRequest, rows: Any) -> Any:
    return Paginator(rows, 30).get_page(request.GET.get("page"))


# Left-behind children ---------------------------------------------------------------------------------------


@require_GET
def child_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    status = request.GET.get("status", LeftBehindChild.Status.ACTIVE)
    status = status if status in LeftBehindChild.Status.values else ""
    capacity = request.GET.get("capacity", "")
    capacity = capacity if capacity in Capacity.values else ""
    overdue_only = request.GET.get("overdue") == "1"
    query = request.GET.get("q", "")[:40]
    township, townships = _township_filter(request)
    rows = selectors.children_list(
        request.user,
        today,
        status=status,
        overdue_only=overdue_only,
        query=query,
        township=township,
        capacity=capacity,
    )
    page = _page(request, rows)
    counts = selectors.status_counts(request.user)
    _log(request, [c.member for c in page], "留守儿童台账")
    filters = {"status": status, "overdue": "1" if overdue_only else "", "q": query, "township": township or ""}
    context = {
        "page": page,
        "status": status,
        "capacity": capacity,
        "capacities": Capacity.choices,
        "overdue_only": overdue_only,
        "query": query,
        "township": township,
        "townships": townships,
        "tabs": [(v, label, counts.get(v, 0)) for v, label in LeftBehindChild.Status.choices],
        "overdue_count": selectors.children_list(request.user, today, status="active", overdue_only=True).count(),
        "can_write": permissions.can_record(request.user),
        "can_generate": permissions.can_record(request.user, request.user.township_id)
        if request.user.township_id
        else False,
        "full_identity": can_see_full_identity(request.user),
        "export_query": urlencode({**filters, "capacity": capacity}),
        "filter_query": urlencode({**filters, "capacity": capacity}),
    }
    return render(request, "childcare/children/child_list.html", context)


@refused_unless(ensure_can_write)
@require_POST
def child_generate(request: HttpRequest) -> HttpResponse:
    if not request.user.township_id:
        return refuse(request, "请由乡镇（街道）工作人员从本乡镇的户籍标记生成台账。", 403)
    added = services.generate_from_registry(actor=request.user, township_id=request.user.township_id)
    messages.success(request, f"已从户籍标记生成 {added} 名留守儿童（已在台账中的不重复添加）。")
    return redirect("childcare-child-list")


@refused_unless(ensure_can_write)
def child_new(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    member_id = id_param(request.GET.get("member"))
    if member_id is None:
        pick = MemberPickForm(request.GET if "q" in request.GET else None)
        found = selectors.members_for_ledger(request.user, pick.cleaned_data["q"], today) if pick.is_valid() else []
        return render(request, "childcare/children/child_pick.html", {"pick": pick, "found": found, "target": "child"})
    member = selectors.get_member(request.user, member_id)
    if not permissions.can_record(request.user, member.household.township_id):
        return refuse(request, permissions.OWN_TOWNSHIP_ONLY, 403)
    _log(request, [member], "新增留守儿童")
    form = ChildForm.for_child(posted(request)[0], None)

    def save(data: dict[str, Any]) -> tuple[str, str]:
        child = services.save_child(actor=request.user, member=member, data=data)
        return f"已将{member.name}纳入留守儿童台账。", reverse("childcare-child-detail", args=[child.pk])

    return post_form(request, form, save) or render(
        request,
        "childcare/children/child_form.html",
        {"form": form, "member": member, "full_identity": can_see_full_identity(request.user)},
    )


def _child_detail(request: HttpRequest, child: LeftBehindChild, **forms: Any) -> HttpResponse:
    full = can_see_full_identity(request.user)
    _log(request, [child.member], f"留守儿童 {child.member.name} 详情")
    can_write = permissions.can_record(request.user, child) and child.status == LeftBehindChild.Status.ACTIVE
    context = {
        "child": child,
        "member": child.member,
        "visits": selectors.child_visits(child),
        "guardianship_cases": selectors.child_guardianship_cases(child),
        "visit_form": forms.get("visit_form") or VisitForm(),
        "end_form": forms.get("end_form") or EndChildForm(initial={"ended_on": timezone.localdate()}),
        "resolve_form": ResolveGuardianshipForm(),
        "can_write": can_write,
        "guardian_minor": services.guardian_is_minor(child),
        "full_identity": full,
        "responsible_phone": child.responsible_phone if full else masking.mask_phone(child.responsible_phone),
        "events": selectors.history(child=child, full=full),
    }
    return render(request, "childcare/children/child_detail.html", context)


@require_GET
def child_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _child_detail(request, selectors.get_child(request.user, pk, timezone.localdate()))


@refused_unless(ensure_can_write)
def child_edit(request: HttpRequest, pk: int) -> HttpResponse:
    child = selectors.get_child(request.user, pk, timezone.localdate())
    if not permissions.can_record(request.user, child):
        return refuse(request, permissions.OWN_TOWNSHIP_ONLY, 403)
    _log(request, [child.member], f"修改留守儿童 {child.member.name}")
    form = ChildForm.for_child(posted(request)[0], child)

    def save(data: dict[str, Any]) -> tuple[str, str]:
        services.save_child(actor=request.user, child=child, data=data)
        return "已保存。", reverse("childcare-child-detail", args=[child.pk])

    return post_form(request, form, save) or render(
        request,
        "childcare/children/child_form.html",
        {"form": form, "member": child.member, "child": child, "full_identity": can_see_full_identity(request.user)},
    )


@refused_unless(ensure_can_write)
@require_POST
def child_visit(request: HttpRequest, pk: int) -> HttpResponse:
    child = selectors.get_child(request.user, pk, timezone.localdate())
    form = VisitForm(request.POST)

    def save(data: dict[str, Any]) -> tuple[str, str]:
        services.record_visit(actor=request.user, child=child, data=data)
        return "已登记探访。", reverse("childcare-child-detail", args=[child.pk])

    return post_form(request, form, save) or _child_detail(request, child, visit_form=form)


@refused_unless(ensure_can_write)
@require_POST
def child_end(request: HttpRequest, pk: int) -> HttpResponse:
    child = selectors.get_child(request.user, pk, timezone.localdate())
    form = EndChildForm(request.POST)

    def save(data: dict[str, Any]) -> tuple[str, str]:
        services.end_child(actor=request.user, child=child, ended_on=data["ended_on"], reason=data["end_reason"])
        return "已移出台账。", reverse("childcare-child-detail", args=[child.pk])

    return post_form(request, form, save) or _child_detail(request, child, end_form=form)


@refused_unless(ensure_can_write)
@require_POST
def guardianship_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_guardianship_case(request.user, pk)
    form = ResolveGuardianshipForm(request.POST)
    submit(
        request,
        form,
        lambda data: (
            services.resolve_guardianship(
                actor=request.user, case=case, outcome=data["outcome"], note=data["outcome_note"]
            )
            and "监护问题个案已办结。"
        ),
    )
    return redirect("childcare-child-detail", pk=case.child_id)


# Orphans and de-facto unsupported children ------------------------------------------------------------------


@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    status = request.GET.get("status", ChildCase.Status.ACTIVE)
    status = status if status in ChildCase.Status.values else ""
    category = request.GET.get("category", "")
    category = category if category in ChildCase.Category.values else ""
    review_overdue = request.GET.get("overdue") == "1"
    query = request.GET.get("q", "")[:40]
    township, townships = _township_filter(request)
    rows = selectors.case_list(
        request.user,
        today,
        status=status,
        category=category,
        query=query,
        township=township,
        review_overdue=review_overdue,
    )
    page = _page(request, rows)
    _log(request, [c.member for c in page], "孤儿和事实无人抚养儿童档案")
    filters = {
        "status": status,
        "category": category,
        "overdue": "1" if review_overdue else "",
        "q": query,
        "township": township or "",
    }
    context = {
        "page": page,
        "status": status,
        "category": category,
        "review_overdue": review_overdue,
        "query": query,
        "township": township,
        "townships": townships,
        "statuses": ChildCase.Status.choices,
        "categories": ChildCase.Category.choices,
        "can_write": permissions.can_record(request.user),
        "full_identity": can_see_full_identity(request.user),
        "export_query": urlencode(filters),
        "filter_query": urlencode(filters),
    }
    return render(request, "childcare/children/case_list.html", context)


@refused_unless(ensure_can_write)
def case_new(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    member_id = id_param(request.GET.get("member"))
    if member_id is None:
        pick = MemberPickForm(request.GET if "q" in request.GET else None)
        found = selectors.members_for_ledger(request.user, pick.cleaned_data["q"], today) if pick.is_valid() else []
        return render(request, "childcare/children/child_pick.html", {"pick": pick, "found": found, "target": "case"})
    member = selectors.get_member(request.user, member_id)
    if not permissions.can_record(request.user, member.household.township_id):
        return refuse(request, permissions.OWN_TOWNSHIP_ONLY, 403)
    _log(request, [member], "新建孤儿（事实无人抚养儿童）档案")
    form = CaseForm.for_case(posted(request)[0], None)

    def save(data: dict[str, Any]) -> tuple[str, str]:
        case = services.open_case(actor=request.user, member=member, data=data)
        return f"已为{member.name}建立档案。", reverse("childcare-case-detail", args=[case.pk])

    return post_form(request, form, save) or render(
        request,
        "childcare/children/case_form.html",
        {"form": form, "member": member, "full_identity": can_see_full_identity(request.user)},
    )


def _case_detail(request: HttpRequest, case: ChildCase, **forms: Any) -> HttpResponse:
    today = timezone.localdate()
    full = can_see_full_identity(request.user)
    _log(request, [case.member], f"孤儿档案 {case.member.name} 详情")
    steps = list(selectors.case_steps(case))
    pending = next((s for s in steps if s.status == ChildCaseStep.Status.PENDING), None)
    context = {
        "case": case,
        "member": case.member,
        "steps": steps,
        "pending": pending,
        "step_form": forms.get("step_form") or StepForm(initial={"on": today}),
        "decide_form": forms.get("decide_form") or DecideStepForm(),
        "can_write": permissions.can_record(request.user, case) and case.status == ChildCase.Status.ACTIVE,
        "can_decide": pending is not None and permissions.can_decide_case_step(request.user, pending),
        "review_late": case.status == ChildCase.Status.ACTIVE and case.review_due < today,
        "insured_now": selectors.insured_on(case, today),
        "age_limit": services.orphan_age_limit(today),
        "at_age_limit": case.status == ChildCase.Status.ACTIVE
        and case.member.age_on(today) >= services.orphan_age_limit(today),
        "full_identity": full,
        "events": selectors.history(case=case, full=full),
    }
    return render(request, "childcare/children/case_detail.html", context)


@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_detail(request, selectors.get_case(request.user, pk))


@refused_unless(ensure_can_write)
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case(request.user, pk)
    if not permissions.can_record(request.user, case):
        return refuse(request, permissions.OWN_TOWNSHIP_ONLY, 403)
    _log(request, [case.member], f"修改孤儿档案 {case.member.name}")
    form = CaseForm.for_case(posted(request)[0], case)

    def save(data: dict[str, Any]) -> tuple[str, str]:
        services.update_case(actor=request.user, case=case, data=data)
        return "已保存。", reverse("childcare-case-detail", args=[case.pk])

    return post_form(request, form, save) or render(
        request,
        "childcare/children/case_form.html",
        {"form": form, "member": case.member, "case": case, "full_identity": can_see_full_identity(request.user)},
    )


@refused_unless(ensure_can_write)
@require_POST
def case_step(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case(request.user, pk)
    form = StepForm(request.POST)

    def save(data: dict[str, Any]) -> tuple[str, str]:
        step = services.prepare_step(actor=request.user, case=case, **data)
        return f"已提交{step.get_kind_display()}，待另一人审批。", reverse("childcare-case-detail", args=[case.pk])

    return post_form(request, form, save) or _case_detail(request, case, step_form=form)


@refused_unless(ensure_can_write)
@require_POST
def step_decide(request: HttpRequest, pk: int) -> HttpResponse:
    step = selectors.get_step(request.user, pk)
    form = DecideStepForm(request.POST)

    def save(data: dict[str, Any]) -> tuple[str, str]:
        approve = data["decision"] == "approve"
        services.decide_step(actor=request.user, step=step, approve=approve, note=data["note"])
        return ("已批准。" if approve else "已退回。"), reverse("childcare-case-detail", args=[step.case_id])

    return post_form(request, form, save) or _case_detail(
        request, selectors.get_case(request.user, step.case_id), decide_form=form
    )


# Children in difficulty -------------------------------------------------------------------------------------


@require_GET
def difficulty_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    kind = request.GET.get("kind", "")
    kind = kind if kind in selectors.DIFFICULTY_KINDS else ""
    query = request.GET.get("q", "")[:40]
    township, townships = _township_filter(request)
    page = _page(request, selectors.difficulty_children(request.user, today, kind=kind, query=query, township=township))
    members = list(page)
    _log(request, members, "困境儿童名单")
    support = selectors.support_of(members, today)
    rows = [(m, selectors.difficulty_labels(m), support[m.pk]) for m in members]
    filters = {"kind": kind, "q": query, "township": township or ""}
    context = {
        "page": page,
        "rows": rows,
        "kind": kind,
        "kinds": selectors.DIFFICULTY_KINDS.items(),
        "query": query,
        "township": township,
        "townships": townships,
        "full_identity": can_see_full_identity(request.user),
        "export_query": urlencode(filters),
        "filter_query": urlencode(filters),
    }
    return render(request, "childcare/children/difficulty_list.html", context)


# Alerts -----------------------------------------------------------------------------------------------------


@require_GET
def alert_list(request: HttpRequest) -> HttpResponse:
    tab = "closed" if request.GET.get("tab") == "closed" else "open"
    kind = request.GET.get("kind", "")
    kind = kind if kind in ChildAlert.Kind.values else ""
    query = request.GET.get("q", "")[:40]
    township, townships = _township_filter(request)
    alerts = selectors.alert_list(request.user, is_open=tab == "open", kind=kind, township=township, query=query)
    page = _page(request, alerts)
    filters = {"tab": tab, "kind": kind, "q": query, "township": township or ""}
    context = {
        "page": page,
        "rows": [(a, selectors.alert_link(a)) for a in page],
        "tab": tab,
        "kind": kind,
        "kinds": [(k, label) for k, label in ChildAlert.Kind.choices if k in selectors.CHILDREN_KINDS],
        "query": query,
        "township": township,
        "townships": townships,
        "counts": selectors.alert_counts(request.user),
        "can_start": permissions.can_start_child_alerts(request.user),
        "month": this_month(),
        "export_query": urlencode(filters),
        "filter_query": urlencode(filters),
    }
    return render(request, "childcare/children/alert_list.html", context)


@refused_unless(ensure_can_write)
@require_POST
def alert_start(request: HttpRequest) -> HttpResponse:
    if not permissions.can_start_child_alerts(request.user):
        return refuse(request, "儿童关爱月度核查由县民政局启动。", 403)
    month = month_param(request.POST.get("month"), lenient=True)
    run = start_job(JobRun.Kind.CHILDCARE, actor=request.user, month=month)
    messages.success(request, f"已启动 {month:%Y年%m月} 儿童关爱核查。")
    return redirect("job-detail", pk=run.pk)


urlpatterns = [
    path("children/", child_list, name="childcare-child-list"),
    path("children/generate/", child_generate, name="childcare-child-generate"),
    path("children/new/", child_new, name="childcare-child-new"),
    path("children/<int:pk>/", child_detail, name="childcare-child-detail"),
    path("children/<int:pk>/edit/", child_edit, name="childcare-child-edit"),
    path("children/<int:pk>/visit/", child_visit, name="childcare-child-visit"),
    path("children/<int:pk>/end/", child_end, name="childcare-child-end"),
    path("guardianship/<int:pk>/resolve/", guardianship_resolve, name="childcare-guardianship-resolve"),
    path("cases/", case_list, name="childcare-case-list"),
    path("cases/new/", case_new, name="childcare-case-new"),
    path("cases/<int:pk>/", case_detail, name="childcare-case-detail"),
    path("cases/<int:pk>/edit/", case_edit, name="childcare-case-edit"),
    path("cases/<int:pk>/step/", case_step, name="childcare-case-step"),
    path("case-steps/<int:pk>/decide/", step_decide, name="childcare-step-decide"),
    path("difficulty/", difficulty_list, name="childcare-difficulty-list"),
    path("alerts/", alert_list, name="childcare-alert-list"),
    path("alerts/start/", alert_start, name="childcare-alert-start"),
]
