# Issue 11: a risk-tagged intake record names its lexicon's locale, so the taboo fence can hide one that
# was decided before routing (no shard) from everyone outside that locale's native pool.

from django.db import migrations, models


def backfill(apps, schema_editor):
    """Tagged rows stored before this field: the locale of the lexicon named first in their tags
    (tags are "lexicon:term", in locale order)."""
    Correction = apps.get_model("shards", "Correction")
    RiskLexicon = apps.get_model("shards", "RiskLexicon")
    locale_of = dict(RiskLexicon.objects.values_list("name", "locale_code"))
    batch = []
    for row in Correction.objects.exclude(risk_tags=[]).only("pk", "risk_tags").iterator(chunk_size=2000):
        tags = row.risk_tags or []
        locale = locale_of.get(str(tags[0]).split(":", 1)[0], "") if tags else ""
        if locale:
            row.risk_locale = locale
            batch.append(row)
        if len(batch) >= 2000:
            Correction.objects.bulk_update(batch, ["risk_locale"])
            batch = []
    if batch:
        Correction.objects.bulk_update(batch, ["risk_locale"])


class Migration(migrations.Migration):
    dependencies = [
        ("shards", "0006_training_state_out"),
    ]

    operations = [
        migrations.AddField(
            model_name="correction",
            name="risk_locale",
            field=models.CharField(blank=True, max_length=16),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
