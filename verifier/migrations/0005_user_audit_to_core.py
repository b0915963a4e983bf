"""State only: User and AuditEvent now belong to core, same tables (verifier_user, verifier_auditevent); no database change."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('modelhooks', '0003_user_to_core'),
        ('risk_db', '0004_user_to_core'),
        ('shards', '0005_user_to_core'),
        ('verifier', '0004_quality_state_out'),
        ('core', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.RemoveField(
                model_name='user',
                name='groups',
            ),
            migrations.RemoveField(
                model_name='user',
                name='user_permissions',
            ),
            migrations.AlterField(
                model_name='skip',
                name='user',
                field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL),
            ),
            migrations.AlterField(
                model_name='casetask',
                name='holder',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to=settings.AUTH_USER_MODEL),
            ),
            migrations.AlterField(
                model_name='ruling',
                name='verifier',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='rulings', to=settings.AUTH_USER_MODEL),
            ),
            migrations.AlterField(
                model_name='assignment',
                name='user',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='assignments', to=settings.AUTH_USER_MODEL),
            ),
            migrations.AlterField(
                model_name='appeal',
                name='appellant',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='appeals_filed', to=settings.AUTH_USER_MODEL),
            ),
            migrations.AlterField(
                model_name='appealreview',
                name='reviewer',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='appeal_reviews', to=settings.AUTH_USER_MODEL),
            ),
            migrations.DeleteModel(
                name='AuditEvent',
            ),
            migrations.DeleteModel(
                name='User',
            ),
        ]),
    ]
