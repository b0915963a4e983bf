"""VQ-1 benchmark: "next case + ruling" through the real HTTP stack on PostgreSQL, beside the raw
one-statement SKIP LOCKED dequeue of the same rows (the ceiling), in the same run.

Server: gunicorn (WSGI, sync workers) serving config.wsgi on 127.0.0.1, the path API traffic takes
in a deployment. Clients: verifier threads with keep-alive connections, each looping GET
/api/v1/queue/next/ then POST /api/v1/cases/{id}/ruling/. Bounded in time and count.
"""

import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = int(os.environ.get("BENCH_QUEUE_CASES", "30000"))
SECONDS = float(os.environ.get("BENCH_QUEUE_SECONDS", "20"))
REPEATS = int(os.environ.get("BENCH_QUEUE_REPEATS", "3"))
WORKERS = int(os.environ.get("BENCH_QUEUE_GUNICORN_WORKERS", "4"))
CONCURRENCY = [8, 32]


def _reset_world(n_verifiers: int):
    from django.db import connection

    from core.models import User
    from core.tokens import token_create
    from shards.models import Locale, Shard
    from shards.services.pools import membership_set
    from verifier.services.queue import NewCase, cases_create

    with connection.cursor() as c:
        c.execute(
            "TRUNCATE verifier_ruling, verifier_assignment, verifier_skip, verifier_casetask, shards_trainingsample,"
            " shards_correction, verifier_case, knox_authtoken, shards_poolmembership CASCADE"
        )
    locale, _ = Locale.objects.get_or_create(code="en-US", defaults={"name": "English", "language": "en"})
    shard, _ = Shard.objects.get_or_create(code="en-US", defaults={"locale": locale})
    tokens = []
    for i in range(n_verifiers):
        user, _ = User.objects.get_or_create(username=f"bench_v{i}", defaults={"role": "verifier"})
        membership_set(user=user, shard=shard, native=True)
        tokens.append(token_create(user=user)[0])
    now = datetime.now(UTC)
    batch = 5000
    for start in range(0, CASES, batch):
        cases_create(
            new_cases=[
                NewCase(
                    shard=shard,
                    kind="correction",
                    locale="en-US",
                    post_id=f"b{i}",
                    post_text=f"post {i}",
                    proposal=f"fix {i}",
                    at=now,
                )
                for i in range(start, min(CASES, start + batch))
            ]
        )
    with connection.cursor() as c:
        c.execute("VACUUM ANALYZE verifier_casetask")
    return shard, tokens


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(port: int) -> subprocess.Popen:
    env = {**os.environ, "DJANGO_DEBUG": "0", "DB_CONN_MAX_AGE": "600", "LOG_LEVEL": "ERROR"}
    from django.conf import settings  # bench modules set Django up before they run

    env.setdefault("DJANGO_SECRET_KEY", settings.SECRET_KEY)  # DEBUG off: the server needs a key (issue 11)
    env.pop("REDIS_URL", None)  # in-memory channel layer: live pushes stay in-process, not measured here
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(WORKERS),
            "--preload",
            "--log-level",
            "error",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        raise RuntimeError("gunicorn did not start")
    # Warm every worker (first request opens its database connection) before measuring.
    for _ in range(WORKERS * 10):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/api/v1/auth/token/")
        conn.getresponse().read()
        conn.close()
    return proc


def _verifier_loop(port, token, deadline, latencies, seen, errors):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    while time.perf_counter() < deadline:
        t0 = time.perf_counter()
        conn.request("GET", "/api/v1/queue/next/", headers=headers)
        r = conn.getresponse()
        body = r.read()
        if r.status == 204:
            return
        if r.status != 200:
            errors.append(f"next {r.status} {body[:100]!r}")
            return
        case_id = json.loads(body)["id"]
        conn.request("POST", f"/api/v1/cases/{case_id}/ruling/", body=b'{"answer": "yes"}', headers=headers)
        r = conn.getresponse()
        body = r.read()
        if r.status != 201:
            errors.append(f"ruling {r.status} {body[:100]!r}")
            return
        latencies.append(time.perf_counter() - t0)
        seen.append((case_id, token))
    conn.close()


def _run_all(threads: list[threading.Thread]) -> float:
    """Start every client thread at once, wait for all; the wall time in seconds."""
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0


def _measure_ours(port, tokens, concurrency):
    latencies, seen, errors = [], [], []
    deadline = time.perf_counter() + SECONDS
    threads = [
        threading.Thread(target=_verifier_loop, args=(port, tokens[i], deadline, latencies, seen, errors))
        for i in range(concurrency)
    ]
    elapsed = _run_all(threads)
    return {
        "ops_per_s": len(latencies) / elapsed,
        "ops": len(latencies),
        "errors": errors[:5],
        "doubles": _double_assignments(seen),
        "p50_ms": statistics.median(latencies) * 1000 if latencies else 0,
        "p95_ms": statistics.quantiles(latencies, n=20)[18] * 1000 if len(latencies) > 20 else 0,
    }


def _double_assignments(seen: list[tuple[str, str]]) -> int:
    """Cases handed to more verifiers than their seats (1, or 2 when sampled for overlap, VQ-5), or
    to one verifier twice, as the clients saw them; plus any seat with two rulings in the database."""
    from django.db.models import Count

    from verifier.models import Case, Ruling

    seats = dict(Case.objects.filter(public_id__in={c for c, _ in seen}).values_list("public_id", "required_rulings"))
    per_case = Counter(c for c, _ in seen)
    over = sum(max(0, n - seats[uuid.UUID(c)]) for c, n in per_case.items())
    same_person = sum(n - 1 for n in Counter(seen).values() if n > 1)
    in_db = Ruling.objects.values("task").annotate(n=Count("id")).filter(n__gt=1).count()
    return over + same_person + in_db


