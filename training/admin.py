from django.contrib import admin

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
