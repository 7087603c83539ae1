"""Forms of the safety pages: list filters, the inspection with its checklist, hazards and their steps, risk
assessments, incidents, renovation projects, milestones, files and acceptance. They parse input; the services
(``eldercare.services.safety``) validate again and their errors come back on these fields."""

from __future__ import annotations

from typing import Any

from django import forms

from cases.forms import DATE_INPUT, StyledForm
from core.validators import GuardedForm, reject_control_characters
from eldercare.models.safety import (
    Hazard,
    Incident,
    Inspection,
    InspectionResult,
    ProjectFile,
    RenovationProject,
    Risk,
    RiskAssessment,
)

TEXTAREA = forms.Textarea(attrs={"rows": 3})
DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _choices(model_choices: Any, blank: str = "全部") -> list[tuple[str, str]]:
    return [("", blank), *model_choices]


class IdChoiceField(forms.TypedChoiceField):
    """A choice among record ids (homes, townships): an id outside the user's choices is an error, not a 500."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("coerce", int)
        kwargs.setdefault("empty_value", None)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)


class _Filter(GuardedForm, StyledForm):
    q = forms.CharField(label="查找", required=False, max_length=60)
    township = IdChoiceField(label="乡镇")
    home = IdChoiceField(label="敬老院")

    def __init__(self, *args: Any, homes: Any = (), townships: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["township"].choices = [("", "全部乡镇"), *((t.pk, t.name) for t in townships)]
        self.fields["home"].choices = [("", "全部敬老院"), *((h.pk, h.name) for h in homes)]

    def value(self, name: str) -> Any:
        """The cleaned filter value, or empty when it was not valid (a bad filter shows its error and is ignored)."""
        if not self.is_bound or not self.is_valid():
            data = getattr(self, "cleaned_data", {})
            return data.get(name) or None
        return self.cleaned_data.get(name) or None


class InspectionFilterForm(_Filter):
    by = forms.ChoiceField(label="检查单位", required=False, choices=_choices(Inspection.By.choices))
    month = forms.CharField(label="月份", required=False, max_length=7, widget=forms.TextInput(attrs={"type": "month"}))

    def clean_month(self) -> Any:
        from core.views import BadParameter, month_param

        text = self.cleaned_data.get("month") or ""
        if not text:
            return None
        try:
            return month_param(text)
        except BadParameter as error:
            raise forms.ValidationError(str(error)) from None


class IncidentFilterForm(_Filter):
    pass


class HazardFilterForm(_Filter):
    level = forms.ChoiceField(label="隐患等级", required=False, choices=_choices(Hazard.Level.choices))


class ProjectFilterForm(_Filter):
    kind = forms.ChoiceField(label="项目类型", required=False, choices=_choices(RenovationProject.Kind.choices))


class HomeChoiceForm(GuardedForm, StyledForm):
    home = IdChoiceField(label="敬老院", required=True)

    def __init__(self, *args: Any, homes: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["home"].choices = [("", "请选择"), *((h.pk, h.name) for h in homes)]


class InspectionForm(GuardedForm, StyledForm):
    """The inspection and, per active checklist item, a result and a note (fields ``item_<id>`` and
    ``note_<id>``)."""

    date = forms.DateField(label="检查日期", widget=DATE_INPUT)
    inspectors = forms.CharField(label="检查人员", max_length=200, help_text="检查人员姓名，多人用顿号分隔。")
    findings = forms.CharField(label="检查发现", required=False, max_length=5000, widget=TEXTAREA)

    def __init__(self, *args: Any, items: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            self.fields[f"item_{item.pk}"] = forms.ChoiceField(
                label=item.text,
                choices=InspectionResult.Result.choices,
                initial=InspectionResult.Result.UNCHECKED,
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
            )
            self.fields[f"note_{item.pk}"] = forms.CharField(
                label=f"{item.text}（说明）",
                required=False,
                max_length=200,
                validators=[reject_control_characters],
                widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
            )

    def rows(self) -> list[tuple[Any, Any, Any]]:
        """(heading, result field, note field) per item, for the template."""
        return [(item, self[f"item_{item.pk}"], self[f"note_{item.pk}"]) for item in self.items]

    def results(self) -> dict[int, tuple[str, str]]:
        data = self.cleaned_data
        return {item.pk: (data.get(f"item_{item.pk}", ""), data.get(f"note_{item.pk}", "")) for item in self.items}


class HazardForm(GuardedForm, StyledForm):
    description = forms.CharField(label="隐患描述", max_length=2000, widget=TEXTAREA)
    level = forms.ChoiceField(label="隐患等级", choices=Hazard.Level.choices)
    owner = forms.CharField(label="整改责任人", max_length=64)
    found_on = forms.DateField(label="发现日期", widget=DATE_INPUT)
    deadline = forms.DateField(label="整改期限", widget=DATE_INPUT)


class FixHazardForm(GuardedForm, StyledForm):
    fixed_on = forms.DateField(label="整改完成日期", widget=DATE_INPUT)
    evidence = forms.CharField(label="整改情况", max_length=5000, widget=TEXTAREA)
    evidence_file = forms.FileField(label="佐证材料（照片或 PDF，可不传）", required=False, help_text="不超过 10 MB。")


class ReportHazardForm(GuardedForm, StyledForm):
    reason = forms.CharField(
        label="上报原因", max_length=2000, widget=TEXTAREA, help_text="说明敬老院无法自行整改的原因。"
    )


class CloseHazardForm(GuardedForm, StyledForm):
    handling = forms.CharField(label="县民政局处理情况", max_length=5000, widget=TEXTAREA)
    closed_on = forms.DateField(label="办结日期", widget=DATE_INPUT)


class AssessmentForm(GuardedForm, StyledForm):
    date = forms.DateField(label="评估日期", widget=DATE_INPUT)
    kind = forms.ChoiceField(label="评估类型", choices=RiskAssessment.Kind.choices)
    assessor = forms.CharField(label="评估人", max_length=64)
    note = forms.CharField(label="说明", required=False, max_length=2000, widget=TEXTAREA)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in RiskAssessment.RISK_FIELDS:
            label = RiskAssessment._meta.get_field(name).verbose_name
            self.fields[name] = forms.ChoiceField(
                label=f"{label}风险",
                choices=Risk.choices,
                initial=Risk.NONE,
                widget=forms.Select(attrs={"class": "form-select"}),
            )

    def risk_fields(self) -> list[Any]:
        return [self[name] for name in RiskAssessment.RISK_FIELDS]


class IncidentForm(GuardedForm, StyledForm):
    occurred_at = forms.DateTimeField(
        label="发生时间", widget=DATETIME_INPUT, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    kind = forms.ChoiceField(label="事件类型", choices=Incident.Kind.choices)
    description = forms.CharField(label="经过", max_length=5000, widget=TEXTAREA)
    action = forms.CharField(label="处置措施", max_length=5000, widget=TEXTAREA)
    reported_to = forms.CharField(label="报告对象", required=False, max_length=100, help_text="如：家属、乡镇民政办。")


class ProjectForm(GuardedForm, StyledForm):
    name = forms.CharField(label="项目名称", max_length=100)
    kind = forms.ChoiceField(label="项目类型", choices=RenovationProject.Kind.choices)
    plan = forms.CharField(label="建设内容", required=False, max_length=5000, widget=TEXTAREA)
    budget = forms.DecimalField(label="预算（元）", max_digits=12, decimal_places=2, min_value=0)
    spent = forms.DecimalField(label="已支出（元）", max_digits=12, decimal_places=2, min_value=0, initial=0)
    planned_start = forms.DateField(label="计划开工日期", widget=DATE_INPUT)
    planned_end = forms.DateField(label="计划完工日期", widget=DATE_INPUT)
    actual_start = forms.DateField(label="实际开工日期", required=False, widget=DATE_INPUT)
    progress = forms.IntegerField(label="进度（%）", min_value=0, max_value=100, initial=0)


class MilestoneForm(GuardedForm, StyledForm):
    title = forms.CharField(label="节点名称", max_length=100)
    due = forms.DateField(label="计划日期", widget=DATE_INPUT)


class MilestoneDoneForm(GuardedForm, StyledForm):
    done_on = forms.DateField(label="完成日期", widget=DATE_INPUT)


class FileForm(GuardedForm, StyledForm):
    kind = forms.ChoiceField(label="类别", choices=ProjectFile.Kind.choices)
    file = forms.FileField(label="文件", help_text="照片（JPG、PNG 等）或文件（PDF、Word、Excel），不超过 10 MB。")


class CompletionForm(GuardedForm, StyledForm):
    actual_end = forms.DateField(label="实际完工日期", widget=DATE_INPUT)


class AcceptanceForm(GuardedForm, StyledForm):
    accepted_on = forms.DateField(label="验收日期", widget=DATE_INPUT)
    note = forms.CharField(label="验收意见", max_length=2000, widget=TEXTAREA)


class ChecklistItemForm(GuardedForm, StyledForm):
    heading = forms.CharField(label="类别", max_length=40, help_text="如：安全风险评估、服务防护、管理要求。")
    text = forms.CharField(label="检查项目", max_length=200)
    order = forms.IntegerField(label="排序", min_value=0, max_value=100000, initial=0)
    active = forms.BooleanField(label="启用", required=False, initial=True)
