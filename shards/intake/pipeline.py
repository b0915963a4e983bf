"""IN-1: correction intake as a pipeline of steps over a whole batch.

Each step (settings.INTAKE["PIPELINE"]) looks at the items still undecided and may decide some:
the first outcome wins and names the step that set it. The defences of IN-3..IN-12 plug in as
further steps. After the steps, every item is stored with its outcome: nothing is dropped.
"""

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from core.text import control_characters_replace
from shards.bulk import rows_insert
from shards.models import Correction

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


def corrections_intake(*, payloads: list, now: datetime | None = None) -> list[IntakeItem]:
    """Run every payload through the pipeline and store each with its outcome, in one transaction."""
    batch = IntakeBatch(items=[IntakeItem(index=i, raw=p) for i, p in enumerate(payloads)], now=now or timezone.now())
    timings = {}
    with transaction.atomic():
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


def _store(batch: IntakeBatch) -> None:
    rows = []
    for item in batch.items:
        if item.duplicate_of is not None or item.duplicate_of_item is not None:
            continue
        d = item.data
        invalid = item.outcome == Correction.Outcome.INVALID
        item.correction = Correction(
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
            raw=_trimmed_raw(item.raw) if invalid else None,
            reason=item.reason,
            language=item.language,
            english_text=item.english_text,
            norm_key=item.norm_key,
            numeric_value=item.numeric_value,
            geo_mismatch=item.geo_mismatch,
            rate_key=item.rate_key,
        )
        rows.append(item.correction)
    rows_insert(Correction, rows)  # COPY on PostgreSQL
    for item in batch.items:
        original = item.duplicate_of or (item.duplicate_of_item.correction if item.duplicate_of_item else None)
        if original is not None:  # a re-delivery answers with what the first delivery got
            item.correction, item.outcome, item.case, item.shard = (
                original,
                original.outcome,
                original.case,
                original.shard,
            )
