"""Calibration, kappa, audits, drift, rationales and pay (CA-1..CA-8).

The tables were created by the verifier app and keep their names (`verifier_<model>`, set in each
Meta): the move to this app changed Django's state only (quality/migrations/0001_initial.py).
The database holds the invariants where it can: one pay run per month, one payout per verifier
and month.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

# ---- calibration and kappa ----------------------------------------------------------------


class GoldItem(models.Model):
    """CA-1: an item whose right answer is known. Admins and seniors write them; CA-4 adds
    machine-translated ones from an adjacent locale's high-agreement set."""

    class Source(models.TextChoices):
        WRITTEN = "written"
        TRANSLATED = "translated"

    locale = models.CharField(max_length=16)
    kind = models.CharField(max_length=12, default="correction")  # correction / taboo
    post_text = models.TextField()
    proposal = models.TextField(blank=True)
    expected = models.CharField(max_length=3)  # yes / no
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.WRITTEN)
    source_locale = models.CharField(max_length=16, blank=True)
    source_text = models.TextField(blank=True)
    translator = models.CharField(max_length=200, blank=True)  # which MT hook produced it
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "verifier_golditem"
        constraints = [models.CheckConstraint(condition=Q(expected__in=["yes", "no"]), name="gold_expected_yes_no")]
        indexes = [models.Index(fields=["locale", "active"])]


class CalibrationSet(models.Model):
    """CA-1 monthly set of 50 gold items per locale; CA-4 cross-lingual set of 20 translated items."""

    class Kind(models.TextChoices):
        MONTHLY = "monthly"
        CROSSLINGUAL = "crosslingual"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    locale = models.CharField(max_length=16)
    month = models.DateField()  # first day of the month
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.MONTHLY)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "verifier_calibrationset"
        constraints = [
            models.UniqueConstraint(fields=["locale", "month", "kind"], name="one_set_per_locale_month_kind")
        ]


class CalibrationItem(models.Model):
    calibration_set = models.ForeignKey(CalibrationSet, on_delete=models.CASCADE, related_name="items")
    gold = models.ForeignKey(GoldItem, on_delete=models.PROTECT)
    position = models.PositiveSmallIntegerField()

    class Meta:
        db_table = "verifier_calibrationitem"
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["calibration_set", "gold"], name="gold_once_per_set")]


class CalibrationAnswer(models.Model):
    item = models.ForeignKey(CalibrationItem, on_delete=models.CASCADE, related_name="answers")
    verifier = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="calibration_answers")
    answer = models.CharField(max_length=3)
    at = models.DateTimeField()

    class Meta:
        db_table = "verifier_calibrationanswer"
        constraints = [
            models.UniqueConstraint(fields=["item", "verifier"], name="one_answer_per_item"),
            models.CheckConstraint(condition=Q(answer__in=["yes", "no"]), name="calibration_answer_yes_no"),
        ]


class CulturalNote(models.Model):
    """CA-4: the verifier's written account of why their answers diverge from the adjacent consensus."""

    calibration_set = models.ForeignKey(CalibrationSet, on_delete=models.CASCADE, related_name="notes")
    verifier = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    divergence = models.DecimalField(max_digits=5, decimal_places=4)
    note = models.TextField()
    at = models.DateTimeField()

    class Meta:
        db_table = "verifier_culturalnote"
        constraints = [models.UniqueConstraint(fields=["calibration_set", "verifier"], name="one_note_per_set")]


class KappaScore(models.Model):
    """CA-2: a verifier's Cohen's kappa for one month, from overlap pairs and gold answers.
    CA-3 docks it when the blind audit's flip-pair delta reaches the threshold."""

    verifier = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="kappas")
    month = models.DateField()
    kappa = models.DecimalField(max_digits=6, decimal_places=4)
    pairs = models.PositiveIntegerField()
    overlap_pairs = models.PositiveIntegerField(default=0)
    gold_pairs = models.PositiveIntegerField(default=0)
    audit_dock = models.DecimalField(max_digits=6, decimal_places=4, default=Decimal("0"))
    bonus_cut = models.BooleanField(default=False)  # CA-3
    bonus_cut_reason = models.CharField(max_length=300, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        db_table = "verifier_kappascore"
        constraints = [models.UniqueConstraint(fields=["verifier", "month"], name="one_kappa_per_verifier_month")]

    @property
    def effective(self) -> Decimal:
        return self.kappa - self.audit_dock


class RetrainFlag(models.Model):
    """CA-3 (one verifier) or CA-5 (a whole pool: `shard` set, `verifier` empty)."""

    verifier = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="retrain_flags"
    )
    shard = models.ForeignKey("shards.Shard", null=True, blank=True, on_delete=models.PROTECT)
    source = models.CharField(max_length=32)  # blind_audit / external_audit
    reason = models.TextField()
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "verifier_retrainflag"
        constraints = [
            models.CheckConstraint(
                condition=Q(verifier__isnull=False) | Q(shard__isnull=False), name="retrain_flag_has_subject"
            )
        ]


# ---- blind audit (CA-3) ------------------------------------------------------------------


class BlindAudit(models.Model):
    shard = models.ForeignKey("shards.Shard", on_delete=models.PROTECT)
    month = models.DateField()
    paraphraser = models.CharField(max_length=200)
    created_at = models.DateTimeField()
    evaluated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "verifier_blindaudit"
        constraints = [models.UniqueConstraint(fields=["shard", "month"], name="one_blind_audit_per_shard_month")]


