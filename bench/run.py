"""Run every benchmark module present and write bench/RESULTS.md and bench/results.json (SPEC 8).

Each module `bench/<name>.py` exposes `run() -> {"results": [...], "notes": "markdown"}`; each result
is `{benchmark, metric, ours, ceiling, ratio, unit, params, measured_at}` with ratio = ours / ceiling
measured in the same run. Modules run against a migrated PostgreSQL bench database.
"""

import importlib
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ["queue", "browser", "intake", "scoring", "filter", "embeddings", "export", "pay", "load"]


def bench_database_url() -> str:
    """The bench uses its own database beside the one in DATABASE_URL (default: local PostgreSQL)."""
    base = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/verifier_ops"
    return base.rsplit("/", 1)[0] + "/" + os.environ.get("BENCH_DATABASE", "vo_bench")


def prepare_django() -> None:
    import psycopg

    url = bench_database_url()
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    sys.path.insert(0, str(HERE.parent))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def host_probe() -> float:
    """Seconds of CPU a fixed pure-Python loop takes: the shared host's speed at that moment (about 0.56 s on a
    quiet host of this kind, up to twice that when the host is busy), printed beside the figures."""
    started = time.process_time()
    total = 0
    for i in range(10_000_000):
        total += i
    return time.process_time() - started


def write_outputs(all_results: list[dict], notes: dict[str, str], probes: tuple[float, float] | None = None) -> None:
    (HERE / "results.json").write_text(json.dumps(all_results, indent=2, ensure_ascii=False) + "\n")
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}. "
        f"Written by `make bench` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC. "
        "Medians of repeated runs; the machine is shared and noisy (5-15 %)."
        + (
            f" Host speed: a 10-million-step Python loop took {probes[0]:.2f} s before and {probes[1]:.2f} s after"
            " these runs (about 0.56 s on a quiet host; figures of benchmarks not re-run keep their own run's speed)."
            if probes
            else ""
        ),
        "",
        "| benchmark | metric | ours | ceiling | ratio | unit | params |",
        "| --- | --- | ---: | ---: | ---: | --- | --- |",
    ]
    for r in all_results:
        lines.append(
            f"| {r['benchmark']} | {r['metric']} | {r['ours']:,.1f} | {r['ceiling']:,.1f} | "
            f"{r['ratio']:.3f} | {r['unit']} | {json.dumps(r['params'], ensure_ascii=False)} |"
        )
    for name, text in notes.items():
        lines += ["", f"## {name}", "", text.strip()]
    (HERE / "RESULTS.md").write_text("\n".join(lines) + "\n")


def main(argv: list[str]) -> int:
    wanted = argv or [n for n in ORDER if (HERE / f"{n}.py").exists()]
    prepare_django()
    before = host_probe()
    previous = json.loads((HERE / "results.json").read_text()) if (HERE / "results.json").exists() else []
    all_results = [r for r in previous if r["benchmark"] not in wanted]  # keep others' last figures
    notes = {}
    for name in wanted:
        started = time.time()
        print(f"== {name}", flush=True)
        out = importlib.import_module(f"bench.{name}").run()
        all_results += out["results"]
        notes[name] = out.get("notes", "")
        print(json.dumps(out["results"], indent=1, ensure_ascii=False), f"({time.time() - started:.0f} s)", flush=True)
    all_results.sort(key=lambda r: ORDER.index(r["benchmark"]) if r["benchmark"] in ORDER else 99)
    if (HERE / "RESULTS.md").exists():
        # Keep the notes of benchmarks not re-run this time.
        old = (HERE / "RESULTS.md").read_text().split("\n## ")[1:]
        for block in old:
            title, _, body = block.partition("\n")
            notes.setdefault(title.strip(), body.strip())
    ordered = {k: notes[k] for k in sorted(notes, key=lambda n: ORDER.index(n) if n in ORDER else 99)}
    write_outputs(all_results, ordered, (before, host_probe()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
