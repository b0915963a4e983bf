"""Training samples (VQ-6, IN-6), their batches (IN-12), the taint list (IN-11) and the AP-5
reversal items. Moved here from `shards` and `verifier` (issue 9) keeping their tables and the
names of their constraints and indexes."""

from django.db import models


class TrainingSample(models.Model):
    """An accepted delta waiting for export. VQ-6: a regional hard-block never leaves its locale."""

    case = models.OneToOneField("verifier.Case", on_delete=models.PROTECT, related_name="sample")
    shard = models.ForeignKey("shards.Shard", on_delete=models.PROTECT)
    locale = models.CharField(max_length=16)
    post_id = models.CharField(max_length=128)
    text_delta = models.TextField()
    regional_hard_block = models.BooleanField(default=False)
    hard_block_locale = models.CharField(max_length=16, blank=True)
    weight = models.DecimalField(max_digits=6, decimal_places=4, default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    # issue 3
    graph = models.ForeignKey(
        "shards.CorrectionGraph", null=True, blank=True, on_delete=models.PROTECT, related_name="samples"
    )  # IN-11: the users who backed it
    batch = models.ForeignKey(
        "TrainingBatch", null=True, blank=True, on_delete=models.PROTECT, related_name="samples"
    )  # IN-12
    accepted_by = models.CharField(max_length=40, blank=True)  # ruling / auto_accept / conflict_resolver:...
    withheld_reason = models.CharField(max_length=64, blank=True)  # non-empty: never exported
    # issue 10: the post with the correction applied (native tokens, IN-2) and the [start, end) character
    # spans of the corrected tokens in it (training.spans.correction_apply), so training can mask its loss.
    text = models.TextField(blank=True)
    target_spans = models.JSONField(default=list, blank=True)
    ocr_text = models.TextField(blank=True)  # the post image's OCR text: blocking rules match it (MH-3); not exported

    EXPORT_OMIT = ("ocr_text",)  # stored for the export's rule filter, never written to the training files

    class Meta:
        db_table = "shards_trainingsample"
        constraints = [
            # IN-6: a post never occupies more than one training slot, across all shards: whichever shard
            # decides it first holds the slot; the database refuses a second one.
            models.UniqueConstraint(fields=["post_id"], name="one_sample_per_post"),
        ]


class Retraction(models.Model):
    """AP-5 / IN-10 / IN-11: a tombstone. A sample whose ruling was reversed on appeal, or whose correction graph
    was tainted (or backed by a suspended botnet component) after it was batched, leaves no later export and is listed once, in the next export of its shard
    (`retractions.jsonl`), with the exports it appeared in, so a training job can drop it from what it holds."""

    class Reason(models.TextChoices):
        APPEAL_REVERSED = "appeal_reversed"
        GRAPH_TAINTED = "graph_tainted"
        COMPONENT_SUSPENDED = "component_suspended"
        DUPLICATE_SLOT = "duplicate_slot"  # IN-6: a second sample of one post, moved out of its slot by training.0002

    sample = models.OneToOneField(TrainingSample, on_delete=models.PROTECT, related_name="retraction")
    shard = models.ForeignKey("shards.Shard", on_delete=models.PROTECT)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    detail = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    listed_by_export = models.CharField(max_length=64, blank=True)  # the export whose retractions.jsonl listed it

    class Meta:
        indexes = [models.Index(fields=["shard", "listed_by_export"], name="retraction_pending_idx")]


class TaintList(models.Model):
    """IN-11: each change to the taint list is a new version; exports record the one they honoured."""

    version = models.AutoField(primary_key=True)
    created_at = models.DateTimeField()
    reason = models.CharField(max_length=200)
    actor = models.CharField(max_length=150, blank=True)

    class Meta:
        db_table = "shards_taintlist"


class TaintedSubmitter(models.Model):
    """A user marked as a bot: every graph that contains them is tainted from that version on."""

    taint_list = models.ForeignKey(TaintList, on_delete=models.PROTECT, related_name="submitters")
    submitter_id = models.CharField(max_length=128, db_index=True)

    class Meta:
        db_table = "shards_taintedsubmitter"


class TrainingBatch(models.Model):
    """IN-12: accepted samples cut every 4 h, at most 50,000, at 0.3x weight."""

    cut_at = models.DateTimeField()
    size = models.IntegerField()
    weight = models.DecimalField(max_digits=6, decimal_places=4)

    class Meta:
        db_table = "shards_trainingbatch"
        ordering = ["-cut_at"]


class ReexportItem(models.Model):
    """AP-5: a reversed ruling goes out again as a correction micro-batch item at ~1 % weight.

    `action` says what training should do with the text delta: `add` it (the reversal accepted it)
    or `retract` it (the reversal rejected a delta that had been accepted). Never a ruling label (CA-8).
    The training export (modelhooks) reads these through training.selectors.reexport_pending.
    """

    class Action(models.TextChoices):
        ADD = "add"
        RETRACT = "retract"

    appeal = models.ForeignKey("verifier.Appeal", on_delete=models.PROTECT, related_name="reexports")
    tier = models.PositiveSmallIntegerField()  # the tier whose decision changed the answer
    case = models.ForeignKey("verifier.Case", on_delete=models.PROTECT, related_name="reexports")
    shard = models.ForeignKey("shards.Shard", on_delete=models.PROTECT)
    locale = models.CharField(max_length=16)
    post_id = models.CharField(max_length=128)
    text_delta = models.TextField()
    action = models.CharField(max_length=8, choices=Action.choices)
    weight = models.DecimalField(max_digits=6, decimal_places=4)
    regional_hard_block = models.BooleanField(default=False)
    hard_block_locale = models.CharField(max_length=16, blank=True)
    created_at = models.DateTimeField()
    exported_batch = models.CharField(max_length=64, blank=True)  # set by the export that carried it

    class Meta:
        db_table = "verifier_reexportitem"
        constraints = [models.UniqueConstraint(fields=["appeal", "tier"], name="one_reexport_per_appeal_tier")]
