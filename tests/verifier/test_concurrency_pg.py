"""VQ-1 on PostgreSQL: many verifiers draining one shard at once. Every case ruled exactly once,
no seat held by two people, nothing left behind."""

import threading
from collections import Counter

import pytest
from django.db import close_old_connections, connection

from tests.factories import make_cases, shard_with_pool
from verifier.models import Assignment, Case, CaseTask, Ruling
from verifier.services.queue import case_next
from verifier.services.rulings import ruling_record

pytestmark = [pytest.mark.pg, pytest.mark.django_db(transaction=True)]
VERIFIERS = 20


def _drain(user, errors, seen):
    try:
        while True:
            lease = case_next(user=user)
            if lease is None:
                return
            seen.append((lease.task.pk, user.pk))
            ruling_record(user=user, case=lease.case, answer="yes")
    except Exception as exc:  # surfaced to the test thread
        errors.append(repr(exc))
    finally:
        connection.close()


@pytest.mark.parametrize("overlap_rate", [0.0, 0.10])
def test_twenty_verifiers_drain_one_shard_each_seat_ruled_exactly_once(settings, overlap_rate):
    assert connection.vendor == "postgresql"
    settings.VERIFIER = {**settings.VERIFIER, "OVERLAP_RATE": overlap_rate}
    shard, pool = shard_with_pool("en-US", n=VERIFIERS)
    cases = make_cases(shard, 400)
    seats = CaseTask.objects.count()
    errors, seen = [], []
    threads = [threading.Thread(target=_drain, args=(u, errors, seen)) for u in pool]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    close_old_connections()
    assert errors == []
    assert not any(t.is_alive() for t in threads)
    # Every seat handed out exactly once (no double assignment), every seat ruled, nothing left.
    assert Counter(task for task, _ in seen).most_common(1)[0][1] == 1
    assert len(seen) == seats == Ruling.objects.count()
    assert CaseTask.objects.exclude(status="done").count() == 0
    assert Case.objects.exclude(status="decided").count() == 0
    # A case held by two people only when sampled for overlap, and then by two different people.
    for case in Case.objects.filter(required_rulings=2):
        assert Ruling.objects.filter(case=case).values("verifier").distinct().count() == 2
    assert (
        Ruling.objects.filter(case__required_rulings=1).values("case").distinct().count()
        == Case.objects.filter(required_rulings=1).count()
    )
    assert Assignment.objects.exclude(outcome="ruled").count() == 0
    assert len({u for _, u in seen}) > 1  # the work really was shared
    if overlap_rate:
        assert Case.objects.filter(required_rulings=2).exists()
    assert len(cases) == 400
