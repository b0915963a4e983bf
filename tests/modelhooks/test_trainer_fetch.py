"""MH-3, the trainer's path as scripts/trainer_fetch.py walks it (token, cut, export, poll, manifest, every
file, each sha256 against its bytes, its header and the manifest), run in-process against the API so the
documented steps cannot silently break; and the same script refuses a download whose bytes were changed."""

import sys
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from core.models import User
from tests.base import item, run
from tests.factories import shard_with_pool

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from trainer_fetch import FetchFailed, fetch  # noqa: E402

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings, export_dir, eager_celery):
    settings.INTAKE = {**settings.INTAKE, "LOW_VOLUME_PER_DAY": 0}
    shard_with_pool("en-US")
    User.objects.create_user("trainer", password="demo", role="trainer")
    for post, n in (("march", 200), ("rally", 300)):  # five users agree: auto-accepted into a sample each
        run(
            [
                item(
                    post_id=post,
                    post_text="Over 100 people marched",
                    submitter_id=f"{post}-u{i}",
                    reply_text=f"@grok correct it was {n} people",
                )
                for i in range(5)
            ]
        )


def in_process(django_capture_on_commit_callbacks, tamper=None):
    client = APIClient()

    def request(method, path, body, headers):
        extra = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
        with django_capture_on_commit_callbacks(execute=True):  # the export task runs (Celery eager)
            r = getattr(client, method.lower())(path, body, format="json", **extra)
        data = b"".join(r.streaming_content) if r.streaming else r.content
        if tamper and "/files/samples.jsonl" in path:
            data = tamper(data)
        return r.status_code, {k.lower(): v for k, v in r.headers.items()}, data

    return request


def test_the_trainer_fetches_a_verified_export_over_the_api(world, tmp_path, django_capture_on_commit_callbacks):
    summary = fetch(
        in_process(django_capture_on_commit_callbacks),
        username="trainer",
        password="demo",
        shard="en-US",
        out=tmp_path / "dl",
        poll_s=0,
    )
    assert summary["cut"]["samples"] == 2 and summary["rows"] == 2
    assert set(summary["files"]) == {"jsonl", "parquet", "reversals", "retractions"}
    assert sorted(p.name for p in (tmp_path / "dl").iterdir()) == [
        "manifest.json",
        "retractions.jsonl",
        "reversals.jsonl",
        "samples.jsonl",
        "samples.parquet",
    ]
    assert (tmp_path / "dl" / "samples.jsonl").read_bytes().count(b"\n") == 2


def test_a_changed_download_fails_the_check(world, tmp_path, django_capture_on_commit_callbacks):
    flipped = in_process(django_capture_on_commit_callbacks, tamper=lambda b: b.replace(b"200", b"201", 1))
    with pytest.raises(FetchFailed, match="samples.jsonl: sha256"):
        fetch(flipped, username="trainer", password="demo", shard="en-US", out=tmp_path / "dl", poll_s=0)
