"""Forms of the payments pages: every one a ``GuardedForm`` (text without control characters, bounded amounts and
dates, each error on its field)."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from core.validators import GuardedForm, validate_amount

HUNDRED = Decimal(100)


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m", attrs={"class": "form-control"})


def _number(**attrs: object) -> forms.NumberInput:
    return forms.NumberInput(attrs={"class": "form-control", **attrs})


class PriceSubsidyMonthForm(GuardedForm, forms.Form):
    """The county's decision for a month. Rises are entered in percent (3.5 = 3.5 %) and stored as fractions;
    the trigger, amounts and multiplier are checked by ``record_price_subsidy_month``."""

    month = forms.DateField(label="补贴月份", input_formats=["%Y-%m", "%Y-%m-%d"], widget=MonthInput())
    cpi_index = forms.DecimalField(
        label="居民消费价格指数", max_digits=7, decimal_places=2, required=False, widget=_number(step="0.01")
    )
    cpi_rise = forms.DecimalField(
        label="CPI 同比涨幅（%）", max_digits=6, decimal_places=2, widget=_number(step="0.01"), help_text="如 3.5"
    )
    food_rise = forms.DecimalField(
        label="食品价格同比涨幅（%）", max_digits=6, decimal_places=2, initial=0, widget=_number(step="0.01")
    )
    urban_amount = forms.DecimalField(label="城市每人补贴（元）", max_digits=8, decimal_places=2, widget=_number())
    rural_amount = forms.DecimalField(label="农村每人补贴（元）", max_digits=8, decimal_places=2, widget=_number())
    multiplier = forms.DecimalField(
        label="倍数",
        max_digits=4,
        decimal_places=2,
        initial=1,
        widget=_number(step="0.01"),
        help_text="2020 年 3—6 月按 2 倍发放。",
    )
    note = forms.CharField(
        label="依据/说明", max_length=200, required=False, widget=forms.TextInput(attrs={"class": "form-control"})
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for name in ("cpi_rise", "food_rise"):  # percentages, not amounts: a fall is negative (bounded by max_digits)
            self.fields[name].validators.remove(validate_amount)

    def service_values(self) -> dict[str, object]:
        """The cleaned data as ``record_price_subsidy_month`` takes it (rises as fractions)."""
        data = dict(self.cleaned_data)
        data["cpi_rise"] = data["cpi_rise"] / HUNDRED
        data["food_rise"] = (data.get("food_rise") or Decimal(0)) / HUNDRED
        return data


class GeneratePayrollForm(GuardedForm, forms.Form):
    """Generate one benefit's payroll (or every benefit's, ``benefit`` empty) of a month for a township. The month
    and township are read with ``month_param`` and ``id_param``; the service checks the benefit."""

    month = forms.CharField(label="月份", max_length=7, required=False)
    township = forms.CharField(label="乡镇（街道）", max_length=20, required=False)
    benefit = forms.CharField(label="救助项目", max_length=32, required=False)


class LineFilterForm(GuardedForm, forms.Form):
    """The search box and filters of a payroll's lines (``payments.selectors.lines`` ignores unknown values)."""

    q = forms.CharField(label="查询", max_length=60, required=False)
    status = forms.CharField(label="结果", max_length=16, required=False)
    kind = forms.CharField(label="类型", max_length=16, required=False)


class ReturnPayrollForm(GuardedForm, forms.Form):
    """The county's reason for sending a submitted payroll back (the service requires it)."""

    reason = forms.CharField(label="退回原因", max_length=200, required=False)


class ResultFileForm(GuardedForm, forms.Form):
    file = forms.FileField(
        label="银行回盘文件",
        help_text="Excel（.xlsx、.xls）或 CSV（UTF-8 或 GB18030 编码），不超过 20 MB。",
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx,.xls,.csv"}),
    )


class OverpaymentResolveForm(GuardedForm, forms.Form):
    """待追回 → 已追回 / 已核销 with a note (the service checks the status and that a waiver is explained)."""

    status = forms.CharField(label="处理结果", max_length=16, required=False)
    note = forms.CharField(label="说明", max_length=200, required=False)
