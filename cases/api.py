"""REST API of the case registry and the intake window (mounted at ``/api/v1/``).

Views stay thin: parse the body with a serializer, call one service (every write) or selector, serialize. Every
queryset goes through ``selectors.scope``: a row of another township is "not found" (404). Errors of the services
become HTTP answers in ``api_exception_handler``: ``ValidationError`` → 400 ``{field: [messages]}``,
``TransitionNotAllowed`` → 409, ``PermissionDenied`` → 403.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, Prefetch, QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler, set_rollback

from cases import permissions, selectors, services
from cases import serializers as s
from cases.models import (
    Application,
    AssetRecord,
    Expenditure,
    Household,
    IncomeItem,
    Member,
    Referral,
    SensitiveAccessLog,
    User,
)

# Errors -----------------------------------------------------------------------------------------------------


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "该操作与当前状态冲突。"
    default_code = "conflict"


def validation_error_body(error: DjangoValidationError, request: Request) -> dict[str, Any]:
    """``{field: [messages]}`` from a service's ValidationError. A duplicate ID number also names the member
    already registered (``existing_member``, ``existing_household``, ``existing_member_url``) when the user may
    see that member, so a client can link to it."""
    if not hasattr(error, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: error.messages}
    body: dict[str, Any] = {
        (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): messages
        for field, messages in error.message_dict.items()
    }
    for item in error.error_dict.get("id_number", []):
        if item.code != "duplicate" or not item.params or "member_id" not in item.params:
            continue
        member_id = item.params["member_id"]
        visible = selectors.scope(Member.objects.filter(pk=member_id), request.user, "household__township")
        if visible.exists():
            body["existing_member"] = member_id
            body["existing_household"] = item.params.get("household_id")
            body["existing_member_url"] = reverse("api-member-detail", args=[member_id], request=request)
    return body


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, services.TransitionNotAllowed):
        exc = Conflict(exc.message)
    elif isinstance(exc, DjangoValidationError):
        set_rollback()
        return Response(validation_error_body(exc, context["request"]), status=status.HTTP_400_BAD_REQUEST)
    return exception_handler(exc, context)


ERROR_RESPONSES = {
    400: OpenApiResponse(description="输入有误：{字段: [错误信息]}。"),
    403: OpenApiResponse(s.ErrorDetailSerializer, description="无权办理（审计用户、其他乡镇、经办与审批为同一人）。"),
    404: OpenApiResponse(s.ErrorDetailSerializer, description="不存在或不在本人可查看的范围内。"),
}
CONFLICT_RESPONSE = {409: OpenApiResponse(s.ErrorDetailSerializer, description="当前状态下不能执行该操作。")}


# Base -------------------------------------------------------------------------------------------------------


class ReadOnlyForAuditors(BasePermission):
    """Auditors read what their scope allows; every write is refused (403) before any input is looked at. Which
    rows a user sees is decided by ``selectors.scope``."""

    message = "审计用户只能查看，不能修改。"

    def has_permission(self, request: Request, view: Any) -> bool:
        return request.method in SAFE_METHODS or permissions.can_write(request.user)


class ScopedViewSet(viewsets.GenericViewSet):
    """Rows limited by ``selectors.scope``; auditors read only; service errors mapped to HTTP answers."""

    permission_classes = [IsAuthenticated, ReadOnlyForAuditors]
    township_field = "township"

    def get_exception_handler(self) -> Any:
        return api_exception_handler

    @property
    def user(self) -> User:
        return self.request.user  # type: ignore[return-value]

    def scoped(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return selectors.scope(queryset, self.user, self.township_field)

    def parse(self, serializer_class: type[serializers.BaseSerializer], data: Any = None, **kwargs: Any) -> Any:
        serializer = serializer_class(
            data=self.request.data if data is None else data, context=self.get_serializer_context(), **kwargs
        )
        serializer.is_valid(raise_exception=True)
        return serializer

    def filters(self, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
        return dict(self.parse(serializer_class, data=self.request.query_params).validated_data)

    def page_response(self, queryset: QuerySet[Any], on_page: Any = None) -> Response:
        page = self.paginate_queryset(queryset)
        rows = list(page if page is not None else queryset)
        if on_page is not None:
            on_page(rows)
        data = self.get_serializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def fresh_response(self, instance: Model, status_code: int = status.HTTP_200_OK) -> Response:
        """The instance read again through the scoped queryset (annotations, related rows) and serialized."""
        fresh = self.get_queryset().get(pk=instance.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)

    def log_access(self, members: Iterable[Member], what: str) -> None:
        services.log_sensitive_access(
            actor=self.user,
            members=members,
            action=SensitiveAccessLog.Action.API,
            what=f"{what}（{self.request.method} {self.request.path}）"[:200],
        )


def _update_schemas(name: str, request: type[serializers.Serializer], response: type[serializers.Serializer]) -> Any:
    """The ``update`` and ``partial_update`` entries of ``extend_schema_view`` for a viewset writing ``name``."""
    return {
        "update": extend_schema(summary=f"修改{name}", request=request, responses={200: response, **ERROR_RESPONSES}),
        "partial_update": extend_schema(
            summary=f"修改{name}（部分字段）", request=request, responses={200: response, **ERROR_RESPONSES}
        ),
    }


def _read_create_schemas(
    list_doc: tuple[str, str, type[serializers.Serializer]],
    retrieve_doc: tuple[str, str, type[serializers.Serializer]],
    create_doc: tuple[str, str | None, type[serializers.Serializer]],
) -> Any:
    """The ``list``, ``retrieve`` and ``create`` entries of ``extend_schema_view``, each from (summary, description,
    serializer): the filter's, the answer's (also of ``create``) and the request's."""
    (list_summary, list_description, filters), (summary, description, response) = list_doc, retrieve_doc
    create_summary, create_description, request = create_doc
    return {
        "list": extend_schema(summary=list_summary, description=list_description, parameters=[filters]),
        "retrieve": extend_schema(
            summary=summary, description=description, responses={200: response, 404: ERROR_RESPONSES[404]}
        ),
        "create": extend_schema(
            summary=create_summary,
            description=create_description,
            request=request,
            responses={201: response, **ERROR_RESPONSES},
        ),
    }


