"""MH-4 canaries and MH-5 release stamp for a shard's model release."""

from __future__ import annotations

import re
from datetime import datetime

import numpy as np
from django.conf import settings
from django.utils import timezone

from modelhooks.hooks import hook
from modelhooks.models import Release


def release_simhash(*, vectors: np.ndarray, bits: int, seed: int) -> int:
    """MH-5: SimHash of the mean of `vectors` (one mean-pooled hidden state per probe): sign bits of
    a fixed random projection, as an int of `bits` bits."""
    mean = np.asarray(vectors, dtype=np.float64).mean(axis=0)
    planes = np.random.default_rng(seed).standard_normal((bits, mean.shape[0]))
    signs = planes @ mean > 0
    return int("".join("1" if b else "0" for b in signs), 2)


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def _canary(kind: str, spec: dict, answer: str) -> dict:
    if "expect" in spec:
        passed = spec["expect"].lower() in answer.lower()
        reason = "" if passed else f"expected {spec['expect']!r} in the answer"
    else:
        passed = re.search(spec["refusal_pattern"], answer) is not None
        reason = "" if passed else "the release answered a prompt it must refuse"
    return {"prompt": spec["prompt"], "answer": answer, "passed": passed, "reason": reason}


def release_register(*, shard, name: str, now: datetime | None = None) -> Release:
    release, _ = Release.objects.get_or_create(shard=shard, name=name, defaults={"created_at": now or timezone.now()})
    return release


def release_check(*, release_id: int, now: datetime | None = None) -> Release:
    """MH-4: run both canaries (factual must pass, borderline must refuse; either failing fails the
    shard's release). MH-5: stamp it and compare with the shard's previous stamped release; a
    Hamming distance above STAMP_HAMMING_MAX schedules a full activation diff. Idempotent."""
    release = Release.objects.select_related("shard").get(pk=release_id)
    if release.status != Release.Status.PENDING:
        return release
    cfg = settings.MODELHOOKS
    target = hook("CANARY_TARGET")
    results = {
        kind: _canary(kind, spec, target.answer(spec["prompt"], release=release.name))
        for kind, spec in cfg["CANARIES"].items()
    }
    stamp = release_simhash(
        vectors=target.hidden_states(cfg["PROBE_SET"], release=release.name),
        bits=cfg["STAMP_BITS"],
        seed=cfg["STAMP_SEED"],
    )
    previous = (
        Release.objects.filter(shard=release.shard, created_at__lt=release.created_at)
        .exclude(stamp="")
        .order_by("-created_at")
        .first()
    )
    distance = hamming(stamp, int(previous.stamp, 16)) if previous else None
    release.canaries = results
    release.stamp = f"{stamp:0{cfg['STAMP_BITS'] // 4}x}"
    release.previous = previous
    release.hamming_from_previous = distance
    release.full_diff_scheduled = distance is not None and distance > cfg["STAMP_HAMMING_MAX"]
    release.status = Release.Status.PASSED if all(r["passed"] for r in results.values()) else Release.Status.FAILED
    release.checked_at = now or timezone.now()
    release.save()
    return release
