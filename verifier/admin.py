from django.contrib import admin

from core.admin import ReadOnlyAdmin, admin_read_hook
from shards.services.fence import admin_read_case
from verifier.models import Case, Ruling


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


# ---- appeals (calibration, audits and pay: quality/admin.py) ---------------------------------------
from verifier.models import Appeal  # noqa: E402

for model, columns in ((Appeal, ("public_id", "tier", "status", "outcome", "final", "opened_at")),):
    admin.site.register(model, type(f"{model.__name__}Admin", (ReadOnlyAdmin,), {"list_display": columns}))

# Issue 11: an admin opening a native-only case (or a ruling or appeal of one) here is audited (taboo_read).
admin_read_hook(Case, admin_read_case)
admin_read_hook(Ruling, lambda *, user, obj: admin_read_case(user=user, obj=obj, case=obj.case))
admin_read_hook(Appeal, lambda *, user, obj: admin_read_case(user=user, obj=obj, case=obj.ruling.case))
