"""Issue 12: the load test. Two web processes (daphne) and two Celery workers against one PostgreSQL
and one Redis (a private redis-server on a free port of 127.0.0.1), driven by the locust scenario in
bench/locustfile.py, headless, for a fixed time; then the rows are counted:

- every ruling stored once, whole (seat done, assignment ruled, one audit event), and every 201 the
  clients saw is a stored ruling;
- no seat held twice (never two active assignments on one seat, no leased seat without its holder);
- no case lost (no finished seat without its ruling; every queued correction of the run has its case);
- every intake item has one outcome (an answered bulk stored all its items with an outcome, a refused
  one stored none).

`python -m bench.run load` (LOAD_DURATION_S, default 300) writes `benchmark: "load"` entries; the
test tests/faults/test_load.py runs the same scenario for 60 s on the test database and asserts the
counts. Ceilings, measured in the same run: for throughput, what the simulated people offered (the
verifiers' rulings if every answer were instant, 200 / mean think time; the intake's items); for
latency, GET /healthz through the same web processes under the same load (the floor every request
pays: the event loop, the network stack, locust itself).
"""

import csv
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

from bench._common import env_int, now_iso, result
from bench._procs import ROOT, Daphne, OwnRedis, Worker, stop_process_group, wait_for

SHARD = "en-US"


def credentials_for(user) -> str:
    """The one place the load test gets an API credential (issue 11 may move tokens to knox: change
    this only). Created server-side, not through POST /api/v1/auth/token/: 200 password hashes would
    take a minute of the shared CPUs before the run starts."""
    from core.tokens import token_create

    return token_create(user=user)[0]


def session_cookie_for(user) -> str:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def seed(*, verifiers: int, cases: int) -> dict:
    from core.models import User
    from shards.models import Locale, PoolMembership, Shard
    from shards.services.pools import shard_check_pool
    from verifier.services.queue import NewCase, cases_create

    locale, _ = Locale.objects.get_or_create(code=SHARD, defaults={"name": SHARD, "language": "en"})
    shard, _ = Shard.objects.get_or_create(code=SHARD, defaults={"locale": locale})
    Shard.objects.get_or_create(code="global", defaults={"kind": Shard.Kind.GLOBAL})
    # A fixture in bulk (200 audited membership_set calls took a minute of the shared CPUs); the
    # pool rule (SH-1) is checked once after, as membership_set would have.
    names = [f"load_v{i}" for i in range(verifiers)]
    have = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    User.objects.bulk_create([User(username=n, role=User.Role.VERIFIER) for n in names if n not in have])
    people = list(User.objects.filter(username__in=names).order_by("username"))
    members = set(PoolMembership.objects.filter(shard=shard, user__in=people).values_list("user_id", flat=True))
    PoolMembership.objects.bulk_create(
        [
            PoolMembership(user=u, shard=shard, native=True, under_contract=True, active=True)
            for u in people
            if u.pk not in members
        ]
    )
    PoolMembership.objects.filter(shard=shard, user__in=people).update(native=True, under_contract=True, active=True)
    shard_check_pool(shard=shard)
    intake, _ = User.objects.get_or_create(username="load_intake", defaults={"role": "intake"})
    trainer, _ = User.objects.get_or_create(username="load_trainer", defaults={"role": "trainer"})
    from django.utils import timezone

    now = timezone.now()
    tag = uuid.uuid4().hex[:8]
    cases_create(
        new_cases=[
            NewCase(
                shard=shard, kind="correction", locale=SHARD, post_id=f"load-seed-{tag}-{i}",
                post_text=f"Over {i} people marched", proposal=f"{i + 1} people", at=now,
            )
            for i in range(cases)
        ]
    )  # fmt: skip
    return {
        "verifier_tokens": [credentials_for(u) for u in people],
        "live_cookies": [session_cookie_for(u) for u in people[:20]],
        "intake_token": credentials_for(intake),
        "trainer_token": credentials_for(trainer),
    }


def watermarks() -> dict:
    from django.db.models import Max

    from core.models import AuditEvent
    from shards.models import Correction
    from verifier.models import Assignment, Case, Ruling

    return {
        m.__name__: m.objects.aggregate(m=Max("pk"))["m"] or 0
        for m in (Ruling, Case, Correction, Assignment, AuditEvent)
    }


