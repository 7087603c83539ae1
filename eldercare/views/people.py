"""eldercare pages: people — the left-behind elderly ledger (list with due dates and the 逾期 mark, the person's
page with visits, adding from the registry flag or by hand), 失能 特困 persons and their 集中供养 willingness,
caregiver visits, community care facilities, construction tasks and coverage, and the app's alerts page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from assistance import jobs
from assistance.models import JobRun
from assistance.selectors import township_or_404, townships_by_code
from cases.permissions import can_see_full_identity, ensure_can_write, sees_whole_county
from cases.services import log_sensitive_access
from core.views import id_param, month_param, post_form, posted, refused_unless
from eldercare import permissions
from eldercare.forms.people import (
    ElderForm,
    EndForm,
    FacilityForm,
    MemberSearchForm,
    TaskForm,
    VisitForm,
    WillingnessForm,
)
from eldercare.models import CareFacility, ElderAlert, LeftBehindElder
from eldercare.selectors import people as selectors
from eldercare.services import people as services

PER_PAGE = 30


def _township_filter(request: HttpRequest) -> int | None:
    """The ``township`` filter of a county user's list (a township user always sees their own)."""
    if not sees_whole_county(request.user):
        return None
    pk = id_param(request.GET.get("township"))
    return township_or_404(request.user, pk).pk if pk is not None else None


def _user_name(user: Any) -> str:
    return user.first_name or user.username


# Left-behind elderly ---------------------------------------------------------------------------------------------


@require_GET
def elder_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    township = _township_filter(request)
    overdue = request.GET.get("overdue") == "1"
    ended = request.GET.get("ended") == "1"
    living = request.GET.get("living", "")
    if living not in LeftBehindElder.Living.values:
        living = ""
    query = request.GET.get("q", "")[:40]
    rows = selectors.elders(
        request.user, today=today, query=query, township=township, overdue=overdue, ended=ended, living=living
    )
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    log_sensitive_access(actor=request.user, members=[e.member for e in page], action="view", what="留守老年人台账")
    filters = {"q": query, "township": township or "", "overdue": "1" if overdue else "", "ended": "1" if ended else ""}
    filters["living"] = living
    context = {
        "page": page,
        "today": today,
        "query": query,
        "overdue": overdue,
        "ended": ended,
        "living": living,
        "livings": LeftBehindElder.Living.choices,
        "township": township,
        "townships": townships_by_code(request.user) if sees_whole_county(request.user) else None,
        "overdue_count": selectors.overdue_count(request.user, today),
        "can_write": permissions.can_record(request.user),
        "own_township": request.user.township
        if permissions.can_record(request.user, request.user.township_id)
        else None,
        "export_query": urlencode(filters),
        "filter_query": urlencode({k: v for k, v in filters.items() if v}),
        "full_identity": can_see_full_identity(request.user),
    }
    return render(request, "eldercare/people/elder_list.html", context)


@refused_unless(ensure_can_write)
@require_POST
def elder_generate(request: HttpRequest) -> HttpResponse:
    """从户籍标记生成: the user's township, or the township a county writer chose."""
    pk = id_param(request.POST.get("township")) or request.user.township_id
    if pk is None:
        return redirect(reverse("eldercare-elder-list"))
    township = township_or_404(request.user, pk)
    added = services.generate_from_registry(actor=request.user, township=township)
    messages.success(request, f"已从户籍标记生成：{township.name}新增 {added} 人（已在台账的不重复添加）。")
    return redirect(reverse("eldercare-elder-list"))


