"""Issue 9: the training tables change owner, not place.

State only: each model keeps its old table (db_table) and the names of its constraints and indexes;
shards/0006_training_state_out and verifier/0006_reexport_state_out drop them from their apps' state.
"""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("shards", "0006_training_state_out"),
        ("verifier", "0006_reexport_state_out"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='TaintList',
                    fields=[
                        ('version', models.AutoField(primary_key=True, serialize=False)),
                        ('created_at', models.DateTimeField()),
                        ('reason', models.CharField(max_length=200)),
                        ('actor', models.CharField(blank=True, max_length=150)),
                    ],
                    options={
                        'db_table': 'shards_taintlist',
                    },
                ),
                migrations.CreateModel(
                    name='TrainingBatch',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('cut_at', models.DateTimeField()),
                        ('size', models.IntegerField()),
                        ('weight', models.DecimalField(decimal_places=4, max_digits=6)),
                    ],
                    options={
                        'db_table': 'shards_trainingbatch',
                        'ordering': ['-cut_at'],
                    },
                ),
                migrations.CreateModel(
                    name='TaintedSubmitter',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('submitter_id', models.CharField(db_index=True, max_length=128)),
                        ('taint_list', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='submitters', to='training.taintlist')),
                    ],
                    options={
                        'db_table': 'shards_taintedsubmitter',
                    },
                ),
                migrations.CreateModel(
                    name='ReexportItem',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('tier', models.PositiveSmallIntegerField()),
                        ('locale', models.CharField(max_length=16)),
                        ('post_id', models.CharField(max_length=128)),
                        ('text_delta', models.TextField()),
                        ('action', models.CharField(choices=[('add', 'Add'), ('retract', 'Retract')], max_length=8)),
                        ('weight', models.DecimalField(decimal_places=4, max_digits=6)),
                        ('regional_hard_block', models.BooleanField(default=False)),
                        ('hard_block_locale', models.CharField(blank=True, max_length=16)),
                        ('created_at', models.DateTimeField()),
                        ('exported_batch', models.CharField(blank=True, max_length=64)),
                        ('appeal', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reexports', to='verifier.appeal')),
                        ('case', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reexports', to='verifier.case')),
                        ('shard', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to='shards.shard')),
                    ],
                    options={
                        'db_table': 'verifier_reexportitem',
                        'constraints': [models.UniqueConstraint(fields=('appeal', 'tier'), name='one_reexport_per_appeal_tier')],
                    },
                ),
                migrations.CreateModel(
                    name='TrainingSample',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('locale', models.CharField(max_length=16)),
                        ('post_id', models.CharField(max_length=128)),
                        ('text_delta', models.TextField()),
                        ('regional_hard_block', models.BooleanField(default=False)),
                        ('hard_block_locale', models.CharField(blank=True, max_length=16)),
                        ('weight', models.DecimalField(decimal_places=4, default=1, max_digits=6)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('accepted_by', models.CharField(blank=True, max_length=40)),
                        ('withheld_reason', models.CharField(blank=True, max_length=64)),
                        ('batch', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='samples', to='training.trainingbatch')),
                        ('case', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='sample', to='verifier.case')),
                        ('graph', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='samples', to='shards.correctiongraph')),
                        ('shard', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to='shards.shard')),
                    ],
                    options={
                        'db_table': 'shards_trainingsample',
                        'constraints': [models.UniqueConstraint(fields=('post_id', 'shard'), name='one_sample_per_post_and_shard')],
                    },
                ),
            ],
        ),
    ]
