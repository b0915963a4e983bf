"""Horizon scanning (RK-1..RK-3): "New taboo" nominations, the daily feed, the seniors' review.

RK-2 window: a candidate collects the nominations of one normalised token. When the nominations of
>= 2 distinct verifiers (any locale) fall within 24 h of each other it goes to review; a candidate
with no new nomination for 24 h expires, and a later nomination of the token starts a new one.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import live
from core.audit import audit_record
from core.errors import Refused
from core.text import token_normalise
from core.texts import feed_message
from risk_db.models import Rule, TabooCandidate, TabooNomination
from risk_db.services.patterns import rule_pattern_check
from risk_db.services.rules import rule_create, rule_embedding
from shards.models import Shard

Status = TabooCandidate.Status


def _window() -> timedelta:
    return timedelta(hours=settings.RISK_DB["NOMINATION_WINDOW_HOURS"])


def nomination_validate(*, term: str, context: str) -> tuple[str, str, str]:
    """RK-1: the term must say something; the context is ~20 words at most. Returns (term, context, token)."""
    limits = settings.RISK_DB
    term = (term or "").strip()
    context = " ".join((context or "").split())
    if not term:
        raise Refused("invalid", _("The term is empty: type the word or phrase you saw."), field="term")
    if len(term) > limits["TERM_MAX_CHARS"]:
        raise Refused(
            "invalid",
            _("The term is %(count)s characters long; the limit is %(TERM_MAX_CHARS)s.")
            % {"count": len(term), "TERM_MAX_CHARS": limits["TERM_MAX_CHARS"]},
            field="term",
        )
    token = token_normalise(term)
    if not token:
        raise Refused("invalid", _("The term has no letters or digits once punctuation is removed."), field="term")
    words = len(context.split())
    if words > limits["CONTEXT_MAX_WORDS"]:
        raise Refused(
            "invalid",
            _("The context has %(words)s words; the limit is %(CONTEXT_MAX_WORDS)s.")
            % {"words": words, "CONTEXT_MAX_WORDS": limits["CONTEXT_MAX_WORDS"]},
            field="context",
        )
    if len(context) > limits["CONTEXT_MAX_CHARS"]:
        raise Refused(
            "invalid",
            _("The context is %(count)s characters long; the limit is %(CONTEXT_MAX_CHARS)s.")
            % {"count": len(context), "CONTEXT_MAX_CHARS": limits["CONTEXT_MAX_CHARS"]},
            field="context",
        )
    return term, context, token


def taboo_candidates_expire(*, now: datetime | None = None) -> int:
    """RK-2: a feed candidate without a second verifier within 24 h expires."""
    now = now or timezone.now()
    return TabooCandidate.objects.filter(status=Status.FEED, expires_at__lte=now).update(status=Status.EXPIRED)


def taboo_nominate(*, user, case, term: str, context: str, now: datetime | None = None) -> TabooNomination:
    """RK-1 / RK-2: a verifier's "New taboo" on a case goes into the daily feed; the second distinct
    verifier within 24 h sends the token to the seniors' review."""
    now = now or timezone.now()
    term, context, token = nomination_validate(term=term, context=context)
    for attempt in range(3):
        try:
            with transaction.atomic():
                nomination = _nominate(user=user, case=case, term=term, context=context, token=token, now=now)
            break
        except IntegrityError:  # another verifier opened the feed candidate for this token at the same moment
            if attempt == 2:
                raise

    audit_record(
        actor=user,
        action="taboo_nominated",
        obj=nomination,
        after={
            "term": term,
            "token": token,
            "case": str(case.public_id),
            "candidate": nomination.candidate_id,
            "status": nomination.candidate.status,
        },
    )
    live.feed_item(
        {
            "kind": "taboo",
            **feed_message("taboo", locale=case.locale, term=repr(term), status=nomination.candidate.status),
        },
        shard_id=case.shard_id,
        native_only=case.native_only,
    )
    return nomination


def _nominate(*, user, case, term: str, context: str, token: str, now: datetime) -> TabooNomination:
    TabooCandidate.objects.filter(token=token, status=Status.FEED, expires_at__lte=now).update(status=Status.EXPIRED)
    candidate = (
        TabooCandidate.objects.select_for_update().filter(token=token, status=Status.REVIEW).first()
        or TabooCandidate.objects.select_for_update().filter(token=token, status=Status.FEED).first()
    )
    if candidate is None:
        candidate = TabooCandidate.objects.create(token=token, first_at=now, expires_at=now + _window())
    nomination = TabooNomination.objects.create(
        candidate=candidate, case=case, verifier=user, locale=case.locale, term=term, context=context, at=now
    )
    if candidate.status == Status.FEED:
        verifiers = set(
            candidate.nominations.filter(at__gt=now - _window(), at__lte=now).values_list("verifier_id", flat=True)
        )
        if len(verifiers) >= settings.RISK_DB["NOMINATORS_TO_REVIEW"]:
            candidate.status, candidate.surfaced_at = Status.REVIEW, now
        candidate.expires_at = max(candidate.expires_at, now + _window())
        candidate.save(update_fields=["status", "surfaced_at", "expires_at"])
    return nomination


