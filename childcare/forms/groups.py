"""Forms of the groups area: the left-behind women's screening, 福康工程 services, the ledgers' filters (GET) and
the access log's filters. Forms parse; the services (``childcare.services.groups``) validate the whole record."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from cases.forms import DATE_INPUT, StyledForm
from cases.models import SensitiveAccessLog, Township
from childcare.models import FukangService, LeftBehindWoman
from childcare.selectors import groups as selectors
from core.validators import GuardedForm, max_year
from core.views import id_param


class _TownshipFilter(GuardedForm, StyledForm):
    """A township among those the user may see (a township user: only their own); anything else is an error on
    the field and is left out, so naming another township never widens the list."""

    township = forms.CharField(label="乡镇（街道）", required=False, max_length=20)
    q = forms.CharField(label="姓名或身份证号", required=False, max_length=40)

    def __init__(self, *args: Any, townships: QuerySet[Township], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.townships = townships

    def clean_township(self) -> int | None:
        text = self.cleaned_data.get("township") or ""
        if not text:
            return None
        pk = id_param(text)
        if pk is None or not self.townships.filter(pk=pk).exists():
            raise ValidationError("没有该乡镇（街道），或不在您可查看的范围内。", code="invalid")
        return pk

    def value(self, name: str, default: Any = None) -> Any:
        """A filter's valid value (after ``is_valid``), else ``default``."""
        data = getattr(self, "cleaned_data", {})
        return data.get(name, default) if name not in self.errors else default


class WomanFilterForm(_TownshipFilter):
    year = forms.CharField(label="年度", required=False, max_length=4)
    health = forms.ChoiceField(
        label="健康状况", required=False, choices=[("", "全部"), *LeftBehindWoman.Health.choices]
    )
    source = forms.ChoiceField(label="来源", required=False, choices=[("", "全部"), *LeftBehindWoman.Source.choices])

    def clean_year(self) -> int | None:
        text = self.cleaned_data.get("year") or ""
        if not text:
            return None
        if not (text.isascii() and text.isdigit()) or not 2000 <= int(text) <= max_year():
            raise ValidationError(f"年度应为 2000–{max_year()} 之间的四位数字。", code="invalid")
        return int(text)

    def filters(self) -> dict[str, Any]:
        return {
            "township_id": self.value("township"),
            "year": self.value("year"),
            "query": self.value("q", "") or "",
            "health": self.value("health", "") or "",
            "source": self.value("source", "") or "",
        }


def _choices(mapping: dict[str, str]) -> list[tuple[str, str]]:
    return [("", "全部"), *mapping.items()]


class DisabledFilterForm(_TownshipFilter):
    show = forms.ChoiceField(
        label="名单", required=False, choices=[("registry", "在册残疾人"), ("roll_only", "残联名单中未在册的人员")]
    )
    grade = forms.ChoiceField(label="残疾等级", required=False, choices=_choices(selectors.GRADE_FILTERS))
    living = forms.ChoiceField(label="困难残疾人生活补贴", required=False, choices=_choices(selectors.SUBSIDY_FILTERS))
    care = forms.ChoiceField(label="重度残疾人护理补贴", required=False, choices=_choices(selectors.SUBSIDY_FILTERS))
    poverty = forms.ChoiceField(label="贫困状况", required=False, choices=_choices(selectors.POVERTY_FILTERS))
    uncovered = forms.BooleanField(label="有待处理的应保未保", required=False)

    def filters(self) -> dict[str, Any]:
        return {
            "township_id": self.value("township"),
            "query": self.value("q", "") or "",
            "grade": self.value("grade", "") or "",
            "living": self.value("living", "") or "",
            "care": self.value("care", "") or "",
            "poverty": self.value("poverty", "") or "",
            "uncovered": bool(self.value("uncovered", False)),
        }

    def roll_only(self) -> bool:
        return self.value("show") == "roll_only"


class AccessLogFilterForm(_TownshipFilter):
    q = forms.CharField(label="被查看人姓名或身份证号", required=False, max_length=40)
    user = forms.CharField(label="用户（用户名或姓名）", required=False, max_length=40)
    action = forms.ChoiceField(label="操作", required=False, choices=[("", "全部"), *SensitiveAccessLog.Action.choices])
    date_from = forms.DateField(label="自", required=False, widget=DATE_INPUT)
    date_to = forms.DateField(label="至", required=False, widget=DATE_INPUT)

    def filters(self) -> dict[str, Any]:
        return {
            "township_id": self.value("township"),
            "query": self.value("q", "") or "",
            "user_query": self.value("user", "") or "",
            "action": self.value("action", "") or "",
            "date_from": self.value("date_from"),
            "date_to": self.value("date_to"),
        }


class MemberLookupForm(GuardedForm, StyledForm):
    id_number = forms.CharField(label="身份证号", max_length=18)


class WomanForm(GuardedForm, StyledForm):
    husband_away_where = forms.CharField(label="丈夫外出地点", required=False, max_length=100)
    husband_away_since = forms.DateField(label="丈夫外出时间", required=False, widget=DATE_INPUT)
    children_in_care = forms.IntegerField(label="照料子女人数", min_value=0, max_value=30, initial=0)
    elderly_in_care = forms.IntegerField(label="照料老人人数", min_value=0, max_value=30, initial=0)
    care_note = forms.CharField(label="照料情况说明", required=False, max_length=200)
    health = forms.ChoiceField(
        label="健康状况", required=False, choices=[("", "请选择"), *LeftBehindWoman.Health.choices]
    )
    work = forms.CharField(label="就业（劳动）情况", required=False, max_length=100)
    needs = forms.CharField(label="需求", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    screened_on = forms.DateField(label="摸排日期", required=False, widget=DATE_INPUT)
    screened_by = forms.CharField(label="摸排人", required=False, max_length=32)


class NewWomanForm(WomanForm):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)

    field_order = ["year"]


class GenerateForm(GuardedForm, StyledForm):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)


class ServiceForm(GuardedForm, StyledForm):
    kind = forms.ChoiceField(label="服务类别", choices=[("", "请选择"), *FukangService.Kind.choices])
    started_on = forms.DateField(label="开始日期", widget=DATE_INPUT)
    ended_on = forms.DateField(label="结束日期", required=False, widget=DATE_INPUT)
    provider = forms.CharField(label="服务机构（提供者）", max_length=100)
    note = forms.CharField(
        label="服务内容说明", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    exception_reason = forms.CharField(
        label="例外说明",
        required=False,
        max_length=200,
        help_text="福康工程面向贫困重度残疾人；为其他残疾人登记服务时须写明原因。",
    )


def initial_of(instance: Any, form_class: type[forms.Form]) -> dict[str, Any]:
    """A record's values as a form's initial data."""
    return {name: getattr(instance, name) for name in form_class.base_fields if hasattr(instance, name)}
