"""eldercare services: homes — the writes of nursing homes, residences, staff and certificates, the duty roster,
duty logs and patrols; and ``link_institutions``, the logic of the data migration that turns the free-text
institution names of 集中供养 enrollments into homes and residences.

Every write is atomic, checks ``eldercare.permissions.ensure_record`` on the home's township and refuses bad input
with a ``ValidationError`` naming the field (nothing is half-saved)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import pghistory
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from assistance.models import Enrollment
from cases.models import Member, User
from core import idnumber
from core.months import month_end
from eldercare.models import Certificate, DutyLog, DutyShift, NursingHome, Patrol, Residence, Staff
from eldercare.permissions import ensure_county_act, ensure_record

HOME_FIELDS = ("kind", "name", "address", "beds", "status", "phone", "credit_code", "bank_name",
               "bank_account")  # fmt: skip
STAFF_FIELDS = ("name", "id_number", "phone", "position", "employment", "hired_on")
CERTIFICATE_FIELDS = ("kind", "title", "number", "issuer", "issued_on", "expires_on")


def _assign(obj: Any, data: Mapping[str, Any], fields: tuple[str, ...]) -> None:
    for name in fields:
        if name in data:
            value = data[name]
            setattr(obj, name, value.strip() if isinstance(value, str) else value)


def _save(obj: Any, actor: User) -> Any:
    """Full model validation (the field's Chinese message), then save with the actor in the history context."""
    obj.full_clean()
    with pghistory.context(user=actor.pk):
        obj.save()
    return obj


# Homes ------------------------------------------------------------------------------------------------------


@transaction.atomic
def save_home(*, actor: User, data: Mapping[str, Any], home: NursingHome | None = None) -> NursingHome:
    """Create or change a home. A township home belongs to a township; a county home (县级供养机构) may have none and
    only the county records it."""
    if home is not None:
        home = NursingHome.objects.select_for_update().get(pk=home.pk)
        ensure_record(actor, home)
    home = home or NursingHome()
    _assign(home, data, HOME_FIELDS)
    if "township" in data:  # a Township, its id, or None (a county home)
        township = data["township"]
        home.township_id = getattr(township, "pk", township)
    if home.kind == NursingHome.Kind.TOWNSHIP and home.township_id is None:
        raise ValidationError({"township": "乡镇敬老院须选择所属乡镇。"})
    if home.township_id is None:
        ensure_county_act(actor)  # a county home: the county's
    else:
        ensure_record(actor, home.township_id)
    if NursingHome.objects.filter(name=home.name).exclude(pk=home.pk).exists():
        raise ValidationError({"name": "已有同名的敬老院。"})
    return _save(home, actor)


# Residences -------------------------------------------------------------------------------------------------


def _tekun_enrollment(member: Member, start: date, enrollment: Enrollment | None) -> Enrollment:
    """The member's 特困 enrollment with 集中供养 the residence is paid by (the given one, checked, or found)."""
    candidates = Enrollment.objects.filter(
        member=member, benefit="tekun", support_mode=Enrollment.SupportMode.CENTRALIZED
    ).filter(Q(end_month__isnull=True) | Q(end_month__gte=start.replace(day=1)))
    if enrollment is not None:
        if not candidates.filter(pk=enrollment.pk).exists():
            raise ValidationError({"enrollment": "所选登记不是该人员在入住期间的特困集中供养登记。"})
        return enrollment
    found = candidates.exclude(status=Enrollment.Status.APPLYING).order_by("-start_month", "-pk").first()
    if found is None:
        raise ValidationError(
            {"kind": "该人员没有供养方式为“集中供养”的特困供养登记，请先在特困供养中登记集中供养，或选择其他入住。"}
        )
    return found


@transaction.atomic
def add_residence(
    *, actor: User, home: NursingHome, member: Member, kind: str, start: date, end: date | None = None,
    enrollment: Enrollment | None = None, note: str = "",
) -> Residence:  # fmt: skip
    """A person moves into a home. Refused: a member of another township (unless the home is a county home), a
    residence overlapping another of the same person (in any home), a 特困 residence without the member's 特困
    集中供养 enrollment."""
    home = NursingHome.objects.select_for_update().get(pk=home.pk)
    ensure_record(actor, home)
    member = Member.objects.select_related("household").select_for_update(of=("self",)).get(pk=member.pk)
    if home.kind != NursingHome.Kind.COUNTY and member.household.township_id != home.township_id:
        raise ValidationError({"member": "该人员不属于本敬老院所在乡镇；跨乡镇入住须入住县级供养机构。"})
    if end is not None and end < start:
        raise ValidationError({"end": "离院日期不能早于入住日期。"})
    if kind not in Residence.Kind.values:
        raise ValidationError({"kind": "入住类型不正确。"})
    overlapping = (
        Residence.objects.filter(member=member, start__lte=end or date.max)
        .filter(Q(end__isnull=True) | Q(end__gte=start))
        .select_related("home")
        .first()
    )
    if overlapping is not None:
        until = f"{overlapping.end:%Y-%m-%d}" if overlapping.end else "至今"
        raise ValidationError(
            {"start": f"该人员同期已入住{overlapping.home.name}（{overlapping.start:%Y-%m-%d} 至 {until}）。"}
        )
    linked = _tekun_enrollment(member, start, enrollment) if kind == Residence.Kind.TEKUN else None
    residence = Residence(
        member=member, home=home, kind=kind, enrollment=linked, start=start, end=end, note=note.strip()
    )
    return _save(residence, actor)


@transaction.atomic
def end_residence(*, actor: User, residence: Residence, end: date, reason: str) -> Residence:
    residence = Residence.objects.select_for_update().select_related("home").get(pk=residence.pk)
    ensure_record(actor, residence.home)
    if residence.end is not None:
        raise ValidationError({"end": "该入住记录已办理离院。"})
    if end < residence.start:
        raise ValidationError({"end": "离院日期不能早于入住日期。"})
    if not reason.strip():
        raise ValidationError({"end_reason": "请填写离院原因。"})
    residence.end, residence.end_reason = end, reason.strip()
    return _save(residence, actor)


# Staff and certificates -------------------------------------------------------------------------------------


@transaction.atomic
def save_staff(*, actor: User, home: NursingHome, data: Mapping[str, Any], staff: Staff | None = None) -> Staff:
    ensure_record(actor, home)
    if staff is not None:
        staff = Staff.objects.select_for_update().get(pk=staff.pk, home=home)
    staff = staff or Staff(home=home)
    _assign(staff, data, STAFF_FIELDS)
    if staff.id_number:
        try:
            staff.id_number = idnumber.normalize_id_number(staff.id_number)
        except idnumber.InvalidIdNumber as problem:
            raise ValidationError({"id_number": str(problem) or "身份证号不正确。"}) from None
    if staff.left_on is not None and staff.left_on < staff.hired_on:
        raise ValidationError({"hired_on": "入职日期不能晚于离职日期。"})
    return _save(staff, actor)


@transaction.atomic
def end_staff(*, actor: User, staff: Staff, left_on: date, reason: str) -> Staff:
    """A staff member leaves (``left_on`` is the last working day). Their later shifts are refused."""
    staff = Staff.objects.select_for_update().select_related("home").get(pk=staff.pk)
    ensure_record(actor, staff.home)
    if staff.left_on is not None:
        raise ValidationError({"left_on": "该工作人员已登记离职。"})
    if left_on < staff.hired_on:
        raise ValidationError({"left_on": "离职日期不能早于入职日期。"})
    if staff.shifts.filter(day__gt=left_on).exists():
        raise ValidationError({"left_on": "该工作人员在离职日期之后还有值班安排，请先调整值班表。"})
    staff.left_on, staff.left_reason = left_on, reason.strip()
    return _save(staff, actor)


@transaction.atomic
def save_certificate(
    *, actor: User, staff: Staff, data: Mapping[str, Any], certificate: Certificate | None = None
) -> Certificate:
    staff = Staff.objects.select_related("home").get(pk=staff.pk)
    ensure_record(actor, staff.home)
    if certificate is not None:
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk, staff=staff)
    certificate = certificate or Certificate(staff=staff)
    _assign(certificate, data, CERTIFICATE_FIELDS)
    if certificate.expires_on is not None and certificate.expires_on <= certificate.issued_on:
        raise ValidationError({"expires_on": "有效期至须晚于发证日期。"})
    if certificate.kind == Certificate.Kind.OTHER and not certificate.title:
        raise ValidationError({"title": "“其他证书”须填写证书名称。"})
    return _save(certificate, actor)


