"""MH-3: training export per shard: filters, manifest, atomic files, API, live progress."""

import hashlib
import json
from decimal import Decimal

import pyarrow.parquet as pq
import pytest
from django.utils import timezone

from modelhooks.models import Export
from modelhooks.services import exports
from tests.base import api_get, api_post, assert_api_error, login_as
from tests.factories import ShardFactory, UserFactory, make_cases
from training.models import TrainingBatch, TrainingSample


def samples(shard, n, *, start=0, block_locale="", weight="0.3000"):
    """Samples already cut into one batch of `weight` (only batched samples are exported, IN-12)."""
    cases = make_cases(shard, n, text=f"s{start}")
    batch = TrainingBatch.objects.create(cut_at=timezone.now(), size=n, weight=Decimal(weight))
    return [
        TrainingSample.objects.create(
            case=c,
            shard=shard,
            locale=shard.locale.code,
            post_id=f"{shard.code}-{start + i}",
            text_delta=f'delta {start + i} «ข่าว» "q" \\ \n end',
            regional_hard_block=bool(block_locale),
            hard_block_locale=block_locale,
            weight=Decimal(weight),
            batch=batch,
        )
        for i, c in enumerate(cases)
    ]


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.pg
@pytest.mark.django_db
def test_export_excludes_foreign_hard_blocked_samples_and_manifest_hash_matches_file(export_dir):
    en, th = ShardFactory(code="en-US"), ShardFactory(code="th-TH")
    keep = samples(en, 3)
    samples(en, 2, start=10, block_locale="th-TH")  # Thai-tagged deltas landed in en-US: never exported there
    own = samples(th, 2, start=20, block_locale="th-TH")  # ...but the Thai shard exports its own
    export = Export.objects.create(shard=en, created_at=keep[0].created_at)
    export = exports.export_run(export_id=export.pk)
    folder = exports.export_dir(export)
    rows = read_jsonl(folder / "samples.jsonl")
    assert [r["post_id"] for r in rows] == [s.post_id for s in keep]
    assert (
        rows[0]["text_delta"] == keep[0].text_delta
        and rows[0]["weight"] == 0.3
        and rows[0]["regional_hard_block"] is False
    )
    m = json.loads((folder / "manifest.json").read_text())
    assert m == export.manifest
    assert m["counts"] == {
        "rows": 3,
        "shard_samples": 5,
        "excluded": 2,
        "excluded_foreign_hard_block": 2,
        "excluded_unbatched": 0,
        "excluded_retracted": 0,
        "excluded_blocking_rule": 0,
        "excluded_other": 0,
        "retractions": 0,
        "reversals": 0,
    }
    for kind, name in (("jsonl", "samples.jsonl"), ("parquet", "samples.parquet")):
        assert m["files"][kind]["sha256"] == hashlib.sha256((folder / name).read_bytes()).hexdigest()
        assert m["files"][kind]["rows"] == 3
    assert {"locale", "regional_hard_block", "weight", "post_id", "text_delta"} <= set(m["fields"])
    assert export.status == "done" and export.progress == 1.0 and export.rows_written == 3

    th_export = exports.export_run(export_id=Export.objects.create(shard=th, created_at=own[0].created_at).pk)
    th_rows = read_jsonl(exports.export_dir(th_export) / "samples.jsonl")
    assert [(r["post_id"], r["regional_hard_block"], r["hard_block_locale"]) for r in th_rows] == [
        ("th-TH-20", True, "th-TH"),
        ("th-TH-21", True, "th-TH"),
    ]


@pytest.mark.pg
@pytest.mark.django_db
def test_parquet_holds_the_same_rows_with_exact_weights(export_dir):
    en = ShardFactory(code="en-US")
    samples(en, 4, weight="0.0100")
    export = exports.export_run(export_id=Export.objects.create(shard=en, created_at=timezone.now()).pk)
    folder = exports.export_dir(export)
    table = pq.read_table(folder / "samples.parquet")
    jsonl = read_jsonl(folder / "samples.jsonl")
    assert table.column("post_id").to_pylist() == [r["post_id"] for r in jsonl]
    assert table.column("weight").to_pylist() == [Decimal("0.0100")] * 4
    assert table.column("text_delta").to_pylist() == [r["text_delta"] for r in jsonl]


