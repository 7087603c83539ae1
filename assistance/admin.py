from django.contrib import admin

from assistance.models import PolicyParameter


@admin.register(PolicyParameter)
class PolicyParameterAdmin(admin.ModelAdmin):
    list_display = ("key", "display_value", "effective_from", "effective_to", "confirmed", "source")
    list_filter = ("confirmed",)
    search_fields = ("key", "source", "note")
    date_hierarchy = "effective_from"
    readonly_fields = ("created_by", "created_at")

    @admin.display(description="数值")
    def display_value(self, obj: PolicyParameter) -> str:
        return obj.display_value

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
