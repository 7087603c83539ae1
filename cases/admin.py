from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from import_export.admin import ImportExportModelAdmin

from cases import permissions
from cases.models import (
    CalendarDay,
    Household,
    IllnessCatalog,
    Member,
    SensitiveAccessLog,
    Township,
    User,
    Village,
    WindowStaff,
)
from cases.resources import EXPORT_FORMATS, HouseholdResource, MemberResource


@admin.register(Township)
class TownshipAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind")
    list_filter = ("kind",)
    search_fields = ("name", "code")


@admin.register(Village)
class VillageAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "township")
    list_filter = ("kind", "township")
    search_fields = ("name", "code")
    list_select_related = ("township",)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "first_name", "role", "township", "is_active", "last_login")
    list_filter = ("role", "township", "is_active")
    list_select_related = ("township",)
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("角色与范围", {"fields": ("role", "township", "full_identity_access")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        ("角色与范围", {"fields": ("first_name", "role", "township", "full_identity_access")}),
    )


@admin.register(Household)
class HouseholdAdmin(ImportExportModelAdmin):
    resource_classes = [HouseholdResource]
    export_formats = EXPORT_FORMATS  # CSV with a BOM, xlsx through core.exports
    list_display = ("number", "township", "village", "area_type", "address")
    list_filter = ("area_type", "township")
    search_fields = ("=number",)
    list_select_related = ("township", "village")
    raw_id_fields = ("village",)


@admin.register(Member)
class MemberAdmin(ImportExportModelAdmin):
    resource_classes = [MemberResource]
    export_formats = EXPORT_FORMATS  # CSV with a BOM, xlsx through core.exports
    list_display = ("name", "id_number", "relation", "household", "active")
    list_filter = ("active", "relation", "poverty_status")
    search_fields = ("=id_number", "name")
    list_select_related = ("household",)
    raw_id_fields = ("household",)


@admin.register(IllnessCatalog)
class IllnessCatalogAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "active")
    list_filter = ("active",)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """The State Council's days are loaded (``load_official_calendar``); a day the county adds or changes here
    becomes the county's own (来源：本县设定) and later loads leave it alone."""

    list_display = ("date", "kind", "name", "source")
    list_filter = ("source", "kind")
    readonly_fields = ("source",)
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        obj.source = CalendarDay.Source.COUNTY
        super().save_model(request, obj, form, change)


@admin.register(WindowStaff)
class WindowStaffAdmin(admin.ModelAdmin):
    list_display = ("name", "township", "employment", "on_duty_from", "on_duty_to")
    list_filter = ("employment", "township")


@admin.register(SensitiveAccessLog)
class SensitiveAccessLogAdmin(admin.ModelAdmin):
    list_display = ("at", "user", "action", "member", "what")
    list_filter = ("action",)
    list_select_related = ("user", "member")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


def _county_admins_only(request) -> bool:  # type: ignore[no-untyped-def]
    """The Django admin is for county admins (县级管理员) only."""
    return permissions.can_use_admin(request.user)


admin.site.has_permission = _county_admins_only  # type: ignore[method-assign]
