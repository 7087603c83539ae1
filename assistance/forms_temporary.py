"""Forms of the 临时救助 pages. They parse input only; assistance.temporary validates and its errors come back on
these fields."""

from __future__ import annotations

from django import forms

from assistance.models import TemporaryCase
from cases.forms import StyledForm
from core.validators import GuardedForm


class MemberLookupForm(GuardedForm, StyledForm):
    """Pick the person by ID number (GET)."""

    id_number = forms.CharField(label="救助对象身份证号", max_length=18)


class TemporaryCaseForm(GuardedForm, StyledForm):
    kind = forms.ChoiceField(label="救助类型", choices=TemporaryCase.Kind.choices, widget=forms.RadioSelect)
    cause = forms.ChoiceField(label="事由", choices=[("", "请选择"), *TemporaryCase.Cause.choices])
    amount = forms.DecimalField(
        label="救助金额（元）",
        max_digits=12,
        decimal_places=2,
        help_text="金额决定审批层级（见右侧说明）。",
    )
    description = forms.CharField(
        label="情况说明",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="困难情况、急需救助的原因和金额依据；一事一议须不少于20字。",
    )
    advance = forms.BooleanField(label="先行救助（返贫或新致贫家庭，先救助后评估低保）", required=False)
    repeat_reason = forms.CharField(
        label="同年同事由再次救助的理由",
        max_length=200,
        required=False,
        help_text="同一对象同一事由一年内原则上只救助一次；确需再次救助时填写。",
    )

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["kind"].widget.attrs["class"] = "form-check-input"
        self.fields["amount"].widget.attrs.update({"min": "0.01", "step": "0.01"})


class DecideForm(GuardedForm, StyledForm):
    decision = forms.ChoiceField(label="审批结果", choices=[("approve", "批准"), ("reject", "不予批准")])
    note = forms.CharField(
        label="审批意见", required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="不予批准须填写理由。"
    )

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("auto_id", "decide_%s")  # the case page also shows FollowupForm: keep element ids apart
        super().__init__(*args, **kwargs)

    @property
    def approve(self) -> bool:
        return self.cleaned_data["decision"] == "approve"


class FollowupForm(GuardedForm, StyledForm):
    note = forms.CharField(
        label="低保评估结果", max_length=200, help_text="如：已纳入低保（申请编号……）、不符合条件等。"
    )

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("auto_id", "followup_%s")  # see DecideForm
        super().__init__(*args, **kwargs)
