"""Model-hook bookkeeping: scoring batches over the correction stream (MH-1), the post embedding
cache (MH-2) and training exports (MH-3). Would-hits themselves live in risk_db."""

import uuid

from django.conf import settings
from django.db import models


class ScoringBatch(models.Model):
    """MH-1: a slice of the intake stream (correction ids first..last) scored in two stages.
    The regex stage keeps up with intake; the embedding stage may lag (back-pressure): its
    pending batches are the lag shown to people, never dropped."""

    class Stage(models.TextChoices):
        PENDING = "pending"
        QUEUED = "queued"
        DONE = "done"
        FAILED = "failed"

    first_correction_id = models.BigIntegerField(unique=True)
    last_correction_id = models.BigIntegerField()
    posts = models.PositiveIntegerField(default=0)
    regex_status = models.CharField(max_length=8, choices=Stage.choices, default=Stage.PENDING)
    embed_status = models.CharField(max_length=8, choices=Stage.choices, default=Stage.PENDING)
    regex_hits = models.PositiveIntegerField(default=0)
    embedding_hits = models.PositiveIntegerField(default=0)
    embedded_posts = models.PositiveIntegerField(default=0)
    bad_rows = models.JSONField(default=list, blank=True)  # [{correction_id, post_id, reason}]
    skipped_rules = models.JSONField(default=list, blank=True)  # [{rule_id, version_id, reason}]
    embedders = models.JSONField(default=dict, blank=True)  # {embedder: {"posts": n, "device": ...}}
    error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    regex_done_at = models.DateTimeField(null=True, blank=True)
    embed_queued_at = models.DateTimeField(null=True, blank=True)
    embed_done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_correction_id__gte=models.F("first_correction_id")),
                name="scoring_batch_range_ordered",
            )
        ]
        indexes = [models.Index(fields=["embed_status", "created_at"])]

    def __str__(self):
        return f"batch {self.first_correction_id}..{self.last_correction_id}"


class PostEmbedding(models.Model):
    """MH-1 / MH-2: each post is embedded once per embedder and text, then read from here."""

    post_id = models.CharField(max_length=128)
    embedder = models.CharField(max_length=32)
    text_sha256 = models.CharField(max_length=64)
    dim = models.PositiveIntegerField()
    vector = models.BinaryField()  # float32, unit length
    device = models.CharField(max_length=16)  # recorded per result
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["post_id", "embedder", "text_sha256"], name="one_embedding_per_post_text_embedder"
            )
        ]


class Export(models.Model):
    """MH-3: one training export of a shard."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    shard = models.ForeignKey("shards.Shard", on_delete=models.PROTECT, related_name="exports")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_written = models.PositiveIntegerField(default=0)
    manifest = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # AP-5 / IN-11: what the export carried, so a later retraction names every export a sample appeared in:
    # the batches it took rows from, and the batched samples of the shard it left out (filters, tombstones)
    batch_ids = models.JSONField(default=list, blank=True)
    left_out_ids = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            # MH-3: one export of a shard at a time; a second request answers 409 export_running
            models.UniqueConstraint(
                fields=["shard"],
                condition=models.Q(status__in=["queued", "running"]),
                name="one_running_export_per_shard",
            )
        ]

    @property
    def progress(self) -> float:
        if self.status == self.Status.DONE:
            return 1.0
        if not self.rows_total:
            return 0.0
        return min(1.0, self.rows_written / self.rows_total)

    def __str__(self):
        return f"export {self.public_id} of {self.shard_id} ({self.status})"


class Release(models.Model):
    """MH-4 / MH-5: a model release (of the CANARY_TARGET hook) for a shard, with its evidence: the
    canaries, the 128-bit stamp over a probe-set version, the distance from the shard's previous
    passed release and the per-layer activation diff. A distance above STAMP_HAMMING_MAX holds it
    until an admin accepts the diff."""

    class Status(models.TextChoices):
        PENDING = "pending"
        PASSED = "passed"
        HELD = "held"  # the gate has not passed: a diff (or a probe-set change) waits for an admin
        FAILED = "failed"

    shard = models.ForeignKey("shards.Shard", on_delete=models.PROTECT, related_name="releases")
    name = models.CharField(max_length=128)
    target = models.CharField(max_length=64, blank=True)  # the CANARY_TARGET hook's name that ran
    weights = models.CharField(max_length=200, blank=True)  # file under RELEASE_WEIGHTS_DIR; "" = shipped
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    gate = models.JSONField(default=dict, blank=True)  # {reason, detail, distance, threshold}
    canaries = models.JSONField(default=dict, blank=True)  # {factual, borderline, edgy_jokes}
    stamp = models.CharField(max_length=64, blank=True)  # hex of the SimHash bits
    layer_stamps = models.JSONField(default=list, blank=True)  # hex SimHash of each layer alone
    layer_means = models.BinaryField(null=True, blank=True)  # float32 (layers, dim): the diff's input
    layers = models.PositiveSmallIntegerField(null=True, blank=True)
    probe_set_version = models.CharField(max_length=40, blank=True)
    probe_count = models.PositiveIntegerField(null=True, blank=True)
    stamp_seconds = models.FloatField(null=True, blank=True)
    device = models.CharField(max_length=16, blank=True)
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    hamming_from_previous = models.PositiveSmallIntegerField(null=True, blank=True)
    layer_diff = models.JSONField(null=True, blank=True)  # [{layer, cosine, rel_l2, hamming, top_dims}]
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    diff_accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    diff_accepted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shard", "name"], name="one_release_name_per_shard")]
        indexes = [models.Index(fields=["shard", "status", "checked_at"])]

    def __str__(self):
        return f"release {self.name} of {self.shard_id} ({self.status})"


class GeneratedProbe(models.Model):
    """MH-5: a generated probe the nightly task appended to the shipped probe set (`index` in the
    generator's fixed sequence). The human sanity core is a shipped file, never a row here."""

    index = models.PositiveIntegerField(unique=True)
    text = models.TextField()
    added_at = models.DateTimeField()

    def __str__(self):
        return f"probe {self.index}"
