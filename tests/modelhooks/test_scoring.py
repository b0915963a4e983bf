"""MH-1 / MH-7: scoring batches log would-hits per (post, rule version, shard), idempotently."""

import numpy as np
import pytest

from modelhooks.models import PostEmbedding, ScoringBatch
from modelhooks.selectors import embedding_lag
from modelhooks.services import scoring
from risk_db.models import RuleShardState, WouldHit
from risk_db.services import rule_create
from shards.models import Correction
from tests.base import corrections, hooks_install
from tests.factories import ShardFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    en, th, ar = ShardFactory(code="en-US"), ShardFactory(code="th-TH"), ShardFactory(code="ar-SA")
    king = rule_create(pattern=r"\bking\b", origin_locale="en-US", shards=[en, th])
    malik = rule_create(pattern=r"\bملك\b", origin_locale="ar-SA", shards=[ar], state=RuleShardState.State.BLOCKING)
    thai = rule_create(pattern=r"\bพระราชา\b", origin_locale="th-TH", shards=[th])
    return {"en": en, "th": th, "ar": ar, "king": king, "malik": malik, "thai": thai}


def hits():
    return sorted(
        WouldHit.objects.values_list("post_id", "rule_version__rule_id", "shard__code", "state", "matched_by")
    )


def test_regex_stage_logs_hits_only_in_shards_where_the_rule_is_live(world):
    corrections(world["en"], ["The KING spoke", "kingdom news", "no match"])
    corrections(world["th"], ["ข่าวพระราชาวันนี้", "the king in Bangkok"], start=10)
    corrections(world["ar"], ["الملك هنا", "ملك هنا", "a king here"], start=20)
    [batch] = scoring.scoring_batches_cut()
    batch = scoring.scoring_batch_run(batch_id=batch.pk)
    k, m, t = world["king"].pk, world["malik"].pk, world["thai"].pk
    assert hits() == sorted(
        [
            ("en-US-p0", k, "en-US", "shadow", "regex"),
            ("th-TH-p10", t, "th-TH", "shadow", "regex"),
            ("th-TH-p11", k, "th-TH", "shadow", "regex"),
            ("ar-SA-p21", m, "ar-SA", "blocking", "regex"),
        ]
    )  # "a king here" in ar-SA: the king rule is not live there
    assert batch.regex_hits == 4 and batch.posts == 8 and batch.bad_rows == []


def test_rerunning_a_batch_never_duplicates_a_hit(world):
    corrections(world["en"], ["the king", "king king king"])
    [batch] = scoring.scoring_batches_cut()
    scoring.scoring_batch_run(batch_id=batch.pk)
    first = hits()
    scoring.scoring_batch_run(batch_id=batch.pk)
    assert hits() == first and WouldHit.objects.count() == 2
    from django.db.models import Sum

    from risk_db.models import ScoringVolume

    # RK-7's denominator: the batch's posts are counted once per shard and hour, not once per run
    assert ScoringVolume.objects.aggregate(n=Sum("posts"))["n"] == 2


def test_bad_rows_are_reported_and_good_rows_still_scored(world):
    corrections(world["en"], ["the king", "   "])
    corrections(None, ["king without a shard"], start=5)
    [batch] = scoring.scoring_batches_cut()
    batch = scoring.scoring_batch_run(batch_id=batch.pk)
    assert [h[0] for h in hits()] == ["en-US-p0"]
    reasons = {r["post_id"]: r["reason"] for r in batch.bad_rows}
    assert reasons == {"en-US-p1": "post text is empty", "none-p5": "no shard: the intake did not route this item"}


def unrunnable_rule(world):
    """A stored pattern the scorer cannot run (approval refuses it now, so it can only be an old or
    hand-edited version): RE2 accepts `king\\bdom`, our pattern meaning does not."""
    from risk_db.models import RuleVersion

    rule = rule_create(pattern="kingdom", origin_locale="en-US", shards=[world["en"]])
    RuleVersion.objects.filter(rule=rule).update(pattern=r"king\bdom")
    return rule


