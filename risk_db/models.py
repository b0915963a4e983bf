"""Risk rules. The lifecycle (versions, shadow, graduation, propagation) builds on this table."""
from django.db import models


class Rule(models.Model):
    class State(models.TextChoices):
        SHADOW = "shadow"
        BLOCKING = "blocking"
        REVERTED = "reverted"
        DROPPED = "dropped"
        SHADOW_ONLY = "shadow_only"

    pattern = models.CharField(max_length=1000, help_text="RE2 syntax (linear time), matched case-insensitively")
    intent_class = models.CharField(max_length=64, blank=True)
    origin_locale = models.CharField(max_length=16)
    state = models.CharField(max_length=12, choices=State.choices, default=State.SHADOW)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"rule {self.pk} ({self.origin_locale}, {self.state})"
