"""IN-10: the reply graph and the suspension of coordinated components.

Submitters are nodes; an edge joins two users with >= 2 replies between them (either way) within
7 days. A connected component of > 20 users with >= 50 % of its corrections on one hashtag is
suspended: intake answers `suspended_component` for its members, and no sample backed by any of
them is exported (training.selectors.samples_exportable).
"""

from collections import Counter
from datetime import datetime, timedelta

import networkx as nx
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.bulk import parse_at
from core.text import control_character_reason
from core.texts import message_english
from shards.models import (
    Alert,
    Correction,
    ReplyComponent,
    ReplyComponentMember,
    ReplyEvent,
    SuspendedComponent,
    SuspendedMember,
)


def reply_graph(*, now: datetime) -> nx.Graph:
    """The graph of edges with enough replies inside the trailing window ending at `now`."""
    cfg = settings.INTAKE
    since = now - timedelta(days=cfg["BOTNET_EDGE_WINDOW_DAYS"])
    pairs = Counter()
    for a, b in ReplyEvent.objects.filter(at__gt=since, at__lte=now).values_list("from_user", "to_user").iterator():
        if a != b:
            pairs[(a, b) if a < b else (b, a)] += 1
    graph = nx.Graph()
    graph.add_edges_from(p for p, n in pairs.items() if n >= cfg["BOTNET_EDGE_REPLIES"])
    return graph


def reply_graph_rebuild(*, now: datetime | None = None) -> list[ReplyComponent]:
    """Recompute the large components (> 20 users) and suspend the ones that are campaigns."""
    now = now or timezone.now()
    minimum = settings.INTAKE["BOTNET_COMPONENT_MIN_USERS"]
    components = [c for c in nx.connected_components(reply_graph(now=now)) if len(c) >= minimum]
    with transaction.atomic():
        ReplyComponent.objects.all().delete()
        rows = ReplyComponent.objects.bulk_create([ReplyComponent(size=len(c), computed_at=now) for c in components])
        ReplyComponentMember.objects.bulk_create(
            [ReplyComponentMember(component=row, submitter_id=s) for row, c in zip(rows, components) for s in c]
        )
        components_suspend_campaigns(components=[set(c) for c in components], now=now)
    return rows


def components_suspend_campaigns(
    *, components: list[set[str]], now: datetime, pending: dict[str, list[list[str]]] | None = None
) -> list[SuspendedComponent]:
    """Suspend each component whose corrections (stored within the window, plus `pending` hashtag
    lists of items not stored yet) fall >= 50 % on one hashtag. Already-suspended users are skipped."""
    cfg = settings.INTAKE
    pending = pending or {}
    already = set(
        SuspendedMember.objects.filter(
            component__active=True, submitter_id__in={s for c in components for s in c}
        ).values_list("submitter_id", flat=True)
    )
    since = now - timedelta(days=cfg["BOTNET_EDGE_WINDOW_DAYS"])
    made = []
    for members in components:
        if len(members) < cfg["BOTNET_COMPONENT_MIN_USERS"] or members <= already:
            continue
        tag_lists = list(
            Correction.objects.filter(submitter_id__in=members, at__gt=since)
            .exclude(outcome=Correction.Outcome.INVALID)
            .values_list("hashtags", flat=True)
        )
        tag_lists += [tags for s in members for tags in pending.get(s, [])]
        if not tag_lists:
            continue
        counts = Counter(tag for tags in tag_lists for tag in set(tags))
        if not counts:
            continue
        hashtag, n = counts.most_common(1)[0]
        share = n / len(tag_lists)
        if share < cfg["BOTNET_HASHTAG_SHARE"]:
            continue
        component = SuspendedComponent.objects.create(
            hashtag=hashtag, share=share, size=len(members), members=sorted(members), suspended_at=now
        )
        SuspendedMember.objects.bulk_create([SuspendedMember(component=component, submitter_id=s) for s in members])
        params = {"users": len(members), "share": f"{share:.0%}", "hashtag": hashtag}
        Alert.objects.create(
            kind="suspended_component",
            level=Alert.Level.LOUD,
            message=message_english("suspended_component", params),
            params=params,
        )
        already |= members
        made.append(component)
    return made


def suspended_submitters(*, submitter_ids: set[str]) -> set[str]:
    return set(
        SuspendedMember.objects.filter(component__active=True, submitter_id__any=submitter_ids).values_list(
            "submitter_id", flat=True
        )
    )


def component_lift(*, component: SuspendedComponent, actor) -> None:
    """A senior lifts a suspension (audited); its members' corrections flow again."""

    with transaction.atomic():
        SuspendedComponent.objects.filter(pk=component.pk).update(active=False, lifted_by=actor.username)
        audit_record(
            actor=actor, action="component_lift", obj=component, before={"active": True}, after={"active": False}
        )


def replies_record(*, payloads: list, now: datetime | None = None) -> list[dict]:
    """IN-10: store reply events (each item validated on its own) and rebuild the graph."""

    results, rows = [], []
    limit = settings.INTAKE["MAX_ID_CHARS"]
    for index, raw in enumerate(payloads):
        errors = {}
        if not isinstance(raw, dict):
            results.append({"index": index, "outcome": "invalid", "errors": {"item": "must be a JSON object"}})
            continue
        for name in ("from_user", "to_user"):
            value = raw.get(name)
            if not isinstance(value, str) or not value:
                errors[name] = "This field is required (a submitter id)."
            elif len(value) > limit:
                errors[name] = f"Too long: {len(value)} characters, the limit is {limit}."
            elif reason := control_character_reason(value):  # issue 11: NUL and other C0 controls
                errors[name] = reason
        at, at_error = parse_at(raw.get("at"))
        if at_error:
            errors["at"] = at_error
        if not errors and raw["from_user"] == raw["to_user"]:
            errors["to_user"] = "A user cannot reply to themselves in the graph."
        if errors:
            results.append({"index": index, "outcome": "invalid", "errors": errors})
            continue
        rows.append(ReplyEvent(from_user=raw["from_user"], to_user=raw["to_user"], at=at))
        results.append({"index": index, "outcome": "stored"})
    with transaction.atomic():
        ReplyEvent.objects.bulk_create(rows)
        if rows:
            reply_graph_rebuild(now=now or max(r.at for r in rows))
    return results
