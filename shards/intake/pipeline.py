"""IN-1: correction intake as a pipeline of steps over a whole batch.

Each step (settings.INTAKE["PIPELINE"]) looks at the items still undecided and may decide some:
the first outcome wins and names the step that set it. The defences of IN-3..IN-12 plug in as
further steps. After the steps, every item is stored with its outcome: nothing is dropped.
"""

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from core.text import control_characters_replace
from modelhooks import hooks
from modelhooks.hooks.tesseract import OcrUnavailable
from shards.bulk import rows_insert
from shards.models import Correction, CorrectionImage

log = logging.getLogger(__name__)


@dataclass
class CrowdAccept:
    """IN-5 / IN-6: a post the crowd or the conflict resolver settled without a human."""

    rule: str  # auto_accept, conflict_resolver:oracle, conflict_resolver:merge
    text_delta: str  # on native tokens (IN-2)
    backers: dict[str, bool] = field(default_factory=dict)  # submitter -> corroborated the accepted delta
    numeric_delta: float | None = None  # relative delta, for the IN-6 history
    case: object = None


@dataclass
class IntakeItem:
    index: int
    raw: Any
    data: dict = field(default_factory=dict)  # cleaned fields, set by the validate step
    outcome: str | None = None
    decided_by: str = ""
    errors: dict = field(default_factory=dict)
    corrected_text: str = ""
    risk_tags: list = field(default_factory=list)
    risk_locale: str = ""
    dedupe_key: str | None = None
    duplicate_of: Correction | None = None  # an earlier delivery of the same item
    duplicate_of_item: "IntakeItem | None" = None  # the same item earlier in this batch
    case: Any = None
    shard: Any = None
    correction: Correction | None = None
    # set by the defences (shards/intake/defences.py)
    reason: str = ""  # why a defence decided it, in words
    language: str = ""
    english_text: str = ""
    numeric_value: float | None = None
    norm_key: str = ""
    geo_mismatch: bool = False
    force_global: bool = False  # IN-9: routed to the global queue
    rate_key: str = ""
    ip_address: Any = None  # parsed once by validate
    accept: Any = None  # IN-5/IN-6: the crowd or resolver decision the post reached
    escalate: str = ""  # IN-6/IN-7: the rule that sent it to a human
    image: bytes | None = None  # MH-6: the decoded image, set by validate
    upload: Any = None  # MH-6: the item's image as a multipart file (an UploadedFile), checked by validate
    resuming: Correction | None = None  # MH-6: the ocr_pending row this run completes (its OCR text read)

    def decide(self, outcome: str, *, by: str, errors: dict | None = None, reason: str = "") -> None:
        if self.outcome is None:
            self.outcome, self.decided_by = outcome, by
            if errors:
                self.errors = errors
            if reason:
                self.reason = reason


@dataclass
class IntakeBatch:
    items: list[IntakeItem]
    now: datetime

    def pending(self) -> list[IntakeItem]:
        return [i for i in self.items if i.outcome is None]


def corrections_intake(
    *,
    payloads: list,
    now: datetime | None = None,
    resuming: Correction | None = None,
    uploads: dict[int, Any] | None = None,
) -> list[IntakeItem]:
    """Run every payload through the pipeline and store each with its outcome, in one transaction.
    `resuming` (one payload): the ocr_pending row whose OCR text the payload now carries; it is updated,
    not inserted. `uploads`: item index -> the item's image as an uploaded file (a multipart request),
    checked like a base64 `image`."""
    uploads = uploads or {}
    batch = IntakeBatch(
        items=[IntakeItem(index=i, raw=p, upload=uploads.get(i)) for i, p in enumerate(payloads)],
        now=now or timezone.now(),
    )
    if resuming is not None:
        assert len(payloads) == 1, "one payload completes one ocr_pending row"
        batch.items[0].resuming = resuming
    timings = {}
    with transaction.atomic():
        if resuming is not None and not (
            Correction.objects.select_for_update()
            .filter(pk=resuming.pk, outcome=Correction.Outcome.OCR_PENDING)
            .exists()
        ):
            return []  # another delivery of the task completed it (MH-7: at-least-once)
        for dotted in settings.INTAKE["PIPELINE"]:
            started = time.perf_counter()
            import_string(dotted)(batch)
            timings[dotted.rsplit(".", 1)[-1]] = time.perf_counter() - started
        for item in batch.pending():  # a pipeline that forgets an item is a bug; never lose it
            item.decide(Correction.Outcome.INVALID, by="pipeline", errors={"item": "no step decided this item"})
        started = time.perf_counter()
        _store(batch)
        timings["store"] = time.perf_counter() - started
    LAST_TIMINGS.clear()
    LAST_TIMINGS.update(timings)
    if log.isEnabledFor(logging.INFO):
        outcomes = Counter(item.outcome for item in batch.items)
        log.info("intake: %d items stored, outcomes %s", len(batch.items), dict(sorted(outcomes.items())))
    return batch.items


