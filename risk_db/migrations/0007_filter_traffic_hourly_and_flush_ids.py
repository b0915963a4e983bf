# Issue 13: live filter traffic in hourly buckets (RK-7's 48 h window exact to the hour) and flush ids
# (a redelivered shadow flush adds its counts once).

from datetime import UTC, datetime, time

from django.db import migrations, models


def day_rows_to_their_first_hour(apps, schema_editor):
    """A day's counts cannot be split into hours after the fact: each existing day row is kept whole, at the
    day's first hour (00:00 UTC)."""
    FilterTraffic = apps.get_model("risk_db", "FilterTraffic")
    for row in FilterTraffic.objects.all().only("pk", "day"):
        row.hour = datetime.combine(row.day, time(0), tzinfo=UTC)
        row.save(update_fields=["hour"])


def hours_back_to_days(apps, schema_editor):
    """Reverse: hourly rows summed back into their UTC day."""
    FilterTraffic = apps.get_model("risk_db", "FilterTraffic")
    days: dict = {}
    for row in FilterTraffic.objects.all().order_by("pk"):
        key = (row.shard_id, row.hour.astimezone(UTC).date())
        if key in days:
            keep = days[key]
            keep.seen += row.seen
            keep.sampled += row.sampled
            keep.save(update_fields=["seen", "sampled"])
            row.delete()
        else:
            row.day = key[1]
            row.save(update_fields=["day"])
            days[key] = row


class Migration(migrations.Migration):
    dependencies = [
        ("risk_db", "0006_blocking_and_shadow_version_per_shard"),
    ]

    operations = [
        migrations.AddField(model_name="filtertraffic", name="hour", field=models.DateTimeField(null=True)),
        migrations.AlterField(model_name="filtertraffic", name="day", field=models.DateField(null=True)),
        migrations.RunPython(day_rows_to_their_first_hour, hours_back_to_days),
        migrations.RemoveConstraint(model_name="filtertraffic", name="one_filter_traffic_per_shard_day"),
        migrations.RemoveField(model_name="filtertraffic", name="day"),
        migrations.AlterField(model_name="filtertraffic", name="hour", field=models.DateTimeField()),
        migrations.AddConstraint(
            model_name="filtertraffic",
            constraint=models.UniqueConstraint(fields=("shard", "hour"), name="one_filter_traffic_per_shard_hour"),
        ),
        migrations.CreateModel(
            name="FilterTrafficFlush",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("flush_id", models.CharField(max_length=64, unique=True)),
                ("at", models.DateTimeField(db_index=True)),
            ],
        ),
    ]