class BlindAuditItem(models.Model):
    """An already-ruled case and its lemma-level paraphrase, re-injected as a new case under a fake
    post id. The flip case never produces a training sample."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    audit = models.ForeignKey(BlindAudit, on_delete=models.CASCADE, related_name="items")
    original_case = models.ForeignKey("verifier.Case", on_delete=models.PROTECT, related_name="+")
    flip_case = models.OneToOneField("verifier.Case", on_delete=models.PROTECT, related_name="blind_audit_item")
    original_answer = models.CharField(max_length=3)
    fake_post_id = models.CharField(max_length=128, unique=True)
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        db_table = "verifier_blindaudititem"


# ---- external audit (CA-5) ---------------------------------------------------------------


class ExternalAudit(models.Model):
    shard = models.ForeignKey("shards.Shard", on_delete=models.PROTECT)
    quarter = models.DateField()  # first day of the quarter
    auditor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField()
    kappa = models.DecimalField(max_digits=6, decimal_places=4, null=True, blank=True)
    pairs = models.PositiveIntegerField(default=0)
    evaluated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "verifier_externalaudit"
        constraints = [models.UniqueConstraint(fields=["shard", "quarter"], name="one_external_audit_per_quarter")]


class ExternalAuditItem(models.Model):
    audit = models.ForeignKey(ExternalAudit, on_delete=models.CASCADE, related_name="items")
    case = models.ForeignKey("verifier.Case", on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(max_length=3, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "verifier_externalaudititem"
        constraints = [models.UniqueConstraint(fields=["audit", "case"], name="case_once_per_external_audit")]


# ---- subgroup drift (CA-7) and rationale campaign (CA-8) -------------------------------------


class DriftReport(models.Model):
    shard = models.ForeignKey("shards.Shard", on_delete=models.PROTECT)
    month = models.DateField()
    rates = models.JSONField(default=dict)  # sub-locale -> {"approved": n, "total": n, "rate": float}
    delta = models.DecimalField(max_digits=5, decimal_places=4)
    over_threshold = models.BooleanField(default=False)
    current_ratio = models.FloatField()
    suggested_ratio = models.FloatField(null=True, blank=True)
    suggestion = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        db_table = "verifier_driftreport"
        constraints = [models.UniqueConstraint(fields=["shard", "month"], name="one_drift_report_per_month")]


class RationaleCampaign(models.Model):
    shard = models.ForeignKey("shards.Shard", on_delete=models.PROTECT)
    quarter = models.DateField()
    created_at = models.DateTimeField()

    class Meta:
        db_table = "verifier_rationalecampaign"
        constraints = [models.UniqueConstraint(fields=["shard", "quarter"], name="one_rationale_campaign_per_quarter")]


class Rationale(models.Model):
    """CA-8: one sentence why, per case and verifier; its embedding is kept as a soft prompt for the
    next quarter's calibration items and never enters a live model."""

    campaign = models.ForeignKey(RationaleCampaign, on_delete=models.CASCADE, related_name="rationales")
    verifier = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    case = models.ForeignKey("verifier.Case", on_delete=models.PROTECT, related_name="+")
    sentence = models.CharField(max_length=500, blank=True)
    written_at = models.DateTimeField(null=True, blank=True)
    embedding = models.JSONField(null=True, blank=True)
    embedder = models.CharField(max_length=200, blank=True)

    class Meta:
        db_table = "verifier_rationale"
        constraints = [models.UniqueConstraint(fields=["campaign", "verifier", "case"], name="one_rationale_per_case")]


# ---- pay (CA-6) --------------------------------------------------------------------------


class Contract(models.Model):
    verifier = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contracts")
    hourly_rate = models.DecimalField(max_digits=8, decimal_places=2)
    currency = models.CharField(max_length=3, default="USD")
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        db_table = "verifier_contract"
        constraints = [
            models.CheckConstraint(condition=Q(hourly_rate__gte=0), name="rate_not_negative"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")), name="contract_ends_after_start"
            ),
        ]


class PayRun(models.Model):
    month = models.DateField(unique=True)  # one run per month: running it twice pays nobody twice
    run_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    run_at = models.DateTimeField()

    class Meta:
        db_table = "verifier_payrun"


class Payout(models.Model):
    pay_run = models.ForeignKey(PayRun, on_delete=models.PROTECT, related_name="payouts")
    verifier = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payouts")
    month = models.DateField()
    currency = models.CharField(max_length=3)
    hours = models.DecimalField(max_digits=7, decimal_places=2)
    sessions = models.PositiveIntegerField(default=0)
    hourly_rate = models.DecimalField(max_digits=8, decimal_places=2)
    base = models.DecimalField(max_digits=10, decimal_places=2)
    bonus = models.DecimalField(max_digits=10, decimal_places=2)
    bonus_note = models.CharField(max_length=300, blank=True)
    kappa = models.DecimalField(max_digits=6, decimal_places=4, null=True, blank=True)
    calibration_accuracy = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    amount = models.DecimalField(max_digits=10, decimal_places=2)  # what payroll pays now
    held = models.BooleanField(default=False)
    hold_reason = models.TextField(blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    release_reason = models.TextField(blank=True)

    class Meta:
        db_table = "verifier_payout"
        constraints = [
            models.UniqueConstraint(fields=["verifier", "month"], name="one_payout_per_verifier_month"),
            models.CheckConstraint(condition=Q(held=False) | Q(amount=0), name="held_payout_is_zero"),
        ]

    @property
    def earned(self) -> Decimal:
        return self.base + self.bonus
