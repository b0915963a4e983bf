"""MH-1 benchmark: the scoring engine (rules compiled from the database, posts in memory, hits
mapped to rule versions and shards) beside the raw Hyperscan matcher on the same patterns and
posts (ceiling) and a naive Python `re` loop (floor), at 1,000 and 10,000 rules; then the scoring
task end to end (posts read from PostgreSQL, would-hits written) beside the engine figure.

Alone: `python -m bench.scoring` (a script path would let bench/queue.py shadow the stdlib)."""

import cProfile
import io
import pstats
import random
import re
import statistics
import time

from bench._common import env_int, result, timed

POSTS = env_int("BENCH_SCORING_POSTS", 100_000)
RULE_COUNTS = [1000, 10000]
REPEATS = env_int("BENCH_SCORING_REPEATS", 5)
NAIVE_POSTS = env_int("BENCH_SCORING_NAIVE_POSTS", 300)
E2E_POSTS = env_int("BENCH_SCORING_E2E_POSTS", 50_000)


def _rule_terms(vocab, n, seed=21):
    from modelhooks.scoring.corpus import synthetic_words

    rnd = random.Random(seed)
    taken = {w for ws in vocab.values() for w in ws}
    terms = []
    for script, share in (("latin", 0.7), ("thai", 0.15), ("arabic", 0.15)):
        want = int(n * share) if script != "arabic" else n - len(terms)
        words = [w for w in synthetic_words(want * 2, script, rnd) if w not in taken][:want]
        terms += words
    return terms[:n]


def _store_rules(terms, shards):
    """Rules in the database the way risk_db stores them (bulk, for setup speed)."""
    from django.db import connection
    from django.utils import timezone

    from risk_db.models import Rule, RuleShardState, RuleVersion

    with connection.cursor() as c:
        c.execute(
            "TRUNCATE risk_db_wouldhit, risk_db_ruleshardstate, risk_db_ruleversion, risk_db_rule RESTART IDENTITY CASCADE"
        )
    now = timezone.now()
    rules = Rule.objects.bulk_create([Rule(origin_locale="en-US") for _ in terms], batch_size=5000)
    versions = RuleVersion.objects.bulk_create(
        [RuleVersion(rule=r, number=1, pattern=rf"\b{t}\b") for r, t in zip(rules, terms)], batch_size=5000
    )
    for r, v in zip(rules, versions):
        r.current_version = v
    Rule.objects.bulk_update(rules, ["current_version"], batch_size=5000)
    RuleShardState.objects.bulk_create(
        [RuleShardState(rule=r, shard=s, state="shadow", since=now) for r in rules for s in shards], batch_size=10000
    )


def _shards():
    from shards.models import Locale, Shard

    out = []
    for code in ("en-US", "th-TH", "ar-SA"):
        loc, _ = Locale.objects.get_or_create(code=code, defaults={"name": code, "language": code[:2]})
        shard, _ = Shard.objects.get_or_create(code=code, defaults={"locale": loc})
        out.append(shard)
    return out


def _raw_hyperscan(engine_patterns, flags=None):
    import hyperscan

    from risk_db.patterns import HS_FLAGS

    db = hyperscan.Database()
    db.compile(
        expressions=[p.encode() for p in engine_patterns],
        ids=list(range(len(engine_patterns))),
        elements=len(engine_patterns),
        flags=[flags or HS_FLAGS] * len(engine_patterns),
    )
    return db


