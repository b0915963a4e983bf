"""Scheduled risk-DB work (SPEC 7 schedules); thin wrappers over services."""

from celery import shared_task
from django.utils import timezone

from core import live
from core.texts import feed_message, message_english
from risk_db import services
from risk_db.models import TabooCandidate
from shards.models import Alert


@shared_task
def rules_index_rebuild(force: bool = False) -> dict:
    """RK-3: the nightly rebuild of the live index (skips when nothing changed)."""
    build = services.rules_index_rebuild(force=force)
    return {"build": build.pk, "status": build.status, "message": build.message}


@shared_task
def horizon_daily_feed() -> dict:
    """RK-1 / RK-2: expire candidates without a second verifier in 24 h; tell the seniors' feed what is new."""

    expired = services.taboo_candidates_expire()
    in_feed = TabooCandidate.objects.filter(status=TabooCandidate.Status.FEED).count()
    in_review = TabooCandidate.objects.filter(status=TabooCandidate.Status.REVIEW).count()
    live.feed_item({"kind": "horizon", **feed_message("horizon", open=in_feed, review=in_review, expired=expired)})
    return {"expired": expired, "feed": in_feed, "review": in_review}


@shared_task
def horizon_weekly_review() -> dict:
    """RK-2: the weekly senior review: an alert listing the candidates waiting for a decision."""

    waiting = TabooCandidate.objects.filter(status=TabooCandidate.Status.REVIEW).count()
    if waiting:
        params = {"waiting": waiting, "date": f"{timezone.now():%Y-%m-%d}"}
        Alert.objects.create(
            kind="taboo_weekly_review",
            level=Alert.Level.INFO,
            message=message_english("taboo_weekly_review", params),
            params=params,
        )
    return {"review": waiting}


@shared_task
def rules_lifecycle_evaluate() -> dict:
    """RK-5 / RK-7: graduation, propagation and auto-revert."""
    return services.rules_lifecycle_evaluate()


@shared_task
def rule_pattern_probe(pattern: str, text: str) -> dict:
    """RK-4: match one pattern against one text on a worker (used to show no pattern can hang a worker)."""
    try:
        compiled = services.rule_pattern_compile(pattern)
    except services.PatternRejected as exc:
        return {"refused": str(exc)}
    return {"matched": compiled.search(text) is not None}
