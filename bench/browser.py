"""Issue 14 benchmark: keypress to next case visible on the queue page, in headless Chromium.

A verifier logs in and rules BENCH_BROWSER_RULINGS (200) cases with the Y key on the real page, served by
daphne (the ASGI app, DEBUG off) on the PostgreSQL bench database. Between rulings the verifier "reads"
for BENCH_BROWSER_READ_MS (1 s, a quick reader; the page prefetches the next case meanwhile). The time measured, in the
page itself, runs from the keydown event to the animation frame in which the next case is in the DOM
(the frame about to be painted).

The ceiling, in the same run and the same browser: a static page that holds the same number of
pre-rendered cases and swaps the next one in on the key press (no server at all), measured the same way.
Both figures are lower-is-better; ratio = ours / ceiling (1.0 would be as fast as a static page).
"""

import os
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from bench._procs import Daphne

ROOT = Path(__file__).resolve().parent.parent
RULINGS = int(os.environ.get("BENCH_BROWSER_RULINGS", "200"))
READ_MS = int(os.environ.get("BENCH_BROWSER_READ_MS", "1000"))
CEILING_READ_MS = 100  # the static page has nothing to fetch while the verifier reads
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# Installed in the page before each press: t0 at keydown; the first animation frame in which #case
# carries another case id ends the measurement.
PROBE = """
() => {
  const old = (document.querySelector('#case') || {dataset: {}}).dataset.caseId;
  let t0 = null;
  window.__latency = null;
  document.addEventListener('keydown', e => { t0 = e.timeStamp; }, {once: true, capture: true});
  function check() {
    const c = document.querySelector('#case');
    if (t0 !== null && c && c.dataset.caseId !== old) { window.__latency = performance.now() - t0; return; }
    requestAnimationFrame(check);
  }
  requestAnimationFrame(check);
}
"""


def _reset_world(n_cases: int):
    from bench._seed import cases_seed, queue_world_reset, verifier_seed

    shard = queue_world_reset()
    # A sub-locale: no survey banner; the sub-locale mix path is exercised too.
    user = verifier_seed(shard=shard, username="bench_browser", password="demo", sub_locale="en-US:bench")
    cases_seed(
        shard=shard,
        n=n_cases,
        post_id=lambda i: f"br{i}",
        post_text=lambda i: f"Over {100 + i} people marched in the city centre on Saturday",
        proposal=lambda i: f"Over {200 + i} people marched in the city centre on Saturday",
    )
    return user


def _start_server() -> Daphne:
    env = {**os.environ, "LOG_LEVEL": "ERROR", "DB_POOL_MAX_SIZE": "4", "FILTER_LOAD_AT_START": "0"}  # as bench.queue
    env.pop("REDIS_URL", None)  # in-memory channel layer: the live pushes stay in the server process
    from django.conf import settings  # bench modules set Django up before they run

    env.setdefault("DJANGO_SECRET_KEY", settings.SECRET_KEY)  # DEBUG off: the server needs a key (issue 11)
    return Daphne(Path(tempfile.gettempdir()) / f"bench-browser-daphne-{os.getpid()}.log", env)


def _rule_all(page, n: int, read_ms: int) -> tuple[list[float], int, int]:
    """Press Y n times, each after the reading time; the in-page latencies (ms), the flashes that were
    errors, and how many presses found the next case already prefetched."""
    latencies, errors, hits = [], 0, 0
    for _ in range(n):
        if page.locator("#case").count() == 0:
            break
        page.wait_for_timeout(read_ms)
        hits += page.evaluate("(document.getElementById('case-slot').dataset.prefetched || '0') === '1'")
        page.evaluate(PROBE)
        page.keyboard.press("y")
        page.wait_for_function("() => window.__latency !== null", polling="raf")  # a function: the CSP refuses eval
        latencies.append(page.evaluate("window.__latency"))
        flash = page.locator("#case-slot .flash")
        if flash.count() and "already" in (flash.first.inner_text() or "").lower():
            errors += 1
    return latencies, errors, hits


