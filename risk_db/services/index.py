"""RK-3: the nightly rebuild of the live index.

The live index is the set of current rule versions with their per-shard states, compiled into one
RE2 Set. A build starts from the checkpoint (the live build): entries whose version is unchanged are
reused as they are (versions are frozen, so they were checked then); only new versions are compiled
and checked. A version RE2 refuses is left out with the reason, and the rule's previous entry, if
any, stays. Nothing changed since the checkpoint: the build is recorded as skipped. The swap is one
transaction that retires the old live row and marks the new one live (a unique constraint allows one).
"""

import hashlib
import json
from datetime import datetime

import re2
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from risk_db.models import IndexBuild, RuleShardState, RuleVersion
from risk_db.services.patterns import PatternRejected, _options, pattern_for_engine, rule_pattern_compile

LIVE = (RuleShardState.State.SHADOW, RuleShardState.State.BLOCKING, RuleShardState.State.SHADOW_ONLY)


def versions_in_effect(*, shard_key: str = "shard__code") -> list[tuple[RuleVersion, dict]]:
    """Each rule version that runs somewhere, with {shard: state}, in (rule, version) order. A rule's current
    version runs in its shadow and shadow-only shards; in a blocking shard the state's blocking version blocks
    and a newer version of the rule waiting there (`candidate_version`, issue 13) runs in shadow beside it."""
    runs: dict[int, dict] = {}  # version id -> {shard: state}
    current: dict[int, int] = {}  # rule id -> current version id, for the rules with a live state
    rows = RuleShardState.objects.filter(state__in=LIVE).values_list(
        "rule_id", shard_key, "state", "rule__current_version_id", "blocking_version_id", "candidate_version_id"
    )
    for rule_id, shard, state, current_id, blocking_id, candidate_id in rows:
        current[rule_id] = current_id
        if state == RuleShardState.State.BLOCKING:
            runs.setdefault(blocking_id, {})[shard] = state
            if candidate_id:
                runs.setdefault(candidate_id, {})[shard] = RuleShardState.State.SHADOW
        else:
            runs.setdefault(current_id, {})[shard] = state
    versions = RuleVersion.objects.filter(pk__in=runs.keys()).select_related("rule").order_by("rule_id", "number")
    return [(v, dict(sorted(runs[v.pk].items()))) for v in versions]


def index_entries_current() -> list[dict]:
    """Every version in effect (RK-3; issue 13: a blocking version and its shadow successor) with its states."""
    return [
        {
            "rule_id": v.rule_id,
            "version_id": v.pk,
            "number": v.number,
            "pattern": v.pattern,
            "kind": v.kind,
            "keyword": v.keyword,
            "min_sentiment": v.min_sentiment,
            "shards": shards,
        }
        for v, shards in versions_in_effect()
    ]


def index_fingerprint(entries: list[dict]) -> str:
    return hashlib.sha256(json.dumps(entries, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def rules_index_rebuild(*, now: datetime | None = None, force: bool = False) -> IndexBuild:
    """RK-3: build the live index from the checkpoint, swap it in atomically; skip when nothing changed."""
    now = now or timezone.now()
    checkpoint = IndexBuild.objects.filter(status=IndexBuild.Status.LIVE).first()
    wanted = index_entries_current()
    fingerprint = index_fingerprint(wanted)
    if checkpoint and checkpoint.fingerprint == fingerprint and not force:
        return IndexBuild.objects.create(
            status=IndexBuild.Status.SKIPPED,
            fingerprint=fingerprint,
            started_at=now,
            finished_at=timezone.now(),
            reused=len(wanted),
            message=f"nothing changed since build {checkpoint.pk}",
        )
    old_entries = checkpoint.entries if checkpoint else []
    previous = {e["rule_id"]: e for e in old_entries}  # the rule's newest entry of the checkpoint
    known_versions = {e["version_id"] for e in old_entries}
    wanted_versions = {e["version_id"] for e in wanted}
    entries, refused, reused, compiled = [], [], 0, 0
    for entry in wanted:
        if entry["version_id"] in known_versions:
            reused += 1
            entries.append(entry)
            continue
        try:
            rule_pattern_compile(entry["pattern"])
            compiled += 1
            entries.append(entry)
        except PatternRejected as exc:
            refused.append({"rule_id": entry["rule_id"], "version_id": entry["version_id"], "reason": str(exc)})
            kept = previous.get(entry["rule_id"])
            if kept is not None and kept["version_id"] not in wanted_versions:
                entries.append({**kept, "shards": entry["shards"]})  # keep serving the rule's last good version
    build = IndexBuild(
        fingerprint=fingerprint, entries=entries, refused=refused, reused=reused, compiled=compiled, started_at=now
    )
    try:
        index_set_compile(entries)
    except PatternRejected as exc:
        build.status, build.message, build.finished_at = IndexBuild.Status.FAILED, str(exc), timezone.now()
        build.save()
        return build
    with transaction.atomic():
        if checkpoint:
            IndexBuild.objects.filter(pk=checkpoint.pk, status=IndexBuild.Status.LIVE).update(
                status=IndexBuild.Status.RETIRED
            )
        build.status, build.finished_at = IndexBuild.Status.LIVE, timezone.now()
        build.message = (
            f"{len(entries)} entries: {reused} from checkpoint {checkpoint.pk if checkpoint else '-'}, "
            f"{compiled} compiled, {len(refused)} refused"
        )
        build.save()
    return build


class IndexSets:
    """RE2 Sets over the entries, INDEX_SET_CHUNK patterns each: one Set of 10,000 Unicode-class patterns
    does not compile within any sane memory budget (measured, issue 13), a few hundred do. `Match` answers
    entry indexes across all of them, like one Set."""

    def __init__(self, sets: list[tuple[int, object]]):
        self._sets = sets  # (offset of the chunk's first entry, compiled Set)

    def Match(self, text: str) -> list[int]:  # noqa: N802 (re2.Set's name)
        found: list[int] = []
        for offset, compiled in self._sets:
            found += [offset + i for i in compiled.Match(text) or []]
        return found


def index_set_compile(entries: list[dict]) -> IndexSets:
    """RE2 Sets over all entries (linear-time multi-pattern matching); index i is entries[i]."""
    options = _options()
    options.max_mem = settings.RISK_DB["RE2_MAX_MEM"]
    chunk = settings.RISK_DB["INDEX_SET_CHUNK"]
    sets = []
    for offset in range(0, len(entries), chunk):
        patterns = re2.Set.SearchSet(options)
        for entry in entries[offset : offset + chunk]:
            if patterns.Add(pattern_for_engine(entry["pattern"])) < 0:
                raise PatternRejected(f"RE2 Set refused the pattern of rule {entry['rule_id']}")
        try:
            ok = patterns.Compile() is not False  # google-re2 returns None on success, raises or False on failure
        except re2.error:
            ok = False
        if not ok:
            raise PatternRejected(
                f"RE2 Set could not compile entries {offset}..{offset + chunk - 1} within its memory budget "
                "(RISK_DB['RE2_MAX_MEM'], RISK_DB['INDEX_SET_CHUNK'])."
            )
        sets.append((offset, patterns))
    return IndexSets(sets)
