"""Model-hook Celery tasks (thin: they call services). `gpu_*` tasks go to the `gpu` queue
(CELERY_TASK_ROUTES). Delivery is at-least-once (acks late, re-queued when a worker dies, MH-7);
every service here is idempotent, so a redelivered task changes nothing already written."""

import logging
import os
import threading
import time

from celery import shared_task
from django.conf import settings
from django.db import close_old_connections

from modelhooks.models import ScoringBatch
from modelhooks.services import exports, filtering, scoring
from modelhooks.services.live_shadow import live_shadow_record
from modelhooks.services.releases import probes_grow, release_check
from shards.intake.pipeline import correction_ocr_read
from shards.selectors import corrections_ocr_pending

log = logging.getLogger(__name__)


@shared_task(name="modelhooks.tasks.scoring_tick")
def scoring_tick() -> dict:
    """MH-1 schedule: cut new batches from the intake stream, queue their regex stage, release
    embedding batches as far as back-pressure allows."""
    scoring.scoring_batches_cut()
    pending = list(ScoringBatch.objects.filter(regex_status=ScoringBatch.Stage.PENDING).values_list("pk", flat=True))
    for pk in pending:
        score_batch.delay(pk)
    released = scoring.embedding_batches_release()
    for pk in released:
        gpu_embed_batch.delay(pk)
    return {"regex_queued": len(pending), "embed_queued": len(released)}


@shared_task(name="modelhooks.tasks.score_batch")
def score_batch(batch_id: int) -> dict:
    """MH-1 stage 1 (regex); then release embedding work if there is room."""
    batch = scoring.scoring_batch_run(batch_id=batch_id)
    for pk in scoring.embedding_batches_release():
        gpu_embed_batch.delay(pk)
    return {
        "batch": batch.pk,
        "posts": batch.posts,
        "regex_hits": batch.regex_hits,
        "bad_rows": len(batch.bad_rows),
        "skipped_rules": len(batch.skipped_rules),
    }


@shared_task(name="modelhooks.tasks.gpu_embed_batch")
def gpu_embed_batch(batch_id: int) -> dict:
    """MH-1 stage 2 (embeddings, gpu queue)."""
    batch = scoring.embedding_batch_run(batch_id=batch_id)
    for pk in scoring.embedding_batches_release():
        gpu_embed_batch.delay(pk)
    return {
        "batch": batch.pk,
        "embedded": batch.embedded_posts,
        "embedding_hits": batch.embedding_hits,
        "embedders": batch.embedders,
    }


@shared_task(name="modelhooks.tasks.export_run")
def export_run(export_id: int) -> dict:
    """MH-3."""
    export = exports.export_run(export_id=export_id)
    return {"export": str(export.public_id), "status": export.status, "rows": export.rows_written}


@shared_task(name="modelhooks.tasks.gpu_release_check")
def gpu_release_check(release_id: int) -> dict:
    """MH-4 / MH-5, the release gate (gpu queue: the probes run through the model; CPU-capable)."""

    release = release_check(release_id=release_id)
    return {
        "release": release.name,
        "status": release.status,
        "stamp": release.stamp,
        "probe_set_version": release.probe_set_version,
        "hamming": release.hamming_from_previous,
        "gate": release.gate.get("reason"),
    }


@shared_task(name="modelhooks.tasks.filter_shadow_record")
def filter_shadow_record(payload: dict) -> dict:
    """Issue 13: the live filter's buffered shadow would-hits and traffic counts, written off the request path."""
    return live_shadow_record(payload=payload)


def filter_shadow_flush() -> int:
    """Queue the live filter's buffered shadow counts and would-hits; returns how many hits went."""
    payload = filtering.filter_shadow_drain()
    if payload is None:
        return 0
    filter_shadow_record.delay(payload)
    return len(payload["hits"])


_worker: dict = {}


def filter_worker_running() -> bool:
    return bool(_worker.get("thread")) and _worker["thread"].is_alive()


def filter_worker_start_on_first_request() -> None:
    """Start the poll thread when the process serves its first request, not at import: `gunicorn --preload`
    imports config.wsgi in the master and then forks, and a thread started there (with the pooled database
    connections it opened) would be shared by every worker's copy of the pool, while the workers had no
    poll thread at all. Each serving process polls for itself."""
    from django.core.signals import request_started

    def start(**kwargs):
        request_started.disconnect(start, dispatch_uid="filter_worker_start")
        filter_worker_start()

    request_started.connect(start, dispatch_uid="filter_worker_start", weak=False)


def filter_worker_turn() -> bool:
    """One turn of the poll thread's index check: load the newest index, or swap to a newer one. With
    FILTER["LOAD_AT_START"] off, a process that has not served a filter request yet loads nothing (it loads on
    its first one, `filtering.filter_index`). Returns whether it looked."""
    if not settings.FILTER["LOAD_AT_START"] and not filtering.filter_index_loaded():
        return False
    filtering.filter_index_refresh()
    return True


def filter_worker_start() -> bool:
    """Issue 13: in a server process (config/wsgi.py, config/asgi.py), a daemon thread polls for a newer
    index every FILTER["POLL_SECONDS"] and flushes the shadow buffer every FILTER["SHADOW_FLUSH_SECONDS"].
    POLL_SECONDS = 0 turns it off (tests call `filtering.filter_index_refresh` and `filter_shadow_flush`)."""
    poll = settings.FILTER["POLL_SECONDS"]
    if poll <= 0 or (_worker.get("thread") and _worker.get("pid") == os.getpid()):
        return False

    def loop():
        last_flush = time.monotonic()
        while True:
            try:
                filter_worker_turn()
                if time.monotonic() - last_flush >= settings.FILTER["SHADOW_FLUSH_SECONDS"]:
                    filter_shadow_flush()
                    last_flush = time.monotonic()
            except Exception:  # keep polling: a database hiccup must not stop the swaps
                log.exception("filter: poll failed")
            finally:
                close_old_connections()
            time.sleep(poll)

    thread = threading.Thread(target=loop, name="filter-index-poll", daemon=True)
    _worker["thread"], _worker["pid"] = thread, os.getpid()
    thread.start()
    return True


@shared_task(name="modelhooks.tasks.probes_grow")
def probes_grow_nightly() -> dict:
    """MH-5 nightly: append generated probes (a new probe-set version)."""
    return {"added": probes_grow()}


@shared_task(name="modelhooks.tasks.gpu_intake_ocr")
def gpu_intake_ocr(correction_id: int) -> dict:
    """MH-6: OCR an ocr_pending intake item's image (gpu queue, CPU-capable: Tesseract), then run the rest
    of the intake pipeline on it; without Tesseract it stays ocr_pending with the hook's message."""
    correction = correction_ocr_read(correction_id=correction_id)
    return {"correction": str(correction.public_id), "outcome": correction.outcome, "reason": correction.reason}


@shared_task(name="modelhooks.tasks.intake_ocr_retry")
def intake_ocr_retry() -> int:
    """MH-6 (beat, every 15 min): queue the OCR task again for ocr_pending items (oldest first, at most 500),
    e.g. once Tesseract is installed or the broker is back. Idempotent like the task itself."""
    pending = corrections_ocr_pending(limit=500)
    for pk in pending:
        gpu_intake_ocr.delay(pk)
    return len(pending)
