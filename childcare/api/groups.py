"""REST API of the groups area (mounted at ``/api/v1/``): the left-behind women's screening (``childcare/women/``),
the 福康工程 services (``childcare/fukang-services/``) and the disabled persons ledger (``childcare/disabled/``,
read only). Same scope and masking as the pages; writes through the same services; every read of a record
logged (``cases.models.SensitiveAccessLog``, action 接口读取)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from cases.api import ERROR_RESPONSES, ScopedViewSet
from cases.models import SensitiveAccessLog
from cases.permissions import can_see_full_identity
from cases.services import log_sensitive_access
from childcare.models import FukangService, LeftBehindWoman
from childcare.selectors import groups as selectors
from childcare.services import groups as services
from core import masking
from core.validators import GuardedSerializer

API = SensitiveAccessLog.Action.API


class _PersonFields(serializers.Serializer):
    """The person's name and ID number (masked for users without full-identity access)."""

    member_name = serializers.SerializerMethodField(help_text="姓名。")
    id_number = serializers.SerializerMethodField(help_text="身份证号（审计用户未经授权时为脱敏号码）。")

    def get_member_name(self, obj: Any) -> str:
        return obj.member.name

    def get_id_number(self, obj: Any) -> str:
        return masking.id_as_seen(obj.member.id_number, can_see_full_identity(self.context["request"].user))


# 农村留守妇女 -------------------------------------------------------------------------------------------------


class WomanSerializer(_PersonFields, serializers.ModelSerializer):
    township_name = serializers.CharField(source="township.name", read_only=True, help_text="乡镇（街道）。")
    health_label = serializers.CharField(source="get_health_display", read_only=True, help_text="健康状况（中文）。")
    source_label = serializers.CharField(source="get_source_display", read_only=True, help_text="来源（中文）。")

    class Meta:
        model = LeftBehindWoman
        fields = [
            "id",
            "township",
            "township_name",
            "member",
            "member_name",
            "id_number",
            "year",
            "source",
            "source_label",
            "husband_away_where",
            "husband_away_since",
            "children_in_care",
            "elderly_in_care",
            "care_note",
            "health",
            "health_label",
            "work",
            "needs",
            "screened_on",
            "screened_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": "记录编号。"},
            "township": {"help_text": "乡镇（街道）编号。"},
            "member": {"help_text": "成员编号。"},
            "year": {"help_text": "摸排年度。"},
            "source": {"help_text": "来源：registry 户籍标记生成，manual 人工添加。"},
            "husband_away_where": {"help_text": "丈夫外出地点。"},
            "husband_away_since": {"help_text": "丈夫外出时间。"},
            "children_in_care": {"help_text": "照料子女人数。"},
            "elderly_in_care": {"help_text": "照料老人人数。"},
            "care_note": {"help_text": "照料情况说明。"},
            "health": {"help_text": "健康状况：good 健康，fair 一般，ill 患病，disabled 残疾。"},
            "work": {"help_text": "就业（劳动）情况。"},
            "needs": {"help_text": "需求。"},
            "screened_on": {"help_text": "摸排日期。"},
            "screened_by": {"help_text": "摸排人。"},
            "created_at": {"help_text": "登记时间。"},
            "updated_at": {"help_text": "更新时间。"},
        }


class WomanWriteSerializer(GuardedSerializer, serializers.Serializer):
    husband_away_where = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="丈夫外出地点。"
    )
    husband_away_since = serializers.DateField(required=False, allow_null=True, help_text="丈夫外出时间。")
    children_in_care = serializers.IntegerField(required=False, min_value=0, max_value=30, help_text="照料子女人数。")
    elderly_in_care = serializers.IntegerField(required=False, min_value=0, max_value=30, help_text="照料老人人数。")
    care_note = serializers.CharField(required=False, allow_blank=True, max_length=200, help_text="照料情况说明。")
    health = serializers.ChoiceField(
        choices=LeftBehindWoman.Health.choices, required=False, allow_blank=True, help_text="健康状况。"
    )
    work = serializers.CharField(required=False, allow_blank=True, max_length=100, help_text="就业（劳动）情况。")
    needs = serializers.CharField(required=False, allow_blank=True, max_length=1000, help_text="需求。")
    screened_on = serializers.DateField(required=False, allow_null=True, help_text="摸排日期（不晚于今天）。")
    screened_by = serializers.CharField(required=False, allow_blank=True, max_length=32, help_text="摸排人。")


