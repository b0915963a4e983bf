"""On PostgreSQL, racing requests: two pay runs of one month, two appeals of one ruling, two votes
from one reviewer. Each time exactly one wins and the others are refused cleanly."""

import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection

from core.errors import Refused
from core.models import User
from quality.models import KappaScore, Payout, PayRun
from quality.services.calibration import calibration_answers_submit, calibration_set_build
from quality.services.pay import contract_set, pay_run_execute
from tests.base import QUALITY_T0 as T0
from tests.base import gold_items, pool, ruled_case
from tests.factories import UserFactory
from verifier.models import Appeal, AppealReview
from verifier.services.appeals import appeal_open, appeal_vote

pytestmark = [pytest.mark.pg, pytest.mark.django_db(transaction=True)]


def race(n, fn):
    results, barrier = [], threading.Barrier(n)

    def run():
        try:
            barrier.wait()
            results.append(("ok", fn()))
        except Refused as refusal:
            results.append(("refused", refusal.code))
        except Exception as exc:  # noqa: BLE001 - surfaced to the test
            results.append(("error", repr(exc)))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    close_old_connections()
    return results


def test_four_simultaneous_pay_runs_pay_each_verifier_once():
    admin = UserFactory(username="race_admin", role=User.Role.ADMIN)
    shard, users, _ = pool()
    gold_items("en-US", 50)
    cset = calibration_set_build(locale="en-US", month=date(2026, 10, 1))
    for u in users:
        contract_set(actor=admin, verifier=u, hourly_rate=Decimal("20"), starts_on=date(2026, 1, 1), reason="hired")
        ruled_case(shard, u, "yes")
        calibration_answers_submit(
            user=u,
            calibration_set=cset,
            now=T0,
            answers={i.pk: i.gold.expected for i in cset.items.select_related("gold")},
        )
    results = race(4, lambda: pay_run_execute(month=date(2026, 10, 1), now=datetime(2026, 11, 2, tzinfo=UTC)))
    assert [r[0] for r in results] == ["ok"] * 4
    assert sum(1 for _, (run, created) in results if created) == 1
    assert PayRun.objects.count() == 1 and Payout.objects.count() == len(users)
    assert KappaScore.objects.count() == len(users)  # computed by the racing runs, once per verifier


def test_simultaneous_appeals_of_one_ruling_open_one():
    shard, users, _ = pool()
    ruling = ruled_case(shard, users[0], "yes")
    results = race(3, lambda: appeal_open(user=users[0], ruling=ruling, reason="x", now=T0 + timedelta(hours=1)))
    assert sorted(r[0] for r in results) == ["ok", "refused", "refused"]
    assert {r[1] for r in results if r[0] == "refused"} == {"already_appealed"}
    assert Appeal.objects.count() == 1


def test_one_reviewer_voting_twice_at_once_counts_once():
    shard, users, _ = pool()
    ruling = ruled_case(shard, users[0], "yes")
    appeal = appeal_open(user=users[0], ruling=ruling, reason="x", now=T0 + timedelta(hours=1))
    peer = appeal.reviews.first().reviewer
    results = race(2, lambda: appeal_vote(user=peer, appeal=appeal, vote="overturn", now=T0 + timedelta(hours=2)))
    assert sorted(r[0] for r in results) == ["ok", "refused"]
    assert AppealReview.objects.filter(appeal=appeal).exclude(vote="").count() == 1
