"""People and the append-only audit log: what every app needs, so it lives below all of them.

Both tables were created by the `verifier` app; `db_table` keeps them (core/migrations/0001 moves
the models in Django's state only, no database change).
"""

import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("'%(value)s' is not an IANA time zone name.") % {"value": value})


class User(AbstractUser):
    class Role(models.TextChoices):
        VERIFIER = "verifier"
        SENIOR = "senior"
        ADMIN = "admin"
        INTAKE = "intake"  # service account: the firehose listener
        TRAINER = "trainer"  # service account: reads exports
        FILTER = "filter"  # service account: the live safety filter asks POST /api/v1/filter/

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VERIFIER)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    sub_locale = models.CharField(max_length=64, blank=True, help_text="SH-4, from the subgroup survey")
    # VQ-9: the UI language; blank follows the browser (Accept-Language) until the user picks one.
    ui_language = models.CharField(max_length=8, blank=True, choices=settings.LANGUAGES)

    class Meta(AbstractUser.Meta):
        db_table = "verifier_user"
        swappable = "AUTH_USER_MODEL"

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only.")

    def delete(self):
        raise PermissionError("The audit log is append-only.")


class AuditEvent(models.Model):
    """VQ-7: who did what, when, before and after. Append-only in code and, on PostgreSQL, by trigger."""

    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT)
    actor_name = models.CharField(max_length=150)  # kept even if the account is renamed
    at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        db_table = "verifier_auditevent"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="verifier_au_object__b7ee3e_idx")]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")