# Households -------------------------------------------------------------------------------------------------


@extend_schema_view(
    **_read_create_schemas(
        ("家庭列表", "本人可查看范围内的家庭；`q` 按身份证号、户编号或成员姓名检索。", s.HouseholdFilterSerializer),
        ("家庭详情", "含家庭成员摘要；有未成年或残疾成员时记录敏感信息访问日志。", s.HouseholdDetailSerializer),
        ("登记家庭", None, s.HouseholdWriteSerializer),
    ),
    **_update_schemas("家庭", s.HouseholdWriteSerializer, s.HouseholdDetailSerializer),
)
class HouseholdViewSet(mixins.RetrieveModelMixin, ScopedViewSet):
    queryset = Household.objects.none()

    def get_serializer_class(self) -> type[serializers.BaseSerializer]:
        return s.HouseholdSerializer if self.action == "list" else s.HouseholdDetailSerializer

    def get_queryset(self) -> QuerySet[Household]:
        households = self.scoped(Household.objects.select_related("township", "village"))
        if self.action != "list":
            members = Member.objects.select_related("major_illness").order_by("-active", "id")
            households = households.prefetch_related(Prefetch("members", queryset=members))
        return selectors.with_heads(households)

    def list(self, request: Request) -> Response:
        filters = self.filters(s.HouseholdFilterSerializer)
        query = filters.get("q", "").strip()
        if query:
            households = selectors.search_households(self.user, query)
        else:
            households = self.scoped(Household.objects.select_related("township", "village"))
        if "township" in filters:
            households = households.filter(township_id=filters["township"])
        if "village" in filters:
            households = households.filter(village_id=filters["village"])
        return self.page_response(selectors.with_heads(households))

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        household = self.get_object()
        self.log_access(household.members.all(), f"家庭 {household.number} 成员")
        return Response(self.get_serializer(household).data)

    def create(self, request: Request) -> Response:
        data = self.parse(s.HouseholdWriteSerializer).validated_data
        household = services.save_household(actor=self.user, data=data)
        return self.fresh_response(household, status.HTTP_201_CREATED)

    def update(self, request: Request, pk: str | None = None, partial: bool = False) -> Response:
        household = self.get_object()
        data = dict(self.parse(s.HouseholdWriteSerializer, instance=household, partial=partial).validated_data)
        data.setdefault("village", household.village)  # save_household needs the village even when unchanged
        household = services.save_household(actor=self.user, data=data, household=household)
        return self.fresh_response(household)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self.update(request, pk, partial=True)


# Members ----------------------------------------------------------------------------------------------------


