"""MH-1 / MH-7: shadow scoring of the post stream against every live rule, in batches.

Stage 1 (regex, `default` queue) keeps pace with intake. Stage 2 (embeddings, `gpu` queue) is ~3,000x
slower on CPU; at most EMBED_MAX_QUEUED_BATCHES wait in the broker, the rest stay `pending` in the
database and are the lag shown by `modelhooks.selectors.embedding_lag()`. Nothing is dropped.
Every write is idempotent: hits are keyed by (post, rule version, shard), vectors by (post, embedder,
text hash), so a redelivered batch changes nothing that was already written.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from modelhooks import hooks
from modelhooks.models import PostEmbedding, ScoringBatch
from modelhooks.scoring.engine import Engine, engine_for, match_texts
from modelhooks.selectors import PostRow, correction_id_window, posts_for_batch
from risk_db.selectors import rules_for_scoring
from risk_db.services import WouldHitIn, scoring_volume_record, would_hits_record

log = logging.getLogger(__name__)


def scoring_engine() -> Engine:
    return engine_for(rules_for_scoring(), cosine_threshold=settings.MODELHOOKS["COSINE_THRESHOLD"])


def scoring_batches_cut(*, now: datetime | None = None, up_to_id: int | None = None) -> list[ScoringBatch]:
    """MH-1: cut the corrections not yet in a batch into batches of SCORING_BATCH_SIZE ids."""
    now = now or timezone.now()
    size = settings.MODELHOOKS["SCORING_BATCH_SIZE"]
    made = []
    last = (
        ScoringBatch.objects.order_by("-last_correction_id").values_list("last_correction_id", flat=True).first() or 0
    )
    while (window := correction_id_window(after_id=last, size=size, up_to_id=up_to_id)) is not None:
        first, end = window
        try:
            with transaction.atomic():
                made.append(
                    ScoringBatch.objects.create(first_correction_id=first, last_correction_id=end, created_at=now)
                )
        except IntegrityError:  # another tick cut it first
            pass
        last = end
    return made


def _valid_posts(rows: list[PostRow]) -> tuple[list[PostRow], list[dict]]:
    """A post batch with bad rows scores the good rows and reports the bad ones (by id and reason)."""
    good, bad, seen = [], [], set()
    for r in rows:
        reason = None
        if r.shard_id is None:
            reason = "no shard: the intake did not route this item"
        elif not r.post_id:
            reason = "post_id is empty"
        elif not r.text.strip():
            reason = "post text is empty"
        elif r.at is None:
            reason = "no event time"
        else:
            try:
                r.text.encode("utf-8")
            except UnicodeEncodeError as exc:
                reason = f"post text is not valid Unicode: {exc.reason}"
        if reason:
            bad.append({"correction_id": r.correction_id, "post_id": r.post_id, "reason": reason})
            continue
        key = (r.post_id, r.shard_id)
        if key not in seen:  # several corrections of one post: score the post once
            seen.add(key)
            good.append(r)
    return good, bad


def _record(hits, posts: list[PostRow]) -> int:
    return would_hits_record(
        hits=[
            WouldHitIn(
                post_id=posts[h.post_index].post_id,
                shard_id=h.shard_id,
                rule_version_id=h.version_id,
                state=h.state,
                matched_by=h.matched_by,
                score=h.score,
                at=posts[h.post_index].at,
                hashtags=posts[h.post_index].hashtags,
            )
            for h in hits
        ]
    )


def hits_apply_sentiment_floor(*, hits: list, texts: list[str], rules) -> list:
    """RK-6 in the scorer: a softened version (keyword + sentiment floor) hits only posts whose sentiment
    reaches its floor, the same rule as risk_db's live index and the queue (`modelhooks.hooks.sentiment`).
    Sentiment is computed once per post, and only for posts a softened version matched."""
    floors = {r.version_id: (r.min_sentiment or 0.0) for r in rules if r.kind == "keyword_sentiment"}
    needed = sorted({h.post_index for h in hits if h.version_id in floors})
    if not needed:
        return hits
    scores = [float(hooks.sentiment(texts[i])) for i in needed]
    by_post = dict(zip(needed, scores))
    return [h for h in hits if h.version_id not in floors or by_post[h.post_index] >= floors[h.version_id]]


def scoring_batch_run(*, batch_id: int, now: datetime | None = None) -> ScoringBatch:
    """MH-1 stage 1: regex would-hits of one batch (idempotent, MH-7)."""
    batch = ScoringBatch.objects.get(pk=batch_id)
    engine = scoring_engine()
    posts, bad = _valid_posts(posts_for_batch(first_id=batch.first_correction_id, last_id=batch.last_correction_id))
    texts = match_texts([p.text for p in posts])  # the live filter's normaliser (issue 13), once for the batch
    hits = engine.score_regex(texts, [p.shard_id for p in posts], normalised=True)
    hits = hits_apply_sentiment_floor(hits=hits, texts=[p.text for p in posts], rules=engine.rules)
    _record(hits, posts)
    done_at = now or timezone.now()
    skipped = [{"rule_id": s.rule_id, "version_id": s.version_id, "reason": s.reason} for s in engine.skipped]
    with transaction.atomic():
        # The first completion of a batch also counts its posts per shard and hour (RK-7's base of the
        # would-hit rate); a redelivered batch finds it done and counts nothing twice.
        first = (
            ScoringBatch.objects.filter(pk=batch.pk)
            .exclude(regex_status=ScoringBatch.Stage.DONE)
            .update(
                posts=len(posts),
                regex_hits=len(hits),
                bad_rows=bad,
                skipped_rules=skipped,
                regex_status=ScoringBatch.Stage.DONE,
                regex_done_at=done_at,
            )
        )
        if first:
            _volume_record(posts)
    batch.refresh_from_db()
    return batch


def _volume_record(posts: list[PostRow]) -> None:
    """RK-7: posts scored per shard and hour, the base of the would-hit rate."""
    counts: dict[tuple[int, datetime], int] = {}
    for p in posts:
        key = (p.shard_id, p.at.replace(minute=0, second=0, microsecond=0))
        counts[key] = counts.get(key, 0) + 1
    for (shard_id, hour), n in sorted(counts.items()):
        scoring_volume_record(shard_id=shard_id, at=hour, posts=n)


def _text_sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def post_vectors(*, posts: list[PostRow]) -> dict[str, tuple[np.ndarray, list[int], str]]:
    """MH-2: unit vectors of `posts` grouped by embedder, from the cache or freshly embedded and
    cached. Returns {embedder: (matrix, post indexes, device)}."""
    groups: dict[str, list[int]] = {}
    embedders = {}
    for i, p in enumerate(posts):
        e = hooks.embedder_for_text(p.text)
        embedders[e.name] = e
        groups.setdefault(e.name, []).append(i)
    out = {}
    for name, idx in groups.items():
        e = embedders[name]
        shas = [_text_sha(posts[i].text) for i in idx]
        cached = {
            (pid, sha): (bytes(vec), dev)
            for pid, sha, vec, dev in PostEmbedding.objects.filter(
                embedder=name,
                post_id__in={posts[i].post_id for i in idx},
                text_sha256__in=set(shas),
            ).values_list("post_id", "text_sha256", "vector", "device")
        }
        missing = [k for k, i in enumerate(idx) if (posts[i].post_id, shas[k]) not in cached]
        matrix = np.zeros((len(idx), e.dim), dtype=np.float32)
        devices = set()
        for k, i in enumerate(idx):
            hit = cached.get((posts[i].post_id, shas[k]))
            if hit:
                matrix[k] = np.frombuffer(hit[0], dtype=np.float32)
                devices.add(hit[1])
        if missing:
            fresh = e.encode([posts[idx[k]].text for k in missing])
            matrix[missing] = fresh
            devices.add(e.device)
            PostEmbedding.objects.bulk_create(
                [
                    PostEmbedding(
                        post_id=posts[idx[k]].post_id,
                        embedder=name,
                        text_sha256=shas[k],
                        dim=e.dim,
                        vector=fresh[j].tobytes(),
                        device=e.device,
                    )
                    for j, k in enumerate(missing)
                ],
                ignore_conflicts=True,
            )
        out[name] = (matrix, idx, ",".join(sorted(devices)))
    return out


def embedding_batch_run(*, batch_id: int, now: datetime | None = None) -> ScoringBatch:
    """MH-1 stage 2: embedding-cosine would-hits of one batch, chunk by chunk; each chunk's vectors
    and hits are committed, so a redelivered batch re-reads the vectors instead of re-embedding."""
    batch = ScoringBatch.objects.get(pk=batch_id)
    if batch.embed_status == ScoringBatch.Stage.DONE:
        return batch
    engine = scoring_engine()
    posts, _ = _valid_posts(posts_for_batch(first_id=batch.first_correction_id, last_id=batch.last_correction_id))
    chunk = settings.MODELHOOKS["EMBED_CHUNK"]
    hits_n, used = 0, {}
    for start in range(0, len(posts), chunk):
        part = posts[start : start + chunk]
        hits = []
        for name, (matrix, idx, device) in post_vectors(posts=part).items():
            used.setdefault(name, {"posts": 0, "device": device})["posts"] += len(idx)
            for h in engine.score_embeddings(matrix, name, [part[i].shard_id for i in idx]):
                hits.append(h.__class__(idx[h.post_index], h.version_id, h.shard_id, h.state, h.matched_by, h.score))
        hits_n += _record(hits, part)
        ScoringBatch.objects.filter(pk=batch.pk).update(embedded_posts=start + len(part))
    batch.embedding_hits = hits_n
    batch.embedded_posts = len(posts)
    batch.embedders = used
    batch.embed_status = ScoringBatch.Stage.DONE
    batch.embed_done_at = now or timezone.now()
    batch.save(update_fields=["embedding_hits", "embedded_posts", "embedders", "embed_status", "embed_done_at"])
    return batch


def embedding_batches_release(*, now: datetime | None = None) -> list[int]:
    """Back-pressure: mark up to EMBED_MAX_QUEUED_BATCHES batches `queued` (oldest first) and return
    their ids for the caller to enqueue; the rest wait as lag."""
    now = now or timezone.now()
    with transaction.atomic():
        queued = len(
            ScoringBatch.objects.select_for_update()
            .filter(embed_status=ScoringBatch.Stage.QUEUED)
            .values_list("pk", flat=True)
        )
        room = settings.MODELHOOKS["EMBED_MAX_QUEUED_BATCHES"] - queued
        if room <= 0:
            return []
        ids = list(
            ScoringBatch.objects.select_for_update(skip_locked=True)
            .filter(regex_status=ScoringBatch.Stage.DONE, embed_status=ScoringBatch.Stage.PENDING)
            .order_by("created_at", "pk")
            .values_list("pk", flat=True)[:room]
        )
        ScoringBatch.objects.filter(pk__in=ids).update(embed_status=ScoringBatch.Stage.QUEUED, embed_queued_at=now)
    return ids
