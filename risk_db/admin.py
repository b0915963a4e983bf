from django.contrib import admin

from risk_db.models import Rule


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = ("id", "origin_locale", "intent_class", "state", "pattern")
    list_filter = ("origin_locale", "state")
