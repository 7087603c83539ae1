"""敬老院 pages (issue 15 §1–3): the list of homes with occupancy, a home's page with its tabs (residents, staff and
certificates, the week's duty roster with its gaps, duty log, patrols, alerts, history), a staff member's page,
and the forms that add, change and end them. Reads go through ``eldercare.selectors.homes``, writes through
``eldercare.services.homes``; the views hold no rule."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from assistance.temporary import find_member
from cases.models import SensitiveAccessLog
from cases.permissions import can_see_full_identity
from cases.services import log_sensitive_access
from core.views import next_url, post_form, posted, refused_unless
from eldercare import permissions
from eldercare.forms.homes import (
    CertificateForm,
    DutyLogForm,
    HomeFilterForm,
    HomeForm,
    PatrolForm,
    ResidenceEndForm,
    ResidenceForm,
    ShiftForm,
    StaffEndForm,
    StaffForm,
)
from eldercare.models import NursingHome
from eldercare.selectors import homes as selectors
from eldercare.services import homes as services

TABS = [
    ("residents", "入住人员"),
    ("staff", "工作人员与证书"),
    ("duty", "值班表"),
    ("log", "值班日志"),
    ("patrols", "巡查记录"),
    ("alerts", "提醒"),
    ("history", "修改记录"),
]


def _form_page(request: HttpRequest, form: Any, heading: str, cancel: str, **extra: Any) -> HttpResponse:
    context = {"form": form, "heading": heading, "cancel": cancel, **extra}
    return render(request, "eldercare/homes/form.html", context)


# Homes ------------------------------------------------------------------------------------------------------


@require_GET
def home_list(request: HttpRequest) -> HttpResponse:
    townships = list(selectors.visible_townships(request.user))
    form = HomeFilterForm(request.GET or None, townships=townships)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    rows = selectors.home_list(
        request.user,
        query=filters.get("q") or "",
        township=filters.get("township"),
        status=filters.get("status") or "",
    )
    export_query = urlencode({k: v for k, v in (filters or {}).items() if v not in (None, "")})
    context = {
        "form": form,
        "page": Paginator(rows, 30).get_page(request.GET.get("page")),
        "can_add": permissions.can_record(request.user),
        "full_identity": can_see_full_identity(request.user),
        "export_query": export_query,
    }
    return render(request, "eldercare/homes/home_list.html", context)


@refused_unless(permissions.ensure_record)
def home_new(request: HttpRequest) -> HttpResponse:
    townships = list(selectors.visible_townships(request.user))
    form = HomeForm(posted(request)[0], townships=townships, initial={"status": NursingHome.Status.OPEN})

    def create(data: dict[str, Any]) -> tuple[str, str]:
        home = services.save_home(actor=request.user, data=data)
        return f"已登记{home.name}。", reverse("eldercare-home-detail", args=[home.pk])

    return post_form(request, form, create) or _form_page(
        request, form, "登记敬老院（供养机构）", reverse("eldercare-home-list")
    )


@refused_unless(permissions.ensure_record)
def home_edit(request: HttpRequest, pk: int) -> HttpResponse:
    home = selectors.get_home(request.user, pk)
    permissions.ensure_record(request.user, home)
    townships = list(selectors.visible_townships(request.user))
    full = can_see_full_identity(request.user)
    initial = {name: getattr(home, name) for name in services.HOME_FIELDS}
    initial["township"] = home.township_id
    if not full:
        initial["bank_account"] = ""
    form = HomeForm(posted(request)[0], townships=townships, initial=initial)
    if not full:
        form.fields["bank_account"].help_text = "出于保护，账号不予显示；留空表示不修改。"

    def change(data: dict[str, Any]) -> tuple[str, str]:
        if not full and not data.get("bank_account"):
            data.pop("bank_account", None)
        services.save_home(actor=request.user, data=data, home=home)
        return f"已保存{home.name}。", reverse("eldercare-home-detail", args=[home.pk])

    return post_form(request, form, change) or _form_page(
        request, form, f"修改{home.name}", reverse("eldercare-home-detail", args=[home.pk])
    )


def _week(text: str | None) -> date:
    today = timezone.localdate()
    try:
        day = date.fromisoformat(text or "")
    except ValueError:
        day = today
    if not 1990 <= day.year <= 2100:
        day = today
    return day - timedelta(days=day.weekday())


@require_GET
def home_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    home = selectors.get_home(user, pk)
    tab = request.GET.get("tab", "residents")
    if tab not in dict(TABS):
        tab = "residents"
    full = can_see_full_identity(user)
    today = timezone.localdate()
    context: dict[str, Any] = {
        "home": home,
        "tabs": TABS,
        "tab": tab,
        "today": today,
        "full_identity": full,
        "can_write": permissions.can_record(user, home),
        "occupancy": selectors.home_residences(home, current_only=True).count(),
        "alert_count": selectors.home_alerts(home).count(),
    }
    if tab == "residents":
        page = Paginator(selectors.home_residences(home), 30).get_page(request.GET.get("page"))
        context["page"] = page
        log_sensitive_access(
            actor=user,
            members=[r.member for r in page],
            action=SensitiveAccessLog.Action.VIEW,
            what=f"{home.name}入住人员",
            everyone=True,
        )
    elif tab == "staff":
        context["page"] = Paginator(selectors.home_staff(home), 30).get_page(request.GET.get("page"))
    elif tab == "duty":
        monday = _week(request.GET.get("week"))
        context.update(
            monday=monday,
            previous_week=monday - timedelta(days=7),
            next_week=monday + timedelta(days=7),
            roster=selectors.roster_week(home, monday),
        )
    elif tab == "log":
        context["page"] = Paginator(selectors.home_duty_logs(home), 30).get_page(request.GET.get("page"))
    elif tab == "patrols":
        context["page"] = Paginator(selectors.home_patrols(home), 30).get_page(request.GET.get("page"))
    elif tab == "alerts":
        context["page"] = Paginator(selectors.home_alerts(home), 30).get_page(request.GET.get("page"))
    else:
        context["events"] = selectors.home_history(home, full_identity=full)
    return render(request, "eldercare/homes/home_detail.html", context)


def _home_tab(home: NursingHome, tab: str) -> str:
    return f"{reverse('eldercare-home-detail', args=[home.pk])}?tab={tab}"


# Residences -------------------------------------------------------------------------------------------------


@refused_unless(permissions.ensure_record)
def residence_new(request: HttpRequest, pk: int) -> HttpResponse:
    home = selectors.get_home(request.user, pk)
    permissions.ensure_record(request.user, home)
    form = ResidenceForm(posted(request)[0])

    def create(data: dict[str, Any]) -> tuple[str, str]:
        member = find_member(request.user, data["id_number"])
        if member is None:
            raise ValidationError({"id_number": "本辖区内没有该身份证号的在册成员，请先在家庭中登记该成员。"})
        services.add_residence(
            actor=request.user, home=home, member=member, kind=data["kind"], start=data["start"], note=data["note"]
        )
        return f"已登记{member.name}入住{home.name}。", _home_tab(home, "residents")

    return post_form(request, form, create) or _form_page(
        request, form, f"登记入住：{home.name}", _home_tab(home, "residents")
    )


@refused_unless(permissions.ensure_record)
def residence_end(request: HttpRequest, pk: int) -> HttpResponse:
    residence = selectors.get_residence(request.user, pk)
    permissions.ensure_record(request.user, residence.home)
    form = ResidenceEndForm(posted(request)[0])

    def end(data: dict[str, Any]) -> tuple[str, str]:
        services.end_residence(actor=request.user, residence=residence, end=data["end"], reason=data["end_reason"])
        return f"已办理{residence.member.name}离院。", _home_tab(residence.home, "residents")

    return post_form(request, form, end) or _form_page(
        request,
        form,
        f"办理离院：{residence.member.name}（{residence.home.name}）",
        _home_tab(residence.home, "residents"),
        confirm=f"确认办理{residence.member.name}离院？离院后不能撤销。",
        submit_label="办理离院",
    )


# Staff and certificates -------------------------------------------------------------------------------------


@refused_unless(permissions.ensure_record)
def staff_new(request: HttpRequest, pk: int) -> HttpResponse:
    home = selectors.get_home(request.user, pk)
    permissions.ensure_record(request.user, home)
    form = StaffForm(posted(request)[0])

    def create(data: dict[str, Any]) -> tuple[str, str]:
        person = services.save_staff(actor=request.user, home=home, data=data)
        return f"已登记工作人员{person.name}。", reverse("eldercare-staff-detail", args=[person.pk])

    return post_form(request, form, create) or _form_page(
        request, form, f"登记工作人员：{home.name}", _home_tab(home, "staff")
    )


@require_GET
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_staff(request.user, pk)
    full = can_see_full_identity(request.user)
    context = {
        "person": person,
        "home": person.home,
        "certificates": person.certificates.all(),
        "today": timezone.localdate(),
        "full_identity": full,
        "can_write": permissions.can_record(request.user, person.home),
        "events": selectors.staff_history(person, full_identity=full),
    }
    return render(request, "eldercare/homes/staff_detail.html", context)


@refused_unless(permissions.ensure_record)
def staff_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_staff(request.user, pk)
    permissions.ensure_record(request.user, person.home)
    full = can_see_full_identity(request.user)
    initial = {name: getattr(person, name) for name in services.STAFF_FIELDS}
    if not full:
        initial["id_number"] = ""
    form = StaffForm(posted(request)[0], initial=initial)

    def change(data: dict[str, Any]) -> tuple[str, str]:
        if not full and not data.get("id_number"):
            data.pop("id_number", None)
        services.save_staff(actor=request.user, home=person.home, data=data, staff=person)
        return f"已保存{person.name}。", reverse("eldercare-staff-detail", args=[person.pk])

    return post_form(request, form, change) or _form_page(
        request, form, f"修改工作人员：{person.name}", reverse("eldercare-staff-detail", args=[person.pk])
    )


@refused_unless(permissions.ensure_record)
def staff_end(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_staff(request.user, pk)
    permissions.ensure_record(request.user, person.home)
    form = StaffEndForm(posted(request)[0])

    def end(data: dict[str, Any]) -> tuple[str, str]:
        services.end_staff(actor=request.user, staff=person, left_on=data["left_on"], reason=data["reason"])
        return f"已登记{person.name}离职。", reverse("eldercare-staff-detail", args=[person.pk])

    return post_form(request, form, end) or _form_page(
        request,
        form,
        f"登记离职：{person.name}",
        reverse("eldercare-staff-detail", args=[person.pk]),
        confirm=f"确认登记{person.name}离职？",
        submit_label="登记离职",
    )


@refused_unless(permissions.ensure_record)
def certificate_new(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.get_staff(request.user, pk)
    permissions.ensure_record(request.user, person.home)
    form = CertificateForm(posted(request)[0])

    def create(data: dict[str, Any]) -> tuple[str, str]:
        services.save_certificate(actor=request.user, staff=person, data=data)
        return "已登记证书。", reverse("eldercare-staff-detail", args=[person.pk])

    return post_form(request, form, create) or _form_page(
        request, form, f"登记证书：{person.name}", reverse("eldercare-staff-detail", args=[person.pk])
    )


@refused_unless(permissions.ensure_record)
def certificate_edit(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = selectors.get_certificate(request.user, pk)
    person = certificate.staff
    permissions.ensure_record(request.user, person.home)
    initial = {name: getattr(certificate, name) for name in services.CERTIFICATE_FIELDS}
    form = CertificateForm(posted(request)[0], initial=initial)

    def change(data: dict[str, Any]) -> tuple[str, str]:
        services.save_certificate(actor=request.user, staff=person, data=data, certificate=certificate)
        return "已保存证书。", reverse("eldercare-staff-detail", args=[person.pk])

    return post_form(request, form, change) or _form_page(
        request, form, f"修改证书：{person.name}", reverse("eldercare-staff-detail", args=[person.pk])
    )


# Duty, logs, patrols ----------------------------------------------------------------------------------------


@refused_unless(permissions.ensure_record)
def shift_new(request: HttpRequest, pk: int) -> HttpResponse:
    home = selectors.get_home(request.user, pk)
    permissions.ensure_record(request.user, home)
    form = ShiftForm(posted(request)[0], people=selectors.duty_staff(home), initial={"day": timezone.localdate()})

    def create(data: dict[str, Any]) -> tuple[str, str]:
        shift = services.add_shift(actor=request.user, home=home, **data)
        return "已安排值班。", f"{_home_tab(home, 'duty')}&week={shift.day:%Y-%m-%d}"

    return post_form(request, form, create) or _form_page(
        request, form, f"安排值班：{home.name}", _home_tab(home, "duty")
    )


@refused_unless(permissions.ensure_record)
@require_POST
def shift_remove(request: HttpRequest, pk: int) -> HttpResponse:
    shift = selectors.get_shift(request.user, pk)
    home = shift.home
    services.remove_shift(actor=request.user, shift=shift)
    messages.success(request, "已取消该班次。")
    return redirect(next_url(request, f"{_home_tab(home, 'duty')}&week={shift.day:%Y-%m-%d}"))


@refused_unless(permissions.ensure_record)
def duty_log_new(request: HttpRequest, pk: int) -> HttpResponse:
    home = selectors.get_home(request.user, pk)
    permissions.ensure_record(request.user, home)
    form = DutyLogForm(posted(request)[0], people=selectors.current_staff(home))

    def create(data: dict[str, Any]) -> tuple[str, str]:
        services.add_duty_log(actor=request.user, home=home, **data)
        return "已登记值班日志。", _home_tab(home, "log")

    return post_form(request, form, create) or _form_page(
        request, form, f"登记值班日志：{home.name}", _home_tab(home, "log")
    )


@refused_unless(permissions.ensure_record)
def patrol_new(request: HttpRequest, pk: int) -> HttpResponse:
    home = selectors.get_home(request.user, pk)
    permissions.ensure_record(request.user, home)
    form = PatrolForm(posted(request)[0], people=selectors.current_staff(home))

    def create(data: dict[str, Any]) -> tuple[str, str]:
        services.add_patrol(actor=request.user, home=home, **data)
        return "已登记巡查记录。", _home_tab(home, "patrols")

    return post_form(request, form, create) or _form_page(
        request, form, f"登记巡查：{home.name}", _home_tab(home, "patrols")
    )


urlpatterns = [
    path("homes/", home_list, name="eldercare-home-list"),
    path("homes/new/", home_new, name="eldercare-home-new"),
    path("homes/<int:pk>/", home_detail, name="eldercare-home-detail"),
    path("homes/<int:pk>/edit/", home_edit, name="eldercare-home-edit"),
    path("homes/<int:pk>/residences/new/", residence_new, name="eldercare-home-add-residence"),
    path("homes/<int:pk>/staff/new/", staff_new, name="eldercare-home-add-staff"),
    path("homes/<int:pk>/shifts/new/", shift_new, name="eldercare-home-add-shift"),
    path("homes/<int:pk>/duty-logs/new/", duty_log_new, name="eldercare-home-add-duty-log"),
    path("homes/<int:pk>/patrols/new/", patrol_new, name="eldercare-home-add-patrol"),
    path("residences/<int:pk>/end/", residence_end, name="eldercare-residence-end"),
    path("staff/<int:pk>/", staff_detail, name="eldercare-staff-detail"),
    path("staff/<int:pk>/edit/", staff_edit, name="eldercare-staff-edit"),
    path("staff/<int:pk>/end/", staff_end, name="eldercare-staff-end"),
    path("staff/<int:pk>/certificates/new/", certificate_new, name="eldercare-staff-add-certificate"),
    path("certificates/<int:pk>/edit/", certificate_edit, name="eldercare-certificate-edit"),
    path("shifts/<int:pk>/remove/", shift_remove, name="eldercare-shift-remove"),
]