CEILING_SQL = """
UPDATE verifier_casetask SET status = 'leased', holder_id = %s, lease_expires_at = now() + interval '10 minutes'
WHERE id = (SELECT id FROM verifier_casetask WHERE shard_id = %s AND status = 'open'
            ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
RETURNING id
"""


def _measure_ceiling(dsn, shard_id, holder_id, concurrency):
    """The raw dequeue: one statement, one transaction per case, same rows, same index."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as c:
        c.execute("UPDATE verifier_casetask SET status = 'open', holder_id = NULL, lease_expires_at = NULL")
        c.execute("VACUUM ANALYZE verifier_casetask")
    counts, taken = [], []
    deadline = time.perf_counter() + SECONDS

    def worker():
        n, ids = 0, []
        with psycopg.connect(dsn, autocommit=True) as conn:
            while time.perf_counter() < deadline:
                row = conn.execute(CEILING_SQL, [holder_id, shard_id]).fetchone()
                if row is None:
                    break
                ids.append(row[0])
                n += 1
        counts.append(n)
        taken.extend(ids)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    elapsed = _run_all(threads)
    return {"per_s": sum(counts) / elapsed, "doubles": len(taken) - len(set(taken))}


def _profile_one_op(tokens) -> str:
    """SQL statements per request, measured through Django's test client."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Token {tokens[0]}")
    with CaptureQueriesContext(connection) as q_next:
        r = client.get("/api/v1/queue/next/")
    if r.status_code != 200:
        return "(no case left to profile)"
    case_id = r.json()["id"]
    with CaptureQueriesContext(connection) as q_rule:
        client.post(f"/api/v1/cases/{case_id}/ruling/", {"answer": "yes"}, content_type="application/json")
    return f"{len(q_next.captured_queries)} SQL statements for next, {len(q_rule.captured_queries)} for the ruling"


def run() -> dict:
    from django.conf import settings

    from core.models import User

    dsn = settings.DATABASES["default"]
    dsn = f"host={dsn['HOST'] or '127.0.0.1'} port={dsn['PORT'] or 5432} dbname={dsn['NAME']} user={dsn['USER'] or 'postgres'}"
    results, rows = [], []
    now = datetime.now(UTC).isoformat()
    for concurrency in CONCURRENCY:
        ours_runs, ceiling_runs = [], []
        for _ in range(REPEATS):
            shard, tokens = _reset_world(max(CONCURRENCY))
            port = _free_port()
            server = _start_server(port)
            try:
                ours_runs.append(_measure_ours(port, tokens, concurrency))
            finally:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=30)
            holder = User.objects.get(username="bench_v0").pk
            ceiling_runs.append(_measure_ceiling(dsn, shard.pk, holder, concurrency))
        ours = statistics.median(r["ops_per_s"] for r in ours_runs)
        ceiling = statistics.median(r["per_s"] for r in ceiling_runs)
        p50 = statistics.median(r["p50_ms"] for r in ours_runs)
        p95 = statistics.median(r["p95_ms"] for r in ours_runs)
        doubles = sum(r["doubles"] for r in ours_runs) + sum(r["doubles"] for r in ceiling_runs)
        errors = [e for r in ours_runs for e in r["errors"]]
        params = {
            "verifiers": concurrency,
            "cases": CASES,
            "seconds": SECONDS,
            "repeats": REPEATS,
            "server": f"gunicorn {WORKERS} sync workers",
            "double_assignments": doubles,
            "load_average_1min": round(os.getloadavg()[0], 1),  # a shared machine: how loaded it was
        }
        results.append(
            {
                "benchmark": "queue",
                "metric": "next+ruling per second",
                "ours": ours,
                "ceiling": ceiling,
                "ratio": ours / ceiling,
                "unit": "ops/s",
                "params": params,
                "measured_at": now,
            }
        )
        results.append(
            {
                "benchmark": "queue",
                "metric": "p95 latency of next+ruling",
                "ours": p95,
                "ceiling": 100.0,
                "ratio": p95 / 100.0,
                "unit": "ms (ceiling = 100 ms target)",
                "params": params,
                "measured_at": now,
            }
        )
        rows.append(
            f"| {concurrency} | {ours:,.0f} | {ceiling:,.0f} | {ours / ceiling:.3f} | {p50:.1f} | {p95:.1f} | {doubles} | {len(errors)} |"
        )
    shard, tokens = _reset_world(1)
    profile = _profile_one_op(tokens)
    notes = "\n".join(
        [
            "Next case + ruling through HTTP (gunicorn, DRF token auth, PostgreSQL 15) beside the raw one-statement",
            "`UPDATE ... WHERE id = (SELECT ... FOR UPDATE SKIP LOCKED)` dequeue of the same rows, same run.",
            "Clients, server and database share the machine's 2 cores.",
            "",
            "| verifiers | ours ops/s | ceiling dequeues/s | ratio | p50 ms | p95 ms | double assignments | errors |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            *rows,
            "",
            f"Per operation: {profile}. One op is two HTTP requests; the ceiling is one SQL statement.",
        ]
    )
    return {"results": results, "notes": notes}


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    from bench.run import prepare_django

    prepare_django()
    print(json.dumps(run(), indent=1))
