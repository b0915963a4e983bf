"""Issue 9: `training` is the one owner of the training-sample tables.

No module outside the app imports its models (tests, migrations and the export benchmark, which seeds
the tables in bulk like a fixture, aside), and the moved models keep their old tables and the names of
their constraints, so the move changed no schema."""

import ast
import os
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]
OWNED = {"TrainingSample", "TrainingBatch", "TaintList", "TaintedSubmitter", "ReexportItem"}
SKIP_TOP = {"training", "tests", "bench"}  # the owner; tests and the benchmark seed the tables like fixtures


def _sources():
    for folder, dirs, files in os.walk(ROOT):  # pruned walk: never into .venv, node_modules, migrations
        rel_dir = Path(folder).relative_to(ROOT)
        dirs[:] = [
            d
            for d in dirs
            if not d.startswith(".")
            and d not in ("node_modules", "migrations", "__pycache__")
            and not (rel_dir == Path(".") and d in SKIP_TOP)
        ]
        for name in files:
            if name.endswith(".py"):
                yield rel_dir / name, Path(folder) / name


def _offences(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names = {a.name for a in node.names}
            if names & OWNED:
                found.append(f"from {node.module} import {', '.join(sorted(names & OWNED))}")
            if (node.module or "").startswith("training.models") or (node.module == "training" and "models" in names):
                found.append(f"from {node.module} import {', '.join(sorted(names))}")
        elif isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if a.name.startswith("training.models")]
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "get_model":
            consts = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if any(c.split(".")[-1] in OWNED for c in consts):
                found.append(f"get_model({', '.join(consts)})")
    return found


def test_only_the_training_app_imports_the_training_models():
    offenders = {}
    for rel, path in _sources():
        bad = _offences(ast.parse(path.read_text(encoding="utf-8"), filename=str(rel)))
        if bad:
            offenders[str(rel)] = bad
    assert offenders == {}


def test_the_walk_would_catch_an_import():
    """The check above is not vacuous: it sees the imports it forbids."""
    assert _offences(ast.parse("from shards.models import TrainingSample")) == [
        "from shards.models import TrainingSample"
    ]
    assert _offences(ast.parse("from training import models"))
    assert _offences(ast.parse("import training.models"))
    assert any(rel.parts[0] == "modelhooks" for rel, _ in _sources())


def test_the_moved_models_keep_their_tables_and_constraint_names():
    tables = {
        "TrainingSample": ("shards_trainingsample", {"one_sample_per_post"}),  # IN-6, issue 10: across shards
        "TrainingBatch": ("shards_trainingbatch", set()),
        "TaintList": ("shards_taintlist", set()),
        "TaintedSubmitter": ("shards_taintedsubmitter", set()),
        "ReexportItem": ("verifier_reexportitem", {"one_reexport_per_appeal_tier"}),
    }
    for name, (table, constraints) in tables.items():
        model = apps.get_model("training", name)
        assert model._meta.db_table == table
        assert {c.name for c in model._meta.constraints} == constraints
    assert apps.get_model("training", "TaintedSubmitter")._meta.get_field("submitter_id").db_index
    for app_label, name in (("shards", "TrainingSample"), ("shards", "TaintList"), ("verifier", "ReexportItem")):
        assert name.lower() not in apps.get_app_config(app_label).models


@pytest.mark.django_db
def test_the_tables_are_the_ones_the_migrations_made():
    from django.db import connection

    existing = set(connection.introspection.table_names())
    for model in apps.get_app_config("training").get_models():
        assert model._meta.db_table in existing
