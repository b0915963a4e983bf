from django.contrib import admin

from core.admin import ReadOnlyAdmin, admin_read_hook
from risk_db import selectors
from risk_db.models import (
    Complaint,
    IndexBuild,
    LocalVerifyItem,
    Rule,
    RuleShardState,
    RuleTransition,
    RuleVersion,
    SurveyResponse,
    TabooCandidate,
    TabooNomination,
)
from shards.services.fence import admin_read_case, taboo_read_record


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


@admin.register(RuleTransition)
class RuleTransitionAdmin(ReadOnlyAdmin):
    list_display = ("at", "rule", "shard", "event", "from_state", "to_state", "made_by")
    list_filter = ("event",)


@admin.register(TabooCandidate)
class TabooCandidateAdmin(ReadOnlyAdmin):
    list_display = ("token", "status", "first_at", "expires_at", "rule")
    list_filter = ("status",)


admin.site.register(TabooNomination, ReadOnlyAdmin)
admin.site.register(Complaint, ReadOnlyAdmin)
admin.site.register(SurveyResponse, ReadOnlyAdmin)
admin.site.register(LocalVerifyItem, ReadOnlyAdmin)
admin.site.register(IndexBuild, ReadOnlyAdmin)


def _admin_read_rule(*, user, obj) -> None:
    """Issue 11: a rule of a native-only locale: its words are that locale's taboo content."""
    if selectors.rule_words_native_only(rule=obj):
        taboo_read_record(user=user, what="admin_change_page", obj=obj, locale=obj.origin_locale)


admin_read_hook(Rule, _admin_read_rule)
admin_read_hook(LocalVerifyItem, lambda *, user, obj: _admin_read_rule(user=user, obj=obj.rule))
admin_read_hook(TabooNomination, lambda *, user, obj: admin_read_case(user=user, obj=obj, case=obj.case))
