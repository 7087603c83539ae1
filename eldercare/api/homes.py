"""eldercare api: homes — under ``/api/v1/eldercare/``: nursing homes, residences, staff, certificates, duty
shifts, duty logs and patrols. Same scope and masking as the pages (a township user sees their township's homes;
ID numbers and bank accounts masked for auditors, who only read); writes go through ``eldercare.services.homes``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from assistance.models import Enrollment
from cases.api import ERROR_RESPONSES, ScopedViewSet
from cases.models import Member, Township
from cases.serializers import IdentityMaskingMixin, IgnoreMaskedInputMixin
from core.validators import GuardedSerializer, validate_not_future
from eldercare.models import Certificate, DutyLog, DutyShift, NursingHome, Patrol, Residence, Staff
from eldercare.selectors import homes as selectors
from eldercare.services import homes as services

TAG = "eldercare"


def _choices(choices: Any) -> str:
    return "、".join(f"{value}（{label}）" for value, label in choices)


# Read serializers -------------------------------------------------------------------------------------------


class HomeSerializer(IdentityMaskingMixin, serializers.ModelSerializer):
    masked_account_fields = ("bank_account",)
    township_name = serializers.CharField(source="township.name", read_only=True, allow_null=True, help_text="乡镇。")
    kind = serializers.CharField(read_only=True, help_text=f"类型：{_choices(NursingHome.Kind.choices)}。")
    status = serializers.CharField(read_only=True, help_text=f"状态：{_choices(NursingHome.Status.choices)}。")
    occupancy = serializers.IntegerField(read_only=True, help_text="今天在院人数（当前有效的入住记录）。")
    staff_count = serializers.IntegerField(read_only=True, help_text="今天在职的工作人员人数。")

    class Meta:
        model = NursingHome
        fields = [
            "id", "township", "township_name", "kind", "name", "address", "beds", "status", "phone", "credit_code",
            "bank_name", "bank_account", "occupancy", "staff_count",
        ]  # fmt: skip
        extra_kwargs = {
            "township": {"help_text": "乡镇 ID；县级供养机构为空。"},
            "name": {"help_text": "名称。"},
            "address": {"help_text": "地址。"},
            "beds": {"help_text": "床位数。"},
            "phone": {"help_text": "联系电话。"},
            "credit_code": {"help_text": "统一社会信用代码。"},
            "bank_name": {"help_text": "开户银行。"},
            "bank_account": {
                "help_text": "银行账号（集中供养特困人员的供养金打入此账户；审计人员看到部分隐藏的号码）。"
            },
        }


class ResidenceSerializer(IdentityMaskingMixin, serializers.ModelSerializer):
    masked_id_fields = ("id_number",)
    member_name = serializers.CharField(source="member.name", read_only=True, help_text="入住人员姓名。")
    id_number = serializers.CharField(source="member.id_number", read_only=True, help_text="入住人员身份证号。")
    home_name = serializers.CharField(source="home.name", read_only=True, help_text="敬老院名称。")
    kind = serializers.CharField(read_only=True, help_text=f"入住类型：{_choices(Residence.Kind.choices)}。")

    class Meta:
        model = Residence
        fields = [
            "id", "home", "home_name", "member", "member_name", "id_number", "kind", "enrollment", "start", "end",
            "end_reason", "note",
        ]  # fmt: skip
        extra_kwargs = {
            "home": {"help_text": "敬老院 ID。"},
            "member": {"help_text": "入住人员（家庭成员 ID）。"},
            "enrollment": {"help_text": "特困集中供养的救助登记 ID（其他入住为空）。"},
            "start": {"help_text": "入住日期。"},
            "end": {"help_text": "离院日期；空表示在院。"},
            "end_reason": {"help_text": "离院原因。"},
            "note": {"help_text": "备注。"},
        }


class CertificateSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True, help_text=f"证书类别：{_choices(Certificate.Kind.choices)}。")
    staff_name = serializers.CharField(source="staff.name", read_only=True, help_text="持证人姓名。")

    class Meta:
        model = Certificate
        fields = ["id", "staff", "staff_name", "kind", "title", "number", "issuer", "issued_on", "expires_on"]
        extra_kwargs = {
            "staff": {"help_text": "工作人员 ID。"},
            "title": {"help_text": "证书名称（其他证书）。"},
            "number": {"help_text": "证书编号。"},
            "issuer": {"help_text": "发证机关。"},
            "issued_on": {"help_text": "发证日期。"},
            "expires_on": {"help_text": "有效期至；空表示长期有效。"},
        }


class StaffSerializer(IdentityMaskingMixin, serializers.ModelSerializer):
    masked_id_fields = ("id_number",)
    home_name = serializers.CharField(source="home.name", read_only=True, help_text="敬老院名称。")
    position = serializers.CharField(read_only=True, help_text=f"岗位：{_choices(Staff.Position.choices)}。")
    employment = serializers.CharField(read_only=True, help_text=f"用工性质：{_choices(Staff.Employment.choices)}。")
    certificates = CertificateSerializer(many=True, read_only=True, help_text="证书。")

    class Meta:
        model = Staff
        fields = [
            "id", "home", "home_name", "name", "id_number", "phone", "position", "employment", "hired_on", "left_on",
            "left_reason", "certificates",
        ]  # fmt: skip
        extra_kwargs = {
            "home": {"help_text": "敬老院 ID。"},
            "name": {"help_text": "姓名。"},
            "id_number": {"help_text": "身份证号（可不填；审计人员看到部分隐藏的号码）。"},
            "phone": {"help_text": "联系电话。"},
            "hired_on": {"help_text": "入职日期。"},
            "left_on": {"help_text": "离职日期（最后工作日）；空表示在职。"},
            "left_reason": {"help_text": "离职原因。"},
        }


class ShiftSerializer(serializers.ModelSerializer):
    staff_name = serializers.CharField(source="staff.name", read_only=True, help_text="值班人员姓名。")

    class Meta:
        model = DutyShift
        fields = ["id", "home", "day", "staff", "staff_name", "start", "end", "overnight", "note"]
        extra_kwargs = {
            "home": {"help_text": "敬老院 ID。"},
            "day": {"help_text": "值班日期。"},
            "staff": {"help_text": "值班人员（工作人员 ID）。"},
            "start": {"help_text": "开始时间。"},
            "end": {"help_text": "结束时间。"},
            "overnight": {"help_text": "是否次日结束（跨夜值班）。"},
            "note": {"help_text": "备注。"},
        }


class DutyLogSerializer(serializers.ModelSerializer):
    staff_name = serializers.CharField(source="staff.name", read_only=True, allow_null=True, help_text="记录人。")

    class Meta:
        model = DutyLog
        fields = ["id", "home", "day", "staff", "staff_name", "handover"]
        extra_kwargs = {
            "home": {"help_text": "敬老院 ID。"},
            "day": {"help_text": "日期。"},
            "staff": {"help_text": "记录人（工作人员 ID）。"},
            "handover": {"help_text": "交接班记录。"},
        }


class PatrolSerializer(serializers.ModelSerializer):
    staff_name = serializers.CharField(source="staff.name", read_only=True, help_text="巡查人姓名。")

    class Meta:
        model = Patrol
        fields = ["id", "home", "at", "staff", "staff_name", "areas", "findings"]
        extra_kwargs = {
            "home": {"help_text": "敬老院 ID。"},
            "at": {"help_text": "巡查时间。"},
            "staff": {"help_text": "巡查人（工作人员 ID）。"},
            "areas": {"help_text": "巡查区域。"},
            "findings": {"help_text": "发现情况。"},
        }


# Write and filter serializers ---------------------------------------------------------------------------------


class _Scoped:
    """Related rows chosen by id, limited to what the requesting user sees (another township's id: invalid)."""

    def scoped(self, queryset: QuerySet[Any], field: str) -> QuerySet[Any]:
        from cases.selectors import scope

        return scope(queryset, self.context["request"].user, field)  # type: ignore[attr-defined]


class HomeWriteSerializer(IgnoreMaskedInputMixin, GuardedSerializer, serializers.Serializer):
    name = serializers.CharField(max_length=64, help_text="名称。")
    kind = serializers.ChoiceField(choices=NursingHome.Kind.choices, help_text="类型。")
    township = serializers.PrimaryKeyRelatedField(
        queryset=Township.objects.all(), allow_null=True, required=False, help_text="乡镇 ID；县级供养机构可为空。"
    )
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, help_text="地址。")
    beds = serializers.IntegerField(min_value=0, max_value=10000, help_text="床位数。")
    status = serializers.ChoiceField(choices=NursingHome.Status.choices, help_text="状态。")
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, help_text="联系电话。")
    credit_code = serializers.CharField(max_length=18, required=False, allow_blank=True, help_text="统一社会信用代码。")
    bank_name = serializers.CharField(max_length=64, required=False, allow_blank=True, help_text="开户银行。")
    bank_account = serializers.CharField(max_length=32, required=False, allow_blank=True, help_text="银行账号。")


