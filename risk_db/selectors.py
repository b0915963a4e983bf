"""Reads of the risk DB for other apps: the scorer (modelhooks) and the queue (verifier)."""
from dataclasses import dataclass, field

from django.db.models import F

from risk_db.models import RuleShardState, RuleVersion


@dataclass(frozen=True)
class ScoringRule:
    """One rule version as the scoring engine needs it (MH-1)."""

    rule_id: int
    version_id: int
    pattern: str
    embedding: tuple[float, ...] | None
    embedder: str
    origin_locale: str
    shard_states: tuple[tuple[int, str], ...] = field(default=())  # (shard_id, state)


def rules_for_scoring() -> list[ScoringRule]:
    """Every rule's current version with the shards where it is shadow, shadow-only or blocking."""
    states: dict[int, list[tuple[int, str]]] = {}
    for rule_id, shard_id, state in RuleShardState.objects.filter(
            state__in=[RuleShardState.State.SHADOW, RuleShardState.State.BLOCKING, RuleShardState.State.SHADOW_ONLY]
    ).values_list("rule_id", "shard_id", "state"):
        states.setdefault(rule_id, []).append((shard_id, state))
    versions = RuleVersion.objects.filter(rule_id__in=states.keys(), rule__current_version_id=F("pk")).select_related("rule")
    return [
        ScoringRule(rule_id=v.rule_id, version_id=v.pk, pattern=v.pattern,
                    embedding=tuple(v.embedding) if v.embedding else None, embedder=v.embedder,
                    origin_locale=v.rule.origin_locale, shard_states=tuple(sorted(states[v.rule_id])))
        for v in versions.order_by("rule_id")
    ]

