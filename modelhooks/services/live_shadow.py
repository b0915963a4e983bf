"""Issue 13: write what the live filter buffered: sampled would-hits (source "live") and the texts seen and
sampled per shard and hour (the live denominator of the would-hit rate, RK-5 / RK-7)."""

from datetime import UTC, datetime

from django.db import transaction

from risk_db.models import WouldHit
from risk_db.services import WouldHitIn, filter_traffic_flush_record, filter_traffic_record, would_hits_record


def live_shadow_record(*, payload: dict) -> dict:
    """Hits are keyed (post, version, shard) and the counts carry the buffer's flush id (stored with them), so a
    redelivered payload adds no hit and no count twice (MH-7); hits and counts are written in one transaction.
    A payload without a flush id (queued before flush ids existed) adds its counts as before."""
    hits = [
        WouldHitIn(
            post_id=post_id,
            shard_id=shard_id,
            rule_version_id=version_id,
            state=state,
            matched_by=WouldHit.MatchedBy.REGEX,
            score=1.0,
            at=datetime.fromisoformat(at),
            source=WouldHit.Source.LIVE,
        )
        for post_id, shard_id, version_id, state, at in payload.get("hits", [])
    ]
    traffic = [(shard_id, _hour(when), seen, sampled) for shard_id, when, seen, sampled in payload.get("traffic", [])]
    counted = True
    with transaction.atomic():
        would_hits_record(hits=hits)
        if payload.get("flush_id"):
            counted = filter_traffic_flush_record(flush_id=payload["flush_id"], traffic=traffic, now=datetime.now(UTC))
        else:
            for shard_id, hour, seen, sampled in traffic:
                filter_traffic_record(shard_id=shard_id, hour=hour, seen=seen, sampled=sampled)
    return {"hits": len(hits), "traffic_rows": len(traffic), "counted": counted}


def _hour(when: str) -> datetime:
    """An hour ("2026-12-01T13:00:00+00:00") or, from a payload of before hourly buckets, a day ("2026-12-01")."""
    value = datetime.fromisoformat(when)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
