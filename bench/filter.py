"""Issue 13 benchmark: the live safety filter.

(a) Single-text `POST /api/v1/filter/` over HTTP at 10,000 rules (gunicorn, gthread, the bench database),
    p50 / p99 latency and requests/s at 8 and 32 clients; ceiling: the same server's cheapest route
    (`GET /healthz`, no auth, no matching) at the same concurrency, in the same run.
(b) The bulk form (`filtering.filter_texts`, 10,000 items a call, normaliser included) and the scorer's engine
    (`Engine.score_regex`) in posts/s beside raw Hyperscan on the same patterns and posts (post by post,
    SINGLEMATCH, the scoring benchmark's ceiling).

Alone: `python -m bench.filter`."""

import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from http.client import HTTPConnection
from pathlib import Path

from bench._common import env_int, result, timed

ROOT = Path(__file__).resolve().parent.parent
RULES = env_int("BENCH_FILTER_RULES", 10_000)
POSTS = env_int("BENCH_FILTER_POSTS", 50_000)
REPEATS = env_int("BENCH_FILTER_REPEATS", 3)
HTTP_SECONDS = env_int("BENCH_FILTER_HTTP_SECONDS", 10)
HTTP_REPEATS = env_int("BENCH_FILTER_HTTP_REPEATS", 3)  # each HTTP figure: the median of this many runs
CLIENTS = [8, 32]
WORKERS = env_int("BENCH_FILTER_WORKERS", 2)
THREADS = env_int("BENCH_FILTER_THREADS", 2)  # the deployment form the README recommends for the filter
SERVER_LOG = ROOT / "bench" / "_work" / "filter-server.log"


def _setup_rules():
    """10,000 `\\bterm\\b` rules in three shards, every other rule blocking; the index built and live."""
    from django.contrib.auth import get_user_model
    from django.db.models import OuterRef, Subquery

    from bench.scoring import _rule_terms, _shards, _store_rules
    from modelhooks.scoring.corpus import bench_vocabulary
    from risk_db.models import IndexBuild, Rule, RuleShardState
    from risk_db.services import rules_index_rebuild

    vocab = bench_vocabulary()
    shards = _shards()
    terms = _rule_terms(vocab, RULES)
    _store_rules(terms, shards)
    current = Rule.objects.filter(pk=OuterRef("rule_id")).values("current_version_id")[:1]
    RuleShardState.objects.filter(rule_id__in=[i for i in range(1, RULES + 1) if i % 2]).update(
        state="blocking",
        blocking_version_id=Subquery(current),  # a blocking state names its version (issue 13)
    )
    IndexBuild.objects.all().delete()
    t = time.perf_counter()
    build = rules_index_rebuild(force=True)
    build_s = time.perf_counter() - t
    assert build.status == "live", build.message
    User = get_user_model()
    user, _ = User.objects.get_or_create(username="bench_filter", defaults={"role": "filter"})
    user.role = "filter"
    user.set_password("bench")
    user.save()
    return vocab, terms, shards, build, build_s


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server(port: int):
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "FILTER_POLL_SECONDS": "5",
        "DB_POOL_MAX_SIZE": "3",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    from django.conf import settings

    env.setdefault("DJANGO_SECRET_KEY", settings.SECRET_KEY)  # DEBUG off: the server needs a key (issue 11)
    cmd = [
        str(Path(sys.executable).parent / "gunicorn"),
        "config.wsgi:application",
        "-b",
        f"127.0.0.1:{port}",
        "-w",
        str(WORKERS),
        "-k",
        "gthread",
        "--threads",
        str(THREADS),
        "--keep-alive",
        "30",
        "--log-level",
        "warning",
    ]
    SERVER_LOG.parent.mkdir(exist_ok=True)
    log = open(SERVER_LOG, "wb")  # noqa: SIM115 (the server writes it while it runs)
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)


