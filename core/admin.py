"""Django admin for people and the audit log, and the read-only base other apps' admins use."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from core.models import AuditEvent, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "role", "timezone", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = BaseUserAdmin.fieldsets + (
        ("Verifier Ops", {"fields": ("role", "timezone", "sub_locale", "ui_language")}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("Verifier Ops", {"fields": ("role", "timezone", "ui_language")}),)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written by services only (and audited there); readable here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """VQ-7: readable by admins, never editable or deletable from the app."""

    list_display = ("at", "actor_name", "action", "object_type", "object_id")
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "actor_name")
