"""Issue 14: PostgreSQL's hand-written next statement (`verifier.services.queue._next_pg_sql`, core.sql) leases
exactly the seat the ORM path (`_held`, `_lease_new`: the same rules on every database) would, step by step
through a world that has every kind of seat: native-only, taboo under and at the cap, overlap cases with one
seat ruled, skipped cases, another verifier's live and expired leases, a held prefetch."""

import random
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from shards.services.pools import membership_set
from tests.factories import make_cases, shard_with_pool
from verifier.models import Case, CaseTask, Skip
from verifier.services import queue
from verifier.services.queue import DailyCapReached
from verifier.services.rulings import ruling_record

pytestmark = [pytest.mark.pg, pytest.mark.django_db]


def _orm_answer(user, now):
    """The seat the ORM path leases now, rolled back: ("held"|"leased", task id), or None."""
    with transaction.atomic():
        held = queue._held(user=user, now=now).first()
        if held:
            answer = ("held", held.pk)
        else:
            try:
                lease = queue._lease_new(user=user, now=now)
            except DailyCapReached:
                lease = None
            answer = ("leased", lease.task.pk) if lease else None
        transaction.set_rollback(True)
    return answer


def _sql_answer(user, now):
    """The hand-written statement's answer, kept (it leases): ("held"|"leased", task id), None, or "other"."""
    held_before = set(
        CaseTask.objects.filter(holder=user, status="leased", lease_expires_at__gt=now).values_list("pk", flat=True)
    )
    lease = queue._next_pg(user=user, now=now)
    if lease is None or lease == "other":
        return lease
    return ("held" if lease.task.pk in held_before else "leased", lease.task.pk)


def _world(settings):
    settings.VERIFIER = {**settings.VERIFIER, "OVERLAP_RATE": 0.5, "TABOO_DAILY_CAP": 3}
    shard, (alice, bob, *_) = shard_with_pool("th-TH")
    make_cases(shard, 20)
    make_cases(shard, 6, native_only=True)
    make_cases(shard, 8, kind="taboo", native_only=True)
    return shard, alice, bob


@pytest.mark.parametrize("native", [True, False])
def test_the_next_statement_leases_what_the_orm_path_would(settings, native):
    shard, alice, bob = _world(settings)
    if not native:  # outside the native pool: no native-only seat, so no taboo one, is ever hers
        membership_set(user=alice, shard=shard, native=False)
    rng = random.Random(14)
    now = timezone.now()
    # bob holds a live lease and one that expired; alice skipped one case
    bob_live = queue.case_next(user=bob, now=now)
    ruling_record(user=bob, case=bob_live.case, answer="yes", now=now)
    bob_old = queue.case_next(user=bob, now=now)
    CaseTask.objects.filter(pk=bob_old.task.pk).update(lease_expires_at=now - timedelta(seconds=1))
    Skip.objects.create(user=alice, case=Case.objects.filter(kind="correction").order_by("-id").first())
    compared = kinds = 0
    seen_kinds = set()
    for step in range(60):
        now += timedelta(seconds=1)
        expected = _orm_answer(alice, now)
        got = _sql_answer(alice, now)
        assert got == expected, f"step {step}: the statement answered {got}, the ORM path {expected}"
        compared += 1
        if got is None:
            break
        task = CaseTask.objects.select_related("case").get(pk=got[1])
        seen_kinds.add((task.case.kind, task.case.native_only, task.case.required_rulings))
        roll = rng.random()
        if roll < 0.15 and got[0] == "leased":  # keep it and lease another ahead (a prefetch): next answers held
            continue
        if roll < 0.25:  # the lease runs out; the seat returns to the queue
            CaseTask.objects.filter(pk=task.pk).update(lease_expires_at=now - timedelta(milliseconds=1))
            continue
        ruling_record(user=alice, case=task.case, answer=rng.choice(["yes", "no"]), now=now)
        kinds += 1
    assert compared >= 15 and kinds >= 8
    # the walk met the kinds of seat the statement must tell apart, and only those she may see
    assert {k for k, _, _ in seen_kinds} == ({"correction", "taboo"} if native else {"correction"})
    assert any(n_only for _, n_only, _ in seen_kinds) == native and any(n == 2 for _, _, n in seen_kinds)


def test_at_the_taboo_cap_the_statement_leases_no_taboo_seat_and_the_call_says_why(settings):
    settings.VERIFIER = {**settings.VERIFIER, "OVERLAP_RATE": 0.0, "TABOO_DAILY_CAP": 2}
    shard, (alice, *_) = shard_with_pool("th-TH")
    make_cases(shard, 4, kind="taboo", native_only=True)
    now = timezone.now()
    for _ in range(2):
        lease = queue.case_next(user=alice, now=now)
        ruling_record(user=alice, case=lease.case, answer="no", now=now)
    assert _orm_answer(alice, now) is None
    assert queue._next_pg(user=alice, now=now) is None  # nothing it may lease ...
    with pytest.raises(DailyCapReached):  # ... and case_next says why (the ORM path's cap test)
        queue.case_next(user=alice, now=now)


def test_a_verifier_of_two_shards_takes_the_orm_path_with_the_same_answer(settings):
    settings.VERIFIER = {**settings.VERIFIER, "OVERLAP_RATE": 0.0}
    shard, (alice, *_) = shard_with_pool("en-US")
    other, _ = shard_with_pool("en-GB", n=1, prefix="gb")
    membership_set(user=alice, shard=other, native=False)
    make_cases(other, 2)
    make_cases(shard, 2)
    now = timezone.now()
    assert queue._next_pg(user=alice, now=now) == "other"
    expected = _orm_answer(alice, now)
    lease = queue.case_next(user=alice, now=now)
    assert ("leased", lease.task.pk) == expected