class WomanCreateSerializer(WomanWriteSerializer):
    member = serializers.CharField(max_length=18, help_text="成员编号（本人可查看范围内的在册已婚女性）。")
    year = serializers.IntegerField(min_value=2000, max_value=2100, help_text="摸排年度。")

    def validate_member(self, value: str) -> Any:
        from core.views import id_param

        pk = id_param(value)
        member = selectors.find_member_by_pk(self.context["request"].user, pk) if pk is not None else None
        if member is None:
            raise serializers.ValidationError("没有该成员，或不在您可查看的范围内。")
        return member


class WomanFilterSerializer(GuardedSerializer, serializers.Serializer):
    township = serializers.IntegerField(required=False, min_value=1, max_value=2**62, help_text="乡镇（街道）编号。")
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100, help_text="年度。")
    q = serializers.CharField(required=False, allow_blank=True, max_length=40, help_text="姓名（前缀）或身份证号。")
    health = serializers.ChoiceField(
        choices=LeftBehindWoman.Health.choices, required=False, allow_blank=True, help_text="健康状况。"
    )
    source = serializers.ChoiceField(
        choices=LeftBehindWoman.Source.choices, required=False, allow_blank=True, help_text="来源。"
    )


@extend_schema_view(
    list=extend_schema(summary="农村留守妇女台账", parameters=[WomanFilterSerializer], tags=["childcare"]),
    retrieve=extend_schema(summary="留守妇女记录", responses={200: WomanSerializer, 404: ERROR_RESPONSES[404]}),
    create=extend_schema(
        summary="添加留守妇女",
        request=WomanCreateSerializer,
        responses={201: WomanSerializer, **ERROR_RESPONSES},
        tags=["childcare"],
    ),
    partial_update=extend_schema(
        summary="修改留守妇女记录",
        request=WomanWriteSerializer,
        responses={200: WomanSerializer, **ERROR_RESPONSES},
        tags=["childcare"],
    ),
)
class WomanViewSet(ScopedViewSet):
    queryset = LeftBehindWoman.objects.none()
    serializer_class = WomanSerializer

    def get_queryset(self) -> Any:
        return selectors.women(self.user)

    def list(self, request: Request) -> Response:
        filters = self.filters(WomanFilterSerializer)
        rows = selectors.women(
            self.user,
            township_id=filters.get("township"),
            year=filters.get("year"),
            query=filters.get("q", ""),
            health=filters.get("health", ""),
            source=filters.get("source", ""),
        )
        return self.page_response(rows, on_page=lambda page: self._log([w.member for w in page], "留守妇女台账"))

    def retrieve(self, request: Request, pk: int) -> Response:
        woman = selectors.get_woman(self.user, pk)
        self._log([woman.member], f"{woman.year}年留守妇女记录")
        return Response(self.get_serializer(woman).data)

    def create(self, request: Request) -> Response:
        data = dict(self.parse(WomanCreateSerializer).validated_data)
        member, year = data.pop("member"), data.pop("year")
        woman = services.add_woman(actor=self.user, member=member, year=year, data=data)
        return self.fresh_response(woman, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, pk: int) -> Response:
        woman = selectors.get_woman(self.user, pk)
        data = self.parse(WomanWriteSerializer, partial=True).validated_data
        woman = services.update_woman(actor=self.user, woman=woman, data=data)
        return self.fresh_response(woman)

    def _log(self, members: list[Any], what: str) -> None:
        log_sensitive_access(
            actor=self.user,
            members=members,
            action=API,
            what=f"{what}（{self.request.method} {self.request.path}）",
            everyone=True,
        )


# 福康工程 -------------------------------------------------------------------------------------------------------


class ServiceSerializer(_PersonFields, serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True, help_text="服务类别（中文）。")

    class Meta:
        model = FukangService
        fields = [
            "id",
            "township",
            "member",
            "member_name",
            "id_number",
            "kind",
            "kind_label",
            "started_on",
            "ended_on",
            "provider",
            "note",
            "exception_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": "服务记录编号。"},
            "township": {"help_text": "乡镇（街道）编号。"},
            "member": {"help_text": "服务对象的成员编号。"},
            "kind": {
                "help_text": "服务类别：rehabilitation 康复治疗，assistive_device 辅具适配，care 护理服务，other 其他。"
            },
            "started_on": {"help_text": "开始日期。"},
            "ended_on": {"help_text": "结束日期（空：仍在服务）。"},
            "provider": {"help_text": "服务机构（提供者）。"},
            "note": {"help_text": "服务内容说明。"},
            "exception_reason": {"help_text": "例外说明：服务对象不是贫困重度残疾人时必填。"},
            "created_at": {"help_text": "登记时间。"},
            "updated_at": {"help_text": "更新时间。"},
        }