LAST_TIMINGS: dict[str, float] = {}  # seconds per step of the last batch in this process (bench/intake.py)


def _trimmed_raw(raw: Any, depth: int = 0) -> Any:
    """What an invalid item's `raw` keeps: strings trimmed and their control characters replaced (a
    NUL cannot be stored on PostgreSQL), at most 50 keys or elements, 4 levels deep."""
    limit = settings.INTAKE["MAX_TEXT_CHARS"] + 100
    if isinstance(raw, str):
        return control_characters_replace(raw[:limit])
    if depth >= 4 and isinstance(raw, dict | list):
        return "..."
    if isinstance(raw, dict):
        return {control_characters_replace(k[:limit]): _trimmed_raw(v, depth + 1) for k, v in list(raw.items())[:50]}
    if isinstance(raw, list):
        return [_trimmed_raw(v, depth + 1) for v in raw[:50]]
    return raw


def _stored_raw(item: IntakeItem) -> Any:
    """`raw` as stored: an invalid item's trimmed payload; an ocr_pending item's payload without its image
    (kept apart, CorrectionImage), to run the pipeline again once the OCR text is read; else nothing."""
    if item.outcome == Correction.Outcome.INVALID:
        return _trimmed_raw(item.raw)
    if item.outcome == Correction.Outcome.OCR_PENDING:
        return _trimmed_raw({k: v for k, v in item.raw.items() if k != "image"})
    return None


def _ocr_enqueue(correction_ids: list[int]) -> None:
    """After commit: one gpu task per ocr_pending item. A broker that is down (or, with Celery eager, a task
    that fails) leaves the item ocr_pending and visible; it never fails the intake request."""
    task = import_string(settings.INTAKE["OCR_TASK"])
    for pk in correction_ids:
        try:
            task.delay(pk)
        except Exception:
            log.exception("intake: the OCR task for correction %s could not run; it stays ocr_pending", pk)


def _store(batch: IntakeBatch) -> None:
    rows, updated = [], []
    for item in batch.items:
        if item.duplicate_of is not None or item.duplicate_of_item is not None:
            continue
        d = item.data
        invalid = item.outcome == Correction.Outcome.INVALID
        fields = dict(
            post_id=d.get("post_id", ""),
            post_text=d.get("post_text", ""),
            ocr_text=d.get("ocr_text", ""),
            hashtags=d.get("hashtags", []),
            reply_text=d.get("reply_text", ""),
            corrected_text=item.corrected_text,
            submitter_id=d.get("submitter_id", ""),
            billing_country=d.get("billing_country", ""),
            ip=d.get("ip"),
            declared_locale=d.get("declared_locale", ""),
            sub_locale=d.get("sub_locale", ""),
            at=d.get("at"),
            outcome=item.outcome,
            decided_by=item.decided_by,
            errors=item.errors,
            risk_tags=item.risk_tags,
            risk_locale=item.risk_locale,
            case=item.case,
            shard=item.shard,
            dedupe_key=None if invalid else item.dedupe_key,
            raw=_stored_raw(item),
            reason=item.reason,
            language=item.language,
            english_text=item.english_text,
            norm_key=item.norm_key,
            numeric_value=item.numeric_value,
            geo_mismatch=item.geo_mismatch,
            rate_key=item.rate_key,
        )
        if item.resuming is not None:
            item.correction = item.resuming
            for name, value in fields.items():
                setattr(item.correction, name, value)
            updated.append(item.correction)
        else:
            item.correction = Correction(**fields)
            rows.append(item.correction)
    rows_insert(Correction, rows)  # COPY on PostgreSQL
    for correction in updated:
        correction.save()
    pending = [
        CorrectionImage(correction=item.correction, data=item.image)
        for item in batch.items
        if item.outcome == Correction.Outcome.OCR_PENDING
        and item.image is not None
        and item.duplicate_of is None
        and item.duplicate_of_item is None
    ]
    if pending:
        CorrectionImage.objects.bulk_create(pending)
        ids = [image.correction_id for image in pending]
        transaction.on_commit(lambda: _ocr_enqueue(ids))
    for item in batch.items:
        original = item.duplicate_of or (item.duplicate_of_item.correction if item.duplicate_of_item else None)
        if original is not None:  # a re-delivery answers with what the first delivery got
            item.correction, item.outcome, item.case, item.shard = (
                original,
                original.outcome,
                original.case,
                original.shard,
            )


