"""Cases, the queue's leases and rulings. People and the audit log live in `core`."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class Case(models.Model):
    class Kind(models.TextChoices):
        TABOO = "taboo"
        CORRECTION = "correction"

    class Status(models.TextChoices):
        QUEUED = "queued"
        PAUSED = "paused"  # SH-1: taboo case in a shard below its minimum pool
        DECIDED = "decided"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    shard = models.ForeignKey("shards.Shard", on_delete=models.PROTECT, related_name="cases")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    locale = models.CharField(max_length=16)
    sub_locale = models.CharField(max_length=64, blank=True)
    post_id = models.CharField(max_length=128)
    post_text = models.TextField()
    ocr_text = models.TextField(blank=True)
    hashtags = models.JSONField(default=list)
    proposal = models.TextField(blank=True)
    native_only = models.BooleanField(default=False)  # SH-3: no crowd, no other locale
    risk_tags = models.JSONField(default=list, blank=True)
    hard_block_locale = models.CharField(max_length=16, blank=True)  # VQ-6 regional-hard-block bit
    required_rulings = models.PositiveSmallIntegerField(default=1)  # 2 when sampled for overlap (VQ-5)
    decision = models.CharField(max_length=3, blank=True)  # yes / no once decided
    decided_at = models.DateTimeField(null=True, blank=True)
    blocked_by_rule = models.ForeignKey("risk_db.Rule", null=True, blank=True, on_delete=models.PROTECT)
    blocked_at = models.DateTimeField(null=True, blank=True)  # VQ-3: deferred to rule, still visible
    at = models.DateTimeField()  # event time of the first correction
    created_at = models.DateTimeField(auto_now_add=True)
    due_at = models.DateTimeField()  # IN-5 SLA
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(required_rulings__in=[1, 2]), name="one_or_two_rulings"),
            models.CheckConstraint(condition=Q(decision__in=["", "yes", "no"]), name="decision_yes_no"),
        ]
        indexes = [
            models.Index(fields=["post_id", "shard"]),
            models.Index(fields=["due_at"], condition=Q(status="queued"), name="case_open_due"),
        ]

    @property
    def is_taboo(self) -> bool:
        return self.kind == self.Kind.TABOO


class CaseTask(models.Model):
    """One seat at a case: one per case, two when the case is sampled for overlap.

    The queue is this table: a verifier takes a seat with SELECT ... FOR UPDATE SKIP LOCKED.
    Shard, kind and sub-locale are copied from the case so the dequeue reads one table.
    """

    class Status(models.TextChoices):
        OPEN = "open"
        LEASED = "leased"
        DONE = "done"
        PAUSED = "paused"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    slot = models.PositiveSmallIntegerField(default=0)
    shard = models.ForeignKey("shards.Shard", on_delete=models.PROTECT)
    kind = models.CharField(max_length=12, choices=Case.Kind.choices)
    native_only = models.BooleanField(default=False)
    sub_locale = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    lease_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "slot"], name="one_task_per_slot"),
            models.CheckConstraint(
                condition=Q(status="leased", holder__isnull=False, lease_expires_at__isnull=False)
                | ~Q(status="leased"),
                name="leased_task_has_holder",
            ),
        ]
        indexes = [
            # The dequeue scans only live rows; done rows never bloat this index.
            models.Index(fields=["shard", "id"], condition=Q(status__in=["open", "leased"]), name="task_live"),
            models.Index(
                fields=["shard", "sub_locale", "id"], condition=Q(status__in=["open", "leased"]), name="task_live_sub"
            ),
            models.Index(fields=["holder"], condition=Q(status="leased"), name="task_held"),
        ]


class Assignment(models.Model):
    """History of every lease handed out: the cap counter and the sub-locale mix read it."""

    class Outcome(models.TextChoices):
        ACTIVE = "active"
        RULED = "ruled"
        SKIPPED = "skipped"
        EXPIRED = "expired"
        RETURNED = "returned"  # VQ-10: handed back to the queue when its holder undid a ruling

    task = models.ForeignKey(CaseTask, on_delete=models.CASCADE, related_name="assignments")
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments")
    kind = models.CharField(max_length=12, choices=Case.Kind.choices)
    own_sublocale = models.BooleanField(default=False)
    leased_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.ACTIVE)

    class Meta:
        indexes = [models.Index(fields=["user", "leased_at"])]


class Skip(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    case = models.ForeignKey(Case, on_delete=models.CASCADE)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "case"], name="one_skip_per_case")]


class Ruling(models.Model):
    class Answer(models.TextChoices):
        YES = "yes"
        NO = "no"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="rulings")
    task = models.OneToOneField(CaseTask, on_delete=models.PROTECT, related_name="ruling")
    verifier = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rulings")
    answer = models.CharField(max_length=3, choices=Answer.choices)
    at = models.DateTimeField()
    # issue 14: the client's key for this ruling (a double key press or a retry sends it again and gets
    # this ruling back); and the weight it moved the IN-7 ledgers by, so an undo (VQ-10) takes back as much.
    idempotency_key = models.CharField(max_length=64, blank=True)
    ledger_weight = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            # No case is ever decided twice by one person; overlap uses a second person.
            models.UniqueConstraint(fields=["case", "verifier"], name="one_ruling_per_verifier_and_case"),
            models.CheckConstraint(condition=Q(answer__in=["yes", "no"]), name="ruling_answer_yes_no"),
        ]


# Appeals (AP-1..AP-5) live in their own module; calibration, audits and pay are the quality app's.
from verifier.models_appeals import Appeal, AppealReview  # noqa: E402,F401