class ServiceWriteSerializer(GuardedSerializer, serializers.Serializer):
    kind = serializers.ChoiceField(choices=FukangService.Kind.choices, help_text="服务类别。")
    started_on = serializers.DateField(help_text="开始日期（不晚于今天）。")
    ended_on = serializers.DateField(required=False, allow_null=True, default=None, help_text="结束日期。")
    provider = serializers.CharField(max_length=100, help_text="服务机构（提供者）。")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000, help_text="说明。")
    exception_reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200, help_text="例外说明（非贫困重度残疾人时必填）。"
    )


class ServiceCreateSerializer(ServiceWriteSerializer):
    member = serializers.CharField(max_length=18, help_text="服务对象的成员编号（残疾人台账中的人员）。")

    def validate_member(self, value: str) -> Any:
        from core.views import id_param

        pk = id_param(value)
        member = selectors.find_member_by_pk(self.context["request"].user, pk) if pk is not None else None
        if member is None:
            raise serializers.ValidationError("没有该成员，或不在您可查看的范围内。")
        return member


class ServiceFilterSerializer(GuardedSerializer, serializers.Serializer):
    township = serializers.IntegerField(required=False, min_value=1, max_value=2**62, help_text="乡镇（街道）编号。")
    kind = serializers.ChoiceField(
        choices=FukangService.Kind.choices, required=False, allow_blank=True, help_text="服务类别。"
    )


@extend_schema_view(
    list=extend_schema(summary="福康工程服务列表", parameters=[ServiceFilterSerializer], tags=["childcare"]),
    retrieve=extend_schema(summary="福康工程服务", responses={200: ServiceSerializer, 404: ERROR_RESPONSES[404]}),
    create=extend_schema(
        summary="登记福康工程服务",
        request=ServiceCreateSerializer,
        responses={201: ServiceSerializer, **ERROR_RESPONSES},
        tags=["childcare"],
    ),
    update=extend_schema(
        summary="修改福康工程服务",
        request=ServiceWriteSerializer,
        responses={200: ServiceSerializer, **ERROR_RESPONSES},
        tags=["childcare"],
    ),
)
class ServiceViewSet(ScopedViewSet):
    queryset = FukangService.objects.none()
    serializer_class = ServiceSerializer

    def get_queryset(self) -> Any:
        return selectors.services(self.user)

    def list(self, request: Request) -> Response:
        filters = self.filters(ServiceFilterSerializer)
        rows = selectors.services(self.user, township_id=filters.get("township"), kind=filters.get("kind", ""))
        return self.page_response(rows, on_page=lambda page: self.log_access([s.member for s in page], "福康工程服务"))

    def retrieve(self, request: Request, pk: int) -> Response:
        service = selectors.get_service(self.user, pk)
        self.log_access([service.member], "福康工程服务")
        return Response(self.get_serializer(service).data)

    def create(self, request: Request) -> Response:
        data = dict(self.parse(ServiceCreateSerializer).validated_data)
        member = data.pop("member")
        service = services.add_service(actor=self.user, member=member, data=data)
        return self.fresh_response(service, status.HTTP_201_CREATED)

    def update(self, request: Request, pk: int) -> Response:
        service = selectors.get_service(self.user, pk)
        data = self.parse(ServiceWriteSerializer).validated_data
        service = services.update_service(actor=self.user, service=service, data=data)
        return self.fresh_response(service)


# 残疾人台账 -----------------------------------------------------------------------------------------------------


class SubsidySerializer(serializers.Serializer):
    granted = serializers.BooleanField(help_text="本月是否享受。")
    text = serializers.CharField(help_text="已享受；或未享受的理由（最近一次认定测算），无测算时为“未测算”。")


class LedgerRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="member.pk", help_text="成员编号。")
    name = serializers.CharField(source="member.name", help_text="姓名。")
    id_number = serializers.SerializerMethodField(help_text="身份证号（审计用户未经授权时为脱敏号码）。")
    township = serializers.CharField(source="member.household.township.name", help_text="乡镇（街道）。")
    household_number = serializers.CharField(source="member.household.number", help_text="户编号。")
    category = serializers.CharField(help_text="残疾类别（户籍登记，否则残联名单）。")
    grade = serializers.IntegerField(allow_null=True, help_text="残疾等级（1–4 级，1–2 级为重度）。")
    source = serializers.CharField(help_text="来源：户籍、残联名单。")
    poverty = serializers.CharField(help_text="贫困状况：建档立卡状态，以及本月低保、特困在保情况。")
    living = SubsidySerializer(help_text="困难残疾人生活补贴。")
    care = SubsidySerializer(help_text="重度残疾人护理补贴。")
    open_entry_month = serializers.DateField(
        source="member.open_entry_month", allow_null=True, help_text="待处理的应保未保事项所在摸排月份（无则为空）。"
    )

    def get_id_number(self, row: Any) -> str:
        return masking.id_as_seen(row.member.id_number, can_see_full_identity(self.context["request"].user))


class LedgerFilterSerializer(GuardedSerializer, serializers.Serializer):
    township = serializers.IntegerField(required=False, min_value=1, max_value=2**62, help_text="乡镇（街道）编号。")
    q = serializers.CharField(required=False, allow_blank=True, max_length=40, help_text="姓名（前缀）或身份证号。")
    grade = serializers.ChoiceField(
        choices=list(selectors.GRADE_FILTERS.items()), required=False, allow_blank=True, help_text="残疾等级。"
    )
    living = serializers.ChoiceField(
        choices=list(selectors.SUBSIDY_FILTERS.items()), required=False, allow_blank=True, help_text="生活补贴。"
    )
    care = serializers.ChoiceField(
        choices=list(selectors.SUBSIDY_FILTERS.items()), required=False, allow_blank=True, help_text="护理补贴。"
    )
    poverty = serializers.ChoiceField(
        choices=list(selectors.POVERTY_FILTERS.items()), required=False, allow_blank=True, help_text="贫困状况。"
    )
    uncovered = serializers.BooleanField(required=False, default=False, help_text="只列有待处理应保未保事项的人员。")


@extend_schema_view(
    list=extend_schema(
        summary="残疾人台账",
        description="户籍登记残疾的成员和残联名单中匹配到的在册成员，含两项补贴和应保未保情况；只读。",
        parameters=[LedgerFilterSerializer],
        responses={200: LedgerRowSerializer(many=True)},
        tags=["childcare"],
    ),
    retrieve=extend_schema(
        summary="残疾人台账个人",
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description="成员编号。")],
        responses={200: LedgerRowSerializer, 404: ERROR_RESPONSES[404]},
        tags=["childcare"],
    ),
)
class DisabledLedgerViewSet(ScopedViewSet):
    serializer_class = LedgerRowSerializer
    township_field = "household__township"

    def get_queryset(self) -> Any:
        return selectors.disabled_members(self.user)

    def list(self, request: Request) -> Response:
        filters = self.filters(LedgerFilterSerializer)
        rows = selectors.disabled_ledger(
            self.user,
            township_id=filters.get("township"),
            query=filters.get("q", ""),
            grade=filters.get("grade", ""),
            living=filters.get("living", ""),
            care=filters.get("care", ""),
            poverty=filters.get("poverty", ""),
            uncovered=filters.get("uncovered", False),
        )
        page = self.paginate_queryset(rows)
        members = list(page if page is not None else rows)
        self.log_access(members, "残疾人台账")
        data = self.get_serializer(selectors.ledger_rows(members), many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request: Request, pk: int) -> Response:
        member = selectors.get_disabled_member(self.user, pk)
        self.log_access([member], "残疾人台账个人")
        return Response(self.get_serializer(selectors.ledger_rows([member])[0]).data)


router = SimpleRouter(trailing_slash=True)
router.register("childcare/women", WomanViewSet, basename="api-childcare-woman")
router.register("childcare/fukang-services", ServiceViewSet, basename="api-childcare-service")
router.register("childcare/disabled", DisabledLedgerViewSet, basename="api-childcare-disabled")

urlpatterns = router.urls