class ResidenceWriteSerializer(_Scoped, GuardedSerializer, serializers.Serializer):
    home = serializers.PrimaryKeyRelatedField(queryset=NursingHome.objects.all(), help_text="敬老院 ID。")
    member = serializers.PrimaryKeyRelatedField(queryset=Member.objects.all(), help_text="入住人员（家庭成员 ID）。")
    kind = serializers.ChoiceField(choices=Residence.Kind.choices, help_text="入住类型。")
    enrollment = serializers.PrimaryKeyRelatedField(
        queryset=Enrollment.objects.all(),
        required=False,
        allow_null=True,
        help_text="特困集中供养登记 ID；不填时自动取该人员的特困集中供养登记。",
    )
    start = serializers.DateField(validators=[validate_not_future], help_text="入住日期。")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, help_text="备注。")

    def validate_home(self, home: NursingHome) -> NursingHome:
        if not self.scoped(NursingHome.objects.filter(pk=home.pk), "township").exists():
            raise serializers.ValidationError("没有该敬老院。")
        return home

    def validate_member(self, member: Member) -> Member:
        if not self.scoped(Member.objects.filter(pk=member.pk), "household__township").exists():
            raise serializers.ValidationError("没有该人员。")
        return member


class EndResidenceSerializer(GuardedSerializer, serializers.Serializer):
    end = serializers.DateField(validators=[validate_not_future], help_text="离院日期。")
    end_reason = serializers.CharField(max_length=100, help_text="离院原因。")


