"""Issue 10 scenario, through the public API only, on PostgreSQL and on SQLite: intake bulk POST ->
crowd-accepted samples with correction-graph ids -> only batched samples are exported, at the batch
weight, with their batch id; the JSONL and Parquet files are checked row by row against an
expectation computed here from the inputs."""

import hashlib
import json
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.conf import settings as dj_settings

from shards.models import Shard
from tests.base import item
from tests.factories import ShardFactory, UserFactory, shard_with_pool

pytestmark = pytest.mark.django_db

POSTS = {  # post id -> the number the crowd corrects it to
    "march": 200,
    "rally": 350,
    "strike": 1200,
}


def backers(post_id):
    return [f"{post_id}-user{i}" for i in range(5)]  # 5 unique users auto-accept (IN-5)


def crowd(post_id):
    n = POSTS[post_id]
    return [
        item(post_id=post_id, submitter_id=s, hashtags=[f"#{post_id}"], reply_text=f"@grok correct it was {n} people")
        for s in backers(post_id)
    ]


def expected_row(post_id, batch_id):
    """What the export must say of a crowd-accepted post, from the inputs alone."""
    graph = hashlib.sha256("\x00".join(sorted(backers(post_id))).encode()).hexdigest()[:32]  # IN-11 graph id
    return {
        "post_id": post_id,
        "locale": "en-US",
        "text_delta": f"it was {POSTS[post_id]} people",
        "graph_id": graph,
        "batch_id": batch_id,
        "weight": Decimal("0.3000"),
        "accepted_by": "auto_accept",
        "regional_hard_block": False,
    }


@pytest.fixture
def world(settings, export_dir, eager_celery):
    settings.INTAKE = {**settings.INTAKE, "LOW_VOLUME_PER_DAY": 0}
    shard_with_pool("en-US")
    shard_with_pool("th-TH")
    ShardFactory(code="global", kind=Shard.Kind.GLOBAL)
    return export_dir


def export(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        r = api.post("/api/v1/exports/", {"shard": "en-US"}, format="json")
    assert r.status_code == 202
    body = api.get(f"/api/v1/exports/{r.json()['id']}/").json()
    assert body["status"] == "done", body["error"]
    folder = Path(dj_settings.MODELHOOKS["EXPORT_DIR"]) / "en-US" / body["id"]
    jsonl = [json.loads(line, parse_float=Decimal) for line in (folder / "samples.jsonl").read_text().splitlines()]
    parquet = pq.read_table(folder / "samples.parquet").to_pylist()
    return body["manifest"], jsonl, parquet


def pick(rows):
    keys = expected_row("march", 0).keys()
    return [{k: r[k] for k in keys} for r in rows]


def test_crowd_accepted_samples_leave_only_once_batched_at_the_batch_weight(
    api, world, django_capture_on_commit_callbacks
):
    intake, trainer = UserFactory(username="intake", role="intake"), UserFactory(username="trainer", role="trainer")
    api.force_authenticate(intake)
    r = api.post("/api/v1/corrections/", {"items": crowd("march") + crowd("rally")}, format="json")
    assert r.status_code == 200 and {x["outcome"] for x in r.json()["results"]} == {"auto_accepted"}

    api.force_authenticate(trainer)
    manifest, jsonl, parquet = export(api, django_capture_on_commit_callbacks)
    assert jsonl == [] and parquet == []  # accepted but not cut into a batch yet: nothing leaves (IN-12)
    assert manifest["counts"]["excluded_unbatched"] == 2 and manifest["counts"]["rows"] == 0

    cut = api.post("/api/v1/batches/", {"shard": "en-US"}, format="json")
    assert cut.status_code == 201
    assert cut.json() == {"id": cut.json()["id"], "samples": 2, "weight": 0.3}
    batch_id = cut.json()["id"]

    api.force_authenticate(intake)
    r = api.post("/api/v1/corrections/", {"items": crowd("strike")}, format="json")
    assert {x["outcome"] for x in r.json()["results"]} == {"auto_accepted"}

    api.force_authenticate(trainer)
    manifest, jsonl, parquet = export(api, django_capture_on_commit_callbacks)
    expected = [expected_row("march", batch_id), expected_row("rally", batch_id)]  # "strike" waits for a cut
    assert pick(jsonl) == expected
    assert pick(parquet) == expected
    assert [r["id"] for r in parquet] == [r["id"] for r in jsonl]
    assert manifest["counts"]["rows"] == 2 and manifest["counts"]["excluded_unbatched"] == 1

    second = api.post("/api/v1/batches/", {"shard": "en-US"}, format="json")
    assert second.status_code == 201 and second.json()["samples"] == 1 and second.json()["id"] != batch_id
    manifest, jsonl, parquet = export(api, django_capture_on_commit_callbacks)
    expected.append(expected_row("strike", second.json()["id"]))
    assert pick(jsonl) == expected and pick(parquet) == expected
    assert manifest["counts"]["excluded_unbatched"] == 0
