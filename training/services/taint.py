"""IN-11: the quarterly sweep for dormant cliques, taint marking, and the taint list exports honour."""

from collections import Counter
from datetime import datetime, timedelta
from itertools import combinations

import networkx as nx
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from shards.models import Correction, CorrectionGraphMember, DormantClique
from training.models import Retraction, TaintedSubmitter, TaintList, TrainingSample
from training.services.retractions import samples_retract

SPECTRAL_PART_MAX = 60  # parts bigger than this are bisected on their Fiedler vector before clique search


def cobacking_graph() -> nx.Graph:
    """Users joined by an edge when they backed at least two samples together (correction graphs)."""
    members: dict[str, list[str]] = {}
    for graph_id, submitter in CorrectionGraphMember.objects.values_list("graph_id", "submitter_id").iterator():
        members.setdefault(graph_id, []).append(submitter)
    samples_per_graph = Counter(TrainingSample.objects.exclude(graph=None).values_list("graph_id", flat=True))
    pairs = Counter()
    for graph_id, users in members.items():
        for a, b in combinations(sorted(users), 2):
            pairs[(a, b)] += samples_per_graph.get(graph_id, 0)
    graph = nx.Graph()
    graph.add_edges_from(p for p, n in pairs.items() if n >= 2)
    return graph


def _spectral_parts(graph: nx.Graph) -> list[set[str]]:
    """Split each component by recursive spectral bisection (sign of the Fiedler vector)."""
    parts, stack = [], [set(c) for c in nx.connected_components(graph)]
    while stack:
        nodes = stack.pop()
        if len(nodes) <= SPECTRAL_PART_MAX:
            parts.append(nodes)
            continue
        sub = graph.subgraph(nodes)
        fiedler = nx.fiedler_vector(sub, method="tracemin_lu", seed=1)
        order = list(sub.nodes())
        left = {n for n, v in zip(order, fiedler) if v < 0}
        right = nodes - left
        if not left or not right:
            parts.append(nodes)
            continue
        stack += [left, right]
    return parts


def spectral_sweep(*, now: datetime | None = None) -> list[DormantClique]:
    """IN-11 quarterly: flag cliques of >= 5 users in the co-backing graph none of whom has sent a
    correction for CLIQUE_DORMANT_DAYS. Cliques already flagged (same members) are not repeated."""
    now = now or timezone.now()
    cfg = settings.INTAKE
    graph = cobacking_graph()
    cliques = []
    for part in _spectral_parts(graph):
        for clique in nx.find_cliques(graph.subgraph(part)):
            if len(clique) >= cfg["CLIQUE_MIN_NODES"]:
                cliques.append(sorted(clique))
    if not cliques:
        return []
    since = now - timedelta(days=cfg["CLIQUE_DORMANT_DAYS"])
    active = set(
        Correction.objects.filter(submitter_id__in={s for c in cliques for s in c}, at__gt=since).values_list(
            "submitter_id", flat=True
        )
    )
    known = {tuple(c.members) for c in DormantClique.objects.all()}
    made = [
        DormantClique(members=c, size=len(c), found_at=now)
        for c in cliques
        if not active.intersection(c) and tuple(c) not in known
    ]
    return DormantClique.objects.bulk_create(made)


def taint_submitters(*, submitter_ids: set[str], reason: str, actor=None, now: datetime | None = None) -> TaintList:
    """A new taint-list version: every correction graph containing one of these users is tainted
    (weight 0) in every export that honours this version or a later one. Its samples already cut into a
    batch may have left in an export: they are tombstoned, so the next export lists them as retractions."""
    now = now or timezone.now()
    with transaction.atomic():
        taint = TaintList.objects.create(created_at=now, reason=reason[:200], actor=actor.username if actor else "")
        TaintedSubmitter.objects.bulk_create(
            [TaintedSubmitter(taint_list=taint, submitter_id=s) for s in sorted(submitter_ids)]
        )
        batched = TrainingSample.objects.filter(
            batch__isnull=False, graph__members__submitter_id__in=sorted(submitter_ids)
        ).distinct()
        samples_retract(
            samples=batched,
            reason=Retraction.Reason.GRAPH_TAINTED,
            detail=f"taint list version {taint.version}: {reason}",
            now=now,
        )
        audit_record(
            actor=actor,
            action="taint_submitters",
            obj=taint,
            object_type="shards.taintlist",  # the audit log's name for it from before issue 9
            after={"version": taint.version, "users": sorted(submitter_ids), "reason": reason},
        )
    return taint


def clique_decide(*, clique: DormantClique, bots: bool, actor, now: datetime | None = None) -> DormantClique:
    """A senior marks a flagged clique as bots (its graphs are tainted) or clears it. Audited."""
    now = now or timezone.now()
    with transaction.atomic():
        before = {"status": clique.status}
        clique.status = DormantClique.Status.BOTS if bots else DormantClique.Status.CLEARED
        clique.decided_by, clique.decided_at = actor.username, now
        clique.save(update_fields=["status", "decided_by", "decided_at"])
        audit_record(actor=actor, action="clique_decide", obj=clique, before=before, after={"status": clique.status})
        if bots:
            taint_submitters(
                submitter_ids=set(clique.members),
                reason=f"dormant clique #{clique.pk} marked as bots",
                actor=actor,
                now=now,
            )
    return clique
