"""Benchmark: bulk correction intake through the HTTP API, all defences on, beside COPY (the ceiling).

ours:    items/s of POST /api/v1/corrections/ with 10,000-item requests, through the whole Django
         stack in-process (django.test.Client: middleware, token auth, DRF JSON parse, every
         pipeline step of settings.INTAKE["PIPELINE"], the response), on PostgreSQL, rate limits in
         Redis when REDIS_URL is set.
ceiling: the same 10,000 rows written into the correction table with PostgreSQL COPY
         (psycopg cursor.copy) in the same run, rolled back afterwards.
Medians of REPEATS runs. Run alone: DATABASE_URL=postgres://... python -m bench.intake
"""

import json
import os
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

REPEATS = int(os.environ.get("BENCH_INTAKE_REPEATS", "3"))
ITEMS = int(os.environ.get("BENCH_INTAKE_ITEMS", "10000"))
LOCALES = [("en-US", "US", 0.7), ("th-TH", "TH", 0.15), ("ar-SA", "SA", 0.15)]
TEXTS = {
    "en-US": ("Over 100 people marched downtown", "@grok correct it was {n} people, not 100"),
    "th-TH": ("มีผู้ชุมนุม 100 คนในกรุงเทพ", "@grok correct มีผู้ชุมนุม {n} คนในกรุงเทพมหานคร"),
    "ar-SA": ("تظاهر 100 شخص في الرياض", "@grok correct كان هناك {n} شخص في الرياض"),
}


def _world():
    from core.models import User
    from core.tokens import token_create
    from shards.models import Locale, Shard

    for code, _, _ in LOCALES:
        locale, _ = Locale.objects.get_or_create(code=code, defaults={"name": code, "language": code[:2]})
        Shard.objects.get_or_create(code=code, defaults={"locale": locale, "kind": Shard.Kind.LOCALE})
    Shard.objects.get_or_create(code="global", defaults={"kind": Shard.Kind.GLOBAL})
    user, _ = User.objects.get_or_create(username="bench_intake", defaults={"role": "intake"})
    return token_create(user=user)[0]


def _payloads(run_id: str, base: datetime, n: int) -> list[dict]:
    """A firehose mix: 3 locales, ~1 % geo mismatch, 1,000 hashtags, some posts with several
    corrections (merges, a few auto-accepts and numeric conflicts), ~2 % over the rate limit."""
    items = []
    seg = int(uuid.uuid4().hex[:4], 16)  # a fresh address block per run: rate limits start clean
    for i in range(n):
        r = (i * 7919) % 100
        code, country, _ = LOCALES[0] if r < 70 else LOCALES[1] if r < 85 else LOCALES[2]
        post_text, reply = TEXTS[code]
        post = f"{run_id}-p{i // 4 if i % 10 == 0 else i}"
        items.append(
            {
                "post_id": post,
                "post_text": post_text,
                "hashtags": [f"#tag{(i * 31) % 1000}", f"#t{i % 97}"],
                "reply_text": reply.format(n=200 + (i % 3 if i % 10 == 0 else 0)),
                "submitter_id": f"{run_id}-u{i}",
                "billing_country": "GB" if i % 100 == 5 else country,
                # one network per submitter, except every 50th item: they share one /64 (rate-limited)
                "ip": f"2001:db8:{seg:x}:{i % 65535:x}::1" if i % 50 else f"2001:db8:{seg:x}:ffff::{i % 65535:x}",
                "declared_locale": code,
                "at": (base + timedelta(milliseconds=i)).isoformat(),
            }
        )
    return items


def _copy_ceiling(items: list[dict]) -> float:
    """COPY the same rows into shards_correction, rolled back; returns rows/s."""
    from django.db import connection, transaction

    cols = [
        "public_id",
        "post_id",
        "post_text",
        "ocr_text",
        "hashtags",
        "reply_text",
        "corrected_text",
        "submitter_id",
        "billing_country",
        "ip",
        "declared_locale",
        "sub_locale",
        "at",
        "received_at",
        "outcome",
        "decided_by",
        "errors",
        "risk_tags",
        "language",
        "english_text",
        "norm_key",
        "geo_mismatch",
        "rate_key",
        "reason",
    ]
    now = datetime.now(UTC).isoformat()
    started = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY shards_correction ({', '.join(cols)}) FROM STDIN") as copy:
                for it in items:
                    copy.write_row(
                        [
                            uuid.uuid4(),
                            it["post_id"],
                            it["post_text"],
                            "",
                            json.dumps(it["hashtags"]),
                            it["reply_text"],
                            it["reply_text"][14:],
                            it["submitter_id"],
                            it["billing_country"],
                            it["ip"],
                            it["declared_locale"],
                            "",
                            it["at"],
                            now,
                            "queued",
                            "route",
                            "{}",
                            "[]",
                            it["declared_locale"][:2],
                            "",
                            "",
                            False,
                            "",
                            "",
                        ]
                    )
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return len(items) / elapsed


