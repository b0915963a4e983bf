"""The intake steps of the foundation: validate, recognise, deduplicate, risk-tag (routing into the queue is `verifier.intake.route`)."""

import base64
import binascii
import hashlib
import io
import ipaddress
import re

from django.conf import settings

from core.bulk import parse_at
from core.text import control_character_reason, dedupe_normalise
from shards.intake.pipeline import IntakeBatch
from shards.models import Correction, Locale, TriggerPattern
from shards.services.lexicons import tagger

O = Correction.Outcome
_COUNTRY = re.compile(r"^[A-Z]{2}$")


def validate(batch: IntakeBatch) -> None:
    """Every field checked; an invalid item names each bad field and the reason."""
    limits = settings.INTAKE
    known_locales = set(Locale.objects.values_list("code", flat=True))
    for item in batch.pending():
        raw, errors, data = item.raw, {}, {}
        if not isinstance(raw, dict):
            item.decide(O.INVALID, by="validate", errors={"item": "must be a JSON object"})
            continue

        def text(name, *, required=True, limit=limits["MAX_TEXT_CHARS"]):
            value = raw.get(name)
            if value is None or value == "":
                if required:
                    errors[name] = "This field is required."
                return ""
            if not isinstance(value, str):
                errors[name] = "Must be a string."
                return ""
            if len(value) > limit:
                errors[name] = f"Too long: {len(value)} characters, the limit is {limit}."
                return ""
            if reason := control_character_reason(value):  # issue 11: NUL and other C0 controls
                errors[name] = reason
                return ""
            return value

        data["post_id"] = text("post_id", limit=limits["MAX_ID_CHARS"])
        data["submitter_id"] = text("submitter_id", limit=limits["MAX_ID_CHARS"])
        data["post_text"] = text("post_text")
        data["ocr_text"] = text("ocr_text", required=False)
        data["reply_text"] = text("reply_text")
        data["sub_locale"] = text("sub_locale", required=False, limit=64)

        hashtags = raw.get("hashtags", [])
        if not isinstance(hashtags, list) or not all(isinstance(h, str) and 0 < len(h) <= 100 for h in hashtags):
            errors["hashtags"] = "Must be a list of strings of 1 to 100 characters."
        elif len(hashtags) > limits["MAX_HASHTAGS"]:
            errors["hashtags"] = f"Too many: {len(hashtags)}, the limit is {limits['MAX_HASHTAGS']}."
        elif reason := next(filter(None, map(control_character_reason, hashtags)), ""):
            errors["hashtags"] = reason
        else:
            data["hashtags"] = sorted({h.lstrip("#").casefold() for h in hashtags})

        country = raw.get("billing_country")
        if not isinstance(country, str) or not _COUNTRY.match(country.upper()):
            errors["billing_country"] = "Must be a two-letter ISO 3166 country code."
        else:
            data["billing_country"] = country.upper()

        ip = raw.get("ip")
        try:
            item.ip_address = ipaddress.ip_address(ip) if isinstance(ip, str) else None
            data["ip"] = str(item.ip_address) if item.ip_address is not None else None
            if data["ip"] is None:
                errors["ip"] = "This field is required."
        except ValueError:
            errors["ip"] = f"{ip!r} is not an IPv4 or IPv6 address."

        locale = raw.get("declared_locale")
        if not isinstance(locale, str) or not locale:
            errors["declared_locale"] = "This field is required."
        elif reason := control_character_reason(locale):
            errors["declared_locale"] = reason
        elif locale not in known_locales:
            errors["declared_locale"] = f"Unknown locale {locale!r}."
        else:
            data["declared_locale"] = locale

        if item.upload is not None and raw.get("image") not in (None, ""):
            errors["image"] = "Give the image once: as base64 or as a multipart upload, not both."
        elif item.upload is not None or raw.get("image") not in (None, ""):
            image, image_error = (
                image_upload_read(item.upload) if item.upload is not None else image_decode(raw["image"])
            )
            if image_error:
                errors["image"] = image_error
            else:
                item.image = image

        parsed, at_error = parse_at(raw.get("at"))
        if at_error:
            errors["at"] = at_error
        else:
            data["at"] = parsed

        item.data = data
        if errors:
            item.decide(O.INVALID, by="validate", errors=errors)


_DATA_URL = re.compile(r"^data:image/[a-z0-9.+-]+;base64,", re.IGNORECASE)


def image_decode(value) -> tuple[bytes | None, str]:
    """MH-6: an item's `image`, base64 (a `data:image/...;base64,` prefix allowed), checked before it is
    stored: size (INTAKE["IMAGE_MAX_BYTES"] decoded), a format Tesseract reads, at most IMAGE_MAX_PIXELS.
    Returns (bytes, "") or (None, the reason)."""
    limits = settings.INTAKE
    max_bytes = limits["IMAGE_MAX_BYTES"]
    if not isinstance(value, str):
        return None, "Must be a base64 string."
    value = _DATA_URL.sub("", value, count=1)
    if len(value) > 4 * (max_bytes // 3 + 1) + 4:  # refused before decoding: no large allocation
        return None, f"Too large: about {len(value) * 3 // 4} bytes, the limit is {max_bytes} bytes."
    try:
        data = base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError):
        return None, "Not valid base64."
    return image_check(data)


