"""Risk rules: stable ids, frozen versions, a state per shard, and the would-hits shadow scoring logs.

Interface with modelhooks (MH-1): the scorer reads `risk_db.selectors.rules_for_scoring()` and
writes through `risk_db.services.would_hits_record()`; it never touches these tables directly.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q


class Rule(models.Model):
    """A rule's identity. Its content lives in versions; its effect in per-shard states."""

    intent_class = models.CharField(max_length=64, blank=True)
    origin_locale = models.CharField(max_length=16)
    current_version = models.ForeignKey("RuleVersion", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)

    def __str__(self):
        return f"rule {self.pk} ({self.origin_locale})"


class RuleVersion(models.Model):
    """RK-3: a published version is frozen; an edit makes a new version. Any version can be restored."""

    class Embedder(models.TextChoices):
        MINILM = "all-MiniLM-L6-v2"
        CHAR_NGRAM = "char-ngram"
        NONE = ""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    pattern = models.CharField(max_length=1000, help_text="RE2 syntax (linear time), matched case-insensitively")
    intent_class = models.CharField(max_length=64, blank=True)
    term = models.CharField(max_length=200, blank=True)
    context = models.TextField(blank=True)
    embedding = models.JSONField(null=True, blank=True)  # list[float], unit length
    embedder = models.CharField(max_length=32, blank=True, choices=Embedder.choices)  # MH-2: recorded per rule
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rule", "number"], name="one_rule_version_number")]


class RuleShardState(models.Model):
    """RK-5 / RK-7: what a rule does in one shard."""

    class State(models.TextChoices):
        SHADOW = "shadow"
        BLOCKING = "blocking"
        REVERTED = "reverted"
        DROPPED = "dropped"
        SHADOW_ONLY = "shadow_only"

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="shard_states")
    shard = models.ForeignKey("shards.Shard", on_delete=models.CASCADE)
    state = models.CharField(max_length=12, choices=State.choices, default=State.SHADOW)
    since = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rule", "shard"], name="one_state_per_rule_and_shard")]


class WouldHit(models.Model):
    """MH-1: a post that a rule version matched (would block, or blocks). Keyed so a re-run of a
    batch never duplicates a hit (MH-7)."""

    class MatchedBy(models.TextChoices):
        REGEX = "regex"
        EMBEDDING = "embedding"

    post_id = models.CharField(max_length=128)
    shard = models.ForeignKey("shards.Shard", on_delete=models.CASCADE)
    rule_version = models.ForeignKey(RuleVersion, on_delete=models.CASCADE, related_name="would_hits")
    state = models.CharField(max_length=12, choices=RuleShardState.State.choices)  # state when scored
    matched_by = models.CharField(max_length=10, choices=MatchedBy.choices)
    score = models.FloatField(default=1.0)
    hashtags = models.JSONField(default=list)
    at = models.DateTimeField()  # event time of the post
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post_id", "rule_version", "shard"], name="one_hit_per_post_version_shard"),
        ]
        indexes = [models.Index(fields=["shard", "at"]), models.Index(fields=["rule_version", "at"])]


def live_states() -> Q:
    return Q(state__in=[RuleShardState.State.SHADOW, RuleShardState.State.BLOCKING, RuleShardState.State.SHADOW_ONLY])
