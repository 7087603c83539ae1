"""Serializers of the case-registry API: they parse and validate request bodies and shape responses. Nothing is
written here: the views hand ``validated_data`` to ``cases.services``.

* References in request bodies (household, member, village …) only resolve to rows in the user's scope; anything
  else is "does not exist" (400), so a body cannot reveal another township's rows.
* ID numbers and bank accounts are masked (``core.masking``) in responses unless
  ``permissions.can_see_full_identity``; a masked value
  (containing ``*``) sent back is ignored, never stored.
* Choice fields named ``kind`` or ``status`` appear in one schema component per choice set only (the read and
  create shapes of a fact share one serializer; the referral's ``status`` is a plain string in responses), so the
  OpenAPI enum names stay unambiguous.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases import permissions, selectors, services
from cases.models import (
    Application,
    ApplicationBenefit,
    ApplicationTransition,
    AssetRecord,
    Expenditure,
    Household,
    IllnessCatalog,
    IncomeItem,
    Investigation,
    Member,
    Referral,
    Township,
    User,
    Village,
)
from cases.models.intake import Benefit
from core import idnumber
from core.masking import MASK_CHAR, mask_account, mask_id_number
from core.validators import GuardedSerializer, reject_formula_start, validate_not_future

MASKABLE_INPUT_FIELDS = ("id_number", "payee_id_number", "bank_account")


def display_name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


@extend_schema_field(OpenApiTypes.STR)
class UserNameField(serializers.ReadOnlyField):
    """The display name of the user in ``source`` (a blank string when there is none)."""

    def get_attribute(self, instance: Any) -> str:
        return display_name(super().get_attribute(instance))


def _request_user(context: Mapping[str, Any]) -> User | None:
    request = context.get("request")
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference in a request body to a row the requesting user may see (``selectors.scope``)."""

    def __init__(self, *, township_field: str = "township", **kwargs: Any) -> None:
        self.township_field = township_field
        super().__init__(**kwargs)

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()
        user = _request_user(self.context)
        if user is None:
            return queryset.none()
        return selectors.scope(queryset, user, self.township_field)


class IdentityMaskingMixin:
    """Masks ID numbers and bank accounts in the output for users without full-identity access."""

    masked_id_fields: tuple[str, ...] = ()
    masked_account_fields: tuple[str, ...] = ()

    def to_representation(self, instance: Any) -> Any:
        data = super().to_representation(instance)  # type: ignore[misc]
        user = _request_user(self.context)  # type: ignore[attr-defined]
        if user is not None and permissions.can_see_full_identity(user):
            return data
        for field in self.masked_id_fields:
            if data.get(field):
                data[field] = mask_id_number(data[field])
        for field in self.masked_account_fields:
            if data.get(field):
                data[field] = mask_account(data[field])
        return data


class IgnoreMaskedInputMixin:
    """A masked value sent back (e.g. a form filled from a masked response) is dropped, so it never overwrites
    the stored number."""

    def to_internal_value(self, data: Any) -> Any:
        if hasattr(data, "items"):
            data = {
                key: value
                for key, value in data.items()
                if not (key in MASKABLE_INPUT_FIELDS and isinstance(value, str) and MASK_CHAR in value)
            }
        return super().to_internal_value(data)  # type: ignore[misc]


class ErrorDetailSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="错误说明（中文）。")


# Households and members -------------------------------------------------------------------------------------


class _MemberAgeSerializer(IdentityMaskingMixin, serializers.ModelSerializer):
    """A member read with today's age."""

    age = serializers.SerializerMethodField(help_text="今天的周岁年龄。")

    def get_age(self, obj: Member) -> int:
        return obj.age_on(timezone.localdate())


class MemberSummarySerializer(_MemberAgeSerializer):
    """A member as listed in a household's detail."""

    masked_id_fields = ("id_number",)
    counted = serializers.BooleanField(read_only=True, help_text="是否计入家庭成员（共同生活且无不计入原因）。")

    class Meta:
        model = Member
        fields = (
            "id",
            "name",
            "id_number",
            "relation",
            "sex",
            "birth_date",
            "age",
            "disability_category",
            "disability_grade",
            "counted",
            "active",
            "date_of_death",
        )
        read_only_fields = fields


