"""MH-3: each reason a sample stays out of an export has its own test, on PostgreSQL and on SQLite:
unbatched (IN-12), another locale's hard-block (VQ-6), a tainted graph (IN-11), a tombstone (AP-5),
an active blocking rule of the shard; plus IN-6 (merged numbers need five backers; one slot per post
across shards), the export's own refusals (400 unknown shard, 409 export_running) and its atomicity."""

import json

import pytest

from modelhooks.services import exports
from risk_db.services import rule_create
from shards.models import Shard
from tests.base import api_post, assert_api_error, item, login_as, run
from tests.factories import ShardFactory, UserFactory, make_cases, shard_with_pool
from training.models import Retraction, TrainingSample
from training.services.batches import training_batch_cut
from training.services.retractions import sample_retract_on_reversal
from training.services.taint import taint_submitters
from training.spans import correction_apply

pytestmark = pytest.mark.django_db


@pytest.fixture
def en(settings, export_dir):
    settings.INTAKE = {**settings.INTAKE, "LOW_VOLUME_PER_DAY": 0}
    shard, _ = shard_with_pool("en-US")
    ShardFactory(code="global", kind=Shard.Kind.GLOBAL)
    return shard


def crowd(post_id, n=200, *, text="Over 100 people marched", users=None):
    """Five users send the same correction: the post is auto-accepted (IN-5) into one sample."""
    users = users or [f"{post_id}-u{i}" for i in range(5)]
    run(
        [
            item(post_id=post_id, post_text=text, submitter_id=u, reply_text=f"@grok correct it was {n} people")
            for u in users
        ]
    )
    return TrainingSample.objects.get(post_id=post_id)


def export_now(shard):
    export = exports.export_request(shard=shard)
    export = exports.export_run(export_id=export.pk)
    folder = exports.export_dir(export)
    rows = [json.loads(line) for line in (folder / "samples.jsonl").read_text().splitlines()]
    retractions = [json.loads(line) for line in (folder / "retractions.jsonl").read_text().splitlines()]
    # what a later retraction diffs against: the batched samples this export left out, whatever the reason,
    # are exactly the shard's batched samples that are not in its rows
    batched = set(TrainingSample.objects.filter(shard=shard, batch__isnull=False).values_list("pk", flat=True))
    assert export.left_out_ids == sorted(batched - {r["id"] for r in rows})
    assert export.batch_ids == sorted({r["batch_id"] for r in rows})
    return export.manifest, [r["post_id"] for r in rows], retractions


def test_unbatched_sample_waits_for_a_cut(en):
    crowd("a"), crowd("b")
    training_batch_cut(shard=en)
    crowd("c")
    manifest, rows, _ = export_now(en)
    assert rows == ["a", "b"] and manifest["counts"]["excluded_unbatched"] == 1
    training_batch_cut(shard=en)
    assert export_now(en)[1] == ["a", "b", "c"]


def test_foreign_hard_block_stays_out_of_another_locales_export(en):
    keep = crowd("a")
    [case] = make_cases(en, 1, text="thai-tagged")
    TrainingSample.objects.create(
        case=case,
        shard=en,
        locale="en-US",
        post_id="th-tagged",
        text_delta="d",
        regional_hard_block=True,
        hard_block_locale="th-TH",
    )
    training_batch_cut(shard=en)
    manifest, rows, _ = export_now(en)
    assert rows == [keep.post_id] and manifest["counts"]["excluded_foreign_hard_block"] == 1


def test_graph_tainted_after_batching_is_excluded_and_retracted_once(en):
    crowd("a"), crowd("b")
    training_batch_cut(shard=en)
    first, rows, _ = export_now(en)
    assert rows == ["a", "b"]
    taint_submitters(submitter_ids={"b-u3"}, reason="marked as bots")
    manifest, rows, retractions = export_now(en)
    sample_b = TrainingSample.objects.get(post_id="b")
    assert rows == ["a"] and manifest["taint_list"]["version"] >= 1
    assert [(r["sample_id"], r["reason"], r["exports"]) for r in retractions] == [
        (sample_b.pk, "graph_tainted", [first["export_id"]])
    ]
    assert manifest["previous_export"] == first["export_id"]
    assert export_now(en)[2] == []  # listed once


def test_tombstoned_sample_never_leaves_again(en):
    a = crowd("a")
    crowd("b")
    training_batch_cut(shard=en)
    first, _, _ = export_now(en)
    second, _, _ = export_now(en)
    sample_retract_on_reversal(case=a.case, detail="appeal x")
    sample_retract_on_reversal(case=a.case, detail="again")  # one tombstone per sample
    assert Retraction.objects.filter(sample=a).count() == 1
    manifest, rows, retractions = export_now(en)
    assert rows == ["b"] and manifest["counts"]["excluded_retracted"] == 1
    assert [(r["post_id"], r["reason"], r["exports"]) for r in retractions] == [
        ("a", "appeal_reversed", [first["export_id"], second["export_id"]])
    ]
    manifest, rows, retractions = export_now(en)
    assert rows == ["b"] and retractions == [] and manifest["counts"]["excluded_retracted"] == 1