def run() -> dict:
    from modelhooks.scoring.corpus import bench_posts, bench_vocabulary
    from modelhooks.scoring.engine import Engine
    from risk_db.patterns import pattern_translate
    from risk_db.selectors import rules_for_scoring

    results, notes = [], []
    vocab = bench_vocabulary()
    shards = _shards()
    shard_ids = [s.pk for s in shards]
    all_terms = _rule_terms(vocab, max(RULE_COUNTS))
    for n_rules in RULE_COUNTS:
        terms = all_terms[:n_rules]
        posts = bench_posts(POSTS, vocab, terms, term_rate=0.01)
        post_shards = [shard_ids[i % 3] for i in range(POSTS)]
        _store_rules(terms, shards)
        t = time.perf_counter()
        rules = rules_for_scoring()
        read_s = time.perf_counter() - t
        t = time.perf_counter()
        engine = Engine(rules, cosine_threshold=0.6)
        compile_s = time.perf_counter() - t
        assert not engine.skipped, engine.skipped[:3]
        prefilters = [pattern_translate(r.pattern).prefilter for r in rules]
        raw = _raw_hyperscan(prefilters)
        raw_hits = []

        def raw_scan():
            count = 0
            for text in posts:
                raw_hits.clear()
                raw.scan(text.encode("utf-8"), match_event_handler=lambda i, f, to, fl, c: raw_hits.append(i))
                count += len(raw_hits)
            return count

        from modelhooks.scoring.engine import HS_FLAGS_ALL

        raw_all = _raw_hyperscan(prefilters, HS_FLAGS_ALL)

        def raw_buffer_scan():
            """The raw matcher at its fastest: the batch as one buffer, one scan, counting matches."""
            n = [0]

            def cb(i, f, to, fl, c):
                n[0] += 1

            raw_all.scan(b"  ".join(t.encode("utf-8") for t in posts), match_event_handler=cb)
            return n[0]

        engine.score_regex(posts[:2000], post_shards[:2000])  # warm: lazy tables and confirms
        raw_times, ours_times, buf_times = [], [], []
        for _ in range(REPEATS):  # interleaved, so the shared machine's noise hits both alike
            raw_t, raw_candidates = timed(raw_scan, 1)
            ours_t, hits = timed(lambda: engine.score_regex(posts, post_shards), 1)
            buf_t, _ = timed(raw_buffer_scan, 1)
            raw_times.append(raw_t)
            ours_times.append(ours_t)
            buf_times.append(buf_t)
        raw_s, ours_s, buf_s = (statistics.median(x) for x in (raw_times, ours_times, buf_times))
        sample = posts[:NAIVE_POSTS]
        naive = [re.compile(r.pattern, re.IGNORECASE) for r in rules]
        naive_s, _ = timed(lambda: [[i for i, rx in enumerate(naive) if rx.search(t)] for t in sample], 1)
        params = {
            "posts": POSTS,
            "rules": n_rules,
            "shards": 3,
            "post_chars": 140,
            "scripts": "70% Latin, 15% Thai, 15% Arabic",
            "repeats": REPEATS,
        }
        results.append(
            result(
                "scoring",
                f"engine posts/s at {n_rules} rules (vs raw Hyperscan)",
                POSTS / ours_s,
                POSTS / raw_s,
                "posts/s",
                params,
            )
        )
        results.append(
            result(
                "scoring",
                f"engine posts/s at {n_rules} rules (vs raw Hyperscan, batch as one buffer)",
                POSTS / ours_s,
                POSTS / buf_s,
                "posts/s",
                params,
            )
        )
        results.append(
            result(
                "scoring",
                f"naive Python re loop posts/s at {n_rules} rules (floor, vs raw Hyperscan)",
                NAIVE_POSTS / naive_s,
                POSTS / raw_s,
                "posts/s",
                {**params, "posts": NAIVE_POSTS},
            )
        )
        notes.append(
            f"- {n_rules} rules: rules read from PostgreSQL in {read_s:.2f} s, compiled in {compile_s:.2f} s; "
            f"{len(hits):,} would-hits on {POSTS:,} posts ({raw_candidates:,} matches of the boundary-stripped "
            f"patterns in the raw ceiling; the engine's word-only scan is exact and confirms nothing)."
        )

    # End to end: posts in PostgreSQL (corrections), the batch service, would-hits written.
    e2e = _end_to_end(vocab, all_terms[:1000], shards)
    results.append(
        result(
            "scoring",
            "scoring task end to end posts/s at 1000 rules (vs engine alone, same posts)",
            e2e["posts_per_s"],
            e2e["engine_posts_per_s"],
            "posts/s",
            {"posts": E2E_POSTS, "rules": 1000, "batch_size": e2e["batch_size"]},
        )
    )
    notes.append(
        f"- End to end ({E2E_POSTS:,} corrections in PostgreSQL, batches of {e2e['batch_size']:,}): "
        + ", ".join(f"{k} {v:.1%}" for k, v in e2e["split"].items())
        + " of the time. "
        + f"Top of the profile:\n\n```\n{e2e['profile']}\n```"
    )
    return {
        "results": results,
        "notes": "Engine: rules from `rules_for_scoring()`, every "
        "`\\bterm\\b` rule is word-only, so the batch is normalised (non-word characters to spaces) and scanned "
        "as one buffer by Hyperscan (UTF8|UCP|CASELESS), hits mapped to posts by offset, then to rule versions "
        "and shards (docs/patterns.md). Ceilings, same patterns with boundaries stripped, same posts: (a) raw "
        "Hyperscan scanned post by post with SINGLEMATCH and a list-append callback (the usual way, and the "
        "figure the issue quotes); (b) raw Hyperscan over the batch joined into one buffer, counting matches "
        "(the fastest the matcher goes). The naive loop is Python `re` per rule per post on the first posts only. "
        "Interleaved repeats, medians.\n\n" + "\n".join(notes),
    }