class StaffWriteSerializer(IgnoreMaskedInputMixin, GuardedSerializer, serializers.Serializer):
    name = serializers.CharField(max_length=32, help_text="姓名。")
    id_number = serializers.CharField(max_length=18, required=False, allow_blank=True, help_text="身份证号（可不填）。")
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, help_text="联系电话。")
    position = serializers.ChoiceField(choices=Staff.Position.choices, help_text="岗位。")
    employment = serializers.ChoiceField(choices=Staff.Employment.choices, help_text="用工性质。")
    hired_on = serializers.DateField(validators=[validate_not_future], help_text="入职日期。")


class StaffCreateSerializer(_Scoped, StaffWriteSerializer):
    home = serializers.PrimaryKeyRelatedField(queryset=NursingHome.objects.all(), help_text="敬老院 ID。")

    def validate_home(self, home: NursingHome) -> NursingHome:
        if not self.scoped(NursingHome.objects.filter(pk=home.pk), "township").exists():
            raise serializers.ValidationError("没有该敬老院。")
        return home


class EndStaffSerializer(GuardedSerializer, serializers.Serializer):
    left_on = serializers.DateField(help_text="离职日期（最后工作日）。")
    reason = serializers.CharField(max_length=100, required=False, allow_blank=True, default="", help_text="离职原因。")


