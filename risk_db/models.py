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
    current_version = models.ForeignKey(
        "RuleVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
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

    class Kind(models.TextChoices):
        REGEX = "regex"
        KEYWORD_SENTIMENT = "keyword_sentiment"  # RK-6: a softened re-issue

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.REGEX)
    keyword = models.CharField(max_length=200, blank=True)  # RK-6
    min_sentiment = models.FloatField(null=True, blank=True)  # RK-6: matches only at sentiment >= this
    restored_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=300, blank=True)  # why this version was published
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
    origin = models.BooleanField(default=True, help_text="RK-7: false where the rule was imported from another locale")
    review_requested_at = models.DateTimeField(null=True, blank=True)  # RK-7: would-hit rate > 0.2 % in 48 h
    evaluated_at = models.DateTimeField(null=True, blank=True)  # the last graduation / propagation check
    # RK-5 / issue 13, safe changes: the version that blocks here (set exactly when the state is blocking), and a
    # newer version of the rule proving itself in shadow here while that one keeps blocking. One row per rule and
    # shard, so at most one blocking and one shadow version per rule and shard.
    blocking_version = models.ForeignKey(RuleVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    candidate_version = models.ForeignKey(
        RuleVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    candidate_since = models.DateTimeField(null=True, blank=True)  # the candidate's shadow period started

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule", "shard"], name="one_state_per_rule_and_shard"),
            models.CheckConstraint(
                condition=Q(state="blocking", blocking_version__isnull=False)
                | (~Q(state="blocking") & Q(blocking_version__isnull=True)),
                name="blocking_state_names_its_version",
            ),
            models.CheckConstraint(
                condition=Q(candidate_version__isnull=True, candidate_since__isnull=True)
                | (
                    Q(state="blocking", candidate_since__isnull=False)
                    & ~Q(candidate_version=models.F("blocking_version"))
                ),
                name="shadow_version_only_beside_a_blocking_one",
            ),
        ]


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

    class Source(models.TextChoices):
        BATCH = "batch"  # the scorer's batches over the intake stream (backfills)
        LIVE = "live"  # sampled texts the live filter saw (issue 13)

    score = models.FloatField(default=1.0)
    hashtags = models.JSONField(default=list)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.BATCH)
    at = models.DateTimeField()  # event time of the post
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post_id", "rule_version", "shard"], name="one_hit_per_post_version_shard"),
        ]
        indexes = [models.Index(fields=["shard", "at"]), models.Index(fields=["rule_version", "at"])]


def live_states() -> Q:
    return Q(state__in=[RuleShardState.State.SHADOW, RuleShardState.State.BLOCKING, RuleShardState.State.SHADOW_ONLY])


class RuleTransition(models.Model):
    """RK-5..RK-7: every state change of a rule in a shard (and every version published), with who or what
    made it and the evidence it rested on. Append-only."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="transitions")
    shard = models.ForeignKey("shards.Shard", null=True, blank=True, on_delete=models.CASCADE)
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12, blank=True)
    event = models.CharField(max_length=32)  # created, graduated, dropped, reverted, promoted, version_published ...
    version_number = models.PositiveIntegerField(null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    made_by = models.CharField(max_length=150)  # a username, or "system:<task>"
    reason = models.TextField(blank=True)
    evidence = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["rule", "at"])]


class TabooCandidate(models.Model):
    """RK-2: one normalised token. Two verifiers within 24 h send it to review; otherwise it expires."""

    class Status(models.TextChoices):
        FEED = "feed"
        REVIEW = "review"
        EXPIRED = "expired"
        APPROVED = "approved"
        REJECTED = "rejected"

    token = models.CharField(max_length=200)  # normalised
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.FEED)
    first_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    surfaced_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_reason = models.TextField(blank=True)
    rule = models.ForeignKey(Rule, null=True, blank=True, on_delete=models.PROTECT, related_name="candidates")

    class Meta:
        constraints = [
            # One open candidate per token: a second nomination joins it instead of starting another.
            models.UniqueConstraint(fields=["token"], condition=Q(status="feed"), name="one_feed_candidate_per_token"),
        ]
        indexes = [models.Index(fields=["status", "first_at"])]


class TabooNomination(models.Model):
    """RK-1: a verifier's "New taboo" on a case: the term as typed and ~20 words of context."""

    candidate = models.ForeignKey(TabooCandidate, on_delete=models.CASCADE, related_name="nominations")
    case = models.ForeignKey("verifier.Case", on_delete=models.PROTECT, related_name="taboo_nominations")
    verifier = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="taboo_nominations")
    locale = models.CharField(max_length=16)
    term = models.CharField(max_length=200)
    context = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]


