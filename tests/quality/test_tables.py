"""The quality app took its models over from verifier by state alone: the tables, and their rows,
stay where verifier created them."""

import pytest
from django.apps import apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import SeparateDatabaseAndState

from quality.models import GoldItem

MOVED = list(apps.get_app_config("quality").get_models())


def test_the_quality_app_owns_the_moved_models():
    assert len(MOVED) == 17


@pytest.mark.parametrize("model", MOVED, ids=lambda m: m.__name__)
def test_each_moved_model_keeps_its_verifier_table(model):
    assert model._meta.db_table == f"verifier_{model._meta.model_name}"


@pytest.mark.django_db
def test_the_tables_exist_under_their_old_names():
    tables = set(connection.introspection.table_names())
    assert {m._meta.db_table for m in MOVED} <= tables


@pytest.mark.parametrize("key", [("quality", "0001_initial"), ("verifier", "0004_quality_state_out")])
def test_the_move_runs_nothing_against_the_database(key):
    migration = MigrationLoader(None, ignore_no_migrations=True).disk_migrations[key]
    assert migration.operations and all(
        isinstance(op, SeparateDatabaseAndState) and op.database_operations == [] for op in migration.operations
    )


@pytest.mark.django_db(transaction=True)
def test_rows_written_before_the_move_are_read_by_the_quality_models_after_it():
    """Back to verifier.0003 (quality unapplied), a row through the old verifier.GoldItem, forward again."""
    executor = MigrationExecutor(connection)
    old_apps = executor.migrate([("quality", None), ("verifier", "0003_appeals_calibration_audits_pay")]).apps
    old = old_apps.get_model("verifier", "GoldItem").objects.create(locale="xx-OLD", post_text="kept", expected="yes")
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert GoldItem.objects.get(pk=old.pk).post_text == "kept"