class CertificateWriteSerializer(GuardedSerializer, serializers.Serializer):
    kind = serializers.ChoiceField(choices=Certificate.Kind.choices, help_text="证书类别。")
    title = serializers.CharField(
        max_length=64, required=False, allow_blank=True, help_text="证书名称（其他证书必填）。"
    )
    number = serializers.CharField(max_length=64, help_text="证书编号。")
    issuer = serializers.CharField(max_length=100, help_text="发证机关。")
    issued_on = serializers.DateField(validators=[validate_not_future], help_text="发证日期。")
    expires_on = serializers.DateField(required=False, allow_null=True, help_text="有效期至；不填表示长期有效。")


class CertificateCreateSerializer(_Scoped, CertificateWriteSerializer):
    staff = serializers.PrimaryKeyRelatedField(queryset=Staff.objects.all(), help_text="工作人员 ID。")

    def validate_staff(self, staff: Staff) -> Staff:
        if not self.scoped(Staff.objects.filter(pk=staff.pk), "home__township").exists():
            raise serializers.ValidationError("没有该工作人员。")
        return staff


class _HomeAndStaff(_Scoped, GuardedSerializer, serializers.Serializer):
    home = serializers.PrimaryKeyRelatedField(queryset=NursingHome.objects.all(), help_text="敬老院 ID。")
    staff = serializers.PrimaryKeyRelatedField(queryset=Staff.objects.all(), help_text="工作人员 ID。")

    def validate_home(self, home: NursingHome) -> NursingHome:
        if not self.scoped(NursingHome.objects.filter(pk=home.pk), "township").exists():
            raise serializers.ValidationError("没有该敬老院。")
        return home

    def validate_staff(self, staff: Staff | None) -> Staff | None:
        if staff is not None and not self.scoped(Staff.objects.filter(pk=staff.pk), "home__township").exists():
            raise serializers.ValidationError("没有该工作人员。")
        return staff


class ShiftWriteSerializer(_HomeAndStaff):
    day = serializers.DateField(help_text="值班日期。")
    start = serializers.TimeField(help_text="开始时间（HH:MM）。")
    end = serializers.TimeField(help_text="结束时间（HH:MM）；跨夜值班为次日的时间。")
    overnight = serializers.BooleanField(default=False, help_text="是否次日结束（跨夜值班）。")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="", help_text="备注。")


class DutyLogWriteSerializer(_HomeAndStaff):
    day = serializers.DateField(validators=[validate_not_future], help_text="日期。")
    handover = serializers.CharField(max_length=2000, help_text="交接班记录。")

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        fields["staff"] = serializers.PrimaryKeyRelatedField(
            queryset=Staff.objects.all(), required=False, allow_null=True, help_text="记录人（工作人员 ID）。"
        )
        return fields


class PatrolWriteSerializer(_HomeAndStaff):
    at = serializers.DateTimeField(help_text="巡查时间（带时区，如 2020-10-01T23:00:00+08:00）。")
    areas = serializers.CharField(max_length=200, help_text="巡查区域。")
    findings = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="", help_text="发现情况。"
    )

    def validate_at(self, at: Any) -> Any:
        from django.utils import timezone

        if at > timezone.now() or at.year < 1990:
            raise serializers.ValidationError("巡查时间不能晚于现在。")
        return at


class HomeFilterSerializer(GuardedSerializer, serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=64, help_text="名称或地址包含的文字。")
    township = serializers.IntegerField(required=False, min_value=1, help_text="按乡镇 ID 筛选。")
    status = serializers.ChoiceField(choices=NursingHome.Status.choices, required=False, help_text="按状态筛选。")