def _static_page(n: int, css: str) -> str:
    """The ceiling: n pre-rendered cards in <template>s, the next swapped in on Y."""
    cards = "".join(
        f'<template class="c"><article class="case" id="case" data-case-id="s{i}" tabindex="-1">'
        f'<p class="meta">en-US · correction</p><blockquote class="post" dir="auto">'
        f"{escape(f'Over {100 + i} people marched in the city centre on Saturday')}</blockquote>"
        f'<h3>Proposed correction</h3><blockquote class="proposal" dir="auto">'
        f"{escape(f'Over {200 + i} people marched in the city centre on Saturday')}</blockquote>"
        f'<h2>Accept this correction?</h2><div class="actions"><button class="yes">Yes (Y)</button>'
        f'<button class="no">No (N)</button></div></article></template>'
        for i in range(n + 1)
    )
    script = """
      const cards = Array.from(document.querySelectorAll('template.c'));
      let at = 0;
      function show() { const slot = document.getElementById('case-slot');
        slot.replaceChildren(cards[at].content.cloneNode(true)); slot.querySelector('#case').focus(); }
      document.addEventListener('keydown', e => { if (e.key === 'y' && at < cards.length - 1) { at++; show(); } });
      show();
    """
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><style>{css}</style></head>"
        f"<body><main><div id='case-slot'></div></main>{cards}<script>{script}</script></body></html>"
    )


def _pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 2 else (values[0] if values else 0.0)


def run() -> dict:
    from playwright.sync_api import sync_playwright

    user = _reset_world(RULINGS + 5)
    server = _start_server()
    base = server.url
    console_errors = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page()
            page.set_default_timeout(30_000)
            page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{base}/login/")
            page.keyboard.type(user.username)
            page.keyboard.press("Tab")
            page.keyboard.type("demo")
            with page.expect_navigation():
                page.keyboard.press("Enter")
            page.wait_for_selector("#case")
            page.wait_for_timeout(1000)  # the websocket and the first prefetch settle
            ours, flashed_errors, prefetched = _rule_all(page, RULINGS, READ_MS)
            page.wait_for_timeout(2000)  # the last ruling's request lands

            static = browser.new_page()
            static.set_content(_static_page(RULINGS, (ROOT / "static" / "app.css").read_text()))
            static.wait_for_selector("#case")
            ceiling, _, _ = _rule_all(static, RULINGS, CEILING_READ_MS)
            browser.close()
    finally:
        server.stop()

    from verifier.models import Ruling

    ruled = Ruling.objects.filter(verifier=user).count()
    now = datetime.now(UTC).isoformat(timespec="seconds")
    params = {
        "rulings": len(ours),
        "ruled_in_db": ruled,
        "read_ms": READ_MS,
        "presses_with_next_case_prefetched": prefetched,
        "server": "daphne, DEBUG off, PostgreSQL",
        "browser": "Chromium headless (Playwright)",
        "error_flashes": flashed_errors,
        "console_errors": len(console_errors),
        "load_average_1min": round(os.getloadavg()[0], 1),  # a shared machine: how loaded it was
    }
    results = []
    for q in (50, 95):
        o, c = _pct(ours, q), _pct(ceiling, q)
        results.append(
            {
                "benchmark": "browser",
                "metric": f"p{q} keypress to next case visible (ms, lower is better)",
                "ours": round(o, 1),
                "ceiling": round(c, 1),
                "ratio": round(o / c, 3) if c else 0.0,
                "unit": "ms (ceiling: static page swapping pre-rendered cases)",
                "params": params,
                "measured_at": now,
            }
        )
    notes = "\n".join(
        [
            f"{len(ours)} rulings with the Y key in headless Chromium on the queue page (daphne, DEBUG off, PostgreSQL),",
            f"{READ_MS} ms of reading between them. Measured in the page: keydown to the animation frame that",
            "has the next case in the DOM. Ceiling: the same measurement on a static page that swaps in",
            "pre-rendered cases (no server). Lower is better; ratio = ours / ceiling.",
            "",
            "| | p50 ms | p95 ms | max ms |",
            "| --- | ---: | ---: | ---: |",
            f"| queue page | {_pct(ours, 50):.1f} | {_pct(ours, 95):.1f} | {max(ours or [0]):.1f} |",
            f"| static page (ceiling) | {_pct(ceiling, 50):.1f} | {_pct(ceiling, 95):.1f} | {max(ceiling or [0]):.1f} |",
            "",
            f"Rulings stored: {ruled} of {len(ours)} key presses; {prefetched} presses found the next case",
            f"prefetched (the others waited for the server); error messages shown: {flashed_errors};",
            f"console errors: {len(console_errors)} ({'; '.join(sorted(set(console_errors)))[:200] or 'none'}).",
        ]
    )
    return {"results": results, "notes": notes}


if __name__ == "__main__":
    import json

    sys.path.insert(0, str(ROOT))
    from bench.run import prepare_django

    prepare_django()
    print(json.dumps(run(), indent=1))
