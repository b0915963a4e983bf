"""IN-11: correction graphs, the sets of users who backed an accepted post (training samples keep one)."""

import hashlib

from shards.models import CorrectionGraph, CorrectionGraphMember


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
        CorrectionGraph.objects.bulk_create(
            [CorrectionGraph(graph_id=g, size=len(b)) for g, b in new.items()], ignore_conflicts=True
        )
        CorrectionGraphMember.objects.bulk_create(
            [CorrectionGraphMember(graph_id=g, submitter_id=s) for g, b in new.items() for s in sorted(b)],
            ignore_conflicts=True,
        )
    return ids
