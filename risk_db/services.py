"""Rule writes and matching used by other apps.

Patterns are compiled by RE2, a linear-time engine (RK-4): no pattern can hang a worker.
Interface with modelhooks: `would_hits_record` is how the scorer logs hits (MH-1, MH-7).
"""
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import re2
from django.db import transaction
from django.utils import timezone

from risk_db.models import Rule, RuleShardState, RuleVersion, WouldHit


class PatternRejected(ValueError):
    pass


def _options() -> "re2.Options":
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    return options


@lru_cache(maxsize=4096)
def rule_pattern_compile(pattern: str):
    """Compile with RE2; a pattern RE2 refuses (backreferences, lookaround) raises PatternRejected."""
    try:
        return re2.compile(pattern, _options())
    except re2.error as exc:
        raise PatternRejected(f"RE2 cannot compile this pattern: {exc}") from exc


def rule_create(*, pattern: str, origin_locale: str, intent_class: str = "", shards=(), state: str = RuleShardState.State.SHADOW,
                term: str = "", context: str = "", embedding=None, embedder: str = "", actor=None,
                now: datetime | None = None) -> Rule:
    """RK-3: a rule with its first version, in `state` in each of `shards` (shadow by default, RK-5)."""
    rule_pattern_compile(pattern)
    now = now or timezone.now()
    with transaction.atomic():
        rule = Rule.objects.create(intent_class=intent_class, origin_locale=origin_locale, created_by=actor)
        version = RuleVersion.objects.create(rule=rule, number=1, pattern=pattern, intent_class=intent_class, term=term,
                                             context=context, embedding=embedding, embedder=embedder, created_by=actor)
        rule.current_version = version
        rule.save(update_fields=["current_version"])
        RuleShardState.objects.bulk_create([RuleShardState(rule=rule, shard=s, state=state, since=now) for s in shards])
    return rule


def rules_matching_text(*, text: str, locale: str, states: tuple[str, ...] = (RuleShardState.State.BLOCKING,)) -> list[Rule]:
    """Rules in one of `states` in the shard of `locale` whose current pattern matches `text`.
    A stored pattern RE2 refuses is skipped (it could only get there by hand)."""
    hits = []
    rules = (Rule.objects.filter(shard_states__shard__locale__code=locale, shard_states__state__in=states)
             .select_related("current_version").distinct().order_by("id"))
    for rule in rules:
        try:
            compiled = rule_pattern_compile(rule.current_version.pattern)
        except PatternRejected:
            continue
        if compiled.search(text):
            hits.append(rule)
    return hits


@dataclass(frozen=True)
class WouldHitIn:
    post_id: str
    shard_id: int
    rule_version_id: int
    state: str
    matched_by: str
    score: float
    at: datetime
    hashtags: tuple[str, ...] = ()


def would_hits_record(*, hits: list[WouldHitIn]) -> int:
    """MH-1 / MH-7: store would-hits; a hit already stored (same post, version, shard) is ignored,
    so re-running a batch never duplicates one. Returns how many rows were offered."""
    WouldHit.objects.bulk_create(
        [WouldHit(post_id=h.post_id, shard_id=h.shard_id, rule_version_id=h.rule_version_id, state=h.state,
                  matched_by=h.matched_by, score=h.score, at=h.at, hashtags=list(h.hashtags)) for h in hits],
        ignore_conflicts=True, batch_size=5000,
    )
    return len(hits)
