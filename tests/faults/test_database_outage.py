"""Issue 12, drill 3: PostgreSQL unreachable for a few seconds (a TCP proxy between daphne and the
database is cut; the shared cluster is never touched) during a queue drain and during an intake
bulk POST. Every answer in the outage is a 503 `database_unavailable` in the JSON error shape, no
item is half-stored, and the app recovers by itself when the database is back."""

import threading
import time

import pytest
from django.db import connection

from shards.models import Correction, Shard
from tests.base import api_item, fresh_ip
from tests.factories import ShardFactory, UserFactory, make_cases, shard_with_pool
from tests.faults.conftest import APP_NAME
from tests.faults.helpers import Drain, api_token, http, rulings_fully_stored, wait_for
from verifier.models import Case, Ruling

pytestmark = [pytest.mark.pg, pytest.mark.redis, pytest.mark.fault]

OUTAGE_S = 3
RECOVERY_BOUND_S = 20  # pool reconnect backoff (psycopg_pool: 1 s, doubling) + DB_POOL_TIMEOUT


def assert_database_unavailable(status, body):
    assert status == 503, (status, body)
    assert body["code"] == "database_unavailable" and "nothing of this request was stored" in body["detail"]


def test_database_cut_during_a_queue_drain_answers_503_and_loses_no_ruling(proxied_daphne, pg_proxy):
    shard, verifiers = shard_with_pool("en-US", n=3)
    cases = make_cases(shard, 30)
    tokens = {v.username: api_token(v) for v in verifiers}
    drain = Drain(proxied_daphne.url, tokens, deadline_s=180)
    drain.may_stop.clear()  # nobody leaves while the outage runs
    drain.start()

    wait_for(lambda: Ruling.objects.count() >= 8, 90, "the drain to get going", [proxied_daphne.log])
    pg_proxy.cut()
    cut_at = time.time()
    time.sleep(OUTAGE_S)
    before_restore = Ruling.objects.count()
    pg_proxy.restore()
    restored_at = time.time()
    drain.may_stop.set()
    drain.join()

    during = [a for a in drain.answers if cut_at + 0.5 < a[0] < restored_at]
    assert during, "no request was answered during the outage"
    for _, _, _, status, body in during:
        assert_database_unavailable(status, body)
    ok_after = [a[0] for a in drain.answers if a[0] > restored_at and a[3] in (200, 201, 204)]
    assert ok_after, "nothing succeeded after the database came back"
    recovery = min(ok_after) - restored_at
    assert recovery < RECOVERY_BOUND_S, f"first success {recovery:.1f} s after the database came back"
    print(f"\ndatabase outage {OUTAGE_S} s: {len(during)} answers, all 503; first success {recovery:.2f} s after")

    # Nothing lost, nothing doubled: every case decided once, every 201 has its full row.
    counts = rulings_fully_stored()
    assert counts == {"rulings": len(cases), "decided": len(cases)}
    assert Ruling.objects.count() >= before_restore
    stored = set(map(str, Ruling.objects.values_list("public_id", flat=True)))
    answered = {b["ruling_id"] for b in drain.rulings_answered(201)}
    assert answered <= stored
    assert Case.objects.filter(status=Case.Status.DECIDED).count() == len(cases)
    unexpected = {k: n for k, n in drain.statuses().items() if k[1] not in (200, 201, 204, 503)}
    assert not unexpected, unexpected  # a 409 would mean a ruling stored but answered as failed


def bulk(n: int, tag: str) -> dict:
    return {
        "items": [
            api_item(post_id=f"{tag}-{i}", submitter_id=f"{tag}-u{i}", ip=fresh_ip(), reply_text=f'@grok correct "{i}"')
            for i in range(n)
        ]
    }


def open_transaction_age() -> float:
    """Seconds the oldest transaction of daphne's connections has been open (0 when none is)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(max(extract(epoch FROM now() - xact_start)), 0) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s AND xact_start IS NOT NULL",
            [APP_NAME],
        )
        return float(cursor.fetchone()[0])


def test_database_cut_during_an_intake_bulk_stores_nothing_of_it_and_the_retry_stores_all(proxied_daphne, pg_proxy):
    shard_with_pool("en-US")
    ShardFactory(code="global", kind=Shard.Kind.GLOBAL)
    token = api_token(UserFactory(username="intake", role="intake"))
    url = f"{proxied_daphne.url}/api/v1/corrections/"
    assert http("POST", url, bulk(1, "warm"), token=token)[0] == 200  # the detector and lexicons are loaded
    before = Correction.objects.count()

    # Cut before the request: refused at once (within DB_POOL_TIMEOUT), nothing stored.
    pg_proxy.cut()
    started = time.monotonic()
    assert_database_unavailable(*http("POST", url, bulk(50, "early"), token=token))
    assert time.monotonic() - started < 10
    pg_proxy.restore()

    # Cut while the bulk's transaction is open: the whole bulk rolls back.
    n_items = 10_000
    items = bulk(n_items, "mid")  # the largest bulk: its transaction outlives a few polls even on a quiet machine
    answer = {}
    poster = threading.Thread(target=lambda: answer.update(r=http("POST", url, items, token=token, timeout=120)))
    poster.start()
    wait_for(lambda: open_transaction_age() > 0.1 or not poster.is_alive(), 120, "the bulk's transaction")
    assert poster.is_alive(), f"the bulk finished before the cut: {answer['r'][0]}"
    pg_proxy.cut()
    time.sleep(OUTAGE_S)
    poster.join(60)
    assert_database_unavailable(*answer["r"])
    assert Correction.objects.count() == before  # no half-stored item
    assert not Correction.objects.filter(post_id__startswith="mid-").exists()
    pg_proxy.restore()
    restored_at = time.monotonic()

    # The client retries the same bulk once the database is back: every item gets one outcome.
    def retried():
        answer["r"] = http("POST", url, items, token=token, timeout=120)
        return answer["r"][0] != 503

    wait_for(retried, RECOVERY_BOUND_S + 60, "the retry to be answered")
    status, body = answer["r"]
    print(f"\nintake retry answered {status} {time.monotonic() - restored_at:.2f} s after the database came back")
    assert status == 200, body
    assert [r["index"] for r in body["results"]] == list(range(n_items))
    assert all(r["outcome"] for r in body["results"])
    assert Correction.objects.count() == before + n_items
    assert Correction.objects.filter(post_id__startswith="mid-").values("post_id").distinct().count() == n_items
