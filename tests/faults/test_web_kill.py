"""Issue 12, drill 1: `kill -9` of the web process (daphne, its whole process group) during a burst
of rulings. Every ruling is either fully stored (seat done, assignment ruled, one audit event, case
decided) or absent; every 201 the clients saw has its row; after a restart the drain finishes with
each case decided exactly once."""

import time

import pytest

from tests.factories import make_cases, shard_with_pool
from tests.faults.helpers import Daphne, Drain, api_token, rulings_fully_stored, wait_for
from verifier.models import Ruling

pytestmark = [pytest.mark.pg, pytest.mark.redis, pytest.mark.fault]


def test_kill_9_of_daphne_mid_burst_leaves_each_ruling_whole_or_absent(transactional_db, tmp_path):
    shard, verifiers = shard_with_pool("en-US", n=4)
    cases = make_cases(shard, 40)
    server = Daphne(tmp_path / "daphne.log", DB_POOL_MAX_SIZE="4")
    try:
        drain = Drain(server.url, {v.username: api_token(v) for v in verifiers}, deadline_s=180)
        drain.may_stop.clear()
        drain.start()
        wait_for(lambda: Ruling.objects.count() >= 10, 90, "the burst to get going", [server.log])
        server.kill9()
        killed_at = time.time()
        at_kill = rulings_fully_stored()  # whatever was in flight is whole or absent, before any restart
        answered_before = {b["ruling_id"] for b in drain.rulings_answered(201)}
        stored = set(map(str, Ruling.objects.values_list("public_id", flat=True)))
        assert answered_before <= stored  # a 201 the client saw is never lost
        in_flight = [a for a in drain.answers if a[2] == "ruling" and a[3] is None]
        time.sleep(1)
        server.start()  # same port: the clients retry against it
        restarted_in = time.time() - killed_at
        drain.may_stop.set()
        drain.join()
        print(
            f"\nkill -9 after {at_kill['rulings']} rulings: {len(in_flight)} in flight, "
            f"{len(stored - answered_before)} stored without an answer; back in {restarted_in:.1f} s"
        )
    finally:
        server.stop()

    counts = rulings_fully_stored()
    assert counts == {"rulings": len(cases), "decided": len(cases)}
    answered = {b["ruling_id"] for b in drain.rulings_answered(201)}
    assert answered <= set(map(str, Ruling.objects.values_list("public_id", flat=True)))
    unexpected = {k: n for k, n in drain.statuses().items() if k[1] not in (200, 201, 204, None)}
    assert not unexpected, unexpected
