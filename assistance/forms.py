from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from assistance import services
from assistance.models import AmountChange, BenefitKind, Enrollment, TemporaryCase
from cases.forms import DATE_INPUT, StyledForm
from cases.models import Township
from core.validators import GuardedForm, validate_amount, validate_not_future
from core.views import BadParameter, id_param, month_param


class MonthField(forms.CharField):
    """A ``YYYY-MM`` month as the 1st of that month (this month when empty); ``lenient``: a malformed month is
    this month, else a form error naming the expected form."""

    def __init__(self, *, lenient: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 7)
        self.lenient = lenient
        super().__init__(**kwargs)

    def clean(self, value: Any) -> date:  # type: ignore[override]
        text = super().clean(value)
        try:
            return month_param(text, lenient=self.lenient)
        except BadParameter as error:
            raise ValidationError(str(error), code="invalid") from None


class IdField(forms.CharField):
    """A record id (ASCII digits within bigint range), or None when empty."""

    def clean(self, value: Any) -> int | None:  # type: ignore[override]
        text = super().clean(value)
        if not text:
            return None
        number = id_param(text)
        if number is None:
            raise ValidationError("编号格式不正确。", code="invalid")
        return number


def _bounded_value(value: Any) -> None:
    if value is not None and value < 0:
        return
    validate_amount(value)


class ParameterFilterForm(GuardedForm, StyledForm):
    """The list page's search box and date picker (GET)."""

    q = forms.CharField(label="查找参数", required=False, max_length=80)
    on = forms.DateField(label="查看日期", required=False, widget=DATE_INPUT)


