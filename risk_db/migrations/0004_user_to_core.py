"""State only: the user model moved from verifier to core with its table (verifier_user); no database change."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('risk_db', '0003_horizon_lifecycle_evidence_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name='localverifyitem',
                name='added_by',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to=settings.AUTH_USER_MODEL),
            ),
            migrations.AlterField(
                model_name='rule',
                name='created_by',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to=settings.AUTH_USER_MODEL),
            ),
            migrations.AlterField(
                model_name='ruletransition',
                name='actor',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to=settings.AUTH_USER_MODEL),
            ),
            migrations.AlterField(
                model_name='ruleversion',
                name='created_by',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to=settings.AUTH_USER_MODEL),
            ),
            migrations.AlterField(
                model_name='taboocandidate',
                name='decided_by',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
            ),
            migrations.AlterField(
                model_name='taboonomination',
                name='verifier',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='taboo_nominations', to=settings.AUTH_USER_MODEL),
            ),
        ]),
    ]
