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
        OCR_PENDING = "ocr_pending"  # MH-6: came with an image and no OCR text; no case until it is read and tagged

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
    risk_locale = models.CharField(max_length=16, blank=True)  # SH-3: the tagging lexicon's locale (issue 11)
    case = models.ForeignKey(
        "verifier.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="corrections"
    )
    shard = models.ForeignKey(Shard, null=True, blank=True, on_delete=models.SET_NULL)
    dedupe_key = models.CharField(max_length=64, null=True, blank=True)
    raw = models.JSONField(null=True, blank=True)  # kept for invalid items, and ocr_pending ones until OCR ran
    # issue 3: what the defences saw
    language = models.CharField(max_length=8, blank=True)  # IN-2: detected ISO 639-1
    english_text = models.TextField(blank=True)  # IN-2: the MT hook's English, for conflict resolution
    norm_key = models.CharField(max_length=64, blank=True)  # IN-5: the normalised correction
    numeric_value = models.FloatField(null=True, blank=True)  # IN-6
    geo_mismatch = models.BooleanField(default=False)  # IN-9
    rate_key = models.CharField(max_length=80, blank=True)  # IN-3: country + network
    reason = models.TextField(blank=True)  # why the deciding step decided so, in words

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["dedupe_key"], condition=Q(dedupe_key__isnull=False), name="one_correction_per_delivery"
            ),
        ]
        indexes = [
            models.Index(fields=["post_id"]),
            models.Index(fields=["outcome", "received_at"]),
            models.Index(fields=["submitter_id", "at"]),
        ]


class CorrectionImage(models.Model):
    """MH-6: the image that came with a correction (apart from the Correction row, so listing corrections
    never loads image bytes). The gpu task reads it with the OCR hook; `error` says why it could not."""

    correction = models.OneToOneField(Correction, on_delete=models.CASCADE, related_name="image")
    data = models.BinaryField()
    error = models.TextField(blank=True)  # the OCR hook's message (e.g. Tesseract not installed)
    attempts = models.PositiveIntegerField(default=0)
    read_at = models.DateTimeField(null=True, blank=True)


class Alert(models.Model):
    class Level(models.TextChoices):
        INFO = "info"
        WARNING = "warning"
        LOUD = "loud"

    kind = models.CharField(max_length=32)  # pool_degraded, pool_closed, x_shard_anomaly ...
    level = models.CharField(max_length=8, choices=Level.choices, default=Level.WARNING)
    shard = models.ForeignKey(Shard, null=True, blank=True, on_delete=models.CASCADE)
    message = models.TextField()  # the English, as the API and the audit see it
    # Issue 14: what fills the kind's message template (core.texts.MESSAGES), so pages show the
    # message in the viewer's language. Empty on rows written before it was kept: shown as stored.
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


# ---- issue 3: the intake defences -----------------------------------------------------------


class BlockListEntry(models.Model):
    """IN-4: a slur or gibberish term; a correction overlapping it is rejected. Blank locale = all."""

    class Kind(models.TextChoices):
        SLUR = "slur"
        GIBBERISH = "gibberish"

    locale_code = models.CharField(max_length=16, blank=True, help_text="blank: every locale")
    term = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.SLUR)
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["locale_code", "term"], name="one_block_term_per_locale")]

    def __str__(self):
        return f"{self.locale_code or '*'}: {self.term}"


class RateLimitKey(models.Model):
    """IN-3, database backend: admitted event times of one key, and its cool-off."""

    key = models.CharField(max_length=80, unique=True)
    admitted = models.JSONField(default=list)  # epoch seconds inside the window
    cooloff_until = models.DateTimeField(null=True, blank=True)


class IntakeCounter(models.Model):
    """IN-7/8/9: per locale and hour, corrections seen (hashtag ''), per hashtag, and geo mismatches."""

    locale_code = models.CharField(max_length=16)
    hour = models.DateTimeField()
    hashtag = models.CharField(max_length=100, blank=True)
    n = models.IntegerField(default=0)
    mismatched = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["locale_code", "hour", "hashtag"], name="one_counter")]


