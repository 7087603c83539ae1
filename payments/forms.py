"""Forms of the payments pages beyond the payrolls: the price-subsidy month."""

from __future__ import annotations

from decimal import Decimal

from django import forms

HUNDRED = Decimal(100)


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m", attrs={"class": "form-control"})


def _number(**attrs: object) -> forms.NumberInput:
    return forms.NumberInput(attrs={"class": "form-control", **attrs})


class PriceSubsidyMonthForm(forms.Form):
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

    def service_values(self) -> dict[str, object]:
        """The cleaned data as ``record_price_subsidy_month`` takes it (rises as fractions)."""
        data = dict(self.cleaned_data)
        data["cpi_rise"] = data["cpi_rise"] / HUNDRED
        data["food_rise"] = (data.get("food_rise") or Decimal(0)) / HUNDRED
        return data