def _wait_ready(port: int, token: str, timeout: float = 900.0) -> None:
    """Every worker has loaded the index: answers name the live build (each first answer loads it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
            break
        except OSError:
            time.sleep(0.5)
    body = json.dumps({"text": "warm", "locale": "en-US"}).encode()
    for _ in range(WORKERS * THREADS * 2):  # reach every worker at least once (index load on first use)
        req = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/filter/",
            data=body,
            headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
        )
        urllib.request.urlopen(req, timeout=900).read()


def _token(port: int) -> str:
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/auth/token/",
        data=json.dumps({"username": "bench_filter", "password": "bench"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    deadline = time.monotonic() + 120
    while True:
        try:
            return json.loads(urllib.request.urlopen(req, timeout=10).read())["token"]
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _load(port: int, clients: int, seconds: float, make_request) -> dict:
    """`clients` threads, each on its own keep-alive connection, for `seconds`; latencies in ms."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(k: int):
        conn = HTTPConnection("127.0.0.1", port, timeout=30)
        mine, n = [], k
        while time.monotonic() < stop:
            method, path, body, headers = make_request(n)
            n += clients
            t = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                resp.read()
                ok = resp.status == 200
            except OSError:
                ok = False
                conn.close()
                conn = HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append((time.perf_counter() - t) * 1000)
            if not ok:
                with lock:
                    errors[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    latencies.sort()
    q = statistics.quantiles(latencies, n=100)
    return {"rps": len(latencies) / wall, "p50": q[49], "p99": q[98], "n": len(latencies), "errors": errors[0]}


def _median_run(runs: list[dict]) -> dict:
    """Each figure's median over repeated runs (requests and errors summed)."""
    out = {k: statistics.median(r[k] for r in runs) for k in ("rps", "p50", "p99")}
    return {**out, "n": sum(r["n"] for r in runs), "errors": sum(r["errors"] for r in runs)}


def _http(posts, token_holder) -> tuple[list[dict], str]:
    port = _free_port()
    server = _server(port)
    try:
        try:
            token = _token(port)
        except OSError:
            print(SERVER_LOG.read_text()[-4000:], file=sys.stderr)  # why it did not start
            raise
        _wait_ready(port, token)
        bodies = [
            json.dumps({"text": t, "locale": ("en-US", "th-TH", "ar-SA")[i % 3]}).encode()
            for i, t in enumerate(posts[:5000])
        ]
        headers = {"Content-Type": "application/json", "Authorization": f"Token {token}"}

        def filter_req(n):
            return "POST", "/api/v1/filter/", bodies[n % len(bodies)], headers

        def health_req(n):
            return "GET", "/healthz", None, {}

        out, notes = [], []
        for clients in CLIENTS:
            runs = []
            for _ in range(HTTP_REPEATS):  # interleaved: the shared machine's noise hits both alike
                runs.append(
                    (_load(port, clients, HTTP_SECONDS, filter_req), _load(port, clients, HTTP_SECONDS, health_req))
                )
            ours, floor = (_median_run([r[k] for r in runs]) for k in (0, 1))
            params = {
                "rules": RULES,
                "clients": clients,
                "workers": WORKERS,
                "threads": THREADS,
                "seconds": HTTP_SECONDS,
                "repeats": HTTP_REPEATS,
            }
            out += [
                result(
                    "filter",
                    f"single-text p50 latency ms at {clients} clients (lower is better; vs GET /healthz)",
                    ours["p50"],
                    floor["p50"],
                    "ms",
                    params,
                ),
                result(
                    "filter",
                    f"single-text p99 latency ms at {clients} clients (lower is better; vs GET /healthz)",
                    ours["p99"],
                    floor["p99"],
                    "ms",
                    params,
                ),
                result(
                    "filter",
                    f"single-text requests/s at {clients} clients (vs GET /healthz)",
                    ours["rps"],
                    floor["rps"],
                    "req/s",
                    params,
                ),
            ]
            notes.append(
                f"- {clients} clients: filter {ours['n']:,} requests ({ours['errors']} errors), p50 {ours['p50']:.1f} ms, "
                f"p99 {ours['p99']:.1f} ms, {ours['rps']:.0f} req/s; /healthz p50 {floor['p50']:.1f} ms, "
                f"p99 {floor['p99']:.1f} ms, {floor['rps']:.0f} req/s."
            )
        return out, "\n".join(notes)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def _bulk(posts, shards) -> tuple[list[dict], str]:
    import hyperscan

    from modelhooks.scoring.engine import engine_for
    from modelhooks.services import filtering
    from risk_db.patterns import HS_FLAGS, pattern_translate
    from risk_db.selectors import rules_for_scoring

    filtering._holder.current = None
    index = filtering.filter_index()
    assert index.build_id is not None and not index.skipped
    rules = rules_for_scoring()
    engine = engine_for(rules, cosine_threshold=0.6)  # the scorer's own path (cached, gc-settled)
    locales = [s.code for s in shards]
    items = [filtering.FilterItem(text=t, locale=locales[i % 3]) for i, t in enumerate(posts)]
    shard_ids = [shards[i % 3].pk for i in range(len(posts))]
    prefilters = [pattern_translate(r.pattern).prefilter.encode() for r in rules]
    raw = hyperscan.Database()
    raw.compile(
        expressions=prefilters,
        ids=list(range(len(prefilters))),
        elements=len(prefilters),
        flags=[HS_FLAGS] * len(prefilters),
    )
    found = []

    def raw_scan():
        n = 0
        for text in posts:
            found.clear()
            raw.scan(text.encode("utf-8"), match_event_handler=lambda i, f, to, fl, c: found.append(i))
            n += len(found)
        return n

    chunk = 10_000

    def bulk():
        blocked = 0
        for k in range(0, len(items), chunk):
            answer = filtering.filter_texts(items=items[k : k + chunk])
            blocked += sum(r["action"] == "block" for r in answer["results"])
        filtering.filter_shadow_drain()  # the buffer would go to Celery; not part of the request
        return blocked

    bulk()
    engine.score_regex(posts[:2000], shard_ids[:2000])
    raw_t, bulk_t, eng_t = [], [], []
    for _ in range(REPEATS):  # interleaved: the shared machine's noise hits all three alike
        raw_t.append(timed(raw_scan, 1)[0])
        s, blocked = timed(bulk, 1)
        bulk_t.append(s)
        eng_t.append(timed(lambda: engine.score_regex(posts, shard_ids), 1)[0])
    raw_s, bulk_s, eng_s = (statistics.median(x) for x in (raw_t, bulk_t, eng_t))
    params = {
        "posts": len(posts),
        "rules": RULES,
        "shards": 3,
        "scripts": "70% Latin, 15% Thai, 15% Arabic",
        "repeats": REPEATS,
        "items_per_call": chunk,
    }
    out = [
        result(
            "filter",
            f"bulk filter posts/s at {RULES} rules (vs raw Hyperscan)",
            len(posts) / bulk_s,
            len(posts) / raw_s,
            "posts/s",
            params,
        ),
        result(
            "filter",
            f"scorer engine posts/s at {RULES} rules (vs raw Hyperscan)",
            len(posts) / eng_s,
            len(posts) / raw_s,
            "posts/s",
            params,
        ),
    ]
    note = (
        f"- Bulk: {len(posts):,} posts, {blocked:,} blocked; filter {len(posts) / bulk_s:,.0f} posts/s, scorer engine "
        f"{len(posts) / eng_s:,.0f} posts/s, raw Hyperscan {len(posts) / raw_s:,.0f} posts/s (medians of {REPEATS})."
    )
    return out, note


def run() -> dict:
    from modelhooks.scoring.corpus import bench_posts

    vocab, terms, shards, build, build_s = _setup_rules()
    posts = bench_posts(POSTS, vocab, terms, term_rate=0.01)
    bulk_results, bulk_note = _bulk(posts, shards)
    print(json.dumps(bulk_results, indent=1), bulk_note, file=sys.stderr, flush=True)  # before the slow part
    http_results, http_note = _http(posts, None)
    return {
        "results": http_results + bulk_results,
        "notes": f"Index build {build.pk} of {RULES:,} rules in {build_s:.1f} s (every other rule blocking, three "
        f"shards). HTTP: gunicorn, {WORKERS} workers x {THREADS} threads, on the same 2 cores as the clients, "
        f"token auth, one keep-alive connection per client, each figure the median of {HTTP_REPEATS} runs of {HTTP_SECONDS} s (filter and /healthz interleaved). Load average (1 min) at "
        f"the end: {os.getloadavg()[0]:.1f}.\n\n" + http_note + "\n" + bulk_note,
    }


if __name__ == "__main__":
    from bench._common import setup_django_for_main

    setup_django_for_main()
    print(json.dumps(run(), indent=2, ensure_ascii=False, default=str))