class HomeChildFilterSerializer(GuardedSerializer, serializers.Serializer):
    home = serializers.IntegerField(required=False, min_value=1, help_text="按敬老院 ID 筛选。")
    township = serializers.IntegerField(required=False, min_value=1, help_text="按乡镇 ID 筛选。")
    current = serializers.BooleanField(required=False, default=False, help_text="1：只看今天有效（在院、在职）的记录。")


class CertificateFilterSerializer(GuardedSerializer, serializers.Serializer):
    staff = serializers.IntegerField(required=False, min_value=1, help_text="按工作人员 ID 筛选。")
    home = serializers.IntegerField(required=False, min_value=1, help_text="按敬老院 ID 筛选。")


class DayFilterSerializer(HomeChildFilterSerializer):
    since = serializers.DateField(required=False, help_text="起始日期（含）。")
    until = serializers.DateField(required=False, help_text="截止日期（含）。")


# Viewsets -----------------------------------------------------------------------------------------------------


def _schemas(name: str, read: Any, write: Any, filters: Any, *, update: bool = False) -> dict[str, Any]:
    schemas = {
        "list": extend_schema(summary=f"{name}列表", tags=[TAG], parameters=[filters]),
        "retrieve": extend_schema(summary=f"{name}详情", tags=[TAG], responses={200: read, 404: ERROR_RESPONSES[404]}),
        "create": extend_schema(
            summary=f"登记{name}", tags=[TAG], request=write, responses={201: read, **ERROR_RESPONSES}
        ),
    }
    if update:
        for method, label in (("update", "修改"), ("partial_update", "修改（部分字段）")):
            schemas[method] = extend_schema(
                summary=f"{label}{name}", tags=[TAG], request=write, responses={200: read, **ERROR_RESPONSES}
            )
    return schemas


class _ChildViewSet(mixins.RetrieveModelMixin, ScopedViewSet):
    township_field = "home__township"

    def filtered(self, rows: QuerySet[Any]) -> QuerySet[Any]:
        filters = self.filters(DayFilterSerializer)
        if "home" in filters:
            rows = rows.filter(home_id=filters["home"])
        if "township" in filters:
            rows = rows.filter(home__township_id=filters["township"])
        return rows

    def list(self, request: Request) -> Response:
        return self.page_response(self.filtered(self.get_queryset()))


@extend_schema_view(**_schemas("敬老院", HomeSerializer, HomeWriteSerializer, HomeFilterSerializer, update=True))
class HomeViewSet(mixins.RetrieveModelMixin, ScopedViewSet):
    queryset = NursingHome.objects.none()
    serializer_class = HomeSerializer

    def get_queryset(self) -> QuerySet[NursingHome]:
        return selectors.home_list(self.user)

    def list(self, request: Request) -> Response:
        filters = self.filters(HomeFilterSerializer)
        rows = selectors.home_list(
            self.user, query=filters.get("q", ""), township=filters.get("township"), status=filters.get("status", "")
        )
        return self.page_response(rows)

    def create(self, request: Request) -> Response:
        data = self.parse(HomeWriteSerializer).validated_data
        return self.fresh_response(services.save_home(actor=self.user, data=data), status.HTTP_201_CREATED)

    def update(self, request: Request, pk: str | None = None, partial: bool = False) -> Response:
        home = self.get_object()
        data = self.parse(HomeWriteSerializer, partial=partial).validated_data
        return self.fresh_response(services.save_home(actor=self.user, data=data, home=home))

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self.update(request, pk, partial=True)


