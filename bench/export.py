"""MH-3 benchmark: rows/s of a training export of one shard (one COPY of each row's JSON and typed
columns, through Arrow's CSV reader to JSONL and Parquet row groups, sha256 and manifest) beside PostgreSQL `COPY ... TO` of the same
rows to a file (ceiling), in the same run; and the export's peak memory (RSS of a fresh process)
at two sizes, to show it is flat in the number of rows. Every sample is batched and has a correction
graph of two users (IN-11), its `text` and `target_spans`; a taint list and a blocking-rule-free shard
make the export run every filter it runs in production (taint and suspension anti-joins, tombstones).

Alone: `python -m bench.export`. BENCH_EXPORT_ROWS sets the large size (default 1,000,000)."""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._common import ROOT, env_int, result

ROWS = env_int("BENCH_EXPORT_ROWS", 1_000_000)
SMALL = env_int("BENCH_EXPORT_SMALL_ROWS", 100_000)
REPEATS = env_int("BENCH_EXPORT_REPEATS", 3)


def _insert_series(model, n: int, overrides: dict[str, str], params: list, source: str | None = None) -> None:
    """INSERT ... SELECT FROM generate_series(1, n) AS g: every column from `overrides` (SQL using g)
    or the field's default, so columns other branches add keep working."""
    from django.db import connection

    cols, exprs, values = [], [], list(params)
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        cols.append(f'"{f.column}"')
        if f.attname in overrides:
            exprs.append(overrides[f.attname])
        elif f.has_default() or (not f.null and f.empty_strings_allowed):
            exprs.append("%s")
            values.append(f.get_db_prep_save(f.get_default(), connection))
        elif f.null:
            exprs.append("NULL")
        else:
            raise RuntimeError(f"bench: no value for {model.__name__}.{f.attname}")
    sql = (
        f'INSERT INTO "{model._meta.db_table}" ({", ".join(cols)}) SELECT {", ".join(exprs)} '
        f"FROM {source or f'generate_series(1, {int(n)}) AS g'}"
    )
    with connection.cursor() as c:
        c.execute(sql, values)


def _world():
    from django.db import connection

    from modelhooks.models import Export
    from shards.models import Locale, Shard
    from training.models import TrainingSample
    from verifier.models import Case

    shards = {}
    for code, n in (("bench-small", SMALL), ("bench-large", ROWS)):
        loc, _ = Locale.objects.get_or_create(code=code, defaults={"name": code, "language": "en"})
        shard, _ = Shard.objects.get_or_create(code=code, defaults={"locale": loc})
        shards[code] = shard
        have = TrainingSample.objects.filter(shard=shard).count()
        if have == n and not TrainingSample.objects.filter(shard=shard, graph__isnull=True).exists():
            _batched(shard)
            continue
        with connection.cursor() as c:
            c.execute("DELETE FROM modelhooks_export WHERE shard_id = %s", [shard.pk])
            c.execute("DELETE FROM training_retraction WHERE shard_id = %s", [shard.pk])
            c.execute("DELETE FROM shards_trainingsample WHERE shard_id = %s", [shard.pk])
            c.execute("DELETE FROM verifier_case WHERE shard_id = %s", [shard.pk])
            # IN-11: one correction graph of two users per sample (the id is text, like intake's hashes)
            c.execute("DELETE FROM shards_correctiongraphmember WHERE graph_id LIKE %s", [f"{code}:%"])
            c.execute("DELETE FROM shards_correctiongraph WHERE graph_id LIKE %s", [f"{code}:%"])
            c.execute(
                "INSERT INTO shards_correctiongraph (graph_id, size, created_at) "
                "SELECT %s || g, 2, now() FROM generate_series(1, %s) AS g",
                [f"{code}:", n],
            )
            c.execute(
                "INSERT INTO shards_correctiongraphmember (graph_id, submitter_id) "
                "SELECT %s || g, %s || g || '-' || k FROM generate_series(1, %s) AS g, generate_series(1, 2) AS k",
                [f"{code}:", f"{code}-user", n],
            )
        now = "now()"
        _insert_series(
            Case,
            n,
            {
                "public_id": "gen_random_uuid()",
                "shard_id": str(shard.pk),
                "kind": "'correction'",
                "status": "'decided'",
                "locale": f"'{code}'",
                "post_id": f"'{code}-' || g",
                "post_text": "'post text number ' || g",
                "decision": "'yes'",
                "at": now,
                "created_at": now,
                "due_at": now,
                "decided_at": now,
            },
            [],
        )
        _insert_series(
            TrainingSample,
            n,
            {
                "case_id": "c.id",
                "shard_id": str(shard.pk),
                "locale": f"'{code}'",
                "post_id": "c.post_id",
                "text_delta": "'the corrected text of post ' || c.post_id || ' with «quotes» and ข่าว'",
                "regional_hard_block": "(c.g %% 50 = 0)",
                "hard_block_locale": "CASE WHEN c.g %% 50 = 0 THEN 'th-TH' ELSE '' END",
                "weight": "0.3",
                "created_at": now,
                "graph_id": f"'{code}:' || c.g",
                "text": "'Over 200 people marched on day ' || c.g",
                "target_spans": "'[[5, 8]]'::jsonb",
            },
            [],
            source=f"(SELECT id, post_id, row_number() OVER (ORDER BY id) AS g FROM verifier_case WHERE shard_id = {shard.pk}) AS c",
        )
        _batched(shard)
    _taint_list()
    with connection.cursor() as c:  # fresh statistics after the bulk insert, as autovacuum would give them
        c.execute("ANALYZE")
    # an earlier bench run killed mid-export leaves a running export, which would refuse the next (409)
    Export.objects.filter(shard__in=shards.values(), status__in=["queued", "running"]).update(status="failed")
    return shards


