"""RK-2 on PostgreSQL: two verifiers nominating a new token at the same moment share one candidate."""

import threading

import pytest
from django.db import connection

from risk_db.models import TabooCandidate
from risk_db.services import taboo_nominate
from tests.base import RISK_T0 as T0
from tests.base import build_world, handed_case

pytestmark = [pytest.mark.pg, pytest.mark.django_db(transaction=True)]


def test_simultaneous_first_nominations_make_one_candidate_in_review():
    world = build_world()
    pairs = [
        (world.th_v[0], handed_case(world.th_v[0], world.th)),
        (world.ar_v[0], handed_case(world.ar_v[0], world.ar)),
    ]
    barrier = threading.Barrier(len(pairs))
    errors = []

    def nominate(user, case):
        try:
            barrier.wait()
            taboo_nominate(user=user, case=case, term="crowndog", context="", now=T0)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=nominate, args=pair) for pair in pairs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    [candidate] = TabooCandidate.objects.all()
    assert candidate.status == TabooCandidate.Status.REVIEW and candidate.nominations.count() == 2