def test_rule_the_scorer_cannot_run_is_reported_on_the_batch(world):
    bad = unrunnable_rule(world)
    corrections(world["en"], ["the king"])
    [batch] = scoring.scoring_batches_cut()
    batch = scoring.scoring_batch_run(batch_id=batch.pk)
    assert [(s["rule_id"], "only allowed at the start or end" in s["reason"]) for s in batch.skipped_rules] == [
        (bad.pk, True)
    ]
    assert len(hits()) == 1


def test_ocr_text_is_scored_with_the_post(world):
    corrections(world["en"], ["a photo"], ocr={0: "sign says KING"})
    [batch] = scoring.scoring_batches_cut()
    scoring.scoring_batch_run(batch_id=batch.pk)
    assert [h[0] for h in hits()] == ["en-US-p0"]


def test_batches_are_cut_by_size_and_never_twice(world, settings):
    settings.MODELHOOKS = {**settings.MODELHOOKS, "SCORING_BATCH_SIZE": 2}
    made = corrections(world["en"], ["a", "b", "c", "d", "e"])
    first = scoring.scoring_batches_cut()
    ids = [c.pk for c in made]
    assert [(b.first_correction_id, b.last_correction_id) for b in first] == [
        (ids[0], ids[1]),
        (ids[2], ids[3]),
        (ids[4], ids[4]),
    ]
    assert scoring.scoring_batches_cut() == []
    more = corrections(world["en"], ["f"], start=9)
    assert [(b.first_correction_id, b.last_correction_id) for b in scoring.scoring_batches_cut()] == [
        (more[0].pk, more[0].pk)
    ]


def test_embedding_stage_hits_by_cosine_and_embeds_each_post_once(world, monkeypatch):
    from modelhooks import hooks

    vec = hooks.hook("EMBEDDER").encode(["The king leads the army into the capital"])[0]
    emb = rule_create(
        pattern=r"\bzzzz\b",
        origin_locale="en-US",
        shards=[world["en"]],
        embedding=vec.tolist(),
        embedder="all-MiniLM-L6-v2",
    )
    thai_vec = hooks.hook("CHAR_EMBEDDER").encode(["ข่าวพระราชาวันนี้"])[0]
    emb_th = rule_create(
        pattern=r"\bzzzz\b",
        origin_locale="th-TH",
        shards=[world["th"]],
        embedding=thai_vec.tolist(),
        embedder="char-ngram",
    )
    corrections(world["en"], ["The king leads his army into the capital city", "Recipe for banana bread"])
    corrections(world["th"], ["ข่าวพระราชาวันนี้ครับ"], start=10)
    [batch] = scoring.scoring_batches_cut()
    batch = scoring.embedding_batch_run(batch_id=batch.pk)
    emb_hits = WouldHit.objects.filter(matched_by="embedding").values_list("post_id", "rule_version__rule_id", "score")
    assert sorted((p, r) for p, r, _ in emb_hits) == [("en-US-p0", emb.pk), ("th-TH-p10", emb_th.pk)]
    assert all(s >= 0.6 for _, _, s in emb_hits)
    assert PostEmbedding.objects.count() == 3
    assert batch.embedders["all-MiniLM-L6-v2"]["posts"] == 2 and batch.embedders["char-ngram"]["posts"] == 1

    # A redelivered batch reads the cache: nothing is embedded again, no hit is duplicated.
    ScoringBatch.objects.filter(pk=batch.pk).update(embed_status=ScoringBatch.Stage.QUEUED)
    monkeypatch.setattr(type(hooks.hook("EMBEDDER")), "encode", lambda self, texts: pytest.fail("re-embedded"))
    scoring.embedding_batch_run(batch_id=batch.pk)
    assert WouldHit.objects.filter(matched_by="embedding").count() == 2 and PostEmbedding.objects.count() == 3