class LocaleLedger(models.Model):
    """IN-7: corroboration per locale. A verifier's ruling weighs 5x a crowd vote in a low-volume
    language. IN-6: the history of accepted numeric deltas (Welford mean / M2)."""

    locale_code = models.CharField(max_length=16, unique=True)
    votes = models.FloatField(default=0)
    corroborated = models.FloatField(default=0)
    crowd_votes = models.IntegerField(default=0)
    rulings = models.IntegerField(default=0)
    numeric_n = models.IntegerField(default=0)
    numeric_mean = models.FloatField(default=0)
    numeric_m2 = models.FloatField(default=0)

    @property
    def rate(self) -> float | None:
        return self.corroborated / self.votes if self.votes else None


class SubmitterLedger(models.Model):
    """IN-6/7/10: one submitter's corroboration in one locale (never mixed across locales)."""

    submitter_id = models.CharField(max_length=128)
    locale_code = models.CharField(max_length=16)
    backed = models.IntegerField(default=0)
    corroborated = models.IntegerField(default=0)
    burn = models.FloatField(default=1.0)  # IN-10: 0.8 per overturned cluster
    flag_weight = models.FloatField(default=1.0)  # IN-10: future flags weigh 0.8x

    class Meta:
        constraints = [models.UniqueConstraint(fields=["submitter_id", "locale_code"], name="one_ledger_per_locale")]

    @property
    def score(self) -> float:
        prior = settings.INTAKE["CORROBORATION_PRIOR"]
        return (self.corroborated + prior) / (self.backed + 1) * self.burn


class TopicFreeze(models.Model):
    """IN-8: a hashtag whose topic entropy collapsed is frozen in a locale for three days."""

    locale_code = models.CharField(max_length=16)
    hashtag = models.CharField(max_length=100)
    frozen_from = models.DateTimeField()
    frozen_until = models.DateTimeField()
    entropy_bits = models.FloatField()
    share = models.FloatField()
    mentions = models.IntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-frozen_from"]
        indexes = [models.Index(fields=["locale_code", "hashtag", "frozen_until"])]


class ReplyEvent(models.Model):
    """IN-10: one reply between two submitters (POST /api/v1/replies/)."""

    from_user = models.CharField(max_length=128)
    to_user = models.CharField(max_length=128)
    at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["at"])]


class ReplyComponent(models.Model):
    """IN-10: a connected component of the reply graph larger than the limit (rebuilt on new replies)."""

    size = models.IntegerField()
    computed_at = models.DateTimeField()


class ReplyComponentMember(models.Model):
    component = models.ForeignKey(ReplyComponent, on_delete=models.CASCADE, related_name="members")
    submitter_id = models.CharField(max_length=128, db_index=True)


class SuspendedComponent(models.Model):
    """IN-10: a component of > 20 users with >= 50 % of its corrections on one hashtag."""

    hashtag = models.CharField(max_length=100)
    share = models.FloatField()
    size = models.IntegerField()
    members = models.JSONField(default=list)
    suspended_at = models.DateTimeField()
    active = models.BooleanField(default=True)
    lifted_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-suspended_at"]


class SuspendedMember(models.Model):
    component = models.ForeignKey(SuspendedComponent, on_delete=models.CASCADE, related_name="member_rows")
    submitter_id = models.CharField(max_length=128, db_index=True)


class CorrectionGraph(models.Model):
    """IN-11: the set of users who backed a sample; the id is a hash of their sorted ids."""

    graph_id = models.CharField(max_length=32, primary_key=True)
    size = models.IntegerField()
    created_at = models.DateTimeField(auto_now_add=True)


class CorrectionGraphMember(models.Model):
    graph = models.ForeignKey(CorrectionGraph, on_delete=models.CASCADE, related_name="members")
    submitter_id = models.CharField(max_length=128, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["graph", "submitter_id"], name="one_member_per_graph")]


class DormantClique(models.Model):
    """IN-11: found by the quarterly sweep; a senior may mark it as bots, which taints its graphs."""

    class Status(models.TextChoices):
        FLAGGED = "flagged"
        BOTS = "bots"
        CLEARED = "cleared"

    members = models.JSONField(default=list)
    size = models.IntegerField()
    found_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.FLAGGED)
    decided_by = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-found_at"]
