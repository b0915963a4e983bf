"""Issue 9: TrainingSample, TrainingBatch, TaintList and TaintedSubmitter move to the `training` app.

State only: the tables (shards_trainingsample, shards_trainingbatch, shards_taintlist,
shards_taintedsubmitter) stay where they are and training/migrations/0001_initial.py takes them over.
"""
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("shards", "0005_user_to_core"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='trainingsample',
                    name='batch',
                ),
                migrations.RemoveField(
                    model_name='trainingsample',
                    name='case',
                ),
                migrations.RemoveField(
                    model_name='trainingsample',
                    name='graph',
                ),
                migrations.RemoveField(
                    model_name='trainingsample',
                    name='shard',
                ),
                migrations.DeleteModel(
                    name='TaintedSubmitter',
                ),
                migrations.DeleteModel(
                    name='TaintList',
                ),
                migrations.DeleteModel(
                    name='TrainingBatch',
                ),
                migrations.DeleteModel(
                    name='TrainingSample',
                ),
            ],
        ),
    ]