@refused_unless(ensure_can_write)
def elder_new(request: HttpRequest) -> HttpResponse:
    search = MemberSearchForm(request.GET)
    member_pk = id_param(request.GET.get("member"))
    member = selectors.get_member(request.user, member_pk) if member_pk is not None else None
    found = None
    if member is None:
        found = selectors.find_members(request.user, search.cleaned_data["q"]) if search.is_valid() else None
        return render(
            request,
            "eldercare/people/elder_new.html",
            {"search": search, "found": found, "member": None, "full_identity": can_see_full_identity(request.user)},
        )
    permissions.ensure_record(request.user, member.household.township_id)
    form = ElderForm(posted(request)[0], users=selectors.township_users(member.household.township_id))

    def add(data: dict[str, Any]) -> tuple[str, str]:
        elder = services.add_elder(actor=request.user, member=member, data=data)
        return f"已将{member.name}纳入留守老年人台账。", reverse("eldercare-elder-detail", args=[elder.pk])

    if response := post_form(request, form, add):
        return response
    context = {"search": search, "member": member, "form": form, "full_identity": can_see_full_identity(request.user)}
    return render(request, "eldercare/people/elder_new.html", context)


def _elder_page(request: HttpRequest, elder: LeftBehindElder, **forms: Any) -> HttpResponse:
    today = timezone.localdate()
    can_write = permissions.can_record(request.user, elder)
    visits = selectors.elder_visits(elder)
    context = {
        "elder": elder,
        "member": elder.member,
        "today": today,
        "visits": Paginator(visits, PER_PAGE).get_page(request.GET.get("page")),
        "visit_form": forms.get("visit_form") or VisitForm(visitor=_user_name(request.user)),
        "end_form": forms.get("end_form") or EndForm(initial={"ended_on": today}),
        "can_write": can_write and elder.active,
        "full_identity": can_see_full_identity(request.user),
        "events": selectors.history([elder, *visits[:50]], full_identity=can_see_full_identity(request.user)),
        "interval": selectors.visit_days(today),
    }
    return render(request, "eldercare/people/elder_detail.html", context)


@require_GET
def elder_detail(request: HttpRequest, pk: int) -> HttpResponse:
    elder = selectors.get_elder(request.user, pk, timezone.localdate())
    log_sensitive_access(actor=request.user, members=[elder.member], action="view", what="留守老年人台账详情")
    return _elder_page(request, elder)


@refused_unless(ensure_can_write)
def elder_edit(request: HttpRequest, pk: int) -> HttpResponse:
    elder = selectors.get_elder(request.user, pk, timezone.localdate())
    permissions.ensure_record(request.user, elder)
    initial = {field: getattr(elder, field) for field in ElderForm.base_fields}
    form = ElderForm(posted(request)[0], initial=initial, users=selectors.township_users(elder.township_id))

    def save(data: dict[str, Any]) -> tuple[str, str]:
        services.update_elder(actor=request.user, elder=elder, data=data)
        return "已保存。", reverse("eldercare-elder-detail", args=[elder.pk])

    if response := post_form(request, form, save):
        return response
    return render(request, "eldercare/people/elder_edit.html", {"elder": elder, "form": form})


@refused_unless(ensure_can_write)
@require_POST
def elder_visit(request: HttpRequest, pk: int) -> HttpResponse:
    elder = selectors.get_elder(request.user, pk, timezone.localdate())
    permissions.ensure_record(request.user, elder)
    form = VisitForm(request.POST)

    def record(data: dict[str, Any]) -> tuple[str, str]:
        visit = services.record_visit(actor=request.user, elder=elder, data=data)
        return f"已登记 {visit.visited_on:%Y-%m-%d} 的探访。", reverse("eldercare-elder-detail", args=[elder.pk])

    return post_form(request, form, record) or _elder_page(request, elder, visit_form=form)


@refused_unless(ensure_can_write)
@require_POST
def elder_end(request: HttpRequest, pk: int) -> HttpResponse:
    elder = selectors.get_elder(request.user, pk, timezone.localdate())
    permissions.ensure_record(request.user, elder)
    form = EndForm(request.POST)

    def end(data: dict[str, Any]) -> tuple[str, str]:
        services.end_elder(actor=request.user, elder=elder, ended_on=data["ended_on"], reason=data["end_reason"])
        return f"已将{elder.member.name}移出台账。", reverse("eldercare-elder-detail", args=[elder.pk])

    return post_form(request, form, end) or _elder_page(request, elder, end_form=form)


# 失能 特困 persons, willingness and caregiver visits ------------------------------------------------------------------


