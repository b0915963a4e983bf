"""Reads for the shards app that other apps use (dashboards). The training samples' reads are in
training/selectors.py (issue 9)."""

from django.db.models import Q, QuerySet

from shards.models import Correction, PoolMembership


def corrections_visible_to(*, user) -> QuerySet[Correction]:
    """Operator pages: admins see every correction; a senior sees all but the risk-tagged ones
    (SH-3: native-only, no other locale ever sees them) outside the shards they are native in."""
    qs = Correction.objects.all()
    if user.role == "admin":
        return qs
    native = PoolMembership.objects.filter(user=user, native=True, active=True).values("shard_id")
    return qs.filter(Q(risk_tags=[]) | Q(shard_id__in=native))


def correction_explain(*, correction: Correction) -> dict:
    """For the operator page: the outcome, the step and rule that decided it, and why."""
    return {
        "outcome": correction.outcome,
        "decided_by": correction.decided_by,
        "rule": RULES.get(correction.decided_by.split(":")[0], ""),
        "reason": correction.reason,
        "errors": correction.errors,
    }


RULES = {
    "validate": "IN-1: every field checked; an invalid item names the field and the reason.",
    "recognise_correction": "IN-1: the reply must carry '@grok correct' or a variant, with text after it.",
    "deduplicate": "A repeated delivery (same post, submitter, text) answers what the first got.",
    "suspended_component": "IN-10: the submitter is in a suspended reply-graph component.",
    "rate_limit": "IN-3: 3 corrections per 24 h per country + network; a burst starts a 12 h cool-off.",
    "block_list": "IN-4: the correction overlaps the slur/gibberish block-list.",
    "topic_freeze": "IN-8: the hashtag's topic entropy collapsed; it is frozen for 3 days.",
    "route": "Routing: the locale's shard (risk-tagged: native-only; rare: the rare pool; "
    "geo-mismatch or no shard: the global queue, IN-9).",
    "auto_accept": "IN-5: >= 5 unique users sent the same normalised correction within 6 h.",
    "conflict_resolver": "IN-6: conflicting numbers: oracle, else a weighted merge, beyond 2 sigma a human.",
    "consensus": "IN-6/IN-7: sent to a human (2 sigma, or a low-volume language with crowd auto-accept off).",
    "pipeline": "No step decided the item (a bug); it is kept as invalid.",
}


def correction_texts_recent(*, shard, since, limit: int) -> list[tuple[int, str, str, bool]]:
    """Issue 13 backtest: the recorded texts of a shard since `since`, newest first, one per post:
    (correction id, post id, text with its OCR text, risk-tagged)."""
    rows = (
        Correction.objects.filter(shard=shard, received_at__gte=since)
        .exclude(outcome=Correction.Outcome.INVALID)
        .order_by("-received_at", "-pk")
        .values_list("pk", "post_id", "post_text", "ocr_text", "risk_tags")[: limit * 2]
    )
    out, seen = [], set()
    for pk, post_id, text, ocr, tags in rows:
        key = post_id or f"correction-{pk}"
        if key in seen:
            continue
        seen.add(key)
        out.append((pk, key, text + ("\n" + ocr if ocr else ""), bool(tags)))
        if len(out) >= limit:
            break
    return out
