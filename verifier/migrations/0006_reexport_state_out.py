"""Issue 9: ReexportItem (AP-5 reversals) moves to the `training` app.

State only: the table verifier_reexportitem stays and training/migrations/0001_initial.py takes it over.
"""
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("verifier", "0005_user_audit_to_core"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(
                    name='ReexportItem',
                ),
            ],
        ),
    ]