def load_counts(*, marks: dict, record: dict, bulk_items: int) -> dict:
    """The zero-loss counts over what the run wrote (rows past the watermarks)."""
    from core.models import AuditEvent
    from shards.models import Correction
    from verifier.models import Assignment, Case, CaseTask, Ruling

    rulings = Ruling.objects.filter(pk__gt=marks["Ruling"])
    stored = set(map(str, rulings.values_list("public_id", flat=True)))
    answered = [rid for status, rid in record["rulings"] if status == 201]
    audit = Counter(
        a["ruling_id"]
        for a in AuditEvent.objects.filter(pk__gt=marks["AuditEvent"], action="ruling_record").values_list(
            "after", flat=True
        )
    )
    rows = list(rulings.values_list("public_id", "task_id", "verifier_id", "case_id"))
    task_status = dict(CaseTask.objects.filter(pk__in=[r[1] for r in rows]).values_list("pk", "status"))
    ruled = set(
        Assignment.objects.filter(task_id__in=[r[1] for r in rows], outcome=Assignment.Outcome.RULED).values_list(
            "task_id", "user_id"
        )
    )
    decision = dict(Case.objects.filter(pk__in=[r[3] for r in rows]).values_list("pk", "decision"))
    half = sum(
        1
        for pid, task, verifier, case in rows
        if task_status[task] != CaseTask.Status.DONE
        or (task, verifier) not in ruled
        or audit[str(pid)] != 1
        or decision[case] not in ("yes", "no")
    )
    run_assignments = Assignment.objects.filter(pk__gt=marks["Assignment"])
    active = Counter(Assignment.objects.filter(outcome=Assignment.Outcome.ACTIVE).values_list("task_id", flat=True))
    leased_orphans = CaseTask.objects.filter(status=CaseTask.Status.LEASED, holder__isnull=True).count()
    # A seat its verifier ruled on that has no ruling, or a lease whose seat is not leased: a lost case.
    ruled_without_ruling = run_assignments.filter(outcome=Assignment.Outcome.RULED, task__ruling__isnull=True).count()
    active_not_leased = (
        run_assignments.filter(outcome=Assignment.Outcome.ACTIVE).exclude(task__status=CaseTask.Status.LEASED).count()
    )
    queued_without_case = Correction.objects.filter(
        pk__gt=marks["Correction"], outcome=Correction.Outcome.QUEUED, case__isnull=True
    ).count()
    bulks_bad = []
    items_stored = 0
    for bulk in record["bulks"]:
        rows = Correction.objects.filter(post_id__startswith=bulk["tag"] + "-")
        n, without = rows.count(), rows.filter(outcome="").count()
        want = bulk_items if bulk["status"] == 200 else 0
        if n != want or without or (bulk["status"] == 200 and bulk["results"] != bulk_items):
            bulks_bad.append({**bulk, "stored": n, "without_outcome": without})
        items_stored += n
    return {
        "rulings_stored": len(stored),
        "rulings_answered_201": len(answered),
        "rulings_answered_twice": len(answered) - len(set(answered)),
        "answered_but_not_stored": len(set(answered) - stored),
        "stored_but_not_answered": len(stored - set(answered)),
        "half_stored_rulings": half,
        "seats_held_twice": sum(1 for n in active.values() if n > 1),
        "leased_seats_without_holder": leased_orphans,
        "ruled_seats_without_ruling": ruled_without_ruling,
        "active_leases_on_unleased_seats": active_not_leased,
        "queued_corrections_without_case": queued_without_case,
        "bulks_posted": len(record["bulks"]),
        "bulks_answered_200": sum(1 for b in record["bulks"] if b["status"] == 200),
        "bulks_inconsistent": bulks_bad,
        "intake_items_stored": items_stored,
        "exports": record["exports"],
        "cases_created": Case.objects.filter(pk__gt=marks["Case"]).count(),
    }


def locust_stats(path: Path) -> list[dict]:
    rows = []
    with path.open() as f:
        for row in csv.DictReader(f):
            rows.append(
                {
                    "type": row["Type"],
                    "name": row["Name"],
                    "requests": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "rps": float(row["Requests/s"]),
                    "p50": float(row["50%"] or 0),
                    "p95": float(row["95%"] or 0),
                    "p99": float(row["99%"] or 0),
                }
            )
    return rows