@extend_schema_view(
    **_read_create_schemas(
        (
            "家庭成员列表",
            "有未成年或残疾成员时记录敏感信息访问日志。身份证号、银行账号按权限脱敏。",
            s.MemberFilterSerializer,
        ),
        ("成员详情", "未成年或残疾成员记录敏感信息访问日志。", s.MemberSerializer),
        (
            "登记家庭成员",
            "出生日期和性别按身份证号推算；身份证号重复时返回 `existing_member`。",
            s.MemberCreateSerializer,
        ),
    ),
    **_update_schemas("家庭成员", s.MemberWriteSerializer, s.MemberSerializer),
)
class MemberViewSet(mixins.RetrieveModelMixin, ScopedViewSet):
    queryset = Member.objects.none()
    serializer_class = s.MemberSerializer
    township_field = "household__township"

    def get_queryset(self) -> QuerySet[Member]:
        return self.scoped(Member.objects.select_related("household", "major_illness"))

    def list(self, request: Request) -> Response:
        filters = self.filters(s.MemberFilterSerializer)
        members = self.get_queryset()
        if "household" in filters:
            members = members.filter(household_id=filters["household"])
        return self.page_response(members, on_page=lambda rows: self.log_access(rows, "成员列表"))

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        member = self.get_object()
        self.log_access([member], f"成员 {member.name}")
        return Response(self.get_serializer(member).data)

    def create(self, request: Request) -> Response:
        data = dict(self.parse(s.MemberCreateSerializer).validated_data)
        household = data.pop("household")
        member = services.save_member(actor=self.user, household=household, data=data)
        return self.fresh_response(member, status.HTTP_201_CREATED)

    def update(self, request: Request, pk: str | None = None, partial: bool = False) -> Response:
        member = self.get_object()
        data = self.parse(s.MemberWriteSerializer, instance=member, partial=partial).validated_data
        member = services.save_member(actor=self.user, household=member.household, data=data, member=member)
        return self.fresh_response(member)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        return self.update(request, pk, partial=True)

    @extend_schema(
        summary="迁移到其他家庭",
        request=s.MemberMoveSerializer,
        responses={200: s.MemberSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str | None = None) -> Response:
        member = self.get_object()
        data = self.parse(s.MemberMoveSerializer).validated_data
        member = services.move_member(
            actor=self.user, member=member, to_household=data["to_household"], relation=data["relation"]
        )
        return self.fresh_response(member)

    @extend_schema(
        summary="注销成员",
        request=s.MemberDeactivateSerializer,
        responses={200: s.MemberSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, pk: str | None = None) -> Response:
        member = self.get_object()
        data = self.parse(s.MemberDeactivateSerializer).validated_data
        member = services.deactivate_member(actor=self.user, member=member, reason=data["reason"])
        return self.fresh_response(member)


# Dated facts ------------------------------------------------------------------------------------------------


class FactViewSet(mixins.RetrieveModelMixin, ScopedViewSet):
    """List, read, record (``services.add_fact``) and end (``services.end_fact``) one kind of dated fact."""

    # By default a member's fact; a household's fact names its own ``township_field`` and ``filter_serializer``.

    kind: str
    model: type[IncomeItem | Expenditure | AssetRecord]
    filter_serializer: type[serializers.Serializer] = s.MemberFactFilterSerializer
    township_field = "member__household__township"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.queryset = cls.model.objects.none()

    def get_queryset(self) -> QuerySet[Any]:
        return self.scoped(self.model.objects.select_related(self.township_field.rsplit("__", 1)[0]))

    def list(self, request: Request) -> Response:
        filters = self.filters(self.filter_serializer)
        facts = self.get_queryset()
        household_path = self.township_field.removesuffix("__township")
        if "household" in filters:
            facts = facts.filter(**{f"{household_path}_id": filters["household"]})
        if "member" in filters:
            facts = facts.filter(member_id=filters["member"])
        return self.page_response(facts)

    def create(self, request: Request) -> Response:
        data = dict(self.parse(self.get_serializer_class()).validated_data)
        household = data.pop("household") if self.kind == "asset" else data["member"].household
        fact = services.add_fact(actor=self.user, household=household, kind=self.kind, data=data)
        return self.fresh_response(fact, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str | None = None) -> Response:
        fact = self.get_object()
        data = self.parse(s.FactEndSerializer).validated_data
        services.end_fact(actor=self.user, fact=fact, valid_to=data["valid_to"])
        return self.fresh_response(fact)


def _fact_schema(name: str) -> Any:
    """``extend_schema_view`` for a ``FactViewSet`` of the fact ``name``, from its serializers."""

    def decorate(viewset: type[FactViewSet]) -> type[FactViewSet]:
        serializer = viewset.serializer_class
        return extend_schema_view(  # type: ignore[no-any-return]
            list=extend_schema(summary=f"{name}列表", parameters=[viewset.filter_serializer]),
            retrieve=extend_schema(summary=f"{name}详情", responses={200: serializer, 404: ERROR_RESPONSES[404]}),
            create=extend_schema(summary=f"录入{name}", responses={201: serializer, **ERROR_RESPONSES}),
            end=extend_schema(
                summary=f"{name}截止",
                description="写入截止日期（含当日），此后不再计入。",
                request=s.FactEndSerializer,
                responses={200: serializer, **ERROR_RESPONSES},
            ),
        )(viewset)

    return decorate


@_fact_schema("收入")
class IncomeViewSet(FactViewSet):
    serializer_class = s.IncomeSerializer
    model = IncomeItem
    kind = "income"


@_fact_schema("刚性支出")
class ExpenditureViewSet(FactViewSet):
    serializer_class = s.ExpenditureSerializer
    model = Expenditure
    kind = "expenditure"


@_fact_schema("家庭财产")
class AssetViewSet(FactViewSet):
    serializer_class = s.AssetSerializer
    filter_serializer = s.AssetFilterSerializer
    model = AssetRecord
    kind = "asset"
    township_field = "household__township"


# Applications -----------------------------------------------------------------------------------------------


def application_details(applications: QuerySet[Application]) -> QuerySet[Application]:
    return applications.select_related(
        "township", "household", "received_by", "investigation__recorded_by"
    ).prefetch_related(
        "benefits__member",
        "transitions__actor",
        Prefetch("referrals", queryset=Referral.objects.select_related("created_by")),
    )


@extend_schema_view(
    **_read_create_schemas(
        (
            "申请列表（办理队列）",
            "按当前环节办理期限排序；`overdue=1` 只看已超期未办结的申请。",
            s.ApplicationFilterSerializer,
        ),
        (
            "申请详情",
            "含救助项目、办理记录、入户调查、协同转办，以及当前用户可执行的办理操作。",
            s.ApplicationSerializer,
        ),
        ("受理申请", "须已签署家庭经济状况核对授权书。", s.ApplicationCreateSerializer),
    ),
)
class ApplicationViewSet(mixins.RetrieveModelMixin, ScopedViewSet):
    queryset = Application.objects.none()
    serializer_class = s.ApplicationSerializer

    def get_queryset(self) -> QuerySet[Application]:
        return application_details(self.scoped(Application.objects.all()))

    def list(self, request: Request) -> Response:
        filters = self.filters(s.ApplicationFilterSerializer)
        status_filter = filters.get("status")
        if filters.get("overdue"):
            applications = selectors.overdue_applications(self.user, timezone.localdate())
            if status_filter:
                applications = applications.filter(status=status_filter)
        else:
            applications = selectors.application_queue(self.user, status_filter)
        return self.page_response(application_details(applications))

    def create(self, request: Request) -> Response:
        serializer = self.parse(s.ApplicationCreateSerializer)
        application = services.receive_application(actor=self.user, **serializer.to_service_kwargs())
        return self.fresh_response(application, status.HTTP_201_CREATED)

    @extend_schema(
        summary="协同转办",
        description="把申请中的部分事项转其他部门办理，并设办理期限。",
        request=s.ReferralCreateSerializer,
        responses={201: s.ReferralSerializer, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def referrals(self, request: Request, pk: str | None = None) -> Response:
        application = self.get_object()
        data = self.parse(s.ReferralCreateSerializer).validated_data
        referral = services.add_referral(actor=self.user, application=application, **data)
        serializer = s.ReferralSerializer(referral, context=self.get_serializer_context())
        return Response(serializer.data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        summary="协同转办列表",
        description="`overdue=1` 只看已超期未办结的转办事项。",
        parameters=[s.ReferralFilterSerializer],
    ),
    retrieve=extend_schema(summary="协同转办详情", responses={200: s.ReferralSerializer, 404: ERROR_RESPONSES[404]}),
    partial_update=extend_schema(
        summary="更新协同转办",
        description="更新状态和办理结果；已办结的事项不能再修改（409）。",
        request=s.ReferralUpdateSerializer,
        responses={200: s.ReferralSerializer, **ERROR_RESPONSES, **CONFLICT_RESPONSE},
    ),
)
class ReferralViewSet(mixins.RetrieveModelMixin, ScopedViewSet):
    queryset = Referral.objects.none()
    serializer_class = s.ReferralSerializer
    township_field = "application__township"
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Referral]:
        return self.scoped(Referral.objects.select_related("application", "created_by"))

    def list(self, request: Request) -> Response:
        filters = self.filters(s.ReferralFilterSerializer)
        if filters.get("overdue"):
            referrals = selectors.overdue_referrals(self.user, timezone.localdate()).select_related("created_by")
        else:
            referrals = self.get_queryset()
        if "application" in filters:
            referrals = referrals.filter(application_id=filters["application"])
        return self.page_response(referrals)

    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        referral = self.get_object()
        data = self.parse(s.ReferralUpdateSerializer, partial=True).validated_data
        referral = services.update_referral(
            actor=self.user,
            referral=referral,
            status=data.get("status", referral.status),
            result=data.get("result", referral.result),
        )
        return self.fresh_response(referral)
