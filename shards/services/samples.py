"""VQ-6, IN-6, IN-11: what an accepted correction puts into training."""
import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction

from shards.models import Correction, CorrectionGraph, CorrectionGraphMember, TrainingSample


def graph_id_for(submitter_ids) -> str:
    """IN-11: the correction-graph id is a hash of the sorted ids of the users who backed it."""
    joined = "\x00".join(sorted(set(submitter_ids)))
    return hashlib.sha256(joined.encode()).hexdigest()[:32]


def graphs_ensure(*, backer_sets: list[set[str]]) -> list[str]:
    """Create the correction graphs (and their member rows) that do not exist yet; one id per set."""
    ids = [graph_id_for(b) for b in backer_sets]
    wanted = {gid: b for gid, b in zip(ids, backer_sets)}
    existing = set(CorrectionGraph.objects.filter(graph_id__in=wanted).values_list("graph_id", flat=True))
    new = {gid: b for gid, b in wanted.items() if gid not in existing}
    if new:
        CorrectionGraph.objects.bulk_create([CorrectionGraph(graph_id=g, size=len(b)) for g, b in new.items()],
                                            ignore_conflicts=True)
        CorrectionGraphMember.objects.bulk_create(
            [CorrectionGraphMember(graph_id=g, submitter_id=s) for g, b in new.items() for s in sorted(b)],
            ignore_conflicts=True)
    return ids


def sample_record_accepted(*, case) -> TrainingSample:
    """One sample per post and shard (IN-6). A Thai-tagged delta carries the regional-hard-block
    bit: exports of any other shard leave it out (VQ-6, MH-3). IN-11: the sample keeps the graph of
    the users whose corrections backed the case."""
    backers = set(Correction.objects.filter(case=case).exclude(outcome=Correction.Outcome.INVALID)
                  .values_list("submitter_id", flat=True))
    graph_id = graphs_ensure(backer_sets=[backers])[0] if backers else None
    sample, _ = TrainingSample.objects.get_or_create(
        post_id=case.post_id,
        shard_id=case.shard_id,
        defaults={
            "case": case,
            "locale": case.locale,
            "text_delta": case.proposal,
            "regional_hard_block": bool(case.hard_block_locale),
            "hard_block_locale": case.hard_block_locale,
            "graph_id": graph_id,
            "accepted_by": "ruling",
        },
    )
    return sample


@dataclass
class CrowdAccept:
    """IN-5 / IN-6: a post the crowd or the conflict resolver settled without a human."""

    rule: str  # auto_accept, conflict_resolver:oracle, conflict_resolver:merge
    text_delta: str  # on native tokens (IN-2)
    backers: dict[str, bool] = field(default_factory=dict)  # submitter -> corroborated the accepted delta
    numeric_delta: float | None = None  # relative delta, for the IN-6 history
    case: object = None


def samples_record_crowd(*, accepts: list[CrowdAccept], now: datetime) -> list[TrainingSample]:
    """Create the samples of crowd-settled posts (one per post and shard), close their cases."""
    from verifier.services.queue import cases_close_by_crowd

    accepts = [a for a in accepts if a.case is not None]
    if not accepts:
        return []
    with transaction.atomic():
        taken = set(TrainingSample.objects.filter(post_id__in={a.case.post_id for a in accepts})
                    .values_list("post_id", "shard_id"))
        fresh, seen = [], set()
        for a in accepts:
            key = (a.case.post_id, a.case.shard_id)
            if key in taken or key in seen:
                continue  # a post never occupies more than one training slot (IN-6)
            seen.add(key)
            fresh.append(a)
        graph_ids = graphs_ensure(backer_sets=[set(a.backers) for a in fresh])
        samples = [TrainingSample(
            case=a.case, shard_id=a.case.shard_id, locale=a.case.locale, post_id=a.case.post_id,
            text_delta=a.text_delta, regional_hard_block=bool(a.case.hard_block_locale),
            hard_block_locale=a.case.hard_block_locale, graph_id=g, accepted_by=a.rule,
        ) for a, g in zip(fresh, graph_ids)]
        # ignore_conflicts: a concurrent request may have taken the slot first (one per post, IN-6)
        TrainingSample.objects.bulk_create(samples, ignore_conflicts=True)
        cases_close_by_crowd(case_ids=[a.case.pk for a in fresh], now=now)
    return samples