@require_GET
def willingness_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    township = _township_filter(request)
    query = request.GET.get("q", "")[:40]
    rows = selectors.disabled_tekun(request.user, today=today, township=township, query=query)
    context = {
        "page": Paginator(rows, PER_PAGE).get_page(request.GET.get("page")),
        "share": selectors.disabled_share(rows),
        "pilots": selectors.pilot_townships(),
        "can_set_pilot": permissions.can_county_act(request.user),
        "query": query,
        "township": township,
        "townships": townships_by_code(request.user) if sees_whole_county(request.user) else None,
        "export_query": urlencode({"township": township or "", "q": query}),
        "filter_query": urlencode({k: v for k, v in {"township": township or "", "q": query}.items() if v}),
    }
    return render(request, "eldercare/people/willingness_list.html", context)


@refused_unless(permissions.ensure_county_act)
@require_POST
def pilot_set(request: HttpRequest) -> HttpResponse:
    """The county marks or unmarks a township as running the 集中托养 pilot (asked to confirm on the page)."""
    pk = id_param(request.POST.get("township"))
    if pk is None:
        messages.error(request, "请选择乡镇。")
        return redirect(reverse("eldercare-willingness-list"))
    township = township_or_404(request.user, pk)
    pilot = request.POST.get("pilot") == "1"
    services.set_pilot(actor=request.user, township=township, pilot=pilot)
    messages.success(request, f"已将{township.name}{'设为' if pilot else '取消'}集中托养试点。")
    return redirect(reverse("eldercare-willingness-list") + f"?township={township.pk}")


def _tekun_page(request: HttpRequest, pk: int, **forms: Any) -> HttpResponse:
    member = selectors.get_member(request.user, pk)
    enrollment = selectors.tekun_enrollment(member)
    township_id = member.household.township_id
    dispersed = enrollment is not None and enrollment.support_mode == enrollment.SupportMode.DISPERSED
    willingness = selectors.member_willingness(member)
    visits = selectors.caregiver_visits(request.user, member=member.pk)
    context = {
        "member": member,
        "enrollment": enrollment,
        "dispersed": dispersed,
        "pilot": township_id in selectors.pilot_townships(),
        "willingness": willingness,
        "visits": visits[:100],
        "willing_form": forms.get("willing_form") or WillingnessForm(initial={"asked_on": timezone.localdate()}),
        "visit_form": forms.get("visit_form") or VisitForm(visitor=enrollment.caregiver_name if enrollment else ""),
        "can_write": permissions.can_record(request.user, township_id) and enrollment is not None,
        "full_identity": can_see_full_identity(request.user),
        "events": selectors.history(
            [*willingness[:50], *visits[:50]], full_identity=can_see_full_identity(request.user)
        ),
    }
    return render(request, "eldercare/people/tekun_detail.html", context)


@require_GET
def tekun_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.get_member(request.user, pk)
    log_sensitive_access(actor=request.user, members=[member], action="view", what="失能特困人员集中供养意愿")
    return _tekun_page(request, pk)


