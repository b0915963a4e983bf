from django.contrib import admin

from core.admin import admin_read_hook
from shards.services.fence import admin_read_case
from training.models import ReexportItem, TaintList, TrainingBatch


@admin.register(TaintList)
class TaintListAdmin(admin.ModelAdmin):
    list_display = ("version", "created_at", "reason", "actor")

    def has_change_permission(self, request, obj=None):
        return False  # versions are append-only: exports cite them


@admin.register(TrainingBatch)
class TrainingBatchAdmin(admin.ModelAdmin):
    list_display = ("cut_at", "size", "weight")


@admin.register(ReexportItem)
class ReexportItemAdmin(admin.ModelAdmin):
    """AP-5: written by the appeal services only; readable here."""

    list_display = ("case", "action", "weight", "exported_batch")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Issue 11: a re-export item carries its case's text delta: audited for a native-only case.
admin_read_hook(ReexportItem, lambda *, user, obj: admin_read_case(user=user, obj=obj, case=obj.case))
