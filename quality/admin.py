"""Admin for calibration, audits and pay: gold items are written here, the rest is read-only."""

from django.contrib import admin

from quality.models import (
    BlindAudit,
    CalibrationSet,
    Contract,
    DriftReport,
    GoldItem,
    KappaScore,
    Payout,
    PayRun,
    RetrainFlag,
)
from verifier.admin import ReadOnlyAdmin


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
    (CalibrationSet, ("locale", "month", "kind")),
    (KappaScore, ("verifier", "month", "kappa", "audit_dock", "bonus_cut")),
    (BlindAudit, ("shard", "month", "paraphraser", "evaluated_at")),
    (DriftReport, ("shard", "month", "delta", "over_threshold", "suggested_ratio")),
    (Contract, ("verifier", "hourly_rate", "currency", "starts_on", "ends_on")),  # rates change on /pay/ (audited)
    (PayRun, ("month", "run_at", "run_by")),
    (Payout, ("verifier", "month", "hours", "base", "bonus", "amount", "held")),
):
    admin.site.register(model, type(f"{model.__name__}Admin", (ReadOnlyAdmin,), {"list_display": columns}))
