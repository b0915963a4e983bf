"""Shared helpers of the modelhooks benchmarks (scoring, embeddings, export)."""

import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django_for_main() -> None:
    """`python bench/<name>.py`: the same bench database the runner uses."""
    sys.path.insert(0, str(ROOT))
    from bench.run import prepare_django

    prepare_django()


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def timed(fn, repeats: int) -> tuple[float, object]:
    """Median seconds of `repeats` calls, and the last result."""
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def result(benchmark, metric, ours, ceiling, unit, params) -> dict:
    return {
        "benchmark": benchmark,
        "metric": metric,
        "ours": round(ours, 1),
        "ceiling": round(ceiling, 1),
        "ratio": round(ours / ceiling, 4) if ceiling else 0.0,
        "unit": unit,
        "params": params,
        "measured_at": now_iso(),
    }


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))