class HouseholdSerializer(serializers.ModelSerializer):
    township_name = serializers.CharField(source="township.name", read_only=True, help_text="乡镇（街道）名称。")
    village_name = serializers.CharField(source="village.name", read_only=True, help_text="村（社区）名称。")
    head_name = serializers.CharField(read_only=True, allow_null=True, help_text="户主姓名（在册户主）。")
    member_count = serializers.IntegerField(read_only=True, allow_null=True, help_text="在册成员人数。")

    class Meta:
        model = Household
        fields = (
            "id",
            "number",
            "township",
            "township_name",
            "village",
            "village_name",
            "address",
            "area_type",
            "phone",
            "head_name",
            "member_count",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class HouseholdDetailSerializer(HouseholdSerializer):
    members = MemberSummarySerializer(many=True, read_only=True, help_text="家庭成员（在册在前）。")

    class Meta(HouseholdSerializer.Meta):
        fields = (*HouseholdSerializer.Meta.fields, "members")
        read_only_fields = fields


class HouseholdWriteSerializer(GuardedSerializer, serializers.ModelSerializer):
    township = ScopedPrimaryKeyRelatedField(
        queryset=Township.objects.all(),
        township_field="pk",
        required=False,
        write_only=True,
        help_text="可选：所属乡镇（街道）。填写时须与村（社区）一致；家庭的乡镇始终随村（社区）。",
    )
    village = ScopedPrimaryKeyRelatedField(
        queryset=Village.objects.select_related("township"), help_text="村（社区），须在本人可办理的乡镇内。"
    )

    class Meta:
        model = Household
        fields = ("township", "village", "number", "address", "area_type", "phone")
        validators: list[Any] = []
        extra_kwargs = {"number": {"required": False, "help_text": "户编号；新建时留空则按乡镇代码自动生成。"}}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        township = attrs.pop("township", None)
        village = attrs.get("village") or getattr(self.instance, "village", None)
        if township is not None and village is not None and village.township_id != township.pk:
            raise serializers.ValidationError({"village": "该村（社区）不属于所选乡镇（街道）。"})
        return attrs


class MemberSerializer(_MemberAgeSerializer):
    """A member with everything recorded about them."""

    masked_id_fields = ("id_number", "payee_id_number")
    masked_account_fields = ("bank_account",)
    household_number = serializers.CharField(source="household.number", read_only=True, help_text="户编号。")
    township = serializers.IntegerField(source="household.township_id", read_only=True, help_text="乡镇（街道）ID。")
    counted = serializers.BooleanField(read_only=True, help_text="是否计入家庭成员。")

    class Meta:
        model = Member
        fields = (
            "id",
            "household",
            "household_number",
            "township",
            *services.MEMBER_FIELDS,
            "date_of_death",
            "age",
            "counted",
            "active",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class MemberWriteSerializer(GuardedSerializer, IgnoreMaskedInputMixin, serializers.ModelSerializer):
    """Changing a member. Birth date and sex follow the ID number unless ``identity_override_reason`` is given."""

    id_number = serializers.CharField(
        max_length=32, required=False, help_text="身份证号（18位，或15位旧号码）；含 * 的脱敏值会被忽略。"
    )
    payee_id_number = serializers.CharField(
        max_length=32, required=False, allow_blank=True, help_text="领取人身份证号；含 * 的脱敏值会被忽略。"
    )
    major_illness = serializers.PrimaryKeyRelatedField(
        queryset=IllnessCatalog.objects.filter(active=True),
        required=False,
        allow_null=True,
        help_text="重特大疾病（县目录中的有效病种）。",
    )

    class Meta:
        model = Member
        fields = services.MEMBER_FIELDS
        validators: list[Any] = []
        extra_kwargs = {
            "birth_date": {"required": False, "help_text": "默认按身份证号推算；仅在填写更正说明时采用。"},
            "sex": {"required": False, "help_text": "默认按身份证号推算；仅在填写更正说明时采用。"},
            "bank_account": {"help_text": "银行账号；含 * 的脱敏值会被忽略。"},
            "bank_name": {"validators": [reject_formula_start]},
            "payee_name": {"validators": [reject_formula_start]},
            "covid_admitted": {"validators": [validate_not_future]},
            "covid_discharged": {"validators": [validate_not_future]},
        }

    def validate_payee_id_number(self, value: str) -> str:
        if not value:
            return value
        try:
            return idnumber.normalize_id_number(value, today=timezone.localdate())
        except idnumber.InvalidIdNumber as error:
            raise serializers.ValidationError(error.message) from None

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """The model's check constraints on the record as it will be (the service does not check them)."""

        def current(field: str) -> Any:
            return attrs.get(field, getattr(self.instance, field, None))

        errors: dict[str, str] = {}
        if current("disability_category") and current("disability_grade") is None:
            errors["disability_grade"] = "残疾类别和残疾等级须同时填写。"
        discharged, admitted = current("covid_discharged"), current("covid_admitted")
        if discharged is not None and (admitted is None or discharged < admitted):
            errors["covid_discharged"] = "出院日期不能早于入院日期。"
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class MemberCreateSerializer(MemberWriteSerializer):
    household = ScopedPrimaryKeyRelatedField(queryset=Household.objects.all(), help_text="所属家庭 ID。")
    id_number = serializers.CharField(max_length=32, help_text="身份证号（18位，或15位旧号码）。")

    class Meta(MemberWriteSerializer.Meta):
        fields = ("household", *services.MEMBER_FIELDS)


class MemberMoveSerializer(GuardedSerializer, serializers.Serializer):
    to_household = ScopedPrimaryKeyRelatedField(queryset=Household.objects.all(), help_text="迁入的家庭 ID。")
    relation = serializers.ChoiceField(choices=Member.Relation.choices, help_text="在新家庭中与户主的关系。")


class MemberDeactivateSerializer(GuardedSerializer, serializers.Serializer):
    reason = serializers.CharField(max_length=200, help_text="注销原因（如迁出县外、重复登记）。")


# Dated facts ------------------------------------------------------------------------------------------------


class MemberFactSerializer(GuardedSerializer, serializers.ModelSerializer):
    """Shared shape of an income item and a rigid expenditure (one per member); read and create."""

    member = ScopedPrimaryKeyRelatedField(
        queryset=Member.objects.select_related("household"),
        township_field="household__township",
        help_text="成员 ID。",
    )
    member_name = serializers.CharField(source="member.name", read_only=True, help_text="成员姓名。")
    household = serializers.IntegerField(source="member.household_id", read_only=True, help_text="家庭 ID。")

    class Meta:
        fields = (
            "id",
            "member",
            "member_name",
            "household",
            "kind",
            "monthly_amount",
            "valid_from",
            "valid_to",
            "note",
            "evidence",
            "created_at",
        )
        read_only_fields = ("id", "evidence", "created_at")
        validators: list[Any] = []


class IncomeSerializer(MemberFactSerializer):
    amount_basis = serializers.ChoiceField(
        choices=services.AMOUNT_BASES,
        default=services.AMOUNT_MONTHLY,
        write_only=True,
        help_text=(
            "金额口径：monthly 月收入（默认）；lookback_total 回溯期合计，保存时除以起始日期生效的"
            " income.lookback_months，四舍五入到分，说明中记录原合计和除数。"
        ),
    )

    class Meta(MemberFactSerializer.Meta):
        model = IncomeItem
        fields = (*MemberFactSerializer.Meta.fields, "amount_basis")


class ExpenditureSerializer(MemberFactSerializer):
    class Meta(MemberFactSerializer.Meta):
        model = Expenditure


class AssetSerializer(GuardedSerializer, serializers.ModelSerializer):
    household = ScopedPrimaryKeyRelatedField(queryset=Household.objects.all(), help_text="家庭 ID。")
    household_number = serializers.CharField(source="household.number", read_only=True, help_text="户编号。")

    class Meta:
        model = AssetRecord
        fields = (
            "id",
            "household",
            "household_number",
            "financial",
            "vehicles",
            "shop_front",
            "enterprise",
            "dwellings",
            "housing_area_multiple",
            "valid_from",
            "valid_to",
            "note",
            "evidence",
            "created_at",
        )
        read_only_fields = ("id", "evidence", "created_at")
        validators: list[Any] = []


class FactEndSerializer(GuardedSerializer, serializers.Serializer):
    valid_to = serializers.DateField(help_text="截止日期（含当日），不能早于起始日期。")


# Applications -----------------------------------------------------------------------------------------------


class ApplicationBenefitSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True, allow_null=True, help_text="对象姓名。")

    class Meta:
        model = ApplicationBenefit
        fields = ("id", "benefit", "member", "member_name", "decision")
        read_only_fields = fields


class ApplicationTransitionSerializer(serializers.ModelSerializer):
    action = serializers.CharField(read_only=True, help_text="操作代码（receive 为受理）。")
    action_label = serializers.SerializerMethodField(help_text="操作名称。")
    actor_name = UserNameField(source="actor", help_text="操作人姓名。")

    class Meta:
        model = ApplicationTransition
        fields = ("id", "action", "action_label", "from_status", "to_status", "actor", "actor_name", "at", "comment")
        read_only_fields = fields

    def get_action_label(self, obj: ApplicationTransition) -> str:
        step = services.STEPS.get(obj.action)
        if step is not None:
            return step.label
        return "受理" if obj.action == "receive" else obj.action


class InvestigationSerializer(serializers.ModelSerializer):
    recorded_by_name = UserNameField(source="recorded_by", help_text="录入人姓名。")

    class Meta:
        model = Investigation
        fields = (
            "visited_on",
            "investigator_1",
            "investigator_2",
            "findings",
            "recorded_by",
            "recorded_by_name",
            "recorded_at",
        )
        read_only_fields = fields


class ReferralSerializer(serializers.ModelSerializer):
    application_number = serializers.CharField(source="application.number", read_only=True, help_text="申请编号。")
    status = serializers.CharField(
        read_only=True, help_text="状态：sent 已转办，accepted 已接收，done 已办结，declined 不予受理。"
    )
    status_display = serializers.CharField(source="get_status_display", read_only=True, help_text="状态名称。")
    created_by_name = UserNameField(source="created_by", help_text="转办人姓名。")

    class Meta:
        model = Referral
        fields = (
            "id",
            "application",
            "application_number",
            "office",
            "status",
            "status_display",
            "due_date",
            "note",
            "result",
            "created_by",
            "created_by_name",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class AvailableActionSerializer(serializers.Serializer):
    action = serializers.CharField(help_text="操作代码，用于 transition 接口。")
    label = serializers.CharField(help_text="操作名称。")
    needs_comment = serializers.BooleanField(help_text="是否须填写理由。")
    approves = serializers.BooleanField(help_text="是否为审核/审批（经办人不能审批本人办理的申请）。")


class ApplicationSerializer(serializers.ModelSerializer):
    """An application with its benefits, the record of every step, the investigation, the referrals and the
    steps the requesting user may take now."""

    township_name = serializers.CharField(source="township.name", read_only=True, help_text="乡镇（街道）名称。")
    household_number = serializers.CharField(source="household.number", read_only=True, help_text="户编号。")
    status_display = serializers.CharField(source="get_status_display", read_only=True, help_text="状态名称。")
    received_by_name = UserNameField(source="received_by", help_text="受理人姓名。")
    overdue = serializers.SerializerMethodField(help_text="当前环节是否已超过办理期限。")
    benefits = ApplicationBenefitSerializer(many=True, read_only=True, help_text="申请的救助项目。")
    transitions = ApplicationTransitionSerializer(many=True, read_only=True, help_text="办理记录。")
    investigation = serializers.SerializerMethodField(help_text="入户调查（尚未调查为 null）。")
    referrals = ReferralSerializer(many=True, read_only=True, help_text="协同转办事项。")
    available_actions = serializers.SerializerMethodField(help_text="当前用户现在可执行的办理操作。")

    class Meta:
        model = Application
        fields = (
            "id",
            "number",
            "township",
            "township_name",
            "household",
            "household_number",
            "status",
            "status_display",
            "received_on",
            "received_by",
            "received_by_name",
            "reason",
            "authorization_signed",
            "authorization_date",
            "epidemic_fast_track",
            "due_date",
            "overdue",
            "publicity_from",
            "publicity_to",
            "objections",
            "decided_on",
            "decision_reason",
            "benefits",
            "transitions",
            "investigation",
            "referrals",
            "available_actions",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields

    def get_overdue(self, obj: Application) -> bool:
        return obj.is_open and obj.due_date is not None and obj.due_date < timezone.localdate()

    @extend_schema_field(InvestigationSerializer(allow_null=True))
    def get_investigation(self, obj: Application) -> dict[str, Any] | None:
        investigation = getattr(obj, "investigation", None)
        if investigation is None:
            return None
        return InvestigationSerializer(investigation, context=self.context).data

    @extend_schema_field(AvailableActionSerializer(many=True))
    def get_available_actions(self, obj: Application) -> list[dict[str, Any]]:
        user = _request_user(self.context)
        if user is None:
            return []
        return [
            {"action": name, "label": step.label, "needs_comment": step.needs_comment, "approves": step.approves}
            for name, step in services.available_steps(actor=user, application=obj)
        ]


class BenefitRequestSerializer(GuardedSerializer, serializers.Serializer):
    benefit = serializers.ChoiceField(choices=Benefit.choices, help_text="救助项目。")
    member = ScopedPrimaryKeyRelatedField(
        queryset=Member.objects.all(),
        township_field="household__township",
        required=False,
        allow_null=True,
        help_text="对象成员 ID；特困、单人户施保、孤儿、残疾人两项补贴必填。",
    )


class ApplicationCreateSerializer(GuardedSerializer, serializers.Serializer):
    household = ScopedPrimaryKeyRelatedField(queryset=Household.objects.all(), help_text="申请家庭 ID。")
    benefits = BenefitRequestSerializer(many=True, help_text="申请的救助项目，至少一项。")
    reason = serializers.CharField(help_text="申请事由。")
    authorization_signed = serializers.BooleanField(default=False, help_text="已签署家庭经济状况核对授权书。")
    authorization_date = serializers.DateField(
        required=False, allow_null=True, validators=[validate_not_future], help_text="授权书签署日期；留空为受理日期。"
    )
    epidemic_fast_track = serializers.BooleanField(default=False, help_text="疫情期间限时审批。")

    def to_service_kwargs(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        data["benefits"] = [(item["benefit"], item.get("member")) for item in data["benefits"]]
        return data


class TransitionDataSerializer(GuardedSerializer, serializers.Serializer):
    visited_on = serializers.DateField(
        required=False, validators=[validate_not_future], help_text="入户调查日期（investigate）。"
    )
    investigator_1 = serializers.CharField(required=False, max_length=32, help_text="调查人一（investigate）。")
    investigator_2 = serializers.CharField(required=False, max_length=32, help_text="调查人二（investigate）。")
    findings = serializers.CharField(required=False, allow_blank=True, help_text="调查情况（investigate）。")
    objections = serializers.CharField(
        required=False, allow_blank=True, help_text="评议/公示异议及处理（end_publicity）。"
    )


class TransitionRequestSerializer(GuardedSerializer, serializers.Serializer):
    action = serializers.ChoiceField(
        choices=[(name, step.label) for name, step in services.STEPS.items()], help_text="办理操作。"
    )
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="意见；退回、不予批准和撤回须填写理由。"
    )
    data = TransitionDataSerializer(required=False, help_text="该操作需要的材料。")


class ReferralCreateSerializer(GuardedSerializer, serializers.Serializer):
    office = serializers.ChoiceField(choices=Referral.Office.choices, help_text="转办部门。")
    due_date = serializers.DateField(help_text="办理期限，不能早于今天。")
    note = serializers.CharField(required=False, allow_blank=True, default="", help_text="转办事项。")


class ReferralUpdateSerializer(GuardedSerializer, serializers.Serializer):
    status = serializers.ChoiceField(choices=Referral.Status.choices, required=False, help_text="新状态。")
    result = serializers.CharField(required=False, allow_blank=True, help_text="办理结果；办结或不予受理时必填。")


# Query-string filters ---------------------------------------------------------------------------------------


class HouseholdFilterSerializer(GuardedSerializer, serializers.Serializer):
    q = serializers.CharField(
        required=False, allow_blank=True, help_text="检索：身份证号（精确）、户编号（前缀）或成员姓名（前缀）。"
    )
    township = serializers.IntegerField(required=False, min_value=1, help_text="按乡镇（街道）ID 筛选。")
    village = serializers.IntegerField(required=False, min_value=1, help_text="按村（社区）ID 筛选。")


class MemberFilterSerializer(GuardedSerializer, serializers.Serializer):
    household = serializers.IntegerField(required=False, min_value=1, help_text="按家庭 ID 筛选。")


class MemberFactFilterSerializer(GuardedSerializer, serializers.Serializer):
    household = serializers.IntegerField(required=False, min_value=1, help_text="按家庭 ID 筛选。")
    member = serializers.IntegerField(required=False, min_value=1, help_text="按成员 ID 筛选。")


class AssetFilterSerializer(GuardedSerializer, serializers.Serializer):
    household = serializers.IntegerField(required=False, min_value=1, help_text="按家庭 ID 筛选。")


class ApplicationFilterSerializer(GuardedSerializer, serializers.Serializer):
    status = serializers.ChoiceField(choices=Application.Status.choices, required=False, help_text="按状态筛选。")
    overdue = serializers.BooleanField(required=False, default=False, help_text="1：只看已超期未办结的申请。")


class ReferralFilterSerializer(GuardedSerializer, serializers.Serializer):
    application = serializers.IntegerField(required=False, min_value=1, help_text="按申请 ID 筛选。")
    overdue = serializers.BooleanField(required=False, default=False, help_text="1：只看已超期未办结的转办。")
