"""Scheduled work on a real Celery worker process, Redis broker, PostgreSQL test database."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.models import AuditEvent
from tests.factories import make_cases, shard_with_pool
from verifier.models import Case
from verifier.tasks import flag_overdue_cases

pytestmark = [pytest.mark.worker, pytest.mark.pg, pytest.mark.redis]


def test_overdue_cases_are_flagged_once_by_the_worker(celery_worker_process, settings):
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    shard, _ = shard_with_pool("en-US")
    old = make_cases(shard, 2, at=timezone.now() - timedelta(hours=25), text="old")
    fresh = make_cases(shard, 1, at=timezone.now(), text="fresh")
    assert flag_overdue_cases.delay().get(timeout=60) == 2
    assert flag_overdue_cases.delay().get(timeout=60) == 0  # idempotent: flagged once
    assert set(Case.objects.filter(escalated_at__isnull=False)) == set(old)
    assert Case.objects.get(pk=fresh[0].pk).escalated_at is None
    assert AuditEvent.objects.filter(action="case_escalated_overdue").count() == 2
