"""MH-6, intake with an image: `image` (base64) on an item of POST /api/v1/corrections/, or the image as a
file in a multipart request. Without OCR text the item is stored ocr_pending (no case); the gpu task reads
it with the OCR hook and runs the rest of the pipeline, so the OCR text is risk-tagged before any case is
offered. Once read, the stored image is deleted. Through the public API."""

import base64
from datetime import timedelta

import orjson
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from modelhooks.hooks.tesseract import OcrUnavailable
from modelhooks.tasks import gpu_intake_ocr, intake_ocr_retry
from shards.intake.pipeline import correction_images_purge
from shards.models import Correction, CorrectionImage, Shard
from shards.tasks import purge_intake_images
from tests.base import hooks_install, login_as
from tests.factories import ShardFactory, UserFactory, shard_with_pool
from tests.modelhooks.test_ocr import ARABIC_FONT, THAI_FONT, needs_tesseract, render
from verifier.models import Case

pytestmark = pytest.mark.django_db

UNAVAILABLE = (
    "OCR unavailable: the Tesseract binary 'tesseract' is not installed "
    "(apt-get install tesseract-ocr tesseract-ocr-tha tesseract-ocr-ara tesseract-ocr-eng)"
)


class UnavailableOcr:
    """The OCR hook on a machine without Tesseract."""

    name = "ocr-unavailable"

    def read(self, image: bytes, *, locale: str = "en") -> str:
        raise OcrUnavailable(UNAVAILABLE)


class RoyalOcr:
    """A stand-in reader (no Tesseract needed) that finds a TH-risks-lm term in any image."""

    name = "ocr-royal"

    def read(self, image: bytes, *, locale: str = "en") -> str:
        return "ทรงพระเจริญ"


@pytest.fixture
def world(api):
    shard_with_pool("th-TH", prefix="th")
    shard_with_pool("en-US", prefix="en")
    shard_with_pool("ar-SA", prefix="ar")
    ShardFactory(code="global", kind=Shard.Kind.GLOBAL)
    login_as(api, UserFactory(username="intake", role="intake"))
    return api


def body(**over) -> dict:
    base = {
        "post_id": "p-img",
        "post_text": "ดูรูปนี้สิ",
        "hashtags": ["ข่าว"],
        "reply_text": "@grok correct ปี 2019",
        "submitter_id": "u1",
        "billing_country": "TH",
        "ip": "198.51.100.7",
        "declared_locale": "th-TH",
        "at": "2026-11-26T10:00:00+07:00",
    }
    base.update(over)
    return base


def b64(image: bytes) -> str:
    return base64.b64encode(image).decode()


def post(api, *items) -> list[dict]:
    response = api.post("/api/v1/corrections/", {"items": list(items)}, format="json")
    assert response.status_code == 200, response.content[:500]
    return response.json()["results"]


THAI_SENTENCE = "ข่าวปลอมเรื่องพระบรมราชินีวันนี้"


@needs_tesseract
def test_a_thai_image_is_ocr_pending_then_tagged_and_routed_like_the_same_text_typed(
    world, eager_celery, django_capture_on_commit_callbacks
):
    image = render(THAI_SENTENCE, THAI_FONT)
    with django_capture_on_commit_callbacks(execute=True):
        [pending] = post(world, body(image=b64(image)))
        assert pending["outcome"] == "ocr_pending" and "case_id" not in pending
        # before the task ran: stored, visible as ocr_pending, and no case offered yet
        row = Correction.objects.get(public_id=pending["id"])
        assert row.outcome == "ocr_pending" and row.case is None and Case.objects.count() == 0
        assert "image" not in row.raw and CorrectionImage.objects.get(correction=row).data
    row.refresh_from_db()
    assert "พระบรมราชินี" in "".join(row.ocr_text.split()), row.ocr_text
    assert "TH-risks-lm:พระบรมราชินี" in row.risk_tags and row.risk_locale == "th-TH"
    assert row.outcome == "queued" and row.raw is None
    case = row.case
    assert case.kind == "taboo" and case.native_only and case.hard_block_locale == "th-TH"

    [typed] = post(world, body(post_id="p-typed", submitter_id="u2", ip="198.51.100.8", ocr_text=THAI_SENTENCE))
    typed_case = Case.objects.get(public_id=typed["case_id"])
    assert (typed["outcome"], typed["shard"]) == (row.outcome, row.shard.code) == ("queued", "th-TH")
    assert (typed_case.kind, typed_case.native_only, typed_case.hard_block_locale) == (
        case.kind,
        case.native_only,
        case.hard_block_locale,
    )
    # a redelivered task changes nothing (MH-7)
    assert gpu_intake_ocr(row.pk)["outcome"] == "queued" and Case.objects.count() == 2