def run() -> dict:
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from shards.intake import pipeline

    if connection.vendor != "postgresql":
        raise SystemExit("bench/intake.py needs PostgreSQL (DATABASE_URL).")
    token = _world()
    client = Client()
    ours, ceilings, timings, outcomes = [], [], [], {}
    base = datetime.now(UTC).replace(microsecond=0)
    for rep in range(REPEATS + 1):  # the first request warms caches (detector, lexicons) and is not counted
        run_id = f"b{uuid.uuid4().hex[:8]}"
        items = _payloads(run_id, base + timedelta(hours=rep), ITEMS)
        body = json.dumps({"items": items})
        started = time.perf_counter()
        response = client.post(
            "/api/v1/corrections/", body, content_type="application/json", HTTP_AUTHORIZATION=f"Token {token}"
        )
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.content[:500]
        results = response.json()["results"]
        assert len(results) == ITEMS
        if rep == 0:
            continue
        ours.append(ITEMS / elapsed)
        timings.append({**pipeline.LAST_TIMINGS, "_total": elapsed})
        for r in results:
            outcomes[r["outcome"]] = outcomes.get(r["outcome"], 0) + 1
        ceilings.append(_copy_ceiling(_payloads(f"c{run_id}", base, ITEMS)))
    ratios = [o / c for o, c in zip(ours, ceilings)]
    median_t = sorted(timings, key=lambda t: t["_total"])[len(timings) // 2]
    pipeline_s = sum(v for k, v in median_t.items() if k != "_total")
    profile = "\n".join(
        f"| {k} | {v * 1000:.0f} | {v / median_t['_total']:.0%} |"
        for k, v in sorted(median_t.items(), key=lambda kv: -kv[1])
        if k != "_total"
    )
    params = {
        "items_per_request": ITEMS,
        "requests": REPEATS,
        "backend": "postgresql",
        "rate_limits": settings.INTAKE["RATE_LIMIT_BACKEND"],
        "client": "django.test.Client in-process",
        "outcomes": outcomes,
    }
    notes = (
        f"Intake: {REPEATS} requests of {ITEMS:,} items each through POST /api/v1/corrections/ with every "
        f"defence of settings.INTAKE['PIPELINE'] on (rate limits in {settings.INTAKE['RATE_LIMIT_BACKEND']}), "
        f"beside COPY of the same rows into shards_correction in the same run. Outcome mix over the runs: "
        f"{outcomes}.\n\nWhere the time goes in the median request ({median_t['_total'] * 1000:.0f} ms; "
        f"{(median_t['_total'] - pipeline_s) * 1000:.0f} ms outside the pipeline: JSON parse, auth, response):\n\n"
        f"| step | ms | share |\n| --- | --- | --- |\n{profile}\n\n"
        "Reading it: the ceiling writes one row per item; intake writes three (the correction, a case and "
        "its queue seat, in `route`, plus hourly counters and a Redis sorted-set entry per item) and parses "
        "and answers 10,000 JSON objects. Rows go in with COPY (`shards.bulk.rows_insert`); what is left "
        "in `route` is mostly building 20,000 Django model instances in `verifier.services.queue.cases_create`, "
        "in `store` the same for the corrections. Every batch-level query binds its 10,000 keys as one "
        "array (`__any` lookup), the rate limits are one Lua call per batch, the language detector is "
        "built once per process.\n"
    )
    now = datetime.now(UTC).isoformat()
    return {
        "results": [
            {
                "benchmark": "intake",
                "metric": "bulk intake items/s (10,000-item requests, all defences)",
                "ours": round(statistics.median(ours), 1),
                "ceiling": round(statistics.median(ceilings), 1),
                "ratio": round(statistics.median(ratios), 4),
                "unit": "items/s",
                "params": params,
                "measured_at": now,
            }
        ],
        "notes": notes,
    }


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    out = run()
    print(json.dumps(out["results"], indent=2))
    print(out["notes"])
