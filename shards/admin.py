from django.contrib import admin

from shards.models import Alert, Correction, Locale, PoolMembership, RiskLexicon, RiskTerm, Shard, TriggerPattern
from shards.services.pools import membership_set, shard_check_pool


@admin.register(Locale)
class LocaleAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "language", "is_rare", "adjacent")


class MembershipInline(admin.TabularInline):
    model = PoolMembership
    extra = 0


@admin.register(Shard)
class ShardAdmin(admin.ModelAdmin):
    list_display = ("code", "kind", "locale", "degraded_since")
    inlines = [MembershipInline]

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        shard_check_pool(shard=form.instance)  # SH-1: a pool change can pause or resume taboo work


@admin.register(PoolMembership)
class PoolMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "shard", "native", "under_contract", "active")
    list_filter = ("shard", "native", "under_contract", "active")

    def save_model(self, request, obj, form, change):
        # Through the service, so the change is audited and the shard's pool re-checked.
        membership_set(user=obj.user, shard=obj.shard, native=obj.native, under_contract=obj.under_contract,
                       active=obj.active, actor=request.user)


class RiskTermInline(admin.TabularInline):
    model = RiskTerm
    extra = 1


@admin.register(RiskLexicon)
class RiskLexiconAdmin(admin.ModelAdmin):
    list_display = ("name", "locale_code")
    inlines = [RiskTermInline]


@admin.register(TriggerPattern)
class TriggerPatternAdmin(admin.ModelAdmin):
    list_display = ("pattern", "active")


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    list_display = ("public_id", "post_id", "outcome", "decided_by", "declared_locale", "received_at")
    list_filter = ("outcome", "decided_by", "declared_locale")
    search_fields = ("post_id", "submitter_id")


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "level", "shard", "resolved_at")
