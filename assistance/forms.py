from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone

from assistance import services
from cases.forms import DATE_INPUT, StyledForm


class ParameterFilterForm(StyledForm):
    """The list page's search box and date picker (GET)."""

    q = forms.CharField(label="查找参数", required=False, max_length=80)
    on = forms.DateField(label="查看日期", required=False, widget=DATE_INPUT)


class ParameterVersionForm(StyledForm):
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


class ConfirmVersionForm(forms.Form):
    note = forms.CharField(label="确认说明", required=False)