def _taint_list() -> None:
    """A taint list of users who back none of the bench samples: the export's taint anti-join runs."""
    from training.models import TaintList
    from training.services.taint import taint_submitters

    if not TaintList.objects.exists():
        taint_submitters(submitter_ids={f"bench-bot-{i}" for i in range(20)}, reason="bench")


def _batched(shard) -> None:
    """Only batched samples are exported (IN-12): the bench rows sit in one batch at 0.3."""
    from django.utils import timezone

    from training.models import TrainingBatch, TrainingSample

    waiting = TrainingSample.objects.filter(shard=shard, batch__isnull=True)
    n = waiting.count()
    if n:
        batch = TrainingBatch.objects.create(cut_at=timezone.now(), size=n, weight="0.3")
        waiting.update(batch=batch)


def run() -> dict:
    from django.db import connection
    from django.utils import timezone

    from modelhooks.models import Export
    from modelhooks.services import exports
    from training.selectors import samples_exportable

    t = time.perf_counter()
    shards = _world()
    setup_s = time.perf_counter() - t
    big = shards["bench-large"]
    out_dir = Path(tempfile.mkdtemp(prefix="vo-export-bench-"))
    from django.conf import settings

    settings.MODELHOOKS = {**settings.MODELHOOKS, "EXPORT_DIR": str(out_dir)}
    fields = exports.export_fields(samples_exportable(shard=big).model)
    same_rows = samples_exportable(shard=big, batched_only=True)
    sql, params = same_rows.values(*[f.attname for f in fields]).query.sql_with_params()
    plain = connection.ops.compose_sql(sql, params)
    ours_t, copy_t = [], []
    rows = 0
    for _ in range(REPEATS):
        t = time.perf_counter()
        with (out_dir / "copy.tsv").open("wb") as f, connection.cursor() as cur:
            with cur.cursor.copy(f"COPY ({plain}) TO STDOUT") as copy:
                for data in copy:
                    f.write(data)
        copy_t.append(time.perf_counter() - t)
        e = Export.objects.create(shard=big, created_at=timezone.now())
        t = time.perf_counter()
        e = exports.export_run(export_id=e.pk)
        ours_t.append(time.perf_counter() - t)
        rows = e.rows_written
    copy_s, ours_s = (statistics.median(x) for x in (copy_t, ours_t))
    mem = {n: _peak_rss_mb(shards[code]) for n, code in ((SMALL, "bench-small"), (ROWS, "bench-large"))}
    params = {"samples": rows, "shard_rows": ROWS, "excluded_foreign_hard_block": ROWS - rows, "repeats": REPEATS}
    results = [
        result(
            "export",
            "export rows/s, JSONL + Parquet + sha256 + manifest (vs COPY TO file)",
            rows / ours_s,
            rows / copy_s,
            "rows/s",
            params,
        ),
        result(
            "export",
            f"export's own peak memory MB at {ROWS:,} rows (vs at {SMALL:,} rows; ratio ~1 = flat)",
            mem[ROWS][1] - mem[ROWS][0],
            mem[SMALL][1] - mem[SMALL][0],
            "MB",
            {"small": SMALL, "large": ROWS},
        ),
    ]
    notes = (
        f"Setup (insert {SMALL + ROWS:,} cases and samples with generate_series) {setup_s:.0f} s. Each sample has "
        f"{len(fields)} columns; 1 in 50 is a foreign hard-block and is filtered out by the selector. Medians of "
        f"{REPEATS}: COPY {copy_s:.2f} s, whole export {ours_s:.2f} s. One pass: one COPY sends each row's "
        "`row_to_json` and its typed columns (CSV framing with control-character quote/delimiter, so the JSON "
        "passes through untouched); blocks of EXPORT_FLUSH_BYTES go through Arrow's CSV reader to the JSONL "
        "file (hashed while written) and to Parquet row groups of EXPORT_PARQUET_ROWS; then the Parquet sha256, "
        "the manifest counts (one scan) and the left-out ids (one scan of the shard, aggregated to JSON in SQL). "
        f"Memory: a fresh process per size, resident set sampled every 5 ms during the export; before it "
        f"{mem[SMALL][0]:.0f} MB (Django and the project's apps, which load language models at setup), peak "
        f"{mem[SMALL][1]:.0f} MB at {SMALL:,} rows and {mem[ROWS][1]:.0f} MB at {ROWS:,} rows (before: "
        f"{mem[ROWS][0]:.0f} MB): the export's own share is the difference, bounded by the 1 MiB COPY block and "
        "one Parquet row group (Arrow on jemalloc), not by the row count. The COPY ceiling is psycopg's `copy()` iterated into a file "
        "(PostgreSQL sends one message per row; psql's COPY to a file was ~635k rows/s in MEASURED.md)."
    )
    return {"results": results, "notes": notes}


