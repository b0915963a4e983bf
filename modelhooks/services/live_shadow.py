"""Issue 13: write what the live filter buffered: sampled would-hits (source "live") and the texts seen and
sampled per shard and day (the live denominator of the would-hit rate, RK-5 / RK-7)."""

from datetime import date, datetime

from django.db import transaction

from risk_db.models import WouldHit
from risk_db.services import WouldHitIn, filter_traffic_record, would_hits_record


def live_shadow_record(*, payload: dict) -> dict:
    """Hits are keyed (post, version, shard) so a redelivered payload adds no hit twice (MH-7); the counts
    are added in the same transaction as the hits."""
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
    with transaction.atomic():
        would_hits_record(hits=hits)
        for shard_id, day, seen, sampled in payload.get("traffic", []):
            filter_traffic_record(shard_id=shard_id, day=date.fromisoformat(day), seen=seen, sampled=sampled)
    return {"hits": len(hits), "traffic_rows": len(payload.get("traffic", []))}