@extend_schema_view(**_schemas("入住记录", ResidenceSerializer, ResidenceWriteSerializer, HomeChildFilterSerializer))
class ResidenceViewSet(_ChildViewSet):
    queryset = Residence.objects.none()
    serializer_class = ResidenceSerializer

    def get_queryset(self) -> QuerySet[Residence]:
        return selectors.residences(self.user).order_by("home_id", "-start", "pk")

    def filtered(self, rows: QuerySet[Any]) -> QuerySet[Any]:
        rows = super().filtered(rows)
        if self.filters(HomeChildFilterSerializer).get("current"):
            from django.utils import timezone

            rows = rows.filter(selectors.current_on(timezone.localdate(), "residence"))
        return rows

    def list(self, request: Request) -> Response:
        rows = self.filtered(self.get_queryset())
        return self.page_response(rows, on_page=lambda page: self.log_access([r.member for r in page], "入住人员"))

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        residence = self.get_object()
        self.log_access([residence.member], f"入住记录 {residence.member.name}")
        return Response(self.get_serializer(residence).data)

    def create(self, request: Request) -> Response:
        data = dict(self.parse(ResidenceWriteSerializer).validated_data)
        residence = services.add_residence(actor=self.user, **data)
        return self.fresh_response(residence, status.HTTP_201_CREATED)

    @extend_schema(summary="办理离院", tags=[TAG], request=EndResidenceSerializer,
                   responses={200: ResidenceSerializer, **ERROR_RESPONSES})  # fmt: skip
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str | None = None) -> Response:
        residence = self.get_object()
        data = self.parse(EndResidenceSerializer).validated_data
        residence = services.end_residence(
            actor=self.user, residence=residence, end=data["end"], reason=data["end_reason"]
        )
        return self.fresh_response(residence)


@extend_schema_view(**_schemas("工作人员", StaffSerializer, StaffCreateSerializer, HomeChildFilterSerializer,
                               update=True))  # fmt: skip
class StaffViewSet(_ChildViewSet):
    queryset = Staff.objects.none()
    serializer_class = StaffSerializer

    def get_queryset(self) -> QuerySet[Staff]:
        return selectors.staff(self.user).prefetch_related("certificates").order_by("home_id", "position", "name", "pk")

    def filtered(self, rows: QuerySet[Any]) -> QuerySet[Any]:
        rows = super().filtered(rows)
        if self.filters(HomeChildFilterSerializer).get("current"):
            from django.utils import timezone

            rows = rows.filter(selectors.current_on(timezone.localdate()))
        return rows

    def create(self, request: Request) -> Response:
        data = dict(self.parse(StaffCreateSerializer).validated_data)
        home = data.pop("home")
        return self.fresh_response(services.save_staff(actor=self.user, home=home, data=data), status.HTTP_201_CREATED)

    def update(self, request: Request, pk: str | None = None, partial: bool = False) -> Response:
        person = self.get_object()
        data = self.parse(StaffWriteSerializer, partial=partial).validated_data
        return self.fresh_response(services.save_staff(actor=self.user, home=person.home, data=data, staff=person))

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self.update(request, pk, partial=True)

    @extend_schema(summary="登记离职", tags=[TAG], request=EndStaffSerializer,
                   responses={200: StaffSerializer, **ERROR_RESPONSES})  # fmt: skip
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str | None = None) -> Response:
        person = self.get_object()
        data = self.parse(EndStaffSerializer).validated_data
        person = services.end_staff(actor=self.user, staff=person, left_on=data["left_on"], reason=data["reason"])
        return self.fresh_response(person)


@extend_schema_view(**_schemas("证书", CertificateSerializer, CertificateCreateSerializer,
                               CertificateFilterSerializer, update=True))  # fmt: skip
class CertificateViewSet(mixins.RetrieveModelMixin, ScopedViewSet):
    queryset = Certificate.objects.none()
    serializer_class = CertificateSerializer
    township_field = "staff__home__township"

    def get_queryset(self) -> QuerySet[Certificate]:
        return selectors.certificates(self.user).order_by("staff_id", "kind", "-issued_on", "pk")

    def list(self, request: Request) -> Response:
        filters = self.filters(CertificateFilterSerializer)
        rows = self.get_queryset()
        if "staff" in filters:
            rows = rows.filter(staff_id=filters["staff"])
        if "home" in filters:
            rows = rows.filter(staff__home_id=filters["home"])
        return self.page_response(rows)

    def create(self, request: Request) -> Response:
        data = dict(self.parse(CertificateCreateSerializer).validated_data)
        person = data.pop("staff")
        certificate = services.save_certificate(actor=self.user, staff=person, data=data)
        return self.fresh_response(certificate, status.HTTP_201_CREATED)

    def update(self, request: Request, pk: str | None = None, partial: bool = False) -> Response:
        certificate = self.get_object()
        data = self.parse(CertificateWriteSerializer, partial=partial).validated_data
        certificate = services.save_certificate(
            actor=self.user, staff=certificate.staff, data=data, certificate=certificate
        )
        return self.fresh_response(certificate)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self.update(request, pk, partial=True)