def test_embedding_backpressure_queues_a_bounded_number_and_shows_the_rest_as_lag(world, settings):
    settings.MODELHOOKS = {**settings.MODELHOOKS, "SCORING_BATCH_SIZE": 2, "EMBED_MAX_QUEUED_BATCHES": 2}
    corrections(world["en"], [f"post {i}" for i in range(8)])
    batches = scoring.scoring_batches_cut()
    for b in batches:
        scoring.scoring_batch_run(batch_id=b.pk)
    assert len(batches) == 4
    released = scoring.embedding_batches_release()
    assert released == [batches[0].pk, batches[1].pk]
    assert scoring.embedding_batches_release() == []  # full: the rest wait, never dropped
    assert embedding_lag()["batches"] == 4 and embedding_lag()["posts"] == 8
    scoring.embedding_batch_run(batch_id=batches[0].pk)
    assert scoring.embedding_batches_release() == [batches[2].pk]
    assert embedding_lag()["posts"] == 6


def test_scoring_tick_task_runs_both_stages(world, eager_celery):
    from modelhooks.tasks import scoring_tick

    corrections(world["en"], ["the king", "nothing"])
    scoring_tick.delay()
    batch = ScoringBatch.objects.get()
    assert batch.regex_status == "done" and batch.embed_status == "done" and batch.regex_hits == 1
    assert Correction.objects.count() == 2


def test_matrix_cosine_equals_per_pair_dot_products():
    from modelhooks.scoring.engine import Engine
    from risk_db.selectors import ScoringRule

    rng = np.random.default_rng(1)
    rules_m = rng.normal(size=(50, 16)).astype(np.float32)
    rules_m /= np.linalg.norm(rules_m, axis=1, keepdims=True)
    rules = [
        ScoringRule(i, i, f"r{i}zz", tuple(map(float, rules_m[i])), "e", "en-US", ((1, "shadow"),)) for i in range(50)
    ]
    posts = rules_m[:10] * 0.9 + rng.normal(size=(10, 16)).astype(np.float32) * 0.1
    posts /= np.linalg.norm(posts, axis=1, keepdims=True)
    got = {
        (h.post_index, h.version_id) for h in Engine(rules, cosine_threshold=0.8).score_embeddings(posts, "e", [1] * 10)
    }
    want = {(p, r) for p in range(10) for r in range(50) if float(posts[p] @ rules_m[r]) >= 0.8}
    assert got == want and len(want) >= 10


def test_scoring_page_shows_embedding_lag_bad_rows_and_skipped_rules_to_seniors(world, client):
    from tests.factories import UserFactory

    unrunnable_rule(world)
    corrections(world["en"], ["the king", " "])
    [batch] = scoring.scoring_batches_cut()
    scoring.scoring_batch_run(batch_id=batch.pk)
    client.force_login(UserFactory(username="senior1", role="senior"))
    html = client.get("/scoring/").content.decode()
    assert "Embedding stage lag: <strong>1</strong> posts in 1 batches" in html
    assert "post text is empty" in html and "only allowed at the start or end" in html
    client.force_login(UserFactory(username="v9", role="verifier"))
    assert client.get("/scoring/").status_code == 403


def test_softened_rule_hits_only_posts_at_its_sentiment_floor(world, settings):
    """RK-6 in the shadow scorer: the same verdicts as risk_db's own matching of a softened version."""
    from risk_db.models import RuleVersion
    from risk_db.services.rules import rule_version_matches

    hooks_install(settings, SENTIMENT="tests.risk_db.fake_hooks.LexiconSentiment")
    rule = rule_create(pattern="landgrab", origin_locale="en-US", shards=[world["en"]])
    RuleVersion.objects.filter(rule=rule).update(
        kind=RuleVersion.Kind.KEYWORD_SENTIMENT, keyword="landgrab", min_sentiment=0.2
    )
    texts = ["landgrab is great, love it", "stop the corrupt landgrab, it is unfair"]
    corrections(world["en"], texts)
    [batch] = scoring.scoring_batches_cut()
    scoring.scoring_batch_run(batch_id=batch.pk)
    scored = {pid for pid, rule_id, *_ in hits() if rule_id == rule.pk}
    version = RuleVersion.objects.get(rule=rule)
    expected = {f"en-US-p{i}" for i, t in enumerate(texts) if rule_version_matches(version=version, text=t)}
    assert scored == expected == {"en-US-p0"}  # praise hits; critique flows