def image_upload_read(upload) -> tuple[bytes | None, str]:
    """MH-6: an item's image sent as a multipart file: refused on its declared size before it is read
    (no large allocation), then checked like a base64 image."""
    max_bytes = settings.INTAKE["IMAGE_MAX_BYTES"]
    if upload.size > max_bytes:
        return None, f"Too large: {upload.size} bytes, the limit is {max_bytes} bytes."
    return image_check(upload.read(max_bytes + 1))


def image_check(data: bytes) -> tuple[bytes | None, str]:
    """The limits every image passes, however it came: size, a format Tesseract reads, pixels."""
    limits = settings.INTAKE
    max_bytes = limits["IMAGE_MAX_BYTES"]
    if len(data) > max_bytes:
        return None, f"Too large: {len(data)} bytes, the limit is {max_bytes} bytes."
    if not data:
        return None, "The image is empty."
    from PIL import Image  # only for items with an image

    formats = limits["IMAGE_FORMATS"]
    try:
        with Image.open(io.BytesIO(data), formats=formats) as img:
            width, height = img.size
            img.verify()
    except Exception:  # Pillow raises many kinds on a bad or truncated file
        return None, f"Not an image in a format OCR reads ({', '.join(formats)})."
    if width * height > limits["IMAGE_MAX_PIXELS"]:
        return None, f"Too many pixels: {width}x{height}, the limit is {limits['IMAGE_MAX_PIXELS']} pixels."
    return data, ""


def _triggers() -> list[re.Pattern]:
    patterns = list(TriggerPattern.objects.filter(active=True).values_list("pattern", flat=True))
    return [re.compile(p, re.IGNORECASE) for p in (patterns or settings.INTAKE["DEFAULT_TRIGGERS"])]


_QUOTED_LINE = re.compile(r"^\s*>.*$", re.MULTILINE)
_QUOTES = "\"'“”‘’«»「」"


def correction_extract(reply_text: str, triggers: list[re.Pattern]) -> str | None:
    """IN-1: the text after '@grok correct' (or a variant), quoted lines and quote marks stripped."""
    for trigger in triggers:
        match = trigger.search(reply_text)
        if match:
            body = _QUOTED_LINE.sub("", reply_text[match.end() :])
            body = " ".join(tok.strip(_QUOTES) for tok in body.split())
            return body.strip() or None
    return None


def recognise_correction(batch: IntakeBatch) -> None:
    triggers = _triggers()
    for item in batch.pending():
        corrected = correction_extract(item.data["reply_text"], triggers)
        if corrected is None:
            item.decide(
                O.INVALID,
                by="recognise_correction",
                errors={
                    "reply_text": "No correction found: the reply has no '@grok correct' trigger or nothing after it."
                },
            )
        else:
            item.corrected_text = corrected


def deduplicate(batch: IntakeBatch) -> None:
    """A repeated delivery (same post, submitter, corrected text) is answered, not counted twice."""
    first_in_batch = {}
    for item in batch.pending():
        d = item.data
        key = "\x00".join([d["post_id"], d["submitter_id"], dedupe_normalise(item.corrected_text)])
        item.dedupe_key = hashlib.sha256(key.encode()).hexdigest()
    keys = [i.dedupe_key for i in batch.pending()]
    resumed = [i.resuming.pk for i in batch.items if i.resuming is not None]  # its own row is no duplicate
    existing = {
        c.dedupe_key: c
        for c in Correction.objects.filter(dedupe_key__any=keys).exclude(pk__in=resumed).select_related("case", "shard")
    }
    for item in batch.pending():
        if item.dedupe_key in existing:
            item.duplicate_of = existing[item.dedupe_key]
            item.decide(item.duplicate_of.outcome, by="deduplicate")
        elif item.dedupe_key in first_in_batch:
            item.duplicate_of_item = first_in_batch[item.dedupe_key]
            item.outcome, item.decided_by = "pending_duplicate", "deduplicate"
        else:
            first_in_batch[item.dedupe_key] = item


def ocr_defer(batch: IntakeBatch) -> None:
    """MH-6: an item that came with an image and no OCR text is stored `ocr_pending`, before any defence
    counts it and before any case exists; the gpu task (INTAKE["OCR_TASK"]) reads the image and runs the
    whole pipeline on the item again with the OCR text, so nothing is offered before that text is tagged."""
    for item in batch.pending():
        if item.image is not None and not item.data.get("ocr_text"):
            item.decide(O.OCR_PENDING, by="ocr_defer", reason="Waiting for OCR of the image (gpu queue).")


def _raw_text(raw, name: str) -> str:
    value = raw.get(name) if isinstance(raw, dict) else None
    return value if isinstance(value, str) else ""


def risk_tag(batch: IntakeBatch) -> None:
    """SH-3: tag text and OCR text against every locale's risk lexicon. The first step (issue 11):
    it tags every item from its raw payload, before any step can decide it (invalid, rate_limited,
    blocked_list, frozen_topic, suspended_component ...), so no stored item is ever untagged and the
    operator pages can hide each from everyone outside its locale's native pool."""
    tagger.refresh()
    for item in batch.items:
        found = tagger.tag(_raw_text(item.raw, "post_text"), _raw_text(item.raw, "ocr_text"))
        if found:
            # A post tagged by two lexicons goes to the first locale in code order; both tags are kept.
            item.risk_locale = sorted(found)[0]
            item.risk_tags = [tag for locale in sorted(found) for tag in found[locale]]
