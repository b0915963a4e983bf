from django.contrib import admin

from core.admin import admin_read_hook
from shards.models import Alert, Correction, Locale, PoolMembership, RiskLexicon, RiskTerm, Shard, TriggerPattern
from shards.services.fence import admin_read_correction
from shards.services.pools import membership_language_default, membership_set, shard_check_pool


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
        for membership in formset.new_objects + [obj for obj, _ in formset.changed_objects]:
            membership_language_default(membership=membership)  # VQ-9: a newcomer's UI language


@admin.register(PoolMembership)
class PoolMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "shard", "native", "under_contract", "active")
    list_filter = ("shard", "native", "under_contract", "active")

    def save_model(self, request, obj, form, change):
        # Through the service, so the change is audited and the shard's pool re-checked.
        membership_set(
            user=obj.user,
            shard=obj.shard,
            native=obj.native,
            under_contract=obj.under_contract,
            active=obj.active,
            actor=request.user,
        )


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


# ---- issue 3: the intake defences ---------------------------------------------------------------
from shards.models import BlockListEntry, DormantClique, LocaleLedger, SubmitterLedger, SuspendedComponent, TopicFreeze  # noqa: E402


@admin.register(BlockListEntry)
class BlockListEntryAdmin(admin.ModelAdmin):
    """IN-4: admins edit the slur/gibberish block-list per locale (blank locale = every locale)."""

    list_display = ("term", "locale_code", "kind", "active", "updated_at")
    list_filter = ("locale_code", "kind", "active")
    search_fields = ("term",)


@admin.register(TopicFreeze)
class TopicFreezeAdmin(admin.ModelAdmin):
    list_display = ("locale_code", "hashtag", "frozen_from", "frozen_until", "entropy_bits", "share", "mentions")


@admin.register(SuspendedComponent)
class SuspendedComponentAdmin(admin.ModelAdmin):
    list_display = ("suspended_at", "size", "hashtag", "share", "active")
    readonly_fields = ("members",)


@admin.register(DormantClique)
class DormantCliqueAdmin(admin.ModelAdmin):
    list_display = ("found_at", "size", "status", "decided_by")
    readonly_fields = ("members", "status", "decided_by", "decided_at")  # decide on the alerts page (audited)


@admin.register(LocaleLedger)
class LocaleLedgerAdmin(admin.ModelAdmin):
    list_display = ("locale_code", "votes", "corroborated", "crowd_votes", "rulings", "numeric_n")


@admin.register(SubmitterLedger)
class SubmitterLedgerAdmin(admin.ModelAdmin):
    list_display = ("submitter_id", "locale_code", "backed", "corroborated", "burn", "flag_weight")
    search_fields = ("submitter_id",)


# Issue 11: an admin opening a risk-tagged intake record here is audited (taboo_read).
admin_read_hook(Correction, admin_read_correction)