def _not_in_review(candidate: TabooCandidate) -> Refused:
    why = {
        Status.FEED: "only one verifier has nominated it so far; it needs two within 24 h (RK-2)",
        Status.EXPIRED: f"it expired at {candidate.expires_at:%Y-%m-%d %H:%M} UTC without a second verifier within 24 h",
        Status.APPROVED: f"it was already approved as rule {candidate.rule_id}",
        Status.REJECTED: "it was already rejected",
    }[candidate.status]
    return Refused(
        "not_in_review", _("Candidate %(pk)s is not in review: %(why)s.") % {"pk": candidate.pk, "why": why}, status=409
    )


def taboo_candidate_approve(
    *,
    candidate: TabooCandidate,
    actor,
    pattern: str,
    intent_class: str,
    origin_locale: str = "",
    now: datetime | None = None,
) -> Rule:
    """RK-3 / RK-4 / RK-7: a senior approves a candidate in review. The pattern must pass RE2 and the
    too-broad check. The rule gets an embedding of term and context (embedder hook), the intent class
    and the origin locale; it runs in shadow in its origin shard and, shadow only, in every other shard."""
    now = now or timezone.now()
    intent_class = (intent_class or "").strip()
    if not intent_class:
        raise Refused(
            "invalid", _("The intent class is empty: say what the rule protects against."), field="intent_class"
        )
    with transaction.atomic():
        candidate = TabooCandidate.objects.select_for_update().get(pk=candidate.pk)
        if candidate.status == Status.FEED and candidate.expires_at <= now:
            candidate.status = Status.EXPIRED
            candidate.save(update_fields=["status"])
        if candidate.status != Status.REVIEW:
            raise _not_in_review(candidate)
        check = rule_pattern_check(pattern=pattern)  # raises PatternRejected / PatternTooBroad with the reason
        nominations = list(candidate.nominations.order_by("at", "id"))
        first = nominations[0]
        origin_locale = origin_locale or first.locale
        context = " / ".join(dict.fromkeys(n.context for n in nominations if n.context))
        embedding, embedder = rule_embedding(term=first.term, context=context)
        rule = rule_create(
            pattern=pattern,
            origin_locale=origin_locale,
            intent_class=intent_class,
            shards=list(Shard.objects.select_related("locale").order_by("code")),
            term=first.term,
            context=context,
            embedding=embedding,
            embedder=embedder,
            actor=actor,
            now=now,
            note=f"approved from taboo candidate {candidate.pk} ({len(nominations)} nominations)",
        )
        candidate.status, candidate.rule, candidate.decided_by, candidate.decided_at = Status.APPROVED, rule, actor, now
        candidate.save(update_fields=["status", "rule", "decided_by", "decided_at"])

        audit_record(
            actor=actor,
            action="taboo_candidate_approved",
            obj=candidate,
            before={"status": Status.REVIEW},
            after={
                "status": Status.APPROVED,
                "rule": rule.pk,
                "pattern": pattern,
                "intent_class": intent_class,
                "origin_locale": origin_locale,
                "corpus_share": check["share"],
            },
        )
    return rule


def taboo_candidate_reject(
    *, candidate: TabooCandidate, actor, reason: str = "", now: datetime | None = None
) -> TabooCandidate:
    """RK-3: a senior rejects a candidate in review, with a reason."""
    now = now or timezone.now()
    with transaction.atomic():
        candidate = TabooCandidate.objects.select_for_update().get(pk=candidate.pk)
        if candidate.status != Status.REVIEW:
            raise _not_in_review(candidate)
        candidate.status, candidate.decided_by, candidate.decided_at = Status.REJECTED, actor, now
        candidate.decision_reason = (reason or "").strip()
        candidate.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])

        audit_record(
            actor=actor,
            action="taboo_candidate_rejected",
            obj=candidate,
            before={"status": Status.REVIEW},
            after={"status": Status.REJECTED, "reason": candidate.decision_reason},
        )
    return candidate
