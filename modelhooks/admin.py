from django.contrib import admin

from modelhooks.models import Export, GeneratedProbe, Release, ScoringBatch


@admin.register(ScoringBatch)
class ScoringBatchAdmin(admin.ModelAdmin):
    list_display = (
        "first_correction_id",
        "last_correction_id",
        "posts",
        "regex_status",
        "embed_status",
        "regex_hits",
        "embedding_hits",
    )
    readonly_fields = [f.name for f in ScoringBatch._meta.fields]


@admin.register(Export)
class ExportAdmin(admin.ModelAdmin):
    list_display = ("public_id", "shard", "status", "rows_written", "rows_total", "created_at", "finished_at")
    readonly_fields = [f.name for f in Export._meta.fields]


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = ("name", "shard", "status", "stamp", "probe_set_version", "hamming_from_previous", "checked_at")
    readonly_fields = [f.name for f in Release._meta.fields]


@admin.register(GeneratedProbe)
class GeneratedProbeAdmin(admin.ModelAdmin):
    list_display = ("index", "text", "added_at")
    readonly_fields = ("index", "text", "added_at")