@needs_tesseract
def test_an_arabic_image_gets_its_ocr_text(world, eager_celery, django_capture_on_commit_callbacks):
    image = render("بيان من الديوان الملكي اليوم", ARABIC_FONT)
    item = body(
        post_text="انظر إلى هذه الصورة",
        reply_text="@grok correct كان ذلك في 2019",
        declared_locale="ar-SA",
        billing_country="SA",
        hashtags=[],
        image="data:image/png;base64," + b64(image),
    )
    with django_capture_on_commit_callbacks(execute=True):
        [result] = post(world, item)
    row = Correction.objects.get(public_id=result["id"])
    assert "الديوان" in row.ocr_text and "الملكي" in row.ocr_text, row.ocr_text
    assert row.outcome != "ocr_pending" and row.case is not None
    image = CorrectionImage.objects.get(correction=row)
    assert image.read_at is not None and bytes(image.data) == b""  # read: the bytes are deleted


def test_a_bad_or_oversize_image_is_that_item_invalid_and_the_others_are_stored(world, settings):
    settings.INTAKE = {**settings.INTAKE, "IMAGE_MAX_BYTES": 2_000}
    small = render("ok", THAI_FONT, size=12)
    assert len(small) < 2_000
    big = render("ข่าว" * 20, THAI_FONT, size=60)
    assert len(big) > 2_000
    results = post(
        world,
        body(post_id="a", post_text="plain", declared_locale="en-US", billing_country="US", hashtags=[]),
        body(post_id="b", submitter_id="u2", image=b64(big)),
        body(post_id="c", submitter_id="u3", image="not base64 !!"),
        body(post_id="d", submitter_id="u4", image=b64(b"GIF89a not really")),
        body(post_id="e", submitter_id="u5", image=b64(small), ocr_text="typed text wins"),
    )
    assert [r["outcome"] for r in results[1:4]] == ["invalid"] * 3
    assert results[0]["outcome"] == "queued" and results[4]["outcome"] == "queued"
    assert "limit is 2000 bytes" in results[1]["errors"]["image"][0]
    assert results[2]["errors"]["image"] == ["Not valid base64."]
    assert "format" in results[3]["errors"]["image"][0]
    assert set(results[1]["errors"]) == {"image"}  # only the image field is named
    assert Correction.objects.count() == 5 and not CorrectionImage.objects.exists()


def test_without_ocr_the_item_stays_ocr_pending_and_the_intake_page_says_why(
    world, settings, eager_celery, django_capture_on_commit_callbacks
):
    hooks_install(settings, OCR="tests.modelhooks.test_intake_ocr.UnavailableOcr")
    with django_capture_on_commit_callbacks(execute=True):
        [result] = post(
            world,
            body(
                post_text="a photo",
                declared_locale="en-US",
                billing_country="US",
                hashtags=[],
                image=b64(render("x", THAI_FONT)),
            ),
        )
    row = Correction.objects.get(public_id=result["id"])
    assert row.outcome == "ocr_pending" and row.case is None and row.reason == UNAVAILABLE
    assert CorrectionImage.objects.get(correction=row).attempts == 1 and Case.objects.count() == 0

    page = login_as(Client(), UserFactory(username="senior1", role="senior"))
    html = page.get("/ops/intake/", {"outcome": "ocr_pending"}).content.decode()
    assert "Waiting for OCR of the image:" in html and "is not installed" in html and "tesseract-ocr-tha" in html
    detail = page.get(f"/ops/intake/corrections/{row.public_id}/").content.decode()
    assert "is not installed" in detail

    # once OCR can run, the retry schedule completes the item: tagged on its OCR text, native-only
    hooks_install(settings, OCR="tests.modelhooks.test_intake_ocr.RoyalOcr")
    assert intake_ocr_retry() == 1
    row.refresh_from_db()
    assert row.outcome == "queued" and row.reason == "" and row.case.native_only and row.shard.code == "th-TH"
    assert intake_ocr_retry() == 0


def png_file(name: str, text: str = "x", **kw) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, render(text, THAI_FONT, **kw), content_type="image/png")


def post_multipart(api, form: dict, status: int = 200):
    response = api.post("/api/v1/corrections/", form, format="multipart")
    assert response.status_code == status, response.content[:500]
    return response.json()


def test_a_multipart_upload_is_one_correction_with_its_image_as_a_file(
    world, settings, eager_celery, django_capture_on_commit_callbacks
):
    hooks_install(settings, OCR="tests.modelhooks.test_intake_ocr.RoyalOcr")
    form = {**body(), "image": png_file("post.png")}
    with django_capture_on_commit_callbacks(execute=True):
        [result] = post_multipart(world, form)["results"]
    assert result["outcome"] == "ocr_pending"  # answered before the task ran
    row = Correction.objects.get(public_id=result["id"])
    # the form's fields are the correction (hashtags one field each); the file was read by the OCR task
    assert (row.post_text, row.hashtags, row.declared_locale) == ("ดูรูปนี้สิ", ["ข่าว"], "th-TH")
    assert row.outcome == "queued" and "TH-risks-lm:ทรงพระเจริญ" in row.risk_tags and row.case.native_only