@pytest.mark.pg
@pytest.mark.django_db
def test_export_honours_the_selectors_taint_exclusion_and_records_the_taint_list(export_dir, monkeypatch):
    """IN-11 lives in `training.selectors`: the export reads the taint list once, passes that
    same list to `samples_exportable` and records its version. The selector is wrapped here to show
    exactly that contract; intake's own tests cover which samples a taint list removes."""
    from types import SimpleNamespace

    from training import selectors

    en = ShardFactory(code="en-US")
    rows = samples(en, 4)
    tainted = {rows[1].post_id, rows[3].post_id}
    taint_list = SimpleNamespace(version=7)
    original = selectors.samples_exportable
    seen = []

    def exportable(*, shard, taint_list=None, **kw):
        seen.append(taint_list)
        return original(shard=shard, **kw).exclude(post_id__in=tainted)

    monkeypatch.setattr(selectors, "samples_exportable", exportable)
    monkeypatch.setattr(selectors, "taint_list_current", lambda: taint_list, raising=False)
    export = exports.export_run(export_id=Export.objects.create(shard=en, created_at=rows[0].created_at).pk)
    got = [r["post_id"] for r in read_jsonl(exports.export_dir(export) / "samples.jsonl")]
    assert got == [rows[0].post_id, rows[2].post_id]
    assert seen == [taint_list, taint_list]  # the rows, and the count of those still waiting for a batch
    assert export.manifest["taint_list"] == {"honoured": True, "version": 7}
    assert export.manifest["counts"]["excluded_other"] == 2


@pytest.mark.pg
@pytest.mark.django_db
def test_without_a_taint_list_the_manifest_says_so(export_dir):
    en = ShardFactory(code="en-US")
    rows = samples(en, 1)
    export = exports.export_run(export_id=Export.objects.create(shard=en, created_at=rows[0].created_at).pk)
    from training import selectors

    if hasattr(selectors, "taint_list_current"):
        assert export.manifest["taint_list"] == {"honoured": True, "version": 0}  # nothing tainted yet
    else:
        assert export.manifest["taint_list"]["honoured"] is False and export.manifest["taint_list"]["version"] is None


@pytest.mark.pg
@pytest.mark.django_db
def test_export_interrupted_midway_leaves_no_file_that_looks_complete(export_dir, monkeypatch):
    en = ShardFactory(code="en-US")
    rows = samples(en, 3)
    export = Export.objects.create(shard=en, created_at=rows[0].created_at)
    seen = {}

    real = exports._write_pg

    def crash(qs, fields, out, path, progress):
        real(qs, fields, out, path, progress)  # both files written, under their .partial names
        seen["during"] = sorted(p.name for p in path.parent.iterdir())
        raise OSError("disk full")

    monkeypatch.setattr(exports, "_write_pg", crash)
    with pytest.raises(OSError):
        exports.export_run(export_id=export.pk)
    assert seen["during"] == ["samples.jsonl.partial", "samples.parquet.partial"]  # only .partial names exist
    folder = exports.export_dir(export)
    assert sorted(p.name for p in folder.iterdir()) == []
    export.refresh_from_db()
    assert export.status == "failed" and "disk full" in export.error and export.manifest is None

    monkeypatch.undo()
    export = exports.export_run(export_id=export.pk)  # a retry completes cleanly
    assert export.status == "done" and export.attempts == 2
    assert sorted(p.name for p in folder.iterdir()) == [
        "manifest.json",
        "retractions.jsonl",
        "reversals.jsonl",
        "samples.jsonl",
        "samples.parquet",
    ]


@pytest.mark.pg
@pytest.mark.django_db
def test_export_api_roles_202_then_status_progress_manifest(
    api, export_dir, eager_celery, django_capture_on_commit_callbacks
):
    en = ShardFactory(code="en-US")
    samples(en, 2)
    trainer = UserFactory(username="trainer", role="trainer")
    login_as(api, trainer)
    with django_capture_on_commit_callbacks(execute=True):
        r = api_post(api, "/api/v1/exports/", {"shard": "en-US"})
    assert r.status_code == 202 and set(r.json()) >= {"id"}
    body = api_get(api, f"/api/v1/exports/{r.json()['id']}/").json()
    assert body["status"] == "done" and body["progress"] == 1.0 and body["manifest"]["counts"]["rows"] == 2

    bad = api_post(api, "/api/v1/exports/", {"shard": "xx-XX"})
    assert "shard" in assert_api_error(bad, "unknown_shard", 400)["errors"]
    missing = api_post(api, "/api/v1/exports/", {})
    assert "shard" in assert_api_error(missing, "invalid", 400)["errors"]
    assert_api_error(api_get(api, "/api/v1/exports/00000000-0000-0000-0000-000000000000/"), "not_found", 404)

    login_as(api, UserFactory(username="v1", role="verifier"))
    assert_api_error(api_post(api, "/api/v1/exports/", {"shard": "en-US"}), "permission_denied", 403)
    assert_api_error(api_get(api, f"/api/v1/exports/{r.json()['id']}/"), "permission_denied", 403)


