"""Serializers of the payments API: they shape responses only (``payments.timeline`` builds what they read). ID
numbers are masked (``core.masking``) unless ``cases.permissions.can_see_full_identity``."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from cases.serializers import IdentityMaskingMixin


class MonthField(serializers.DateField):
    """A month (its 1st) as ``YYYY-MM``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m", **kwargs)


class RulesGrantSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=[("grant", "符合"), ("gradual_exit", "渐退期"), ("deny", "不符合"), ("exit", "退出")],
        help_text="规则结论。",
    )
    decision_label = serializers.CharField(help_text="规则结论（中文）。")
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="规则应享月金额（元）。")


class AmountInForceSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="核定月金额（元）。")
    cause = serializers.CharField(
        help_text="原因代码：initial 核定、standard 调标、household 家庭变化、gradual_exit 渐退、review 复核。"
    )
    cause_label = serializers.CharField(help_text="原因（中文）。")
    from_month = MonthField(help_text="该金额的起始月份。")
    source = serializers.CharField(help_text="依据：调标的参数版本、经审批的待遇调整或测算（中文）。")
    note = serializers.CharField(help_text="说明。")


class PaidItemSerializer(serializers.Serializer):
    label = serializers.CharField(help_text="花名册和类型，如“2020年9月 低保 第1批 正常发放”。")
    kind = serializers.CharField(help_text="明细类型代码：regular 正常发放、reissue 失败重发、back_pay 补发。")
    kind_label = serializers.CharField(help_text="明细类型（中文）。")
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="已到账金额（元）。")


class OverpaymentItemSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="多发金额（元）。")
    reason = serializers.CharField(help_text="原因。")
    status = serializers.CharField(help_text="状态代码：open 待追回、recovered 已追回、waived 已核销。")
    status_label = serializers.CharField(help_text="状态（中文）。")


class TimelineMonthSerializer(serializers.Serializer):
    month = MonthField(help_text="救助月份。")
    rules = RulesGrantSerializer(
        allow_null=True, help_text="规则应享（该月测算结果）；无结果时为 null，原因见 rules_note。"
    )
    rules_note = serializers.CharField(
        help_text="没有规则结果的原因（缺少生效的政策参数、无在册成员、规则未认定该项），否则为空。"
    )
    in_force = AmountInForceSerializer(allow_null=True, help_text="核定金额（按月生效的金额）；该月不在保时为 null。")
    paid = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="实发：已到账明细合计（元）。")
    paid_lines = PaidItemSerializer(many=True, help_text="已到账明细。")
    overpaid = serializers.DecimalField(max_digits=12, decimal_places=2, help_text="登记的多发金额合计（元）。")
    overpayments = OverpaymentItemSerializer(many=True, help_text="登记的多发记录。")
    settled = serializers.DecimalField(
        max_digits=12, decimal_places=2, help_text="已结算：正常发放、失败重发和未失败的补发，减去多发（元）。"
    )
    difference = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        allow_null=True,
        help_text="差额 = 核定金额 − 已结算（元）；正数为少发，负数为多发；非在保类项目（如价格临时补贴）为 null。",
    )


class TimelineAccountSerializer(IdentityMaskingMixin, serializers.Serializer):
    masked_id_fields = ("id_number",)

    benefit = serializers.CharField(help_text="发放项目代码（与花名册一致）。")
    benefit_label = serializers.CharField(help_text="发放项目（中文）。")
    whole_household = serializers.BooleanField(help_text="是否以全户为对象（低保）。")
    member = serializers.IntegerField(source="member_id", allow_null=True, help_text="对象（成员 id）；低保为 null。")
    name = serializers.CharField(help_text="对象姓名；低保为户主姓名。")
    id_number = serializers.CharField(help_text="身份证号（按权限脱敏）。")
    in_force_total = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="核定金额合计（元）。")
    paid_total = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="实发合计（元）。")
    difference_total = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True, help_text="差额合计（元）。"
    )
    months = TimelineMonthSerializer(source="rows", many=True, help_text="各月明细，由早到晚。")


class TimelineSerializer(serializers.Serializer):
    household = serializers.IntegerField(source="household.pk", help_text="家庭 id。")
    household_number = serializers.CharField(source="household.number", help_text="户编号。")
    first_month = MonthField(help_text="起始月份。")
    last_month = MonthField(help_text="截止月份。")
    notes = serializers.ListField(child=serializers.CharField(), help_text="规则未能测算的月份及原因。")
    accounts = TimelineAccountSerializer(many=True, help_text="每个对象、每个项目一组。")
