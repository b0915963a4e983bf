"""Appeals (AP-1..AP-5) and the reversal items they re-export.

Imported by name at the bottom of verifier/models.py so Django registers them in the verifier app.
The database holds the invariants where it can: one appeal per ruling, one vote per reviewer and tier.
Calibration, audits and pay live in the quality app (quality/models.py).
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

# ---- appeals ----------------------------------------------------------------------------


class Appeal(models.Model):
    """AP-1: a dispute of one ruling. The original ruling stands until the appeal is decided (AP-5)."""

    class Status(models.TextChoices):
        OPEN = "open"
        DECIDED = "decided"

    class Outcome(models.TextChoices):
        UPHELD = "upheld"  # the original ruling is kept
        REVERSED = "reversed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    ruling = models.OneToOneField("verifier.Ruling", on_delete=models.PROTECT, related_name="appeal")
    appellant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appeals_filed")
    reason = models.TextField()
    high_risk = models.BooleanField(default=False)  # AP-2: taboo appeals skip tier 1
    tier = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    original_answer = models.CharField(max_length=3)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, blank=True)
    final_answer = models.CharField(max_length=3, blank=True)
    final = models.BooleanField(default=False)  # AP-4: a tier-3 decision cannot be escalated
    opened_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(tier__in=[1, 2, 3]), name="appeal_tier_1_2_3"),
            models.CheckConstraint(condition=Q(original_answer__in=["yes", "no"]), name="appeal_original_yes_no"),
        ]
        indexes = [models.Index(fields=["status", "tier"])]


class AppealReview(models.Model):
    """One reviewer's seat at one tier of an appeal: a blind peer (tier 1), the senior (tier 2),
    or a panel member (tier 3). `vote` is "uphold" or "overturn" once cast."""

    class Seat(models.TextChoices):
        PEER = "peer"
        SENIOR = "senior"
        PANEL_SENIOR = "panel_senior"
        PANEL_VERIFIER = "panel_verifier"

    class Vote(models.TextChoices):
        UPHOLD = "uphold"
        OVERTURN = "overturn"

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="reviews")
    tier = models.PositiveSmallIntegerField()
    seat = models.CharField(max_length=16, choices=Seat.choices)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appeal_reviews")
    vote = models.CharField(max_length=8, choices=Vote.choices, blank=True)
    weight = models.DecimalField(max_digits=6, decimal_places=4, default=Decimal("1"))  # AP-4: kappa
    norm_aligned = models.BooleanField(null=True, blank=True)  # AP-3 structured form
    cited_rule = models.CharField(max_length=300, blank=True)  # AP-3: the code or rule cited
    voted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["appeal", "tier", "reviewer"], name="one_seat_per_reviewer_and_tier"),
            models.CheckConstraint(condition=Q(vote__in=["", "uphold", "overturn"]), name="appeal_vote_values"),
        ]
        indexes = [models.Index(fields=["reviewer"], condition=Q(vote=""), name="appeal_review_pending")]
