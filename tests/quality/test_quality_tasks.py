"""The monthly and quarterly beat tasks (SPEC 7): registered in the schedule, idempotent when rerun."""

from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from core.models import User
from quality import tasks
from quality.models import BlindAudit, CalibrationSet, KappaScore, Payout, PayRun
from quality.services.pay import contract_set
from quality.services.periods import month_previous, month_start
from tests.base import gold_items, pool, ruled_case
from tests.factories import UserFactory


def test_every_scheduled_quality_task_exists():
    from config.celery import app

    app.loader.import_default_modules()
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for name in (
        "build_calibration_sets",
        "start_blind_audits",
        "close_month_quality",
        "build_drift_reports",
        "monthly_pay_run",
        "start_external_audits",
        "evaluate_external_audits",
        "start_rationale_campaigns",
    ):
        assert f"verifier.tasks.{name}" in names and f"verifier.tasks.{name}" in app.tasks


@pytest.mark.django_db
def test_monthly_tasks_build_sets_audits_and_pay_once():
    admin = UserFactory(username="task_admin", role=User.Role.ADMIN)
    shard, users, _ = pool()
    gold_items("en-US", 50)
    last = month_previous(month_start(timezone.now()))
    contract_set(actor=admin, verifier=users[0], hourly_rate=Decimal("20"), starts_on=date(2020, 1, 1), reason="hired")
    ruled_case(shard, users[0], "yes", now=timezone.now())
    built = tasks.build_calibration_sets()
    assert isinstance(built["en-US"], int) and tasks.build_calibration_sets() == built
    assert CalibrationSet.objects.count() == 1
    assert tasks.start_blind_audits()["en-US"] == 1 and BlindAudit.objects.count() == 1
    tasks.close_month_quality()
    first = tasks.monthly_pay_run()
    second = tasks.monthly_pay_run()
    assert first["created"] and not second["created"] and first["month"] == last.isoformat()
    assert PayRun.objects.count() == 1 and Payout.objects.count() == 1


@pytest.mark.pg
@pytest.mark.redis
@pytest.mark.worker
def test_pay_run_on_a_real_worker_twice_pays_once(celery_worker_process):
    admin = UserFactory(username="worker_admin", role=User.Role.ADMIN)
    shard, users, _ = pool()
    contract_set(actor=admin, verifier=users[0], hourly_rate=Decimal("20"), starts_on=date(2020, 1, 1), reason="hired")
    results = [tasks.monthly_pay_run.delay() for _ in range(2)]
    outcomes = [r.get(timeout=60) for r in results]
    assert sorted(o["created"] for o in outcomes) == [False, True]
    assert Payout.objects.filter(verifier=users[0]).count() == 1
    assert not KappaScore.objects.exists()
