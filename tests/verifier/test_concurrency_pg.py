"""VQ-1 on PostgreSQL: many verifiers draining one shard at once. Every case ruled exactly once,
no seat held by two people, nothing left behind."""

import threading
from collections import Counter

import pytest
from django.db import close_old_connections, connection

from core.models import AuditEvent
from shards.models import LocaleLedger
from tests.factories import make_cases, shard_with_pool
from training.models import TrainingSample
from verifier.models import Assignment, Case, CaseTask, Ruling
from verifier.services.queue import case_next
from verifier.services.rulings import ruling_record, ruling_record_held

pytestmark = [pytest.mark.pg, pytest.mark.django_db(transaction=True)]
VERIFIERS = 20


def _drain(user, errors, seen, rule=None):
    """One verifier takes and rules cases until none is left; `rule(user, lease)` rules one (default: the
    full path, `ruling_record`, "yes") and returns False to stop with an error."""
    try:
        while True:
            lease = case_next(user=user)
            if lease is None:
                return
            seen.append((lease.task.pk, user.pk))
            if rule is None:
                ruling_record(user=user, case=lease.case, answer="yes")
            elif not rule(user, lease):
                errors.append(f"held lease on {lease.case.public_id} not found by the hot path")
                return
    except Exception as exc:  # surfaced to the test thread
        errors.append(repr(exc))
    finally:
        connection.close()


def _all_drain(pool, drain) -> tuple[list, list]:
    """Every verifier of `pool` drains at once, each in a thread of its own; (errors, seats seen)."""
    errors, seen = [], []
    threads = [threading.Thread(target=drain, args=(u, errors, seen)) for u in pool]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    close_old_connections()
    assert errors == []
    assert not any(t.is_alive() for t in threads)
    return errors, seen


@pytest.mark.parametrize("overlap_rate", [0.0, 0.10])
def test_twenty_verifiers_drain_one_shard_each_seat_ruled_exactly_once(settings, overlap_rate):
    assert connection.vendor == "postgresql"
    settings.VERIFIER = {**settings.VERIFIER, "OVERLAP_RATE": overlap_rate}
    shard, pool = shard_with_pool("en-US", n=VERIFIERS)
    cases = make_cases(shard, 400)
    seats = CaseTask.objects.count()
    errors, seen = _all_drain(pool, _drain)
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


def _rule_hot(user, lease) -> bool:
    """The API's hot path (issue 14): ruling_record_held's lock and composed write."""
    answer = "yes" if lease.task.pk % 3 else "no"
    return ruling_record_held(user=user, case_public_id=lease.case.public_id, answer=answer) is not None


def _drain_hot(user, errors, seen):
    _drain(user, errors, seen, rule=_rule_hot)


def test_twenty_verifiers_through_the_hot_path_every_ruling_written_whole(settings):
    """Issue 14: the composed write (ruling rows, sample, ledgers, audit in one statement; COMMIT with it)
    under contention on the one locale ledger row: every seat ruled once, and the sample, the ledger and the
    audit log agree with the rulings, counted independently."""
    assert connection.vendor == "postgresql"
    settings.VERIFIER = {**settings.VERIFIER, "OVERLAP_RATE": 0.10}
    shard, pool = shard_with_pool("en-US", n=VERIFIERS)
    make_cases(shard, 300)
    seats = CaseTask.objects.count()
    errors, seen = _all_drain(pool, _drain_hot)
    assert Counter(task for task, _ in seen).most_common(1)[0][1] == 1
    assert len(seen) == seats == Ruling.objects.count() == AuditEvent.objects.filter(action="ruling_record").count()
    assert CaseTask.objects.exclude(status="done").count() == 0 and Case.objects.exclude(status="decided").count() == 0
    # The deciding ruling of each case is the one that took the case lock first: the one that moved the
    # ledger (a correction's weight is at least 1; an overlap case's second ruling weighs nothing).
    firsts = list(Ruling.objects.filter(ledger_weight__gt=0).values_list("case_id", "answer"))
    deciding = dict(firsts)
    assert len(deciding) == len(firsts) == Case.objects.count()  # one deciding ruling per case
    assert dict(Case.objects.values_list("id", "decision")) == deciding
    yes = {c for c, a in deciding.items() if a == "yes"}
    assert set(TrainingSample.objects.values_list("case_id", flat=True)) == yes
    ledger = LocaleLedger.objects.get(locale_code="en-US")
    weight = Ruling.objects.filter(ledger_weight__gt=0).values_list("ledger_weight", flat=True)
    assert ledger.rulings == len(deciding) == len(weight)
    assert ledger.votes == sum(weight)
    assert ledger.corroborated == sum(
        w for r, w in Ruling.objects.filter(ledger_weight__gt=0).values_list("answer", "ledger_weight") if r == "yes"
    )


def test_a_double_press_racing_itself_makes_one_ruling():
    """Two requests for the same held seat at once (issue 14's double key press, through the hot path):
    one ruling; the other finds no held lease and answers None (the view then replays it)."""
    shard, (alice, *_) = shard_with_pool("en-US")
    make_cases(shard, 1)
    lease = case_next(user=alice)
    barrier, answers = threading.Barrier(2), []

    def press():
        try:
            barrier.wait()
            answers.append(
                ruling_record_held(user=alice, case_public_id=lease.case.public_id, answer="yes", idempotency_key="k")
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=press) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    close_old_connections()
    assert sorted(a is None for a in answers) == [False, True]
    assert Ruling.objects.count() == 1 and AuditEvent.objects.filter(action="ruling_record").count() == 1
