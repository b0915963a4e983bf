"""MH-6 end to end on a real Celery worker (Redis broker, PostgreSQL test database, real Tesseract): an
intake item with a rendered Thai image (a multipart upload) is ocr_pending, the worker's `gpu_intake_ocr`
reads it, the OCR text is risk-tagged, and the case is offered in the native-only th-TH queue."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from shards.models import Correction, CorrectionImage, Shard
from tests.base import login_as
from tests.factories import ShardFactory, UserFactory, shard_with_pool
from tests.modelhooks.test_intake_ocr import THAI_SENTENCE, body
from tests.modelhooks.test_ocr import THAI_FONT, needs_tesseract, render

pytestmark = [pytest.mark.worker, pytest.mark.pg, pytest.mark.redis]


@needs_tesseract
def test_a_thai_image_is_read_by_the_worker_tagged_and_offered_in_the_th_queue(celery_worker_process, settings):
    assert not settings.CELERY_TASK_ALWAYS_EAGER  # the task goes through the broker to the worker
    _, (th_verifier, *_) = shard_with_pool("th-TH", prefix="thw")
    _, (en_verifier, *_) = shard_with_pool("en-US", prefix="enw")
    ShardFactory(code="global", kind=Shard.Kind.GLOBAL)
    intake = login_as(APIClient(), UserFactory(username="intake_w", role="intake"))
    image = SimpleUploadedFile("post.png", render(THAI_SENTENCE, THAI_FONT), content_type="image/png")
    response = intake.post("/api/v1/corrections/", {**body(), "image": image}, format="multipart")
    assert response.status_code == 200, response.content[:500]
    [result] = response.json()["results"]
    assert result["outcome"] == "ocr_pending" and "case_id" not in result

    row = Correction.objects.get(public_id=result["id"])
    deadline = time.time() + 90  # the worker's first Tesseract run, on a loaded machine
    while row.outcome == "ocr_pending" and time.time() < deadline:
        time.sleep(0.5)
        row.refresh_from_db()
    assert row.outcome == "queued", (row.outcome, row.reason)
    assert "พระบรมราชินี" in "".join(row.ocr_text.split()), row.ocr_text
    assert "TH-risks-lm:พระบรมราชินี" in row.risk_tags and row.shard.code == "th-TH"
    assert bytes(CorrectionImage.objects.get(correction=row).data) == b""  # read: the image is deleted

    # offered in the right queue: a th-TH verifier leases it, an en-US verifier never sees it
    assert login_as(APIClient(), en_verifier).get("/api/v1/queue/next/").status_code == 204
    offered = login_as(APIClient(), th_verifier).get("/api/v1/queue/next/")
    assert offered.status_code == 200 and offered.json()["id"] == str(row.case.public_id)
    assert offered.json()["ocr_text"] == row.ocr_text and row.case.native_only
