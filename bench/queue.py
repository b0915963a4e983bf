"""VQ-1 benchmark: "next case + ruling" through the real HTTP stack on PostgreSQL, beside the raw
one-statement SKIP LOCKED dequeue of the same rows (the ceiling), in the same run.

Server: gunicorn (WSGI, sync workers) serving config.wsgi on 127.0.0.1, the path API traffic takes
in a deployment (README). A sync worker closes the connection after each answer, so no client holds a
worker between requests. Clients: verifier threads, each taking its first case with GET
/api/v1/queue/next/ and then looping POST /api/v1/cases/{id}/ruling/ with `next: true`, whose answer
carries the next case (one request per op, issue 14; BENCH_QUEUE_PAIR=1 for the two-request loop).
Beside it, the same clients on GET /healthz (no work at all) give the server's own ceiling.
Bounded in time and count.
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

from bench._procs import free_port

ROOT = Path(__file__).resolve().parent.parent
CASES = int(os.environ.get("BENCH_QUEUE_CASES", "30000"))
SECONDS = float(os.environ.get("BENCH_QUEUE_SECONDS", "20"))
REPEATS = int(os.environ.get("BENCH_QUEUE_REPEATS", "3"))
WORKERS = int(os.environ.get("BENCH_QUEUE_GUNICORN_WORKERS", "4"))
# 0: sync workers (one request per connection); N: gthread workers, N threads each, keep-alive
THREADS = int(os.environ.get("BENCH_QUEUE_GUNICORN_THREADS", "0"))
TRIVIAL_SECONDS = float(os.environ.get("BENCH_QUEUE_TRIVIAL_SECONDS", "5"))
# issue 14: one request per op (the ruling carries the next case); BENCH_QUEUE_PAIR=1 measures the
# two-request API (GET next, POST ruling) instead.
ONE_REQUEST = os.environ.get("BENCH_QUEUE_PAIR", "") != "1"
CONCURRENCY = [int(n) for n in os.environ.get("BENCH_QUEUE_CONCURRENCY", "8,32").split(",")]


def _reset_world(n_verifiers: int):
    from django.db import connection

    from bench._seed import cases_seed, queue_world_reset, verifier_seed
    from core.tokens import token_create

    shard = queue_world_reset()
    tokens = [token_create(user=verifier_seed(shard=shard, username=f"bench_v{i}"))[0] for i in range(n_verifiers)]
    cases_seed(
        shard=shard, n=CASES, post_id=lambda i: f"b{i}", post_text=lambda i: f"post {i}", proposal=lambda i: f"fix {i}"
    )
    with connection.cursor() as c:
        c.execute("VACUUM ANALYZE verifier_casetask")
    return shard, tokens


def _start_server(port: int) -> subprocess.Popen:
    # FILTER_LOAD_AT_START=0: the queue's server serves no filter traffic (README: the filter has its own
    # gunicorn), so its workers do not compile the filter index the bench database holds (`BENCH=filter`'s
    # 10,000 rules: seconds of CPU per worker, which otherwise fell inside the measurement).
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DB_CONN_MAX_AGE": "600",
        "LOG_LEVEL": "ERROR",
        "FILTER_LOAD_AT_START": "0",
    }
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
            *(["-k", "gthread", "--threads", str(THREADS), "--keep-alive", "30"] if THREADS else []),
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
    """One verifier: the first case by GET /queue/next/, then each op is one request, the ruling asking
    for the next case (`next: true`, issue 14). A sync worker answers `Connection: close`, so
    http.client opens a new connection per request (no keep-alive holds a worker)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    body = b'{"answer": "yes", "next": true}' if ONE_REQUEST else b'{"answer": "yes"}'
    case_id = None
    while time.perf_counter() < deadline:
        t0 = time.perf_counter()
        if case_id is None:
            conn.request("GET", "/api/v1/queue/next/", headers=headers)
            r = conn.getresponse()
            answer = r.read()
            if r.status == 204:
                return
            if r.status != 200:
                errors.append(f"next {r.status} {answer[:100]!r}")
                return
            case_id = json.loads(answer)["id"]
        conn.request("POST", f"/api/v1/cases/{case_id}/ruling/", body=body, headers=headers)
        r = conn.getresponse()
        answer = r.read()
        if r.status != 201:
            errors.append(f"ruling {r.status} {answer[:100]!r}")
            return
        latencies.append(time.perf_counter() - t0)
        seen.append((case_id, token))
        case_id = None
        if ONE_REQUEST:
            following = json.loads(answer)["next"]
            if following is None:
                return
            case_id = following["id"]
    conn.close()