@refused_unless(ensure_can_write)
@require_POST
def tekun_willingness(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.get_member(request.user, pk)
    form = WillingnessForm(request.POST)

    def record(data: dict[str, Any]) -> tuple[str, str]:
        services.record_willingness(actor=request.user, member=member, **data)
        return "已登记集中供养意愿。", reverse("eldercare-tekun-detail", args=[member.pk])

    return post_form(request, form, record) or _tekun_page(request, pk, willing_form=form)


@refused_unless(ensure_can_write)
@require_POST
def tekun_visit(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.get_member(request.user, pk)
    form = VisitForm(request.POST)

    def record(data: dict[str, Any]) -> tuple[str, str]:
        services.record_caregiver_visit(actor=request.user, member=member, data=data)
        return "已登记照料探访。", reverse("eldercare-tekun-detail", args=[member.pk])

    return post_form(request, form, record) or _tekun_page(request, pk, visit_form=form)


# Facilities, construction tasks and coverage ------------------------------------------------------------------


@require_GET
def coverage(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    township = _township_filter(request) or request.user.township_id
    rows = list(selectors.township_coverage(request.user))
    for row in rows:
        row.land_per_resident = selectors.land_per_resident(row.land, row.residents)
        row.uncovered_villages = row.village_count - row.covered_villages
    chosen = next((row for row in rows if row.pk == township), None)
    context = {
        "rows": rows,
        "county": selectors.county_coverage(rows),
        "standard": selectors.land_standard(today),
        "chosen": chosen,
        "villages": selectors.villages_coverage(chosen) if chosen else None,
        "whole_county": sees_whole_county(request.user),
    }
    return render(request, "eldercare/people/coverage.html", context)


@require_GET
def facility_list(request: HttpRequest) -> HttpResponse:
    township = _township_filter(request)
    kind = request.GET.get("kind", "")
    if kind not in CareFacility.Kind.values:
        kind = ""
    query = request.GET.get("q", "")[:40]
    rows = selectors.facilities(request.user, township=township, kind=kind, query=query)
    filters = {"township": township or "", "kind": kind, "q": query}
    context = {
        "page": Paginator(rows, PER_PAGE).get_page(request.GET.get("page")),
        "kinds": CareFacility.Kind.choices,
        "kind": kind,
        "query": query,
        "township": township,
        "townships": townships_by_code(request.user) if sees_whole_county(request.user) else None,
        "can_write": permissions.can_record(request.user),
        "export_query": urlencode(filters),
        "filter_query": urlencode({k: v for k, v in filters.items() if v}),
    }
    return render(request, "eldercare/people/facility_list.html", context)


def _place_choices(request: HttpRequest) -> dict[str, Any]:
    return {"townships": townships_by_code(request.user), "villages": selectors.villages_of(request.user)}


@refused_unless(ensure_can_write)
def facility_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    facility = selectors.get_facility(request.user, pk) if pk is not None else None
    if facility is not None:
        permissions.ensure_record(request.user, facility)
        initial = {f: getattr(facility, f) for f in FacilityForm.base_fields}
    else:
        initial = {"township": request.user.township, "status": CareFacility.Status.OPEN}
    form = FacilityForm(posted(request)[0], initial=initial, **_place_choices(request))

    def save(data: dict[str, Any]) -> tuple[str, str]:
        saved = services.save_facility(actor=request.user, data=data, facility=facility)
        return f"已保存{saved.name}。", reverse("eldercare-facility-list")

    if response := post_form(request, form, save):
        return response
    events = selectors.history([facility], full_identity=can_see_full_identity(request.user)) if facility else []
    return render(
        request, "eldercare/people/facility_form.html", {"form": form, "facility": facility, "events": events}
    )


@require_GET
def task_list(request: HttpRequest) -> HttpResponse:
    township = _township_filter(request)
    year = id_param(request.GET.get("year"))
    if year is not None and not 2000 <= year <= 2100:
        year = None
    open_only = request.GET.get("open") == "1"
    rows = selectors.tasks(request.user, township=township, year=year, open_only=open_only)
    filters = {"township": township or "", "year": year or "", "open": "1" if open_only else ""}
    context = {
        "page": Paginator(rows, PER_PAGE).get_page(request.GET.get("page")),
        "year": year,
        "open_only": open_only,
        "today": timezone.localdate(),
        "township": township,
        "townships": townships_by_code(request.user) if sees_whole_county(request.user) else None,
        "can_write": permissions.can_record(request.user),
        "export_query": urlencode(filters),
        "filter_query": urlencode({k: v for k, v in filters.items() if v}),
    }
    return render(request, "eldercare/people/task_list.html", context)


@refused_unless(ensure_can_write)
def task_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    task = selectors.get_task(request.user, pk) if pk is not None else None
    if task is not None:
        permissions.ensure_record(request.user, task)
        initial = {f: getattr(task, f) for f in TaskForm.base_fields}
    else:
        initial = {"township": request.user.township, "year": timezone.localdate().year}
    form = TaskForm(posted(request)[0], initial=initial, **_place_choices(request))

    def save(data: dict[str, Any]) -> tuple[str, str]:
        services.save_task(actor=request.user, data=data, task=task)
        return "已保存建设任务。", reverse("eldercare-task-list")

    if response := post_form(request, form, save):
        return response
    events = selectors.history([task], full_identity=can_see_full_identity(request.user)) if task else []
    return render(request, "eldercare/people/task_form.html", {"form": form, "task": task, "events": events})


# Alerts -----------------------------------------------------------------------------------------------------------


def _alert_url(alert: ElderAlert) -> str:
    link = selectors.alert_link(alert)
    if link is None:
        return ""
    try:
        return reverse(link[0], args=[link[1]])
    except NoReverseMatch:
        return ""


@require_GET
def alert_list(request: HttpRequest) -> HttpResponse:
    township = _township_filter(request)
    closed = request.GET.get("closed") == "1"
    kind = request.GET.get("kind", "")
    if kind not in ElderAlert.Kind.values:
        kind = ""
    rows = selectors.alerts(request.user, closed=closed, kind=kind, township=township)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    for alert in page:
        alert.url = _alert_url(alert)
        alert.evidence_text = selectors.evidence_text(alert.evidence)
    counts = selectors.alert_counts(request.user, township=township)
    filters = {"township": township or "", "kind": kind, "closed": "1" if closed else ""}
    context = {
        "page": page,
        "closed": closed,
        "kind": kind,
        "kinds": [(value, label, counts.get(value, 0)) for value, label in ElderAlert.Kind.choices],
        "open_total": sum(counts.values()),
        "township": township,
        "townships": townships_by_code(request.user) if sees_whole_county(request.user) else None,
        "can_run": permissions.can_county_act(request.user),
        "last_run": selectors.last_run(),
        "export_query": urlencode(filters),
        "filter_query": urlencode({k: v for k, v in filters.items() if v}),
        "this_month": timezone.localdate().strftime("%Y-%m"),
    }
    return render(request, "eldercare/people/alert_list.html", context)


@refused_unless(permissions.ensure_county_act)
@require_POST
def alert_run(request: HttpRequest) -> HttpResponse:
    """A county writer starts the month's check of every township (asked to confirm on the page)."""
    month = month_param(request.POST.get("month"), lenient=True)
    jobs.start_job(JobRun.Kind.ELDERCARE, actor=request.user, month=month)
    messages.success(request, f"已开始 {month:%Y 年 %m 月} 的养老服务核查，完成后提醒列表自动更新。")
    return redirect(reverse("eldercare-alert-list"))


urlpatterns = [
    path("elders/", elder_list, name="eldercare-elder-list"),
    path("elders/new/", elder_new, name="eldercare-elder-new"),
    path("elders/generate/", elder_generate, name="eldercare-elder-generate"),
    path("elders/<int:pk>/", elder_detail, name="eldercare-elder-detail"),
    path("elders/<int:pk>/edit/", elder_edit, name="eldercare-elder-edit"),
    path("elders/<int:pk>/visit/", elder_visit, name="eldercare-elder-visit"),
    path("elders/<int:pk>/end/", elder_end, name="eldercare-elder-end"),
    path("willingness/", willingness_list, name="eldercare-willingness-list"),
    path("willingness/pilot/", pilot_set, name="eldercare-pilot-set"),
    path("tekun/<int:pk>/", tekun_detail, name="eldercare-tekun-detail"),
    path("tekun/<int:pk>/willingness/", tekun_willingness, name="eldercare-tekun-willingness"),
    path("tekun/<int:pk>/visit/", tekun_visit, name="eldercare-tekun-visit"),
    path("coverage/", coverage, name="eldercare-coverage"),
    path("facilities/", facility_list, name="eldercare-facility-list"),
    path("facilities/new/", facility_form, name="eldercare-facility-new"),
    path("facilities/<int:pk>/", facility_form, name="eldercare-facility-edit"),
    path("tasks/", task_list, name="eldercare-task-list"),
    path("tasks/new/", task_form, name="eldercare-task-new"),
    path("tasks/<int:pk>/", task_form, name="eldercare-task-edit"),
    path("alerts/", alert_list, name="eldercare-alert-list"),
    path("alerts/run/", alert_run, name="eldercare-alert-run"),
]