# Duty, logs and patrols -------------------------------------------------------------------------------------


def _home_staff(home: NursingHome, staff: Staff, day: date, field: str = "staff") -> Staff:
    if staff.home_id != home.pk:
        raise ValidationError({field: "该人员不是本敬老院的工作人员。"})
    if not staff.is_current(day):
        raise ValidationError({field: f"该人员 {day:%Y-%m-%d} 不在职。"})
    return staff


@transaction.atomic
def add_shift(
    *, actor: User, home: NursingHome, staff: Staff, day: date, start: Any, end: Any, overnight: bool = False,
    note: str = "",
) -> DutyShift:  # fmt: skip
    """Put a manager or a care worker on duty (cooks and others do not count for the 24-hour duty and are refused).
    A shift crossing midnight needs ``overnight``; otherwise its end must be later than its start."""
    ensure_record(actor, home)
    _home_staff(home, staff, day)
    if staff.position not in Staff.DUTY_POSITIONS:
        raise ValidationError(
            {"staff": f"{staff.get_position_display()}不能安排值班（值班须为院长/管理人员或护理员）。"}
        )
    if overnight and end > start:
        raise ValidationError({"end": "跨夜值班的结束时间（次日）不能晚于开始时间，否则超过 24 小时。"})
    if not overnight and end <= start:
        raise ValidationError({"end": "结束时间须晚于开始时间；跨夜值班请选择“次日结束”。"})
    shift = DutyShift(home=home, staff=staff, day=day, start=start, end=end, overnight=overnight, note=note.strip())
    return _save(shift, actor)


