"""Admin: institution accounts are kept here by the county admin; payrolls and lines are read-only (they change
only through the workflow on the payroll pages, which checks who acts and records history)."""

from typing import Any

from django import forms
from django.contrib import admin
from django.urls import reverse

from core.admin import ReadOnlyAdmin
from core.validators import GuardedForm, reject_formula_start
from payments.models import InstitutionAccount, PaymentLine, Payroll


class InstitutionAccountForm(GuardedForm, forms.ModelForm):
    """The institution's name and bank name go into the bank file as they are: no formula-like start."""

    class Meta:
        model = InstitutionAccount
        fields = ["name", "credit_code", "bank_name", "bank_account"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("name", "bank_name"):
            self.fields[name].validators.append(reject_formula_start)


@admin.register(InstitutionAccount)
class InstitutionAccountAdmin(admin.ModelAdmin):
    form = InstitutionAccountForm
    list_display = ("name", "credit_code", "bank_name", "bank_account", "updated_at")
    search_fields = ("name", "credit_code")


@admin.register(Payroll)
class PayrollAdmin(ReadOnlyAdmin):
    list_display = ("township", "month", "benefit", "batch", "status", "line_count", "total_amount")
    list_filter = ("status", "benefit", "batch")
    date_hierarchy = "month"

    def view_on_site(self, obj: Payroll) -> str:  # type: ignore[override]
        return reverse("payroll-detail", args=[obj.pk])


@admin.register(PaymentLine)
class PaymentLineAdmin(ReadOnlyAdmin):
    list_display = ("id", "payroll", "kind", "name", "amount", "status", "failure_reason")
    list_filter = ("kind", "status", "benefit")
    search_fields = ("=id_number", "=payee_id_number", "=bank_account", "name")
    list_select_related = ("payroll",)
    raw_id_fields = ("payroll", "household", "member", "enrollment", "temporary_case", "reissue_of")
