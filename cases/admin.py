from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from cases.models import Township, User, Village


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


def _county_admins_only(request) -> bool:  # type: ignore[no-untyped-def]
    """The Django admin is for county admins (县级管理员) only."""
    user = request.user
    return bool(user.is_active and user.is_staff and user.role == User.Role.COUNTY_ADMIN)


admin.site.has_permission = _county_admins_only  # type: ignore[method-assign]
