"""Forms of the people pages: the ledger entry of a left-behind elderly person, visits, ending, willingness,
caregiver visits, facilities and construction tasks, the alert filters. The services validate again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from cases.forms import DATE_INPUT, StyledForm
from core.validators import GuardedForm, validate_not_future
from eldercare.models import CareFacility, LeftBehindElder, VisitWay

TEXTAREA = forms.Textarea(attrs={"rows": 3})


class ElderForm(GuardedForm, StyledForm):
    children_away = forms.CharField(label="外出子女", required=False, max_length=200, help_text="如：长子、次女。")
    children_where = forms.CharField(label="子女外出地点", required=False, max_length=200)
    living = forms.ChoiceField(label="居住情况", choices=LeftBehindElder.Living.choices)
    health = forms.CharField(label="健康状况", required=False, max_length=200)
    needs = forms.CharField(label="需求", required=False, max_length=1000, widget=TEXTAREA)
    emergency_name = forms.CharField(label="紧急联系人", required=False, max_length=32)
    emergency_phone = forms.CharField(label="紧急联系人电话", required=False, max_length=20)
    visitor_user = forms.ModelChoiceField(label="探访责任人（工作人员）", required=False, queryset=None)
    visitor_name = forms.CharField(
        label="探访责任人（姓名）", required=False, max_length=32, help_text="不是本系统用户时填写姓名（如村干部）。"
    )

    def __init__(self, *args: Any, users: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["visitor_user"]
        field.queryset = users
        field.label_from_instance = lambda user: user.first_name or user.username


class VisitForm(GuardedForm, StyledForm):
    visited_on = forms.DateField(label="探访日期", widget=DATE_INPUT, validators=[validate_not_future])
    visitor = forms.CharField(label="探访人", max_length=32)
    way = forms.ChoiceField(label="方式", choices=VisitWay.choices)
    findings = forms.CharField(label="探访情况", required=False, max_length=1000, widget=TEXTAREA)
    needs = forms.CharField(label="需求", required=False, max_length=1000, widget=TEXTAREA)
    follow_up = forms.CharField(label="后续措施", required=False, max_length=1000, widget=TEXTAREA)

    def __init__(self, *args: Any, visitor: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["visited_on"].initial = timezone.localdate()
        self.fields["visitor"].initial = visitor


class EndForm(GuardedForm, StyledForm):
    ended_on = forms.DateField(label="移出日期", widget=DATE_INPUT, validators=[validate_not_future])
    end_reason = forms.CharField(label="移出原因", max_length=200)


class MemberSearchForm(GuardedForm, StyledForm):
    q = forms.CharField(label="姓名或身份证号", required=False, max_length=18)


class WillingnessForm(GuardedForm, StyledForm):
    asked_on = forms.DateField(label="询问日期", widget=DATE_INPUT, validators=[validate_not_future])
    willing = forms.TypedChoiceField(
        label="是否愿意集中供养",
        choices=[("1", "愿意"), ("0", "不愿意")],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label="原因", required=False, max_length=200, help_text="不愿意的须填写原因。")


class FacilityForm(GuardedForm, StyledForm):
    kind = forms.ChoiceField(label="类型", choices=CareFacility.Kind.choices)
    township = forms.ModelChoiceField(label="乡镇", queryset=None)
    village = forms.ModelChoiceField(label="村（社区）", required=False, queryset=None, help_text="站点必填。")
    name = forms.CharField(label="名称", max_length=64)
    land_area = forms.DecimalField(label="用地面积（平方米）", min_value=0, max_digits=10, decimal_places=2)
    floor_area = forms.DecimalField(label="建筑面积（平方米）", min_value=0, max_digits=10, decimal_places=2)
    opened_on = forms.DateField(label="投用日期", required=False, widget=DATE_INPUT)
    services = forms.CharField(label="服务内容", required=False, max_length=1000, widget=TEXTAREA)
    status = forms.ChoiceField(label="状态", choices=CareFacility.Status.choices)

    def __init__(self, *args: Any, townships: Any = None, villages: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = townships
        self.fields["village"].queryset = villages
        self.fields["village"].label_from_instance = lambda v: f"{v.township.name} · {v.name}"


class TaskForm(GuardedForm, StyledForm):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    township = forms.ModelChoiceField(label="乡镇", queryset=None)
    kind = forms.ChoiceField(label="设施类型", choices=CareFacility.Kind.choices)
    village = forms.ModelChoiceField(label="村（社区）", required=False, queryset=None, help_text="站点必填。")
    planned_on = forms.DateField(label="计划完成日期", widget=DATE_INPUT)
    completed_on = forms.DateField(label="完成日期", required=False, widget=DATE_INPUT)
    note = forms.CharField(label="说明", required=False, max_length=200)

    def __init__(self, *args: Any, townships: Any = None, villages: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = townships
        self.fields["village"].queryset = villages
        self.fields["village"].label_from_instance = lambda v: f"{v.township.name} · {v.name}"
