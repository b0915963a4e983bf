"""MH-7: a worker killed (SIGKILL) mid-batch; the batch is redelivered to another worker and the
results equal an undisturbed run, with no duplicates. Real Celery workers on Redis and PostgreSQL."""

import os
import signal
import subprocess
import sys
import time

import pytest
import redis
from django.conf import settings

from modelhooks.models import PostEmbedding, ScoringBatch
from risk_db.models import WouldHit
from risk_db.services import rule_create
from tests.base import corrections
from tests.conftest import ROOT, _child_env
from tests.factories import ShardFactory

VISIBILITY_S = 4


def start_worker(log_path, name):
    env = _child_env(CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_S), HF_HUB_OFFLINE="1")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            "default,gpu",
            "-c",
            "1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "info",
            "-n",
            f"{name}-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.time() + 60
    while "ready" not in log_path.read_text():
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            raise RuntimeError("worker did not start:\n" + log_path.read_text())
        time.sleep(0.2)
    return proc


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def wait_for(predicate, timeout, what, logs=()):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}\n" + "\n".join(p.read_text()[-3000:] for p in logs))


def undisturbed(posts, shard_ids):
    """What one uninterrupted run computes, in-process: regex and embedding would-hits."""
    from modelhooks.hooks import hook
    from modelhooks.services.scoring import scoring_engine

    engine = scoring_engine()
    texts = [p.post_text for p in posts]
    hits = engine.score_regex(texts, shard_ids)
    hits += engine.score_embeddings(hook("EMBEDDER").encode(texts), "all-MiniLM-L6-v2", shard_ids)
    return {(posts[h.post_index].post_id, h.version_id, h.shard_id, h.matched_by) for h in hits}


@pytest.mark.pg
@pytest.mark.redis
@pytest.mark.worker
@pytest.mark.fault  # issue 12, drill 2 (scoring half): the whole worker's process group is killed
def test_worker_killed_mid_batch_redelivers_and_results_equal_an_undisturbed_run(transactional_db, tmp_path):
    from modelhooks import hooks
    from modelhooks.tasks import scoring_tick

    redis.Redis.from_url(settings.REDIS_URL).flushdb()  # this run's own Redis db: no stale tasks
    en = ShardFactory(code="en-US")
    rule_create(pattern=r"\bking\b", origin_locale="en-US", shards=[en])
    vec = hooks.hook("EMBEDDER").encode(["The army marched on the capital at dawn"])[0]
    rule_create(
        pattern=r"\bzzzz\b", origin_locale="en-US", shards=[en], embedding=vec.tolist(), embedder="all-MiniLM-L6-v2"
    )
    topics = [
        "The army marched into the capital this morning, witnesses said",
        "Soldiers of the army entered the capital city before sunrise",
        "The king opened a new bridge over the river today",
        "Recipe: bake the bread for forty minutes at medium heat",
        "Football results from the weekend league games",
    ]
    posts = corrections(en, [f"{topics[i % len(topics)]} (report {i})" for i in range(700)])
    expected = undisturbed(posts, [en.pk] * len(posts))
    assert {h[3] for h in expected} == {"regex", "embedding"} and len(expected) > 200

    log1, log2 = tmp_path / "worker1.log", tmp_path / "worker2.log"
    first = start_worker(log1, "kill-a")
    try:
        scoring_tick.delay()
        # Mid-batch: some vectors of the embedding stage are committed, the batch is not finished.
        wait_for(
            lambda: (
                PostEmbedding.objects.count() >= 128 and ScoringBatch.objects.filter(embed_status="queued").exists()
            ),
            240,
            "the embedding stage to be part-way",
            [log1],
        )
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        done_before = PostEmbedding.objects.count()
        assert 0 < done_before < len(posts)
    finally:
        stop(first)

    second = start_worker(log2, "kill-b")
    ready_at = time.time()
    try:
        # Issue 12: back within the bound the workers state (visibility timeout + the restore sweep).
        bound = VISIBILITY_S + min(30, VISIBILITY_S)
        wait_for(lambda: "gpu_embed_batch[" in log2.read_text(), bound + 5, "the redelivery within the bound", [log2])
        print(
            f"\nscoring batch redelivered {time.time() - ready_at:.1f} s after the new worker was ready (bound {bound} s)"
        )
        wait_for(
            lambda: ScoringBatch.objects.filter(embed_status="done").exists(), 300, "the redelivered batch", [log2]
        )
    finally:
        stop(second)

    got = list(WouldHit.objects.values_list("post_id", "rule_version_id", "shard_id", "matched_by"))
    assert len(got) == len(set(got))  # no duplicates
    assert set(got) == expected
    assert PostEmbedding.objects.count() == len(posts)  # each post embedded once, across both workers
    assert ScoringBatch.objects.count() == 1
    assert "gpu_embed_batch" in log2.read_text()  # the second worker ran the redelivered task