class ParameterVersionForm(GuardedForm, StyledForm):
    """A new version of one key. Parses input and asks for the retroactive acknowledgement; the service checks
    the rest (negative values, dates already taken, the reason) and its errors come back on these fields."""

    value = forms.DecimalField(label="数值", max_digits=14, decimal_places=4)
    effective_from = forms.DateField(
        label="生效日期", widget=DATE_INPUT, help_text="自该日起生效；某月的数值取该月1日生效的版本。"
    )
    source = forms.CharField(label="依据", max_length=200, help_text="文件名称和文号。")
    confirmed = forms.BooleanField(label="已确认（依据文件已核实）", required=False)
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    reason = forms.CharField(
        label="追溯原因",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="生效日期早于本月1日（追溯生效）时必填。",
    )
    acknowledge_retroactive = forms.BooleanField(label="我已确认该版本追溯生效，将标记相关月份待重算", required=False)

    def __init__(self, *args: Any, today: date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()
        # A parameter is not always money: bounded like an amount, but a negative value is the service's to refuse
        # (with the other errors it finds, on this same field).
        value = self.fields["value"]
        value.validators = [v for v in value.validators if v is not validate_amount] + [_bounded_value]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        effective_from = cleaned.get("effective_from")
        if effective_from is not None and services.is_retroactive(effective_from, self.today):
            if not cleaned.get("acknowledge_retroactive"):
                self.add_error("acknowledge_retroactive", "生效日期早于本月1日，请勾选确认追溯生效。")
            if not (cleaned.get("reason") or "").strip():
                self.add_error("reason", services.RETROACTIVE_REASON_REQUIRED)
        return cleaned

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {name: data[name] for name in ("value", "effective_from", "source", "confirmed", "note", "reason")}


class ConfirmVersionForm(GuardedForm, forms.Form):
    note = forms.CharField(label="确认说明", required=False, max_length=1000)


# Determinations, enrollments, ledgers, jobs, comparison (POST forms of their pages) --------------------------


class DeterminationForm(GuardedForm, forms.Form):
    month = MonthField(label="测算月份", lenient=True)


class AssetOverrideForm(GuardedForm, StyledForm):
    """A reviewer's override of a failed asset test (policy.md §3): the months it covers and the written reason."""

    from_month = MonthField(
        label="起始月份",
        required=True,
        widget=forms.TextInput(attrs={"type": "month"}),
        help_text="年-月，如 2020-10。",
    )
    to_month = forms.CharField(
        label="截止月份",
        required=False,
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month"}),
        help_text="含该月；不填表示持续有效，直至另行记录。",
    )
    reason = forms.CharField(
        label="审核同意理由",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="必填，将写入认定理由。",
    )

    def clean_to_month(self) -> date | None:
        text = self.cleaned_data.get("to_month", "")
        if not text:
            return None
        try:
            return month_param(text)
        except BadParameter as error:
            raise ValidationError(str(error), code="invalid") from None


class ExitRequestForm(GuardedForm, forms.Form):
    last_month = MonthField(label="最后发放月份", lenient=True)
    reason = forms.CharField(label="退出原因", required=False, max_length=1000)


class ExitReviewForm(GuardedForm, forms.Form):
    decision = forms.CharField(label="复核结果", required=False, max_length=20)
    comment = forms.CharField(label="复核意见", required=False, max_length=1000)

    @property
    def approve(self) -> bool:
        return self.cleaned_data["decision"] == "approve"


class EntryHandleForm(GuardedForm, forms.Form):
    note = forms.CharField(label="处理情况", required=False, max_length=1000)


class LedgerReviewForm(GuardedForm, forms.Form):
    decision = forms.CharField(label="验收结果", required=False, max_length=20)
    note = forms.CharField(label="验收意见", required=False, max_length=1000)

    @property
    def accept(self) -> bool:
        return self.cleaned_data["decision"] == "accept"


class FlagResolveForm(GuardedForm, forms.Form):
    note = forms.CharField(label="处理情况", required=False, max_length=1000)


class StartRunForm(GuardedForm, forms.Form):
    """Start a screening or comparison run: a month, and one township or (empty) the whole county."""

    month = MonthField(label="月份")
    township = IdField(label="乡镇（街道）", required=False, max_length=20)


class JobStartForm(StartRunForm):
    """The jobs page's start form: the month must be given (a blank month is an error on it, never this month)."""

    month = MonthField(label="月份", required=True, error_messages={"required": "请选择要摸排的月份（年-月）。"})


class LedgerFilterForm(GuardedForm, forms.Form):
    """The ledger page's filters (GET); a filter that does not parse is ignored."""

    category = forms.CharField(label="类别", required=False, max_length=40)
    status = forms.CharField(label="状态", required=False, max_length=20)


class EnrollmentFilterForm(GuardedForm, forms.Form):
    """The roll's search and filters (GET), for the page and its export alike. A filter that does not parse is an
    error on its field (the page shows it and leaves that filter out); ``townships`` are those the user may pick
    (a township user: only their own), so naming another one never widens the roll."""

    q = forms.CharField(label="户编号、姓名或身份证号", required=False, max_length=40)
    township = IdField(label="乡镇（街道）", required=False, max_length=20)
    benefit = forms.CharField(label="救助项目", required=False, max_length=40)
    status = forms.CharField(label="状态", required=False, max_length=20)
    start_month = forms.CharField(label="起始月份", required=False, max_length=7)

    def __init__(self, *args: Any, townships: QuerySet[Township], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.townships = townships

    def clean_q(self) -> str:
        return str(self.cleaned_data.get("q", "")).strip()

    def clean_township(self) -> int | None:
        pk = self.cleaned_data.get("township")
        if pk is not None and not self.townships.filter(pk=pk).exists():
            raise ValidationError("没有该乡镇（街道），或不在您可查看的范围内。", code="invalid")
        return pk

    def clean_benefit(self) -> str:
        benefit = self.cleaned_data.get("benefit", "")
        if benefit and benefit not in BenefitKind.values:
            raise ValidationError("没有该救助项目。", code="invalid")
        return str(benefit)

    def clean_status(self) -> str:
        status = self.cleaned_data.get("status", "")
        if status and status not in Enrollment.Status.values:
            raise ValidationError("没有该状态。", code="invalid")
        return str(status)

    def clean_start_month(self) -> date | None:
        return _optional_month(self.cleaned_data.get("start_month", ""))

    def filters(self) -> dict[str, Any]:
        """The valid filters (call after ``is_valid``), as ``selectors.filtered_enrollment_roll`` takes them."""
        data = self.cleaned_data
        return {
            "query": data.get("q") or "",
            "township_id": data.get("township"),
            "benefit": data.get("benefit") or "",
            "status": data.get("status") or "",
            "start_month": data.get("start_month"),
        }

    def query(self) -> dict[str, str]:
        """The valid filters as query parameters (for the export link and the pages)."""
        found = self.filters()
        month = found["start_month"]
        return {
            "benefit": found["benefit"],
            "status": found["status"],
            "township": str(found["township_id"] or ""),
            "start_month": f"{month:%Y-%m}" if month else "",
            "q": found["query"],
        }


class RollConfirmForm(GuardedForm, forms.Form):
    token = forms.CharField(label="预览凭据", required=False, max_length=4000)


class ComparisonFilterForm(GuardedForm, forms.Form):
    """The comparison page's filters (GET)."""

    township = IdField(label="乡镇（街道）", required=False, max_length=20)
    code = forms.CharField(label="问题", required=False, max_length=40)
    status = forms.CharField(label="状态", required=False, max_length=20)


# 临时救助 (they parse input only; assistance.temporary validates and its errors come back on these fields)


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


class DeathForm(GuardedForm, StyledForm):
    date_of_death = forms.DateField(label="死亡日期", widget=DATE_INPUT, validators=[validate_not_future])


# 待遇调整 (they parse input only; assistance.changes validates and its errors come back on these fields) -------


def _optional_month(text: str) -> date | None:
    """A ``YYYY-MM`` form value as the 1st of that month, None when empty; a form error naming the form else."""
    if not text:
        return None
    try:
        return month_param(text)
    except BadParameter as error:
        raise ValidationError(str(error), code="invalid") from None


class ChangeFilterForm(GuardedForm, forms.Form):
    """The 待遇调整 list's filters (GET)."""

    status = forms.CharField(label="状态", required=False, max_length=20)
    township = IdField(label="乡镇（街道）", required=False, max_length=20)
    month = forms.CharField(label="发现月份", required=False, max_length=7)
    q = forms.CharField(label="户编号或姓名", required=False, max_length=40)

    def clean_status(self) -> str:
        status = self.cleaned_data.get("status", "")
        return status if status in AmountChange.Status.values else ""

    def clean_month(self) -> date | None:
        return _optional_month(self.cleaned_data.get("month", ""))


class _ChoiceForm(GuardedForm, StyledForm):
    """A decision between two answers (radio buttons, field ``decision``) and a note."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision"].widget.attrs["class"] = "form-check-input"


class ConfirmChangeForm(_ChoiceForm):
    """The township's answer to a 待遇调整."""

    decision = forms.ChoiceField(
        label="乡镇意见", choices=[("confirm", "确认调整"), ("decline", "不予调整")], widget=forms.RadioSelect
    )
    note = forms.CharField(
        label="说明",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="不予调整时必填：写明核实的情况和理由。",
    )

    @property
    def confirm(self) -> bool:
        return self.cleaned_data["decision"] == "confirm"


class DecideChangeForm(_ChoiceForm):
    """The county's decision on a confirmed 待遇调整; a household that failed to report the change is adjusted from
    an earlier month, with the reason in the note."""

    decision = forms.ChoiceField(
        label="审批结果", choices=[("approve", "批准"), ("reject", "不予批准")], widget=forms.RadioSelect
    )
    note = forms.CharField(
        label="审批意见",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="不予批准或追溯调整时必填。",
    )
    unreported_from = forms.CharField(
        label="家庭未按规定报告，自该月起追溯调整",
        required=False,
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month"}),
        help_text="年-月，如 2020-10。仅在家庭未按规定报告变化时填写，理由写在审批意见中；不填则自批准后的次月起调整。",
    )

    def clean_unreported_from(self) -> date | None:
        return _optional_month(self.cleaned_data.get("unreported_from", ""))

    @property
    def approve(self) -> bool:
        return self.cleaned_data["decision"] == "approve"