def _end_to_end(vocab, terms, shards) -> dict:
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from modelhooks.models import ScoringBatch
    from modelhooks.scoring.corpus import bench_posts
    from modelhooks.selectors import posts_for_batch
    from modelhooks.services import scoring
    from shards.models import Correction

    _store_rules(terms, shards)
    posts = bench_posts(E2E_POSTS, vocab, terms, seed=99, term_rate=0.01)
    with connection.cursor() as c:
        c.execute("TRUNCATE modelhooks_scoringbatch, modelhooks_postembedding")
        c.execute("DELETE FROM shards_correction")
    now = timezone.now()
    Correction.objects.bulk_create(
        [
            Correction(
                post_id=f"bench-{i}", post_text=t, shard=shards[i % 3], hashtags=["#b"], outcome="queued", at=now
            )
            for i, t in enumerate(posts)
        ],
        batch_size=5000,
    )
    batches = scoring.scoring_batches_cut()
    profiler = cProfile.Profile()
    t = time.perf_counter()
    profiler.enable()
    for b in batches:
        scoring.scoring_batch_run(batch_id=b.pk)
    profiler.disable()
    total = time.perf_counter() - t
    hits = sum(ScoringBatch.objects.values_list("regex_hits", flat=True))
    # Split by stage, measured again on one batch.
    b = batches[0]
    t0 = time.perf_counter()
    rows = posts_for_batch(first_id=b.first_correction_id, last_id=b.last_correction_id)
    t1 = time.perf_counter()
    engine = scoring.scoring_engine()
    good, _ = scoring._valid_posts(rows)
    found = engine.score_regex([p.text for p in good], [p.shard_id for p in good])
    t2 = time.perf_counter()
    from risk_db.models import WouldHit

    WouldHit.objects.all().delete()
    scoring._record(found, good)
    t3 = time.perf_counter()
    span = t3 - t0
    engine_s = statistics.median(
        [_time(lambda: engine.score_regex(posts, [shards[i % 3].pk for i in range(len(posts))])) for _ in range(3)]
    )
    s = io.StringIO()
    pstats.Stats(profiler, stream=s).sort_stats("cumulative").print_stats(12)
    prof = "\n".join(line for line in s.getvalue().splitlines() if line.strip())[-2500:]
    return {
        "posts_per_s": E2E_POSTS / total,
        "engine_posts_per_s": E2E_POSTS / engine_s,
        "hits": hits,
        "batch_size": settings.MODELHOOKS["SCORING_BATCH_SIZE"],
        "split": {"read posts": (t1 - t0) / span, "match": (t2 - t1) / span, "write would-hits": (t3 - t2) / span},
        "profile": prof,
    }


def _time(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


if __name__ == "__main__":
    import json

    from bench._common import setup_django_for_main

    setup_django_for_main()
    print(json.dumps(run(), indent=1, ensure_ascii=False))
