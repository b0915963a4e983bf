"""VQ-6, IN-6, IN-11: what an accepted correction puts into training."""

from collections.abc import Callable
from datetime import datetime

from django.db import transaction

from core.sql import SqlPart, sql_hot_path, sql_insert, sql_insert_part
from shards.intake.pipeline import CrowdAccept
from shards.selectors import correction_backers
from shards.services.graphs import graphs_ensure
from training.models import TrainingSample
from training.spans import correction_apply


def _native(case, delta: str) -> dict:
    """MH-3 / IN-2: the post with the correction applied, the corrected spans, and the OCR text rules match."""
    text, spans = correction_apply(post_text=case.post_text, delta=delta)
    return {"text": text, "target_spans": spans, "ocr_text": case.ocr_text or ""}


def sample_record_accepted(*, case, backers: set[str] | None = None) -> None:
    """IN-6: one training slot per post across all shards: a post that already holds a sample (in any
    shard, whichever decided first) gets no second one. A Thai-tagged delta carries the regional-hard-block
    bit: exports of any other shard leave it out (VQ-6, MH-3). IN-11: the sample keeps the graph of
    the users whose corrections backed the case (`backers`: the ruling's copy of
    `shards.selectors.correction_backers`). One INSERT ... ON CONFLICT DO NOTHING: a post that already
    holds its slot keeps it."""
    if backers is None:
        backers = correction_backers(case=case)
    sample = _accepted_sample(case=case, backers=backers)
    # the unique constraint `one_sample_per_post` decides under concurrency too
    if sql_hot_path():  # one prepared INSERT ... ON CONFLICT DO NOTHING (core.sql)
        sql_insert(sample, ignore_conflicts=True)
    else:
        TrainingSample.objects.bulk_create([sample], ignore_conflicts=True)


def sample_record_accepted_part(*, case, backers: set[str]) -> SqlPart:
    """Issue 14, PostgreSQL: `sample_record_accepted` as a part of the ruling's one write statement (core.sql):
    the same row, INSERT ... ON CONFLICT DO NOTHING (the post's slot decides). The graph is made first."""
    return sql_insert_part(_accepted_sample(case=case, backers=backers), ignore_conflicts=True)


def _accepted_sample(*, case, backers: set[str]) -> TrainingSample:
    graph_id = graphs_ensure(backer_sets=[backers])[0] if backers else None
    return TrainingSample(
        case=case,
        post_id=case.post_id,
        shard_id=case.shard_id,
        locale=case.locale,
        text_delta=case.proposal,
        regional_hard_block=bool(case.hard_block_locale),
        hard_block_locale=case.hard_block_locale,
        graph_id=graph_id,
        accepted_by="ruling",
        **_native(case, case.proposal),
    )


def sample_take_back(*, case) -> bool:
    """VQ-10: an undone ruling takes back the sample it made, if no batch has cut it yet (IN-12).
    False when a batch holds it (the ruling was consumed); True otherwise (also when there was none)."""
    sample = TrainingSample.objects.filter(case=case, accepted_by="ruling").values("pk", "batch_id").first()
    if sample is None:
        return True
    if sample["batch_id"] is not None:
        return False
    TrainingSample.objects.filter(pk=sample["pk"], batch__isnull=True).delete()
    return True


def sample_batched(*, case) -> bool:
    """VQ-10: has a batch cut the sample a ruling on this case made?"""
    return TrainingSample.objects.filter(case=case, accepted_by="ruling", batch__isnull=False).exists()


def samples_record_crowd(
    *, accepts: list[CrowdAccept], now: datetime, cases_close: Callable[..., int]
) -> list[TrainingSample]:
    """Create the samples of crowd-settled posts (one per post, across all shards: IN-6), close their cases.

    `cases_close(case_ids=, now=)` closes the cases, in the same transaction; it is the verifier's
    queue (`settings.INTAKE["CROWD_CASES_CLOSE"]`), passed in because the queue sits above training."""
    accepts = [a for a in accepts if a.case is not None]
    if not accepts:
        return []
    with transaction.atomic():
        taken = set(
            TrainingSample.objects.filter(post_id__in={a.case.post_id for a in accepts}).values_list(
                "post_id", flat=True
            )
        )
        fresh, seen = [], set()
        for a in accepts:
            key = a.case.post_id
            if key in taken or key in seen:
                continue  # a post never occupies more than one training slot, in any shard (IN-6)
            seen.add(key)
            fresh.append(a)
        graph_ids = graphs_ensure(backer_sets=[set(a.backers) for a in fresh])
        samples = [
            TrainingSample(
                case=a.case,
                shard_id=a.case.shard_id,
                locale=a.case.locale,
                post_id=a.case.post_id,
                text_delta=a.text_delta,
                regional_hard_block=bool(a.case.hard_block_locale),
                hard_block_locale=a.case.hard_block_locale,
                graph_id=g,
                accepted_by=a.rule,
                **_native(a.case, a.text_delta),
            )
            for a, g in zip(fresh, graph_ids)
        ]
        # ignore_conflicts: a concurrent request may have taken the slot first (one per post, IN-6): the
        # unique constraint decides, and the first shard to commit keeps it
        TrainingSample.objects.bulk_create(samples, ignore_conflicts=True)
        cases_close(case_ids=[a.case.pk for a in fresh], now=now)
    return samples


def sample_withhold(*, sample: TrainingSample, reason: str) -> None:
    """An operator keeps a sample out of every export (e.g. a senior overturned the crowd, IN-10)."""
    TrainingSample.objects.filter(pk=sample.pk).update(withheld_reason=reason)
