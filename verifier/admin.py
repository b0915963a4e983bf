from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from verifier.models import AuditEvent, Case, Ruling, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "role", "timezone", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = BaseUserAdmin.fieldsets + (("Verifier Ops", {"fields": ("role", "timezone", "sub_locale")}),)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("Verifier Ops", {"fields": ("role", "timezone")}),)


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("public_id", "shard", "kind", "status", "decision", "due_at")
    list_filter = ("shard", "kind", "status")
    readonly_fields = [f.name for f in Case._meta.fields]

    def has_add_permission(self, request):
        return False  # cases come from intake only


@admin.register(Ruling)
class RulingAdmin(admin.ModelAdmin):
    list_display = ("public_id", "case", "verifier", "answer", "at")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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


# ---- appeals (calibration, audits and pay: quality/admin.py) ---------------------------------------
from verifier.models import Appeal, ReexportItem  # noqa: E402


for model, columns in (
    (Appeal, ("public_id", "tier", "status", "outcome", "final", "opened_at")),
    (ReexportItem, ("case", "action", "weight", "exported_batch")),
):
    admin.site.register(model, type(f"{model.__name__}Admin", (ReadOnlyAdmin,), {"list_display": columns}))