def scenario(
    *,
    env: dict,
    workdir: Path,
    duration_s: int,
    verifiers: int = 200,
    live_pages: int = 20,
    bulk_items: int = 10_000,
    bulk_every_s: float = 10,
    seed_cases: int = 1000,
    web: int = 2,
    workers: int = 2,
) -> dict:
    """Run the scenario. `env` is the child processes' environment (DATABASE_URL of the database this
    process is set up on). Returns the locust stats, the record of answers and the counts."""
    workdir.mkdir(parents=True, exist_ok=True)
    redis_server = OwnRedis(workdir)
    procs, locust = [], None
    try:
        creds = seed(verifiers=verifiers, cases=seed_cases)
        marks = watermarks()
        child = {
            **env,
            "REDIS_URL": redis_server.url,
            "CELERY_BROKER_URL": redis_server.url,
            "EXPORT_DIR": str(workdir / "exports"),
            "DB_POOL_MIN_SIZE": "1",
        }
        # Connections: 2 x 6 (web) + 2 x 2 x 2 (a worker's parent and its child) = 20 at most.
        for i in range(web):
            procs.append(Daphne(workdir / f"web{i}.log", {**child, "DB_POOL_MAX_SIZE": "6"}, wait=False))
        for i in range(workers):
            procs.append(Worker(workdir / f"worker{i}.log", f"load{i}", {**child, "DB_POOL_MAX_SIZE": "2"}, wait=False))
        for p in procs:  # started together, waited for together
            p.wait_ready()
        hosts = [p.url for p in procs if isinstance(p, Daphne)]
        config = {
            **creds,
            "hosts": hosts,
            "run": f"load-{uuid.uuid4().hex[:8]}",
            "verifiers": verifiers,
            "live_pages": live_pages,
            "bulk_items": bulk_items,
            "bulk_every_s": bulk_every_s,
            # No bulk starts in the last 30 s: each is answered before locust stops (15 s stop timeout),
            # so every bulk posted is one the counts can check.
            "bulk_until_s": max(1, duration_s - 30),
            "shard": SHARD,
            "out": str(workdir / "record.json"),
        }
        (workdir / "config.json").write_text(json.dumps(config))
        users = verifiers + live_pages + 3
        started = time.time()
        locust_log = workdir / "locust.log"
        locust = subprocess.Popen(
            [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "locustfile.py"), "--headless"]
            + ["-u", str(users), "-r", "50", "-t", f"{duration_s}s", "--host", hosts[0], "--stop-timeout", "15"]
            + ["--csv", str(workdir / "locust"), "--only-summary", "--exit-code-on-error", "0"],
            cwd=ROOT,
            env={**os.environ, "LOAD_CONFIG": str(workdir / "config.json")},
            stdout=locust_log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        locust.wait(timeout=duration_s + 180)
        elapsed = time.time() - started
        wait_for(lambda: (workdir / "record.json").exists(), 30, "locust's record", [locust_log])
        record = json.loads((workdir / "record.json").read_text())
        stats = locust_stats(workdir / "locust_stats.csv")
    finally:
        if locust is not None and locust.poll() is None:
            stop_process_group(locust)
        for p in procs:
            p.stop()
        redis_server.stop()
    counts = load_counts(marks=marks, record=record, bulk_items=bulk_items)
    return {
        "stats": stats,
        "record": record,
        "counts": counts,
        "elapsed_s": round(elapsed, 1),
        "params": {
            "duration_s": duration_s,
            "verifiers": verifiers,
            "live_pages": live_pages,
            "bulk_items": bulk_items,
            "bulk_every_s": bulk_every_s,
            "web_processes": web,
            "workers": workers,
        },
    }


def zero_loss_problems(counts: dict) -> list[str]:
    """What the counts say went wrong (empty: nothing lost, nothing doubled)."""
    problems = [
        f"{k} = {counts[k]}"
        for k in (
            "rulings_answered_twice",
            "answered_but_not_stored",
            "half_stored_rulings",
            "seats_held_twice",
            "leased_seats_without_holder",
            "ruled_seats_without_ruling",
            "active_leases_on_unleased_seats",
            "queued_corrections_without_case",
        )
        if counts[k]
    ]
    if counts["bulks_inconsistent"]:
        problems.append(f"bulks_inconsistent = {counts['bulks_inconsistent']}")
    return problems