def correction_ocr_read(*, correction_id: int, now: datetime | None = None) -> Correction:
    """MH-6, run by the gpu task: read an ocr_pending item's image with the OCR hook (the declared
    locale's language data), then run the whole intake pipeline on the item with that OCR text: risk
    tagging on post and OCR text first, then the defences, the route and the settling, as for a typed
    OCR text. Where the hook cannot run (`OcrUnavailable`: no Tesseract) or fails on the image, the item
    stays ocr_pending with the message as its `reason`, shown on the intake pages. Idempotent."""
    correction = Correction.objects.get(pk=correction_id)
    if correction.outcome != Correction.Outcome.OCR_PENDING:
        return correction
    image = CorrectionImage.objects.filter(correction=correction).first()
    if image is None:  # cannot happen through intake; never crash the worker on it
        log.error("intake: ocr_pending correction %s has no stored image", correction.pk)
        return correction
    image.attempts += 1
    try:
        text = hooks.ocr(bytes(image.data), locale=correction.declared_locale)
    except OcrUnavailable as exc:
        return _ocr_failed(correction, image, str(exc))
    except Exception as exc:  # Tesseract's own errors (a timeout, an image it rejects)
        log.warning("intake: OCR of correction %s failed: %s", correction.pk, exc)
        return _ocr_failed(correction, image, f"OCR failed: {exc}")
    text = control_characters_replace(text)[: settings.INTAKE["MAX_TEXT_CHARS"]].strip()
    payload = {**(correction.raw or {}), "ocr_text": text}
    with transaction.atomic():  # the outcome and the image's deletion commit together: none is seen without the other
        items = corrections_intake(payloads=[payload], now=now, resuming=correction)
        # read: the bytes are deleted (the case needs only the OCR text); the row keeps when and how often
        image.error, image.read_at, image.data = "", timezone.now(), b""
        image.save(update_fields=["error", "read_at", "attempts", "data"])
    return items[0].correction if items else Correction.objects.get(pk=correction_id)


def correction_images_purge(*, now: datetime | None = None) -> dict:
    """MH-6 (beat, hourly): stored images nothing needs any more are deleted. An image whose item left
    ocr_pending (read, or completed by another delivery) is not needed: the case has the OCR text. An item
    still ocr_pending INTAKE["OCR_FAILED_RETENTION_DAYS"] after it arrived is made invalid, naming `image`
    and the last OCR error, and its image deleted; an item inside that period keeps its image for the retry."""
    now = now or timezone.now()
    stored = CorrectionImage.objects.exclude(data=b"")
    done = stored.exclude(correction__outcome=Correction.Outcome.OCR_PENDING).update(data=b"")
    cutoff = now - timedelta(days=settings.INTAKE["OCR_FAILED_RETENTION_DAYS"])
    expired = 0
    for image in stored.filter(
        correction__outcome=Correction.Outcome.OCR_PENDING, correction__received_at__lt=cutoff
    ).select_related("correction"):
        with transaction.atomic():
            days = settings.INTAKE["OCR_FAILED_RETENTION_DAYS"]
            message = f"OCR did not succeed within {days} days ({image.error or 'never ran'}); the image was deleted."
            # only if it is still pending: a task that read it meanwhile wins
            if Correction.objects.filter(pk=image.correction_id, outcome=Correction.Outcome.OCR_PENDING).update(
                outcome=Correction.Outcome.INVALID, decided_by="ocr_expired", errors={"image": message}, reason=message
            ):
                CorrectionImage.objects.filter(pk=image.pk).update(data=b"")
                expired += 1
    if done or expired:
        log.info("intake: images deleted: %d read, %d expired unread", done, expired)
    return {"read": done, "expired": expired}


def _ocr_failed(correction: Correction, image: CorrectionImage, message: str) -> Correction:
    image.error = message
    image.save(update_fields=["error", "attempts"])
    Correction.objects.filter(pk=correction.pk, outcome=Correction.Outcome.OCR_PENDING).update(reason=message)
    correction.reason = message
    return correction