@pytest.mark.pg
@pytest.mark.django_db
def test_export_page_shows_progress_to_trainer_and_refuses_verifier(client, export_dir):
    en = ShardFactory(code="en-US")
    rows = samples(en, 2)
    export = exports.export_run(export_id=Export.objects.create(shard=en, created_at=rows[0].created_at).pk)
    login_as(client, UserFactory(username="trainer", role="trainer"))
    page = client.get(f"/exports/{export.public_id}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="export-progress"' in html and export.manifest["files"]["jsonl"]["sha256"] in html
    login_as(client, UserFactory(username="v1", role="verifier"))
    assert client.get(f"/exports/{export.public_id}/").status_code == 403


@pytest.mark.pg
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_export_progress_is_pushed_over_the_websocket(export_dir, settings):
    from asgiref.sync import async_to_sync
    from channels.testing import WebsocketCommunicator

    from config.asgi import application

    settings.MODELHOOKS = {**settings.MODELHOOKS, "EXPORT_PROGRESS_EVERY": 2, "EXPORT_FLUSH_BYTES": 1}
    en = ShardFactory(code="en-US")
    rows = samples(en, 5)
    export = Export.objects.create(shard=en, created_at=rows[0].created_at)
    trainer = UserFactory(username="trainer", role="trainer")

    async def scenario():
        from channels.db import database_sync_to_async

        comm = WebsocketCommunicator(
            application,
            f"/ws/exports/{export.public_id}/",
            headers=[(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")],
        )
        comm.scope["user"] = trainer
        connected, _ = await comm.connect()
        assert connected
        first = await comm.receive_json_from(timeout=5)
        await database_sync_to_async(exports.export_run)(export_id=export.pk)
        events = [first]
        while events[-1]["status"] != "done":
            events.append(await comm.receive_json_from(timeout=10))
        await comm.disconnect()
        return events

    events = async_to_sync(scenario)()
    assert events[0]["status"] == "queued"
    assert any(e["status"] == "running" and 0 < e["progress"] < 1 for e in events)
    assert events[-1] == {**events[-1], "status": "done", "progress": 1.0, "rows_written": 5}


@pytest.mark.pg
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_export_websocket_refuses_a_verifier():
    from asgiref.sync import async_to_sync
    from channels.testing import WebsocketCommunicator

    from config.asgi import application

    en = ShardFactory(code="en-US")
    export = Export.objects.create(shard=en, created_at=timezone.now())

    async def scenario():
        comm = WebsocketCommunicator(
            application,
            f"/ws/exports/{export.public_id}/",
            headers=[(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")],
        )
        comm.scope["user"] = UserFactory.build(username="v", role="verifier")
        connected, code = await comm.connect()
        return connected, code

    connected, code = async_to_sync(scenario)()
    assert not connected and code == 4403


@pytest.mark.pg
@pytest.mark.django_db
def test_reversed_rulings_go_out_once_as_a_one_percent_micro_batch(export_dir):
    """AP-5 through MH-3: a ruling reversed on appeal is carried by the next export of its shard."""
    from datetime import timedelta

    from tests.base import QUALITY_T0 as T0
    from tests.base import pool, ruled_case
    from training.models import ReexportItem
    from verifier.services.appeals import appeal_open, appeal_vote

    shard, users, senior = pool()
    ruling = ruled_case(shard, users[0], "yes", kind="taboo")
    appeal = appeal_open(user=users[0], ruling=ruling, reason="x", now=T0 + timedelta(hours=1))
    appeal_vote(user=senior, appeal=appeal, norm_aligned=False, cited_rule="Code 2", now=T0 + timedelta(hours=2))
    item = ReexportItem.objects.get(appeal=appeal)

    first = exports.export_run(export_id=Export.objects.create(shard=shard, created_at=timezone.now()).pk)
    folder = exports.export_dir(first)
    [row] = read_jsonl(folder / "reversals.jsonl")
    assert (row["post_id"], row["action"], row["weight"]) == (item.post_id, item.action, 0.01)
    assert "answer" not in row and "ruling" not in json.dumps(row)  # the delta, never the ruling label (CA-8)
    m = first.manifest
    assert m["reversals"]["rows"] == 1
    assert m["files"]["reversals"]["sha256"] == hashlib.sha256((folder / "reversals.jsonl").read_bytes()).hexdigest()
    item.refresh_from_db()
    assert item.exported_batch == str(first.public_id)

    second = exports.export_run(export_id=Export.objects.create(shard=shard, created_at=timezone.now()).pk)
    assert read_jsonl(exports.export_dir(second) / "reversals.jsonl") == []