@transaction.atomic
def remove_shift(*, actor: User, shift: DutyShift) -> None:
    shift = DutyShift.objects.select_for_update().select_related("home").get(pk=shift.pk)
    ensure_record(actor, shift.home)
    with pghistory.context(user=actor.pk):
        shift.delete()


@transaction.atomic
def add_duty_log(*, actor: User, home: NursingHome, day: date, handover: str, staff: Staff | None = None) -> DutyLog:
    ensure_record(actor, home)
    if staff is not None:
        _home_staff(home, staff, day)
    if not handover.strip():
        raise ValidationError({"handover": "请填写交接班记录。"})
    return _save(DutyLog(home=home, day=day, staff=staff, handover=handover.strip()), actor)


@transaction.atomic
def add_patrol(*, actor: User, home: NursingHome, at: Any, staff: Staff, areas: str, findings: str = "") -> Patrol:
    ensure_record(actor, home)
    _home_staff(home, staff, timezone.localtime(at).date())
    if not areas.strip():
        raise ValidationError({"areas": "请填写巡查区域。"})
    return _save(Patrol(home=home, at=at, staff=staff, areas=areas.strip(), findings=findings.strip()), actor)


# The data migration: institution names → homes and residences ---------------------------------------------

HOME_SUFFIX = "敬老院"
TOWNSHIP_SUFFIXES = ("街道", "镇", "乡")
MIGRATION_NOTE = "由特困供养登记的供养机构名称迁移"


