"""Issue 12, drill 2 (export; the scoring half is tests/modelhooks/test_worker_kill.py): a whole
Celery worker (main process and pool child, SIGKILL of the process group) dies mid-export. While it
is dead no file looks complete (only `*.partial`, no manifest); a new worker gets the task back
within the bound (visibility timeout 4 s in this test's workers, CELERY_VISIBILITY_TIMEOUT, plus the
4 s unacked-restore sweep), and the finished files equal an undisturbed run's, with no duplicate row.

The broker is a private redis-server, so no other test's messages are consumed or flushed."""

import hashlib
import json
import time
from pathlib import Path

import pytest
from celery import current_app

from bench.export import _batched, _insert_series
from modelhooks.models import Export
from modelhooks.services import exports
from shards.models import Locale, Shard
from tests.faults.helpers import OwnRedis, Worker, wait_for
from training.models import TrainingSample
from verifier.models import Case

pytestmark = [pytest.mark.pg, pytest.mark.redis, pytest.mark.worker, pytest.mark.fault]

ROWS = 100_000
VISIBILITY_S = 4
RECOVERY_BOUND_S = VISIBILITY_S + min(30, VISIBILITY_S)  # settings.TASK_RECOVERY_BOUND_S in the workers


def seed(code: str) -> Shard:
    """ROWS decided cases and their samples, cut into one batch (as bench/export.py seeds them)."""
    locale, _ = Locale.objects.get_or_create(code=code, defaults={"name": code, "language": "en"})
    shard = Shard.objects.create(code=code, locale=locale)
    _insert_series(
        Case,
        ROWS,
        {
            "public_id": "gen_random_uuid()",
            "shard_id": str(shard.pk),
            "kind": "'correction'",
            "status": "'decided'",
            "locale": f"'{code}'",
            "post_id": f"'{code}-' || g",
            "post_text": "'post text number ' || g",
            "decision": "'yes'",
            "at": "now()",
            "created_at": "now()",
            "due_at": "now()",
            "decided_at": "now()",
        },
        [],
    )
    _insert_series(
        TrainingSample,
        ROWS,
        {
            "case_id": "c.id",
            "shard_id": str(shard.pk),
            "locale": f"'{code}'",
            "post_id": "c.post_id",
            "text_delta": "'the corrected text of ' || c.post_id",
            "weight": "0.3",
            "created_at": "now()",
        },
        [],
        source=f"(SELECT id, post_id FROM verifier_case WHERE shard_id = {shard.pk}) AS c",
    )
    _batched(shard)
    return shard


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_worker_killed_mid_export_leaves_no_complete_looking_file_and_redelivers(transactional_db, tmp_path, settings):
    export_root = tmp_path / "exports"
    settings.MODELHOOKS = {**settings.MODELHOOKS, "EXPORT_DIR": str(export_root)}
    broker = OwnRedis(tmp_path)
    env = {
        "CELERY_BROKER_URL": broker.url,
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_S),
        "EXPORT_DIR": str(export_root),
    }
    shard = seed("en-XK")
    samples_before = TrainingSample.objects.count()
    export = exports.export_request(shard=shard)
    folder = exports.export_dir(export)
    first = second = None
    try:
        first = Worker(tmp_path / "worker1.log", "export-a", **env)
        with current_app.connection_for_write(broker.url) as conn:
            current_app.send_task("modelhooks.tasks.export_run", args=[export.pk], connection=conn, queue="default")

        def mid_export():
            export.refresh_from_db()
            partial = folder / "samples.jsonl.partial"
            return export.status == Export.Status.RUNNING and partial.exists() and partial.stat().st_size > 0

        wait_for(mid_export, 120, "the export to be part-way", [first.log])
        first.kill9()
        killed_at = time.time()
        # Dead mid-way: nothing a reader takes for a finished export.
        assert not (folder / "manifest.json").exists()
        assert not (folder / "samples.jsonl").exists() and not (folder / "samples.parquet").exists()
        export.refresh_from_db()
        assert export.status == Export.Status.RUNNING and export.manifest is None and export.attempts == 1

        second = Worker(tmp_path / "worker2.log", "export-b", **env)
        ready_at = time.time()
        wait_for(lambda: Export.objects.get(pk=export.pk).attempts == 2, RECOVERY_BOUND_S + 30, "the redelivery",
                 [second.log])  # fmt: skip
        redelivered_in = time.time() - ready_at
        wait_for(lambda: Export.objects.get(pk=export.pk).status == Export.Status.DONE, 180, "the export", [second.log])
        print(
            f"\nexport redelivered {redelivered_in:.1f} s after the new worker was ready "
            f"({time.time() - killed_at:.1f} s after the kill, bound {RECOVERY_BOUND_S} s + worker start)"
        )
        assert redelivered_in <= RECOVERY_BOUND_S + 5
    finally:
        for worker in (first, second):
            if worker is not None:
                worker.stop()
        broker.stop()

    export.refresh_from_db()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["counts"]["rows"] == ROWS == export.manifest["counts"]["rows"]
    assert not list(folder.glob("*.partial"))
    lines = (folder / "samples.jsonl").read_bytes().splitlines()
    ids = [json.loads(line)["id"] for line in lines]
    assert len(ids) == len(set(ids)) == ROWS  # no duplicate row
    assert sha(folder / "samples.jsonl") == manifest["files"]["jsonl"]["sha256"]

    # The same files as an undisturbed run of the same export in this process.
    calm = exports.export_run(export_id=exports.export_request(shard=shard).pk)
    calm_folder = exports.export_dir(calm)
    assert sha(calm_folder / "samples.jsonl") == sha(folder / "samples.jsonl")
    assert calm.manifest["counts"] == manifest["counts"]
    assert calm.manifest["files"]["parquet"]["rows"] == manifest["files"]["parquet"]["rows"]
    assert TrainingSample.objects.count() == samples_before  # an export writes no sample
    assert Export.objects.filter(shard=shard).count() == 2
