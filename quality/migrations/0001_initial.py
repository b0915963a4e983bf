"""The quality app takes over calibration, audits and pay models from verifier: state only.

The tables stay where verifier.0003 created them (`verifier_<model>`, every constraint and index
name unchanged), so no row moves and nothing is run against the database. verifier.0004, which
this depends on, has dropped them from verifier's state.
"""

import django.db.models.deletion
import uuid
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('shards', '0003_th_risks_lm'),
        ('verifier', '0004_quality_state_out'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='CalibrationItem',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('position', models.PositiveSmallIntegerField()),
                    ],
                    options={
                        'db_table': 'verifier_calibrationitem',
                        'ordering': ['position'],
                    },
                ),
                migrations.CreateModel(
                    name='BlindAudit',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('month', models.DateField()),
                        ('paraphraser', models.CharField(max_length=200)),
                        ('created_at', models.DateTimeField()),
                        ('evaluated_at', models.DateTimeField(blank=True, null=True)),
                        ('shard', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to='shards.shard')),
                    ],
                    options={
                        'db_table': 'verifier_blindaudit',
                    },
                ),
                migrations.CreateModel(
                    name='BlindAuditItem',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('public_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ('original_answer', models.CharField(max_length=3)),
                        ('fake_post_id', models.CharField(max_length=128, unique=True)),
                        ('audit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='items', to='quality.blindaudit')),
                        ('edited_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to=settings.AUTH_USER_MODEL)),
                        ('flip_case', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='blind_audit_item', to='verifier.case')),
                        ('original_case', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='verifier.case')),
                    ],
                    options={
                        'db_table': 'verifier_blindaudititem',
                    },
                ),
                migrations.CreateModel(
                    name='CalibrationAnswer',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('answer', models.CharField(max_length=3)),
                        ('at', models.DateTimeField()),
                        ('verifier', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='calibration_answers', to=settings.AUTH_USER_MODEL)),
                        ('item', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='answers', to='quality.calibrationitem')),
                    ],
                    options={
                        'db_table': 'verifier_calibrationanswer',
                    },
                ),
                migrations.CreateModel(
                    name='CalibrationSet',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('public_id', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ('locale', models.CharField(max_length=16)),
                        ('month', models.DateField()),
                        ('kind', models.CharField(choices=[('monthly', 'Monthly'), ('crosslingual', 'Crosslingual')], default='monthly', max_length=16)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        'db_table': 'verifier_calibrationset',
                        'constraints': [models.UniqueConstraint(fields=('locale', 'month', 'kind'), name='one_set_per_locale_month_kind')],
                    },
                ),
                migrations.AddField(
                    model_name='calibrationitem',
                    name='calibration_set',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='items', to='quality.calibrationset'),
                ),
                migrations.CreateModel(
                    name='Contract',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('hourly_rate', models.DecimalField(decimal_places=2, max_digits=8)),
                        ('currency', models.CharField(default='USD', max_length=3)),
                        ('starts_on', models.DateField()),
                        ('ends_on', models.DateField(blank=True, null=True)),
                        ('verifier', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='contracts', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'verifier_contract',
                    },
                ),
                migrations.CreateModel(
                    name='CulturalNote',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('divergence', models.DecimalField(decimal_places=4, max_digits=5)),
                        ('note', models.TextField()),
                        ('at', models.DateTimeField()),
                        ('calibration_set', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notes', to='quality.calibrationset')),
                        ('verifier', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'verifier_culturalnote',
                    },
                ),
                migrations.CreateModel(
                    name='DriftReport',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('month', models.DateField()),
                        ('rates', models.JSONField(default=dict)),
                        ('delta', models.DecimalField(decimal_places=4, max_digits=5)),
                        ('over_threshold', models.BooleanField(default=False)),
                        ('current_ratio', models.FloatField()),
                        ('suggested_ratio', models.FloatField(blank=True, null=True)),
                        ('suggestion', models.TextField(blank=True)),
                        ('created_at', models.DateTimeField()),
                        ('shard', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to='shards.shard')),
                    ],
                    options={
                        'db_table': 'verifier_driftreport',
                    },
                ),
                migrations.CreateModel(
                    name='ExternalAudit',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('quarter', models.DateField()),
                        ('created_at', models.DateTimeField()),
                        ('kappa', models.DecimalField(blank=True, decimal_places=4, max_digits=6, null=True)),
                        ('pairs', models.PositiveIntegerField(default=0)),
                        ('evaluated_at', models.DateTimeField(blank=True, null=True)),
                        ('auditor', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to=settings.AUTH_USER_MODEL)),
                        ('shard', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to='shards.shard')),
                    ],
                    options={
                        'db_table': 'verifier_externalaudit',
                    },
                ),
                migrations.CreateModel(
                    name='ExternalAuditItem',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('answer', models.CharField(blank=True, max_length=3)),
                        ('answered_at', models.DateTimeField(blank=True, null=True)),
                        ('audit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='items', to='quality.externalaudit')),
                        ('case', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='verifier.case')),
                    ],
                    options={
                        'db_table': 'verifier_externalaudititem',
                    },
                ),
                migrations.CreateModel(
                    name='GoldItem',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('locale', models.CharField(max_length=16)),
                        ('kind', models.CharField(default='correction', max_length=12)),
                        ('post_text', models.TextField()),
                        ('proposal', models.TextField(blank=True)),
                        ('expected', models.CharField(max_length=3)),
                        ('source', models.CharField(choices=[('written', 'Written'), ('translated', 'Translated')], default='written', max_length=12)),
                        ('source_locale', models.CharField(blank=True, max_length=16)),
                        ('source_text', models.TextField(blank=True)),
                        ('translator', models.CharField(blank=True, max_length=200)),
                        ('active', models.BooleanField(default=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                    ],
                    options={
                        'db_table': 'verifier_golditem',
                        'indexes': [models.Index(fields=['locale', 'active'], name='verifier_go_locale_4c2eb1_idx')],
                        'constraints': [models.CheckConstraint(condition=models.Q(('expected__in', ['yes', 'no'])), name='gold_expected_yes_no')],
                    },
                ),
                migrations.AddField(
                    model_name='calibrationitem',
                    name='gold',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to='quality.golditem'),
                ),
                migrations.CreateModel(
                    name='KappaScore',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('month', models.DateField()),
                        ('kappa', models.DecimalField(decimal_places=4, max_digits=6)),
                        ('pairs', models.PositiveIntegerField()),
                        ('overlap_pairs', models.PositiveIntegerField(default=0)),
                        ('gold_pairs', models.PositiveIntegerField(default=0)),
                        ('audit_dock', models.DecimalField(decimal_places=4, default=Decimal('0'), max_digits=6)),
                        ('bonus_cut', models.BooleanField(default=False)),
                        ('bonus_cut_reason', models.CharField(blank=True, max_length=300)),
                        ('computed_at', models.DateTimeField()),
                        ('verifier', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='kappas', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'verifier_kappascore',
                    },
                ),
                migrations.CreateModel(
                    name='PayRun',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('month', models.DateField(unique=True)),
                        ('run_at', models.DateTimeField()),
                        ('run_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'verifier_payrun',
                    },
                ),
                migrations.CreateModel(
                    name='Payout',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('month', models.DateField()),
                        ('currency', models.CharField(max_length=3)),
                        ('hours', models.DecimalField(decimal_places=2, max_digits=7)),
                        ('sessions', models.PositiveIntegerField(default=0)),
                        ('hourly_rate', models.DecimalField(decimal_places=2, max_digits=8)),
                        ('base', models.DecimalField(decimal_places=2, max_digits=10)),
                        ('bonus', models.DecimalField(decimal_places=2, max_digits=10)),
                        ('bonus_note', models.CharField(blank=True, max_length=300)),
                        ('kappa', models.DecimalField(blank=True, decimal_places=4, max_digits=6, null=True)),
                        ('calibration_accuracy', models.DecimalField(blank=True, decimal_places=4, max_digits=5, null=True)),
                        ('amount', models.DecimalField(decimal_places=2, max_digits=10)),
                        ('held', models.BooleanField(default=False)),
                        ('hold_reason', models.TextField(blank=True)),
                        ('released_at', models.DateTimeField(blank=True, null=True)),
                        ('release_reason', models.TextField(blank=True)),
                        ('released_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('verifier', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='payouts', to=settings.AUTH_USER_MODEL)),
                        ('pay_run', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='payouts', to='quality.payrun')),
                    ],
                    options={
                        'db_table': 'verifier_payout',
                    },
                ),
                migrations.CreateModel(
                    name='RationaleCampaign',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('quarter', models.DateField()),
                        ('created_at', models.DateTimeField()),
                        ('shard', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to='shards.shard')),
                    ],
                    options={
                        'db_table': 'verifier_rationalecampaign',
                    },
                ),
                migrations.CreateModel(
                    name='Rationale',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('sentence', models.CharField(blank=True, max_length=500)),
                        ('written_at', models.DateTimeField(blank=True, null=True)),
                        ('embedding', models.JSONField(blank=True, null=True)),
                        ('embedder', models.CharField(blank=True, max_length=200)),
                        ('case', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='verifier.case')),
                        ('verifier', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to=settings.AUTH_USER_MODEL)),
                        ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='rationales', to='quality.rationalecampaign')),
                    ],
                    options={
                        'db_table': 'verifier_rationale',
                    },
                ),
                migrations.CreateModel(
                    name='RetrainFlag',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('source', models.CharField(max_length=32)),
                        ('reason', models.TextField()),
                        ('created_at', models.DateTimeField()),
                        ('resolved_at', models.DateTimeField(blank=True, null=True)),
                        ('shard', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to='shards.shard')),
                        ('verifier', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='retrain_flags', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'verifier_retrainflag',
                    },
                ),
                migrations.AddConstraint(
                    model_name='blindaudit',
                    constraint=models.UniqueConstraint(fields=('shard', 'month'), name='one_blind_audit_per_shard_month'),
                ),
                migrations.AddConstraint(
                    model_name='calibrationanswer',
                    constraint=models.UniqueConstraint(fields=('item', 'verifier'), name='one_answer_per_item'),
                ),
                migrations.AddConstraint(
                    model_name='calibrationanswer',
                    constraint=models.CheckConstraint(condition=models.Q(('answer__in', ['yes', 'no'])), name='calibration_answer_yes_no'),
                ),
                migrations.AddConstraint(
                    model_name='contract',
                    constraint=models.CheckConstraint(condition=models.Q(('hourly_rate__gte', 0)), name='rate_not_negative'),
                ),
                migrations.AddConstraint(
                    model_name='contract',
                    constraint=models.CheckConstraint(condition=models.Q(('ends_on__isnull', True), ('ends_on__gte', models.F('starts_on')), _connector='OR'), name='contract_ends_after_start'),
                ),
                migrations.AddConstraint(
                    model_name='culturalnote',
                    constraint=models.UniqueConstraint(fields=('calibration_set', 'verifier'), name='one_note_per_set'),
                ),
                migrations.AddConstraint(
                    model_name='driftreport',
                    constraint=models.UniqueConstraint(fields=('shard', 'month'), name='one_drift_report_per_month'),
                ),
                migrations.AddConstraint(
                    model_name='externalaudit',
                    constraint=models.UniqueConstraint(fields=('shard', 'quarter'), name='one_external_audit_per_quarter'),
                ),
                migrations.AddConstraint(
                    model_name='externalaudititem',
                    constraint=models.UniqueConstraint(fields=('audit', 'case'), name='case_once_per_external_audit'),
                ),
                migrations.AddConstraint(
                    model_name='calibrationitem',
                    constraint=models.UniqueConstraint(fields=('calibration_set', 'gold'), name='gold_once_per_set'),
                ),
                migrations.AddConstraint(
                    model_name='kappascore',
                    constraint=models.UniqueConstraint(fields=('verifier', 'month'), name='one_kappa_per_verifier_month'),
                ),
                migrations.AddConstraint(
                    model_name='payout',
                    constraint=models.UniqueConstraint(fields=('verifier', 'month'), name='one_payout_per_verifier_month'),
                ),
                migrations.AddConstraint(
                    model_name='payout',
                    constraint=models.CheckConstraint(condition=models.Q(('held', False), ('amount', 0), _connector='OR'), name='held_payout_is_zero'),
                ),
                migrations.AddConstraint(
                    model_name='rationalecampaign',
                    constraint=models.UniqueConstraint(fields=('shard', 'quarter'), name='one_rationale_campaign_per_quarter'),
                ),
                migrations.AddConstraint(
                    model_name='rationale',
                    constraint=models.UniqueConstraint(fields=('campaign', 'verifier', 'case'), name='one_rationale_per_case'),
                ),
                migrations.AddConstraint(
                    model_name='retrainflag',
                    constraint=models.CheckConstraint(condition=models.Q(('verifier__isnull', False), ('shard__isnull', False), _connector='OR'), name='retrain_flag_has_subject'),
                ),
            ],
        ),
    ]