def test_active_blocking_rule_of_the_shard_filters_text_and_ocr_and_counts_per_rule(en):
    crowd("a"), crowd("b", text="Over 100 people marched at the Kingsgate")
    [case] = make_cases(en, 1, text="image post")
    TrainingSample.objects.create(
        case=case, shard=en, locale="en-US", post_id="ocr", text_delta="it was 7", ocr_text="A FORBIDDEN sign"
    )
    king = rule_create(pattern=r"\bkingsgate\b", origin_locale="en-US", shards=[en], state="blocking")
    sign = rule_create(pattern="forbidden", origin_locale="en-US", shards=[en], state="blocking")
    rule_create(pattern="marched", origin_locale="en-US", shards=[en])  # shadow only: blocks nothing (RK-5)
    training_batch_cut(shard=en)
    manifest, rows, _ = export_now(en)
    assert rows == ["a"] and manifest["counts"]["excluded_blocking_rule"] == 2
    assert manifest["blocking_rules"] == [
        {"rule_id": king.pk, "version": 1, "samples": 1},
        {"rule_id": sign.pk, "version": 1, "samples": 1},
    ]
    assert "ocr_text" not in manifest["fields"]  # OCR text filters, never leaves


def test_merged_numbers_enter_a_batch_only_with_five_supporting_users(en, settings):
    few = [
        item(
            submitter_id=f"c{i}",
            post_id="p9",
            post_text="About 200 people marched",
            reply_text=f"@grok correct {v} people",
        )
        for i, v in enumerate([220, 240])
    ]
    result = run(few)
    assert {r.decided_by for r in result} == {"consensus:conflict_resolver:few_backers"}  # a verifier decides
    assert all(r.case is not None for r in result) and "only 2 unique users" in result[0].reason
    assert not TrainingSample.objects.filter(post_id="p9").exists()
    values = [228, 230, 232, 229, 231]
    many = [
        item(
            submitter_id=f"m{i}",
            post_id="p10",
            post_text="About 200 people marched",
            reply_text=f"@grok correct {v} people",
        )
        for i, v in enumerate(values)
    ]
    result = run(many)
    assert {r.outcome for r in result} == {"merged"}
    assert TrainingSample.objects.get(post_id="p10").accepted_by == "conflict_resolver:merge"


def test_one_post_holds_one_training_slot_across_all_shards(en):
    th = ShardFactory(code="th-TH")
    first = crowd("shared")
    [case] = make_cases(th, 1, text="same post in another shard")
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():  # the database holds it, whoever writes
        TrainingSample.objects.create(case=case, shard=th, locale="th-TH", post_id="shared", text_delta="x")
    assert list(TrainingSample.objects.filter(post_id="shared")) == [first]


def test_text_and_target_spans_mark_the_corrected_tokens():
    assert correction_apply(post_text="Over 100 people marched", delta="it was 200 people") == (
        "Over 200 people marched",
        [[5, 8]],
    )
    text, spans = correction_apply(post_text="The photo shows Rome", delta="the photo shows Paris")
    assert (text, [text[a:b] for a, b in spans]) == ("the photo shows Paris", ["Paris"])
    text, spans = correction_apply(post_text="ข่าว 100 คน", delta="๒๐๐ คน")  # Thai digits stay native (IN-2)
    assert text == "ข่าว ๒๐๐ คน" and [text[a:b] for a, b in spans] == ["๒๐๐"]


def test_export_refuses_unknown_shard_and_a_second_export_while_one_runs(api, en):
    login_as(api, UserFactory(username="trainer", role="trainer"))
    body = assert_api_error(api_post(api, "/api/v1/exports/", {"shard": "xx-XX"}), "unknown_shard", 400)
    assert "shard" in body["errors"]
    running = exports.export_request(shard=en)
    body = assert_api_error(api_post(api, "/api/v1/exports/", {"shard": "en-US"}), "export_running", 409)
    assert body["export_id"] == str(running.public_id)
    exports.export_run(export_id=running.pk)
    again = api_post(
        api, "/api/v1/exports/", {"shard": "en-US"}
    )  # done: a new one may start (Celery not eager: queued)
    assert again.status_code == 202


def test_killed_export_leaves_nothing_complete_and_the_retry_completes(en, monkeypatch):
    crowd("a")
    training_batch_cut(shard=en)
    export = exports.export_request(shard=en)
    real = exports.samples_write

    def killed(*args, **kwargs):
        real(*args, **kwargs)
        raise KeyboardInterrupt("worker killed")  # a BaseException, like a SIGTERM'd worker's

    monkeypatch.setattr(exports, "samples_write", killed)
    with pytest.raises(KeyboardInterrupt):
        exports.export_run(export_id=export.pk)
    folder = exports.export_dir(export)
    assert (
        not (folder / "manifest.json").exists()
        and not list(folder.glob("*.jsonl"))
        and not list(folder.glob("*.parquet"))
    )
    monkeypatch.setattr(exports, "samples_write", real)
    done = exports.export_run(export_id=export.pk)  # the redelivered task
    assert done.status == "done" and done.attempts == 2 and (folder / "manifest.json").exists()
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f["name"] for f in done.manifest["files"].values()] + ["manifest.json"]
    )