def _trivial_loop(port, deadline, latencies):
    """The server's ceiling: GET /healthz (the whole middleware stack, no database, no work)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while time.perf_counter() < deadline:
        t0 = time.perf_counter()
        conn.request("GET", "/healthz")
        r = conn.getresponse()
        r.read()
        latencies.append(time.perf_counter() - t0)
    conn.close()


def _measure_trivial(port, concurrency):
    latencies = []
    deadline = time.perf_counter() + TRIVIAL_SECONDS
    threads = [threading.Thread(target=_trivial_loop, args=(port, deadline, latencies)) for _ in range(concurrency)]
    elapsed = _run_all(threads)
    return {
        "per_s": len(latencies) / elapsed,
        "p95_ms": statistics.quantiles(latencies, n=20)[18] * 1000 if len(latencies) > 20 else 0,
    }


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
        r = client.post(f"/api/v1/cases/{case_id}/ruling/", {"answer": "yes"}, content_type="application/json")
    case_id = client.get("/api/v1/queue/next/").json()["id"]
    with CaptureQueriesContext(connection) as q_one:
        client.post(
            f"/api/v1/cases/{case_id}/ruling/", {"answer": "yes", "next": True}, content_type="application/json"
        )
    return (
        f"{len(q_next.captured_queries)} SQL statements for next, {len(q_rule.captured_queries)} for the ruling;"
        f" {len(q_one.captured_queries)} for the ruling that carries the next case"
    )


def run() -> dict:
    from django.conf import settings

    from core.models import User

    dsn = settings.DATABASES["default"]
    dsn = f"host={dsn['HOST'] or '127.0.0.1'} port={dsn['PORT'] or 5432} dbname={dsn['NAME']} user={dsn['USER'] or 'postgres'}"
    results, rows = [], []
    now = datetime.now(UTC).isoformat()
    for concurrency in CONCURRENCY:
        ours_runs, ceiling_runs, trivial_runs = [], [], []
        for _ in range(REPEATS):
            shard, tokens = _reset_world(max(CONCURRENCY))
            port = free_port()
            server = _start_server(port)
            try:
                ours_runs.append(_measure_ours(port, tokens, concurrency))
                trivial_runs.append(_measure_trivial(port, concurrency))
            finally:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=30)
            holder = User.objects.get(username="bench_v0").pk
            ceiling_runs.append(_measure_ceiling(dsn, shard.pk, holder, concurrency))
        ours = statistics.median(r["ops_per_s"] for r in ours_runs)
        ceiling = statistics.median(r["per_s"] for r in ceiling_runs)
        trivial = statistics.median(r["per_s"] for r in trivial_runs)
        trivial_p95 = statistics.median(r["p95_ms"] for r in trivial_runs)
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
            "requests_per_op": 1 if ONE_REQUEST else 2,
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
        results.append(
            {
                "benchmark": "queue",
                "metric": "next+ruling per second beside a do-nothing request (/healthz) on the same server",
                "ours": ours,
                "ceiling": trivial,
                "ratio": ours / trivial,
                "unit": "ops/s (ceiling = /healthz requests/s)",
                "params": {**params, "healthz_p95_ms": round(trivial_p95, 1), "healthz_seconds": TRIVIAL_SECONDS},
                "measured_at": now,
            }
        )
        rows.append(
            f"| {concurrency} | {ours:,.0f} | {ceiling:,.0f} | {ours / ceiling:.3f} | {p50:.1f} | {p95:.1f} |"
            f" {trivial:,.0f} | {trivial_p95:.1f} | {doubles} | {len(errors)} |"
        )
    shard, tokens = _reset_world(1)
    profile = _profile_one_op(tokens)
    notes = "\n".join(
        [
            "Next case + ruling through HTTP (gunicorn, DRF token auth, PostgreSQL 15) beside the raw one-statement",
            "`UPDATE ... WHERE id = (SELECT ... FOR UPDATE SKIP LOCKED)` dequeue of the same rows, same run.",
            "Clients, server and database share the machine's 2 cores.",
            "",
            "| verifiers | ours ops/s | ceiling dequeues/s | ratio | p50 ms | p95 ms | /healthz req/s | /healthz p95 ms"
            " | double assignments | errors |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            *rows,
            "",
            f"Per operation: {profile}. One op is {'one HTTP request (the ruling carries the next case)' if ONE_REQUEST else 'two HTTP requests'};"
            " the ceiling is one SQL statement. `/healthz` runs the same server and middleware and touches nothing:"
            " the most requests per second this server can answer on this machine, whatever the queue does.",
        ]
    )
    return {"results": results, "notes": notes}


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    from bench.run import prepare_django

    prepare_django()
    print(json.dumps(run(), indent=1))
