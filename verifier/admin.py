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


# ---- appeals, calibration, audits and pay -------------------------------------------------------
from verifier.models import (Appeal, BlindAudit, CalibrationSet, Contract, DriftReport, GoldItem,  # noqa: E402
                             KappaScore, Payout, PayRun, RetrainFlag)



@admin.register(GoldItem)
class GoldItemAdmin(admin.ModelAdmin):
    """CA-1: admins write and retire gold items here."""

    list_display = ("id", "locale", "kind", "expected", "source", "active")
    list_filter = ("locale", "kind", "source", "active")
    search_fields = ("post_text",)


@admin.register(RetrainFlag)
class RetrainFlagAdmin(admin.ModelAdmin):
    list_display = ("created_at", "verifier", "shard", "source", "resolved_at")
    list_filter = ("source",)
    readonly_fields = ("verifier", "shard", "source", "reason", "created_at")

    def has_add_permission(self, request):
        return False


for model, columns in (
    (Appeal, ("public_id", "tier", "status", "outcome", "final", "opened_at")),
    (CalibrationSet, ("locale", "month", "kind")),
    (KappaScore, ("verifier", "month", "kappa", "audit_dock", "bonus_cut")),
    (BlindAudit, ("shard", "month", "paraphraser", "evaluated_at")),
    (DriftReport, ("shard", "month", "delta", "over_threshold", "suggested_ratio")),
    (Contract, ("verifier", "hourly_rate", "currency", "starts_on", "ends_on")),  # rates change on /pay/ (audited)
    (PayRun, ("month", "run_at", "run_by")),
    (Payout, ("verifier", "month", "hours", "base", "bonus", "amount", "held")),
):
    admin.site.register(model, type(f"{model.__name__}Admin", (ReadOnlyAdmin,), {"list_display": columns}))
