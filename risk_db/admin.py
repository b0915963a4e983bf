from django.contrib import admin

from risk_db.models import Rule, RuleShardState, RuleVersion


class RuleVersionInline(admin.TabularInline):
    model = RuleVersion
    extra = 0
    readonly_fields = ("number", "pattern", "intent_class", "embedder", "created_at", "created_by")

    def has_change_permission(self, request, obj=None):
        return False  # a published version is frozen (RK-3)


class RuleShardStateInline(admin.TabularInline):
    model = RuleShardState
    extra = 0
    readonly_fields = ("shard", "state", "since")


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = ("id", "origin_locale", "intent_class", "current_version", "created_at")
    list_filter = ("origin_locale",)
    inlines = [RuleVersionInline, RuleShardStateInline]