class Complaint(models.Model):
    """RK-5: a user complaint about a post (intake service). Windows run on `at`."""

    post_id = models.CharField(max_length=128)
    hashtags = models.JSONField(default=list)  # normalised, sorted, unique
    hashtag_key = models.CharField(max_length=1000, blank=True)  # the set as one string, for matching
    locale = models.CharField(max_length=16)
    shard = models.ForeignKey("shards.Shard", null=True, on_delete=models.PROTECT)
    at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["shard", "at"]), models.Index(fields=["hashtag_key"])]


class SurveyResponse(models.Model):
    """RK-5: "did this feel fair?" in a treatment or control arm."""

    class Arm(models.TextChoices):
        TREATMENT = "treatment"
        CONTROL = "control"

    locale = models.CharField(max_length=16)
    shard = models.ForeignKey("shards.Shard", null=True, on_delete=models.PROTECT)
    arm = models.CharField(max_length=10, choices=Arm.choices)
    fair = models.BooleanField()
    rule = models.ForeignKey(Rule, null=True, blank=True, on_delete=models.PROTECT, related_name="survey_responses")
    subject_id = models.CharField(max_length=128, blank=True)
    at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["rule", "shard", "at"])]


class LocalVerifyItem(models.Model):
    """RK-7: an importing shard's own verify set for a rule (>= 10 before it may block there)."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="verify_items")
    shard = models.ForeignKey("shards.Shard", on_delete=models.CASCADE)
    text = models.TextField()
    should_block = models.BooleanField(default=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    at = models.DateTimeField()


class ScoringVolume(models.Model):
    """RK-7: how many posts the scorer scored in a shard in an hour: the would-hit rate's denominator."""

    shard = models.ForeignKey("shards.Shard", on_delete=models.CASCADE)
    hour = models.DateTimeField()
    posts = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shard", "hour"], name="one_volume_per_shard_hour")]


class FilterTraffic(models.Model):
    """Issue 13: texts the live filter saw in a shard in a (UTC) hour, and how many of them were sampled for
    shadow would-hits: the live denominator of the would-hit rate (RK-5, RK-7). Hourly, so a 48 h window is
    exact to the hour."""

    shard = models.ForeignKey("shards.Shard", on_delete=models.CASCADE)
    hour = models.DateTimeField()  # the hour's start, UTC
    seen = models.PositiveBigIntegerField(default=0)
    sampled = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shard", "hour"], name="one_filter_traffic_per_shard_hour")]


class FilterTrafficFlush(models.Model):
    """Issue 13: a flushed shadow buffer whose counts were added to FilterTraffic, by the id the buffer gave it,
    so a redelivered flush (Celery is at-least-once, MH-7) adds nothing twice. Kept FILTER["FLUSH_KEEP_HOURS"]."""

    flush_id = models.CharField(max_length=64, unique=True)
    at = models.DateTimeField(db_index=True)


class IndexBuild(models.Model):
    """RK-3: a build of the live index. The live one is the checkpoint the next build starts from."""

    class Status(models.TextChoices):
        LIVE = "live"
        RETIRED = "retired"
        SKIPPED = "skipped"
        FAILED = "failed"

    status = models.CharField(max_length=8, choices=Status.choices)
    fingerprint = models.CharField(max_length=64)
    entries = models.JSONField(default=list)  # [{rule_id, version_id, pattern, kind, keyword, min_sentiment, shards}]
    refused = models.JSONField(default=list)  # entries left out, with why
    reused = models.PositiveIntegerField(default=0)  # entries taken from the checkpoint unchanged
    compiled = models.PositiveIntegerField(default=0)  # entries checked and compiled anew
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["status"], condition=Q(status="live"), name="one_live_index")]
