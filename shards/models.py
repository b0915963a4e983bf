"""Locales, shards, pools, risk lexicons, and the intake record of every correction."""
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class Locale(models.Model):
    code = models.CharField(max_length=16, unique=True)  # BCP 47, e.g. th-TH
    name = models.CharField(max_length=64)
    language = models.CharField(max_length=8)  # ISO 639, e.g. th
    is_rare = models.BooleanField(default=False, help_text="SH-2: served by the rare pool")
    adjacent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL)

    def __str__(self):
        return self.code


class Shard(models.Model):
    class Kind(models.TextChoices):
        LOCALE = "locale"
        GLOBAL = "global"
        RARE = "rare"

    code = models.CharField(max_length=32, unique=True)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.LOCALE)
    locale = models.OneToOneField(Locale, null=True, blank=True, on_delete=models.PROTECT)
    own_sublocale_ratio = models.FloatField(
        null=True, blank=True, help_text="SH-4 share of own-sub-locale cases; blank = the default"
    )
    degraded_since = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.code


class PoolMembership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    shard = models.ForeignKey(Shard, on_delete=models.CASCADE, related_name="memberships")
    native = models.BooleanField(default=False)
    under_contract = models.BooleanField(default=True)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "shard"], name="one_membership_per_shard")]

    def __str__(self):
        return f"{self.user} in {self.shard}"


class SubgroupSurvey(models.Model):
    """SH-4: the ten-question anonymous survey. Only the router reads it; peers never see it."""

    QUESTIONS = [
        "region",
        "sub_locale",
        "urban_rural",
        "age_band",
        "political_self_placement",
        "religion_practice",
        "education",
        "first_language",
        "years_in_locale",
        "media_diet",
    ]
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="survey")
    answers = models.JSONField(default=dict)
    submitted_at = models.DateTimeField(auto_now=True)


class RiskLexicon(models.Model):
    """SH-3: per-locale lexicon of risky names, titles and glyph sequences (e.g. TH-risks-lm)."""

    name = models.CharField(max_length=64, unique=True)
    locale_code = models.CharField(max_length=16)
    description = models.TextField(blank=True)

    def __str__(self):
        return self.name


class RiskTerm(models.Model):
    lexicon = models.ForeignKey(RiskLexicon, on_delete=models.CASCADE, related_name="terms")
    term = models.CharField(max_length=200)
    category = models.CharField(max_length=32, blank=True)  # name / title / glyph / law

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lexicon", "term"], name="unique_term_per_lexicon")]


class TriggerPattern(models.Model):
    """IN-1: the '@grok correct' variants an admin can add to. Regex, matched case-insensitively."""

    pattern = models.CharField(max_length=300, unique=True)
    active = models.BooleanField(default=True)

    def __str__(self):
        return self.pattern


class Correction(models.Model):
    """Every intake item, valid or not, with the outcome it got (IN-1: nothing dropped silently)."""

    class Outcome(models.TextChoices):
        AUTO_ACCEPTED = "auto_accepted"
        QUEUED = "queued"
        MERGED = "merged"
        RATE_LIMITED = "rate_limited"
        BLOCKED_LIST = "blocked_list"
        SUSPENDED_COMPONENT = "suspended_component"
        FROZEN_TOPIC = "frozen_topic"
        GLOBAL_QUEUE = "global_queue"
        INVALID = "invalid"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    post_id = models.CharField(max_length=128, blank=True)
    post_text = models.TextField(blank=True)
    ocr_text = models.TextField(blank=True)
    hashtags = models.JSONField(default=list)
    reply_text = models.TextField(blank=True)
    corrected_text = models.TextField(blank=True)
    submitter_id = models.CharField(max_length=128, blank=True)
    billing_country = models.CharField(max_length=2, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    declared_locale = models.CharField(max_length=16, blank=True)
    sub_locale = models.CharField(max_length=64, blank=True)
    at = models.DateTimeField(null=True, blank=True)  # event time from the intake service
    received_at = models.DateTimeField(auto_now_add=True)  # arrival time
    outcome = models.CharField(max_length=24, choices=Outcome.choices)
    decided_by = models.CharField(max_length=64, blank=True)  # the pipeline step that set the outcome
    errors = models.JSONField(default=dict, blank=True)
    risk_tags = models.JSONField(default=list, blank=True)
    case = models.ForeignKey("verifier.Case", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="corrections")
    shard = models.ForeignKey(Shard, null=True, blank=True, on_delete=models.SET_NULL)
    dedupe_key = models.CharField(max_length=64, null=True, blank=True)
    raw = models.JSONField(null=True, blank=True)  # kept only for invalid items

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dedupe_key"], condition=Q(dedupe_key__isnull=False),
                                    name="one_correction_per_delivery"),
        ]
        indexes = [models.Index(fields=["post_id"]), models.Index(fields=["outcome", "received_at"])]


class TrainingSample(models.Model):
    """An accepted delta waiting for export. VQ-6: a regional hard-block never leaves its locale."""

    case = models.OneToOneField("verifier.Case", on_delete=models.PROTECT, related_name="sample")
    shard = models.ForeignKey(Shard, on_delete=models.PROTECT)
    locale = models.CharField(max_length=16)
    post_id = models.CharField(max_length=128)
    text_delta = models.TextField()
    regional_hard_block = models.BooleanField(default=False)
    hard_block_locale = models.CharField(max_length=16, blank=True)
    weight = models.DecimalField(max_digits=6, decimal_places=4, default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # A post never occupies more than one training slot (IN-6).
            models.UniqueConstraint(fields=["post_id", "shard"], name="one_sample_per_post_and_shard"),
        ]


class Alert(models.Model):
    class Level(models.TextChoices):
        INFO = "info"
        WARNING = "warning"
        LOUD = "loud"

    kind = models.CharField(max_length=32)  # pool_degraded, pool_closed, x_shard_anomaly ...
    level = models.CharField(max_length=8, choices=Level.choices, default=Level.WARNING)
    shard = models.ForeignKey(Shard, null=True, blank=True, on_delete=models.CASCADE)
    message = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
