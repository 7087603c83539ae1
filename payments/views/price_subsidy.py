"""价格临时补贴: the months the county recorded, and the form to record one (county only)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from cases.models import User
from core.parameters import parameter
from core.views import apply_errors, month_param, posted
from payments import permissions as perms
from payments import selectors
from payments.forms import PriceSubsidyMonthForm
from payments.price_subsidy import record_price_subsidy_month

PER_PAGE = 50


def _percent(value: Decimal | None) -> str:
    return "—" if value is None else f"{(value * 100).normalize():f}%"


def price_subsidy_list(request: HttpRequest) -> HttpResponse:
    """The recorded months; for the county a form to record (or correct) a month."""
    user: User = request.user  # type: ignore[assignment]
    can_record = perms.can_record_price_subsidy(user)
    if request.method == "POST":
        perms.ensure_record_price_subsidy(user)
    initial: dict[str, object] = {}
    if can_record and request.method == "GET" and request.GET.get("month"):
        record = selectors.price_subsidy_month(month_param(request.GET["month"]))
        if record is not None:  # correct a recorded month: the form filled with its values
            initial = {
                "month": record.month,
                "cpi_index": record.cpi_index,
                "cpi_rise": record.cpi_rise * 100,
                "food_rise": record.food_rise * 100,
                "urban_amount": record.urban_amount,
                "rural_amount": record.rural_amount,
                "multiplier": record.multiplier,
                "note": record.note,
            }
    data, _ = posted(request)
    form = PriceSubsidyMonthForm(data, initial=initial)
    if data is not None and form.is_valid():
        try:
            record = record_price_subsidy_month(actor=user, **form.service_values())  # type: ignore[arg-type]
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                f"已录入{record.month.year}年{record.month.month}月价格临时补贴：城市 {record.urban_amount} 元、"
                f"农村 {record.rural_amount} 元，×{record.multiplier}。",
            )
            return redirect("price-subsidy-list")
    months = Paginator(selectors.price_subsidy_months(), PER_PAGE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    return render(
        request,
        "payments/price_subsidy_list.html",
        {
            "page": months,
            "rows": [(record, _percent(record.cpi_rise), _percent(record.food_rise)) for record in months],
            "form": form if can_record else None,
            "cpi_trigger": _percent(parameter("price_subsidy.cpi_trigger", today)),
            "food_trigger": _percent(parameter("price_subsidy.food_trigger", today)),
        },
    )
