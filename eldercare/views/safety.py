"""Safety pages of eldercare (issue 15 items 4–6): inspections with the GB 38600 checklist, hazards and their
rectification (with the county's list of reported hazards), a home's safety page (residents awaiting risk
assessment), a resident's assessments and incidents, renovation projects with milestones, files and the county's
acceptance, and the county's checklist. Reads go through ``eldercare.selectors.safety`` (scoped), writes through
``eldercare.services.safety``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from cases.models import SensitiveAccessLog
from cases.permissions import can_see_full_identity
from cases.services import log_sensitive_access
from core.views import id_param, next_url, post_form, posted, refused_unless, submit
from eldercare import permissions
from eldercare.forms import safety as forms
from eldercare.models.safety import Hazard, Incident, InspectionResult, RenovationProject
from eldercare.selectors import safety as selectors
from eldercare.services import safety as services

PER_PAGE = 30


def _filter_form(request: HttpRequest, form_class: type[forms._Filter]) -> forms._Filter:
    user = request.user
    form = form_class(request.GET, homes=selectors.visible_homes(user), townships=selectors.visible_townships(user))
    form.is_valid()
    return form


def _export_query(request: HttpRequest, *names: str) -> str:
    return urlencode({name: request.GET.get(name, "") for name in names if request.GET.get(name)})


def _history(request: HttpRequest, *objects: Any) -> list[Any]:
    return selectors.history(*objects, full_identity=can_see_full_identity(request.user))


# Inspections ------------------------------------------------------------------------------------------------------


@require_GET
def inspection_list(request: HttpRequest) -> HttpResponse:
    form = _filter_form(request, forms.InspectionFilterForm)
    filters = selectors.InspectionFilter(
        township=form.value("township"),
        home=form.value("home"),
        by=form.value("by") or "",
        month=form.value("month"),
        q=form.value("q") or "",
    )
    context = {
        "form": form,
        "page": Paginator(selectors.inspection_list(request.user, filters), PER_PAGE).get_page(request.GET.get("page")),
        "can_write": permissions.can_record_safety(request.user),
        "can_edit_checklist": permissions.can_edit_checklist(request.user),
        "export_query": _export_query(request, "township", "home", "by", "month", "q"),
    }
    return render(request, "eldercare/safety/inspection_list.html", context)


def _pick_home(request: HttpRequest) -> Any:
    home_id = id_param(request.GET.get("home"))
    return selectors.get_home(request.user, home_id) if home_id is not None else None


def _home_picker(request: HttpRequest, title: str, url_name: str) -> HttpResponse:
    form = forms.HomeChoiceForm(
        request.GET if "home" in request.GET else None, homes=selectors.visible_homes(request.user)
    )
    return render(
        request,
        "eldercare/safety/home_picker.html",
        {"form": form, "title": title, "action": reverse(url_name)},
    )


@refused_unless(permissions.ensure_record_safety)
def inspection_new(request: HttpRequest) -> HttpResponse:
    home = _pick_home(request)
    if home is None:
        return _home_picker(request, "登记安全检查", "eldercare-inspection-new")
    permissions.ensure_record_safety(request.user, home)
    form = forms.InspectionForm(posted(request)[0], items=selectors.checklist(active_only=True))

    def record(data: dict[str, Any]) -> tuple[str, str]:
        inspection = services.record_inspection(actor=request.user, home=home, data=data, results=form.results())
        return "已登记安全检查。", reverse("eldercare-inspection-detail", args=[inspection.pk])

    if response := post_form(request, form, record):
        return response
    return render(request, "eldercare/safety/inspection_form.html", {"form": form, "home": home})


@require_GET
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = selectors.get_inspection(request.user, pk)
    context = {
        "inspection": inspection,
        "results": selectors.inspection_results(inspection),
        "hazards": inspection.hazards.all(),
        "problem": InspectionResult.Result.PROBLEM,
        "can_write": permissions.can_record_safety(request.user, inspection.home),
        "events": _history(request, inspection),
    }
    return render(request, "eldercare/safety/inspection_detail.html", context)


# Hazards ----------------------------------------------------------------------------------------------------------


@require_GET
def hazard_list(request: HttpRequest) -> HttpResponse:
    form = _filter_form(request, forms.HazardFilterForm)
    status = request.GET.get("status", "")
    if status not in Hazard.Status.values:
        status = ""
    overdue = request.GET.get("overdue") == "1"
    reported = request.GET.get("reported") == "1"
    today = timezone.localdate()
    filters = selectors.HazardFilter(
        status=status,
        overdue=overdue,
        reported=reported,
        township=form.value("township"),
        home=form.value("home"),
        level=form.value("level") or "",
        q=form.value("q") or "",
    )
    counts = selectors.hazard_counts(request.user, today)
    context = {
        "form": form,
        "page": Paginator(selectors.hazard_list(request.user, today, filters), PER_PAGE).get_page(
            request.GET.get("page")
        ),
        "tabs": [(value, label, counts.get(value, 0)) for value, label in Hazard.Status.choices],
        "status": status,
        "overdue": overdue,
        "reported": reported,
        "counts": counts,
        "keep": [("status", status), ("overdue", "1" if overdue else ""), ("reported", "1" if reported else "")],
        "can_write": permissions.can_record_safety(request.user),
        "export_query": _export_query(request, "status", "overdue", "reported", "township", "home", "level", "q"),
    }
    return render(request, "eldercare/safety/hazard_list.html", context)


@refused_unless(permissions.ensure_record_safety)
def hazard_new(request: HttpRequest) -> HttpResponse:
    inspection = None
    inspection_id = id_param(request.GET.get("inspection"))
    if inspection_id is not None:
        inspection = selectors.get_inspection(request.user, inspection_id)
        home = inspection.home
    else:
        home = _pick_home(request)
    if home is None:
        return _home_picker(request, "登记安全隐患", "eldercare-hazard-new")
    permissions.ensure_record_safety(request.user, home)
    initial = {"found_on": inspection.date if inspection else timezone.localdate()}
    form = forms.HazardForm(posted(request)[0], initial=initial)

    def record(data: dict[str, Any]) -> tuple[str, str]:
        hazard = services.record_hazard(actor=request.user, home=home, data=data, inspection=inspection)
        return "已登记隐患。", reverse("eldercare-hazard-detail", args=[hazard.pk])

    if response := post_form(request, form, record):
        return response
    return render(request, "eldercare/safety/hazard_form.html", {"form": form, "home": home, "inspection": inspection})


def _hazard_page(request: HttpRequest, hazard: Hazard, **bound: Any) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    can_write = permissions.can_record_safety(user, hazard.home)
    context = {
        "hazard": hazard,
        "overdue": selectors.is_overdue(hazard, today),
        "steps": selectors.hazard_steps(hazard),
        "events": _history(request, hazard),
        "can_fix": can_write and hazard.status == Hazard.Status.RECTIFYING,
        "can_close": permissions.can_close_hazard(user, hazard) and hazard.status == Hazard.Status.REPORTED,
        "fix_form": bound.get("fix_form") or forms.FixHazardForm(initial={"fixed_on": today}),
        "report_form": bound.get("report_form") or forms.ReportHazardForm(),
        "close_form": bound.get("close_form") or forms.CloseHazardForm(initial={"closed_on": today}),
    }
    return render(request, "eldercare/safety/hazard_detail.html", context)


@require_GET
def hazard_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _hazard_page(request, selectors.get_hazard(request.user, pk))


@refused_unless(permissions.ensure_record_safety)
@require_POST
def hazard_fix(request: HttpRequest, pk: int) -> HttpResponse:
    hazard = selectors.get_hazard(request.user, pk)
    form = forms.FixHazardForm(request.POST, request.FILES)

    def fix(data: dict[str, Any]) -> tuple[str, str]:
        services.fix_hazard(actor=request.user, hazard=hazard, data=data, upload=data.get("evidence_file"))
        return "已登记整改完成。", reverse("eldercare-hazard-detail", args=[hazard.pk])

    return post_form(request, form, fix) or _hazard_page(request, hazard, fix_form=form)


@refused_unless(permissions.ensure_record_safety)
@require_POST
def hazard_report(request: HttpRequest, pk: int) -> HttpResponse:
    hazard = selectors.get_hazard(request.user, pk)
    form = forms.ReportHazardForm(request.POST)

    def report(data: dict[str, Any]) -> tuple[str, str]:
        services.report_hazard(actor=request.user, hazard=hazard, reason=data["reason"])
        return "已上报县民政局。", reverse("eldercare-hazard-detail", args=[hazard.pk])

    return post_form(request, form, report) or _hazard_page(request, hazard, report_form=form)


@refused_unless(permissions.ensure_close_hazard)
@require_POST
def hazard_close(request: HttpRequest, pk: int) -> HttpResponse:
    hazard = selectors.get_hazard(request.user, pk)
    form = forms.CloseHazardForm(request.POST)

    def close(data: dict[str, Any]) -> tuple[str, str]:
        services.close_hazard(actor=request.user, hazard=hazard, handling=data["handling"], closed_on=data["closed_on"])
        return "已办结该隐患。", reverse("eldercare-hazard-detail", args=[hazard.pk])

    return post_form(request, form, close) or _hazard_page(request, hazard, close_form=form)


def _download(stored: Any, name: str) -> HttpResponse:
    if not stored:
        raise Http404("没有文件。")
    try:
        handle = stored.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404("文件已不存在。") from None
    return FileResponse(handle, as_attachment=True, filename=name)


@require_GET
def hazard_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    hazard = selectors.get_hazard(request.user, pk)
    return _download(hazard.evidence_file, hazard.evidence_file_name or "整改佐证材料")


# A home's safety page, residents' assessments and incidents -------------------------------------------------------


@require_GET
def home_safety(request: HttpRequest, pk: int) -> HttpResponse:
    home = selectors.get_home(request.user, pk)
    summary = selectors.home_safety_summary(request.user, home, timezone.localdate())
    log_sensitive_access(
        actor=request.user,
        members=[r.member for r in summary["residents"]],
        action=SensitiveAccessLog.Action.VIEW,
        what=f"{home.name}入住老人风险评估",
        everyone=True,
    )
    context = {
        **summary,
        "can_write": permissions.can_record_safety(request.user, home),
        "full_identity": can_see_full_identity(request.user),
    }
    return render(request, "eldercare/safety/home_safety.html", context)


@require_GET
def resident_safety(request: HttpRequest, pk: int) -> HttpResponse:
    residence = selectors.get_residence(request.user, pk)
    log_sensitive_access(
        actor=request.user,
        members=[residence.member],
        action=SensitiveAccessLog.Action.VIEW,
        what="入住老人风险评估与安全事件",
        everyone=True,
    )
    context = {
        "residence": residence,
        "assessments": selectors.assessments_of(residence),
        "incidents": selectors.incidents_of(residence),
        "level_now": selectors.level_label(services.self_care_level(residence.member.self_care_lost)),
        "can_write": permissions.can_record_safety(request.user, residence.home),
        "full_identity": can_see_full_identity(request.user),
    }
    return render(request, "eldercare/safety/resident_safety.html", context)


@refused_unless(permissions.ensure_record_safety)
def assessment_new(request: HttpRequest, pk: int) -> HttpResponse:
    residence = selectors.get_residence(request.user, pk)
    permissions.ensure_record_safety(request.user, residence.home)
    form = forms.AssessmentForm(posted(request)[0], initial={"date": timezone.localdate()})

    def record(data: dict[str, Any]) -> tuple[str, str]:
        services.record_assessment(actor=request.user, residence=residence, data=data)
        return "已登记风险评估。", reverse("eldercare-resident-safety", args=[residence.pk])

    if response := post_form(request, form, record):
        return response
    context = {
        "form": form,
        "residence": residence,
        "level_now": selectors.level_label(services.self_care_level(residence.member.self_care_lost)),
    }
    return render(request, "eldercare/safety/assessment_form.html", context)


@refused_unless(permissions.ensure_record_safety)
def incident_new(request: HttpRequest, pk: int) -> HttpResponse:
    residence = selectors.get_residence(request.user, pk)
    permissions.ensure_record_safety(request.user, residence.home)
    form = forms.IncidentForm(posted(request)[0])

    def record(data: dict[str, Any]) -> tuple[str, str]:
        services.record_incident(actor=request.user, residence=residence, data=data)
        return "已登记安全事件。", reverse("eldercare-resident-safety", args=[residence.pk])

    if response := post_form(request, form, record):
        return response
    return render(request, "eldercare/safety/incident_form.html", {"form": form, "residence": residence})


@require_GET
def incident_list(request: HttpRequest) -> HttpResponse:
    form = _filter_form(request, forms.IncidentFilterForm)
    kind = request.GET.get("kind", "")
    if kind not in Incident.Kind.values:
        kind = ""
    rows = selectors.incident_list(
        request.user, home=form.value("home"), township=form.value("township"), kind=kind, q=form.value("q") or ""
    )
    context = {
        "form": form,
        "keep": [("kind", kind)],
        "kinds": Incident.Kind.choices,
        "kind": kind,
        "page": Paginator(rows, PER_PAGE).get_page(request.GET.get("page")),
    }
    return render(request, "eldercare/safety/incident_list.html", context)


# Renovation -------------------------------------------------------------------------------------------------------


@require_GET
def renovation_list(request: HttpRequest) -> HttpResponse:
    form = _filter_form(request, forms.ProjectFilterForm)
    status = request.GET.get("status", "")
    if status not in RenovationProject.Status.values:
        status = ""
    filters = selectors.ProjectFilter(
        status=status,
        kind=form.value("kind") or "",
        township=form.value("township"),
        home=form.value("home"),
        q=form.value("q") or "",
    )
    counts = selectors.project_counts(request.user)
    context = {
        "form": form,
        "page": Paginator(selectors.project_list(request.user, filters), PER_PAGE).get_page(request.GET.get("page")),
        "tabs": [(value, label, counts.get(value, 0)) for value, label in RenovationProject.Status.choices],
        "status": status,
        "keep": [("status", status)],
        "can_write": permissions.can_record_safety(request.user),
        "export_query": _export_query(request, "status", "kind", "township", "home", "q"),
    }
    return render(request, "eldercare/safety/renovation_list.html", context)


@refused_unless(permissions.ensure_record_safety)
def renovation_new(request: HttpRequest) -> HttpResponse:
    home = _pick_home(request)
    if home is None:
        return _home_picker(request, "登记改造维修项目", "eldercare-renovation-new")
    permissions.ensure_record_safety(request.user, home)
    form = forms.ProjectForm(posted(request)[0])

    def record(data: dict[str, Any]) -> tuple[str, str]:
        project = services.save_project(actor=request.user, home=home, data=data)
        return "已登记项目。", reverse("eldercare-renovation-detail", args=[project.pk])

    if response := post_form(request, form, record):
        return response
    return render(request, "eldercare/safety/renovation_form.html", {"form": form, "home": home, "project": None})


@refused_unless(permissions.ensure_record_safety)
def renovation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.get_project(request.user, pk)
    permissions.ensure_record_safety(request.user, project.home)
    initial = {name: getattr(project, name) for name in services.PROJECT_FIELDS}
    form = forms.ProjectForm(posted(request)[0], initial=initial)

    def save(data: dict[str, Any]) -> tuple[str, str]:
        services.save_project(actor=request.user, project=project, data=data)
        return "已保存项目。", reverse("eldercare-renovation-detail", args=[project.pk])

    if response := post_form(request, form, save):
        return response
    context = {"form": form, "home": project.home, "project": project}
    return render(request, "eldercare/safety/renovation_form.html", context)


def _project_page(request: HttpRequest, project: RenovationProject, **bound: Any) -> HttpResponse:
    user = request.user
    today = timezone.localdate()
    changeable = project.status != RenovationProject.Status.ACCEPTED
    can_write = permissions.can_record_safety(user, project.home) and changeable
    milestones = list(selectors.project_milestones(project))
    context = {
        "project": project,
        "milestones": milestones,
        "files": selectors.project_files(project),
        "events": _history(request, project, *milestones),
        "can_write": can_write,
        "can_complete": can_write
        and project.status in (RenovationProject.Status.PLANNED, RenovationProject.Status.UNDERWAY),
        "completed": project.status == RenovationProject.Status.COMPLETED,
        "can_accept": permissions.can_accept_project(user, project)
        and project.status == RenovationProject.Status.COMPLETED,
        "accept_refusal": permissions.acceptance_refusal(user, project),
        "milestone_form": bound.get("milestone_form") or forms.MilestoneForm(),
        "done_form": forms.MilestoneDoneForm(initial={"done_on": today}),
        "file_form": bound.get("file_form") or forms.FileForm(),
        "completion_form": bound.get("completion_form") or forms.CompletionForm(initial={"actual_end": today}),
        "acceptance_form": bound.get("acceptance_form") or forms.AcceptanceForm(initial={"accepted_on": today}),
    }
    return render(request, "eldercare/safety/renovation_detail.html", context)


@require_GET
def renovation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _project_page(request, selectors.get_project(request.user, pk))


def _project_post(request: HttpRequest, pk: int, form_class: type, key: str, write: Any, done: str) -> HttpResponse:
    project = selectors.get_project(request.user, pk)
    form = form_class(request.POST, request.FILES)

    def act(data: dict[str, Any]) -> tuple[str, str]:
        write(project, data)
        return done, reverse("eldercare-renovation-detail", args=[project.pk])

    return post_form(request, form, act) or _project_page(request, project, **{key: form})


@refused_unless(permissions.ensure_record_safety)
@require_POST
def milestone_new(request: HttpRequest, pk: int) -> HttpResponse:
    return _project_post(
        request,
        pk,
        forms.MilestoneForm,
        "milestone_form",
        lambda project, data: services.add_milestone(actor=request.user, project=project, data=data),
        "已添加项目节点。",
    )


@refused_unless(permissions.ensure_record_safety)
@require_POST
def milestone_done(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = selectors.get_milestone(request.user, pk)
    form = forms.MilestoneDoneForm(request.POST)

    def done(data: dict[str, Any]) -> str:
        services.complete_milestone(actor=request.user, milestone=milestone, done_on=data["done_on"])
        return f"已登记节点“{milestone.title}”完成。"

    submit(request, form, done)
    return redirect(next_url(request, reverse("eldercare-renovation-detail", args=[milestone.project_id])))


@refused_unless(permissions.ensure_record_safety)
@require_POST
def renovation_upload(request: HttpRequest, pk: int) -> HttpResponse:
    return _project_post(
        request,
        pk,
        forms.FileForm,
        "file_form",
        lambda project, data: services.upload_project_file(
            actor=request.user, project=project, kind=data["kind"], upload=data["file"]
        ),
        "已上传。",
    )


@require_GET
def renovation_file(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.get_project_file(request.user, pk)
    return _download(record.file, record.original_name)


@refused_unless(permissions.ensure_record_safety)
@require_POST
def renovation_complete(request: HttpRequest, pk: int) -> HttpResponse:
    return _project_post(
        request,
        pk,
        forms.CompletionForm,
        "completion_form",
        lambda project, data: services.record_completion(
            actor=request.user, project=project, actual_end=data["actual_end"]
        ),
        "已登记完工，待县民政局验收。",
    )


@refused_unless(permissions.ensure_county_act)
@require_POST
def renovation_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _project_post(
        request,
        pk,
        forms.AcceptanceForm,
        "acceptance_form",
        lambda project, data: services.accept_project(
            actor=request.user, project=project, accepted_on=data["accepted_on"], note=data["note"]
        ),
        "已验收。",
    )


# The checklist (county) -------------------------------------------------------------------------------------------


@require_GET
def checklist(request: HttpRequest) -> HttpResponse:
    context = {
        "page": Paginator(selectors.checklist(), 100).get_page(request.GET.get("page")),
        "can_edit": permissions.can_edit_checklist(request.user),
    }
    return render(request, "eldercare/safety/checklist.html", context)


@refused_unless(permissions.ensure_edit_checklist)
def checklist_new(request: HttpRequest) -> HttpResponse:
    form = forms.ChecklistItemForm(posted(request)[0], initial={"active": True})

    def save(data: dict[str, Any]) -> tuple[str, str]:
        services.save_checklist_item(actor=request.user, data=data)
        return "已添加检查项目。", reverse("eldercare-checklist")

    if response := post_form(request, form, save):
        return response
    return render(request, "eldercare/safety/checklist_form.html", {"form": form, "item": None})


@refused_unless(permissions.ensure_edit_checklist)
def checklist_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.get_checklist_item(pk)
    initial = {"heading": item.heading, "text": item.text, "order": item.order, "active": item.active}
    form = forms.ChecklistItemForm(posted(request)[0], initial=initial)

    def save(data: dict[str, Any]) -> tuple[str, str]:
        services.save_checklist_item(actor=request.user, data=data, item=item)
        return "已保存检查项目。", reverse("eldercare-checklist")

    if response := post_form(request, form, save):
        return response
    return render(request, "eldercare/safety/checklist_form.html", {"form": form, "item": item})


urlpatterns = [
    path("safety/inspections/", inspection_list, name="eldercare-inspection-list"),
    path("safety/inspections/new/", inspection_new, name="eldercare-inspection-new"),
    path("safety/inspections/<int:pk>/", inspection_detail, name="eldercare-inspection-detail"),
    path("safety/hazards/", hazard_list, name="eldercare-hazard-list"),
    path("safety/hazards/new/", hazard_new, name="eldercare-hazard-new"),
    path("safety/hazards/<int:pk>/", hazard_detail, name="eldercare-hazard-detail"),
    path("safety/hazards/<int:pk>/fix/", hazard_fix, name="eldercare-hazard-fix"),
    path("safety/hazards/<int:pk>/report/", hazard_report, name="eldercare-hazard-report"),
    path("safety/hazards/<int:pk>/close/", hazard_close, name="eldercare-hazard-close"),
    path("safety/hazards/<int:pk>/evidence/", hazard_evidence, name="eldercare-hazard-evidence"),
    path("safety/homes/<int:pk>/", home_safety, name="eldercare-home-safety"),
    path("safety/residents/<int:pk>/", resident_safety, name="eldercare-resident-safety"),
    path("safety/residents/<int:pk>/assess/", assessment_new, name="eldercare-resident-assess"),
    path("safety/residents/<int:pk>/incident/", incident_new, name="eldercare-resident-incident"),
    path("safety/incidents/", incident_list, name="eldercare-incident-list"),
    path("safety/renovations/", renovation_list, name="eldercare-renovation-list"),
    path("safety/renovations/new/", renovation_new, name="eldercare-renovation-new"),
    path("safety/renovations/<int:pk>/", renovation_detail, name="eldercare-renovation-detail"),
    path("safety/renovations/<int:pk>/edit/", renovation_edit, name="eldercare-renovation-edit"),
    path("safety/renovations/<int:pk>/milestones/", milestone_new, name="eldercare-renovation-milestone"),
    path("safety/renovations/<int:pk>/files/", renovation_upload, name="eldercare-renovation-upload"),
    path("safety/renovations/<int:pk>/complete/", renovation_complete, name="eldercare-renovation-complete"),
    path("safety/renovations/<int:pk>/accept/", renovation_accept, name="eldercare-renovation-accept"),
    path("safety/milestones/<int:pk>/done/", milestone_done, name="eldercare-milestone-done"),
    path("safety/files/<int:pk>/", renovation_file, name="eldercare-project-file"),
    path("safety/checklist/", checklist, name="eldercare-checklist"),
    path("safety/checklist/new/", checklist_new, name="eldercare-checklist-new"),
    path("safety/checklist/<int:pk>/", checklist_edit, name="eldercare-checklist-edit"),
]