class _DatedViewSet(_ChildViewSet):
    date_field = "day"

    def filtered(self, rows: QuerySet[Any]) -> QuerySet[Any]:
        rows = super().filtered(rows)
        filters = self.filters(DayFilterSerializer)
        if "since" in filters:
            rows = rows.filter(**{f"{self.date_field}__gte": filters["since"]})
        if "until" in filters:
            rows = rows.filter(**{f"{self.date_field}__lte": filters["until"]})
        return rows


@extend_schema_view(
    **_schemas("值班安排", ShiftSerializer, ShiftWriteSerializer, DayFilterSerializer),
    destroy=extend_schema(summary="取消值班安排", tags=[TAG], responses={204: None, **ERROR_RESPONSES}),
)
class ShiftViewSet(_DatedViewSet):
    queryset = DutyShift.objects.none()
    serializer_class = ShiftSerializer

    def get_queryset(self) -> QuerySet[DutyShift]:
        return selectors.shifts(self.user).order_by("home_id", "day", "start", "pk")

    def create(self, request: Request) -> Response:
        data = dict(self.parse(ShiftWriteSerializer).validated_data)
        return self.fresh_response(services.add_shift(actor=self.user, **data), status.HTTP_201_CREATED)

    def destroy(self, request: Request, pk: str | None = None) -> Response:
        services.remove_shift(actor=self.user, shift=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(**_schemas("值班日志", DutyLogSerializer, DutyLogWriteSerializer, DayFilterSerializer))
class DutyLogViewSet(_DatedViewSet):
    queryset = DutyLog.objects.none()
    serializer_class = DutyLogSerializer

    def get_queryset(self) -> QuerySet[DutyLog]:
        return selectors.duty_logs(self.user).order_by("home_id", "-day", "-pk")

    def create(self, request: Request) -> Response:
        data = dict(self.parse(DutyLogWriteSerializer).validated_data)
        return self.fresh_response(services.add_duty_log(actor=self.user, **data), status.HTTP_201_CREATED)


@extend_schema_view(**_schemas("巡查记录", PatrolSerializer, PatrolWriteSerializer, DayFilterSerializer))
class PatrolViewSet(_DatedViewSet):
    queryset = Patrol.objects.none()
    serializer_class = PatrolSerializer
    date_field = "at__date"

    def get_queryset(self) -> QuerySet[Patrol]:
        return selectors.patrols(self.user).order_by("home_id", "-at", "-pk")

    def create(self, request: Request) -> Response:
        data = dict(self.parse(PatrolWriteSerializer).validated_data)
        return self.fresh_response(services.add_patrol(actor=self.user, **data), status.HTTP_201_CREATED)


router = SimpleRouter()
router.register("eldercare/homes", HomeViewSet, basename="api-eldercare-home")
router.register("eldercare/residences", ResidenceViewSet, basename="api-eldercare-residence")
router.register("eldercare/staff", StaffViewSet, basename="api-eldercare-staff")
router.register("eldercare/certificates", CertificateViewSet, basename="api-eldercare-certificate")
router.register("eldercare/duty-shifts", ShiftViewSet, basename="api-eldercare-duty-shift")
router.register("eldercare/duty-logs", DutyLogViewSet, basename="api-eldercare-duty-log")
router.register("eldercare/patrols", PatrolViewSet, basename="api-eldercare-patrol")

urlpatterns = router.urls
