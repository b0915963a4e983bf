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


def correction_backers(*, case) -> set[str]:
    """IN-7, IN-11: the submitters whose (valid) corrections backed a case. The ruling reads it once and
    hands it to the sample and the ledgers, which both need it."""
    return set(
        Correction.objects.filter(case=case)
        .exclude(outcome=Correction.Outcome.INVALID)
        .values_list("submitter_id", flat=True)
    )


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