def results_of(out: dict) -> tuple[list[dict], str]:
    """SPEC 8 entries (`benchmark: "load"`) and the notes for RESULTS.md."""
    p, stats, counts, record = out["params"], out["stats"], out["counts"], out["record"]
    duration = p["duration_s"]
    floor = next((s for s in stats if s["name"].startswith("GET /healthz")), None)
    think = record["think_s"]
    mean_think = sum(think) / len(think) if think else 0
    offered_rulings = p["verifiers"] / mean_think if mean_think else 0
    common = {**p, "machine": "2 cores shared with 7 other engineers' test runs"}
    results = [
        result("load", "rulings/s stored (vs offered: verifiers / mean think time)", counts["rulings_stored"] / duration,
               offered_rulings, "rulings/s", {**common, "mean_think_s": round(mean_think, 2)}),
        result("load", "intake items/s stored (vs offered: bulk size / interval)", counts["intake_items_stored"] / duration,
               p["bulk_items"] / p["bulk_every_s"], "items/s", {**common, "bulks": counts["bulks_posted"]}),
    ]  # fmt: skip
    total = next((s for s in stats if s["name"] == "Aggregated"), None)
    if total:
        results.append(
            result(
                "load",
                "error rate, all requests (% of requests)",
                100 * total["failures"] / max(total["requests"], 1),
                100,
                "%",
                {**common, "requests": total["requests"], "failures": total["failures"]},
            )  # fmt: skip
        )
    for s in stats:
        if s["name"] in ("Aggregated",) or s is floor:
            continue
        results.append(
            result("load", f"p95 ms {s['name']} (vs GET /healthz p95, same run)", s["p95"], floor["p95"] if floor else 0,
                   "ms", {"p50": s["p50"], "p99": s["p99"], "requests": s["requests"], "failures": s["failures"],
                          "error_rate": round(s["failures"] / max(s["requests"], 1), 4), "rps": s["rps"], **common})
        )  # fmt: skip
    lines = [
        f"Measured {now_iso()}: {p['verifiers']} verifiers (lognormal think time, median 6 s, sigma 0.6; "
        f"mean drawn {mean_think:.1f} s), {p['live_pages']} open live pages, intake {p['bulk_items']:,}-item bulks "
        f"every {p['bulk_every_s']} s, a trainer cutting batches and exporting, for {duration} s, against "
        f"{p['web_processes']} daphne processes and {p['workers']} Celery workers on one PostgreSQL and one Redis, all on "
        "127.0.0.1. **The machine has 2 cores and was shared with seven other engineers' test runs at the time**: "
        "the figures are a floor for this code on this box, not its capacity. Ceilings: throughput against what the "
        "simulated people offered; latency against GET /healthz through the same processes under the same load.",
        "",
        "| endpoint | requests | failures | req/s | p50 ms | p95 ms | p99 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for s in stats:
        name = f"{s['name']} (websocket)" if s["type"] == "WS" else s["name"]
        lines.append(
            f"| {name} | {s['requests']:,} | {s['failures']:,} | {s['rps']:.1f} | {s['p50']:.0f} | "
            f"{s['p95']:.0f} | {s['p99']:.0f} |"
        )
    shown = {k: v for k, v in counts.items() if k not in ("exports", "bulks_inconsistent")}
    pushes = record["pushes"]
    exports = counts["exports"]
    secs = [e["seconds"] for e in exports] or [0]
    lines += [
        "",
        "Counts after the run (zero-loss): " + ", ".join(f"{k} {v}" for k, v in shown.items()) + ".",
        f"Exports: {len(exports)} run, {sum(1 for e in exports if e['status'] == 'done')} done, median "
        f"{statistics.median(secs):.1f} s, longest {max(secs):.1f} s. Live pages: {sum(pushes.values())} depth pushes received over "
        f"{len(pushes)} pages, {sum(record['ws_connects'].values())} connects. "
        f"Queue answers: {record['next']}.",
        "",
        f"Command: `LOAD_DURATION_S={duration} make bench BENCH=load` (README; CI runs tests/faults/test_load.py, 60 s).",
    ]
    return results, "\n".join(lines)


def run() -> dict:
    """bench.run entry: the bench database is set up; the scenario's children use it too."""
    import tempfile

    duration = env_int("LOAD_DURATION_S", 300)
    env = {**os.environ, "DB_CONN_MAX_AGE": "0", "PYTHONUNBUFFERED": "1", "HF_HUB_OFFLINE": "1"}
    with tempfile.TemporaryDirectory(prefix="vo-load-") as tmp:
        out = scenario(env=env, workdir=Path(tmp), duration_s=duration,
                       bulk_every_s=float(os.environ.get("LOAD_BULK_EVERY_S", 10)))  # fmt: skip
    problems = zero_loss_problems(out["counts"])
    if problems:
        raise RuntimeError("load: rows lost or doubled: " + "; ".join(problems))
    results, notes = results_of(out)
    return {"results": results, "notes": notes}