def _peak_rss_mb(shard) -> float:
    from django.utils import timezone

    from modelhooks.models import Export

    e = Export.objects.create(shard=shard, created_at=timezone.now())
    code = (
        "import django, os, threading, time; django.setup()\n"
        "from modelhooks.services.exports import export_run\n"
        "import pyarrow, pyarrow.parquet, pyarrow.csv\n"
        "from django.db import connection; connection.ensure_connection()\n"
        "page = os.sysconf('SC_PAGE_SIZE')\n"
        "rss = lambda: int(open('/proc/self/statm').read().split()[1]) * page\n"
        "base = rss(); peak = [base]; done = threading.Event()\n"
        "def sample():\n"
        "    while not done.is_set():\n"
        "        peak[0] = max(peak[0], rss()); time.sleep(0.005)\n"
        "t = threading.Thread(target=sample); t.start()\n"
        f"export_run(export_id={e.pk})\n"
        "done.set(); t.join(); print(base // 1024, peak[0] // 1024)\n"
    )
    from django.conf import settings

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "EXPORT_DIR": settings.MODELHOOKS["EXPORT_DIR"]}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    base, peak = (int(x) for x in out.stdout.strip().splitlines()[-1].split())
    return base / 1024, peak / 1024


if __name__ == "__main__":
    from bench._common import setup_django_for_main

    setup_django_for_main()
    print(json.dumps(run(), indent=1, ensure_ascii=False))