def test_a_multipart_bulk_names_each_file_after_its_item_with_the_base64_limits(world, settings):
    settings.INTAKE = {**settings.INTAKE, "IMAGE_MAX_BYTES": 2_000}
    items = [
        body(post_id="a", ocr_text="typed"),
        body(post_id="b", submitter_id="u2"),
        body(post_id="c", submitter_id="u3"),
        body(post_id="d", submitter_id="u4", image=b64(render("x", THAI_FONT, size=12))),
        body(post_id="e", submitter_id="u5"),
    ]
    form = {
        "payload": orjson.dumps({"items": items}).decode(),
        "image.1": png_file("small.png", "ok", size=12),
        "image.2": png_file("big.png", "ข่าว" * 20, size=60),
        "image.3": png_file("twice.png", "ok", size=12),  # d has a base64 image as well
        "image.4": SimpleUploadedFile("fake.gif", b"GIF89a not really", content_type="image/gif"),
    }
    results = post_multipart(world, form)["results"]
    assert [r["outcome"] for r in results] == ["queued", "ocr_pending", "invalid", "invalid", "invalid"]
    assert results[2]["errors"] == {"image": [results[2]["errors"]["image"][0]]}
    assert "limit is 2000 bytes" in results[2]["errors"]["image"][0]
    assert "not both" in results[3]["errors"]["image"][0]
    assert "format" in results[4]["errors"]["image"][0]
    assert CorrectionImage.objects.get().correction.post_id == "b"


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"payload": "{not json"}, "payload"),
        ({"payload": orjson.dumps({"items": [body()]}).decode(), "image.3": "FILE"}, "image.3"),
        ({"payload": orjson.dumps({"items": [body()]}).decode(), "picture": "FILE"}, "picture"),
        ({**body(), "post_id": ["a", "b"]}, "post_id"),
    ],
)
def test_a_multipart_request_that_cannot_be_read_is_refused_naming_the_part(world, form, field):
    form = {k: png_file("x.png") if v == "FILE" else v for k, v in form.items()}
    answer = post_multipart(world, form, status=400)
    assert answer["code"] == "invalid" and list(answer["errors"]) == [field], answer
    assert not Correction.objects.exists()  # nothing of the request was stored


def _pending(world, settings, eager_celery, capture, post_id: str) -> Correction:
    hooks_install(settings, OCR="tests.modelhooks.test_intake_ocr.UnavailableOcr")
    with capture(execute=True):
        [result] = post(world, body(post_id=post_id, submitter_id=post_id, image=b64(render("x", THAI_FONT))))
    return Correction.objects.get(public_id=result["id"])


def test_images_of_items_whose_ocr_failed_are_kept_for_the_retry_then_expire_naming_image(
    world, settings, eager_celery, django_capture_on_commit_callbacks
):
    old = _pending(world, settings, eager_celery, django_capture_on_commit_callbacks, "old")
    young = _pending(world, settings, eager_celery, django_capture_on_commit_callbacks, "young")
    days = settings.INTAKE["OCR_FAILED_RETENTION_DAYS"]
    Correction.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(days=days, minutes=1))
    Correction.objects.filter(pk=young.pk).update(received_at=timezone.now() - timedelta(days=days, minutes=-5))
    read = _pending(world, settings, eager_celery, django_capture_on_commit_callbacks, "read")
    # an item that left ocr_pending with its bytes still stored (e.g. read before images were deleted on read)
    Correction.objects.filter(pk=read.pk).update(outcome=Correction.Outcome.QUEUED)

    assert purge_intake_images() == {"read": 1, "expired": 1}
    old.refresh_from_db()
    assert old.outcome == "invalid" and old.decided_by == "ocr_expired" and "is not installed" in old.errors["image"]
    assert bytes(CorrectionImage.objects.get(correction=old).data) == b""
    assert bytes(CorrectionImage.objects.get(correction=read).data) == b""
    # inside the retention: kept, still ocr_pending, and the retry can still read it
    assert bytes(CorrectionImage.objects.get(correction=young).data)
    hooks_install(settings, OCR="tests.modelhooks.test_intake_ocr.RoyalOcr")
    assert intake_ocr_retry() == 1
    young.refresh_from_db()
    assert young.outcome == "queued" and bytes(CorrectionImage.objects.get(correction=young).data) == b""
    assert correction_images_purge() == {"read": 0, "expired": 0}  # idempotent