class UnmatchedInstitutions(Exception):
    """集中供养 enrollments name institutions no home matches: nothing was written."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        super().__init__(
            "以下供养机构名称没有对应的敬老院（供养机构收款账户中也没有），请先登记或更正特困供养登记的供养机构："
            + "、".join(names)
        )


def _stem(township_name: str) -> str:
    for suffix in TOWNSHIP_SUFFIXES:
        if township_name.endswith(suffix) and len(township_name) > len(suffix):
            return township_name[: -len(suffix)]
    return township_name


def _township_of_home(name: str, enrollment_townships: set[int], townships: dict[int, str]) -> int | None:
    """The township a home named ``name`` belongs to, or None (a county home). Only a name ending in 敬老院 is a
    township home: its township is the one all its residents' households are in; without residents, the one township
    whose name (without 街道/镇/乡) the home's name starts with. Anything ambiguous is a county home."""
    if not name.endswith(HOME_SUFFIX):
        return None
    if len(enrollment_townships) == 1:
        return next(iter(enrollment_townships))
    if enrollment_townships:
        return None
    starts = [pk for pk, township in townships.items() if name.startswith(_stem(township))]
    return starts[0] if len(starts) == 1 else None


@transaction.atomic
def link_institutions(apps: Any) -> dict[str, int]:
    """The data migration (``eldercare.migrations``; ``apps`` is the migration's registry or ``django.apps.apps``):

    1. every ``payments.InstitutionAccount`` becomes a ``NursingHome`` of the same name with its bank account and
       credit code (an existing home of that name keeps its data, only blank bank fields are filled), kind and
       township by ``_township_of_home``;
    2. every 特困 集中供养 enrollment with an institution name gets a ``Residence`` in the home of that name (start:
       its start month; end: the last day of its end month), unless the member already has a residence then.

    Names (trimmed) that match no home raise ``UnmatchedInstitutions`` listing them, before anything is written."""
    home_model = apps.get_model("eldercare", "NursingHome")
    residence_model = apps.get_model("eldercare", "Residence")
    account_model = apps.get_model("payments", "InstitutionAccount")
    enrollment_model = apps.get_model("assistance", "Enrollment")
    township_model = apps.get_model("cases", "Township")
    enrollments = list(
        enrollment_model.objects.filter(benefit="tekun", support_mode="centralized", member__isnull=False)
        .exclude(institution_name="")
        .values("pk", "member_id", "member__household__township_id", "institution_name", "start_month", "end_month")
        .order_by("member_id", "start_month", "pk")
    )
    accounts = {account.name.strip(): account for account in account_model.objects.all()}
    homes = {home.name: home for home in home_model.objects.all()}
    unmatched = sorted({row["institution_name"].strip() for row in enrollments} - set(accounts) - set(homes))
    if unmatched:
        raise UnmatchedInstitutions(unmatched)
    townships = dict(township_model.objects.values_list("pk", "name"))
    served: dict[str, set[int]] = {}
    for row in enrollments:
        served.setdefault(row["institution_name"].strip(), set()).add(row["member__household__township_id"])
    created = 0
    for name, account in sorted(accounts.items()):
        home = homes.get(name)
        if home is None:
            township_id = _township_of_home(name, served.get(name, set()), townships)
            home = home_model.objects.create(
                name=name,
                kind="township" if township_id else "county",
                township_id=township_id,
                credit_code=account.credit_code,
                bank_name=account.bank_name,
                bank_account=account.bank_account,
            )
            homes[name] = home
            created += 1
        elif not home.bank_account:
            home.bank_name, home.bank_account = account.bank_name, account.bank_account
            home.credit_code = home.credit_code or account.credit_code
            home.save(update_fields=["bank_name", "bank_account", "credit_code"])
    linked = 0
    for row in enrollments:
        start = row["start_month"]
        end = month_end(row["end_month"]) if row["end_month"] else None
        taken = residence_model.objects.filter(member_id=row["member_id"], start__lte=end or date.max).filter(
            Q(end__isnull=True) | Q(end__gte=start)
        )
        if taken.exists():
            continue
        residence_model.objects.create(
            member_id=row["member_id"],
            home=homes[row["institution_name"].strip()],
            kind="tekun",
            enrollment_id=row["pk"],
            start=start,
            end=end,
            end_reason="特困供养终止" if end else "",
            note=MIGRATION_NOTE,
        )
        linked += 1
    return {"homes": created, "residences": linked}
