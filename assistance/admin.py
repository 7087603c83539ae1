"""Read-only admin: versions are added and confirmed on the parameter pages (policy/parameters/), which re-chain
the effective periods, mark retroactive months for recomputation and record who did it. Editing a row here
would change months already paid without any of that."""

from django.contrib import admin
from django.urls import reverse

from assistance.models import AmountChange, AssetTestOverride, EnrollmentAmount, RecomputeMark
from core.admin import ReadOnlyAdmin
from core.models import PolicyParameter


@admin.register(PolicyParameter)
class PolicyParameterAdmin(ReadOnlyAdmin):
    list_display = ("key", "display_value", "effective_from", "effective_to", "confirmed", "source")
    list_filter = ("confirmed",)
    search_fields = ("key", "source", "note")
    date_hierarchy = "effective_from"

    @admin.display(description="数值")
    def display_value(self, obj: PolicyParameter) -> str:
        return obj.display_value

    def view_on_site(self, obj: PolicyParameter) -> str:  # type: ignore[override]
        return reverse("parameter-detail", args=[obj.key])


@admin.register(RecomputeMark)
class RecomputeMarkAdmin(ReadOnlyAdmin):
    list_display = ("key", "months_label", "status", "created_by", "created_at", "done_at")
    list_filter = ("status",)
    search_fields = ("key", "reason")

    @admin.display(description="月份")
    def months_label(self, obj: RecomputeMark) -> str:
        return obj.months_label

    def view_on_site(self, obj: RecomputeMark) -> str:  # type: ignore[override]
        return reverse("parameter-detail", args=[obj.key])


@admin.register(AssetTestOverride)
class AssetTestOverrideAdmin(ReadOnlyAdmin):
    """Recorded on the household's 认定测算 page, with history; read here."""

    list_display = ("household", "from_month", "to_month", "created_by", "created_at")
    search_fields = ("household__number", "reason")
    list_select_related = ("household", "created_by")

    def view_on_site(self, obj: AssetTestOverride) -> str:  # type: ignore[override]
        return reverse("determination", args=[obj.household_id])


@admin.register(EnrollmentAmount)
class EnrollmentAmountAdmin(ReadOnlyAdmin):
    """Written by the re-pricing (调标) and the 待遇调整 pages, with history; read here."""

    list_display = ("enrollment", "from_month", "amount", "cause", "version", "change", "approved_by", "created_at")
    list_filter = ("cause",)
    search_fields = ("enrollment__household__number", "note")
    list_select_related = ("enrollment", "version", "change", "approved_by")

    def view_on_site(self, obj: EnrollmentAmount) -> str:  # type: ignore[override]
        return reverse("enrollment-detail", args=[obj.enrollment_id])


@admin.register(AmountChange)
class AmountChangeAdmin(ReadOnlyAdmin):
    """Confirmed and decided on the 待遇调整 pages (policy/changes/), which check who acts; read here."""

    list_display = ("household", "township", "kind", "month", "current_amount", "proposed_amount", "status")
    list_filter = ("status", "kind", "unreported")
    search_fields = ("household__number", "confirm_note", "decision_note")
    list_select_related = ("household", "township")
    date_hierarchy = "month"

    def view_on_site(self, obj: AmountChange) -> str:  # type: ignore[override]
        return reverse("amount-change-detail", args=[obj.pk])
