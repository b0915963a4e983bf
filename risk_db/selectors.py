"""Reads of the risk DB for other apps: the scorer (modelhooks) and the queue (verifier)."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Prefetch, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from core.text import text_normalise
from modelhooks import hooks
from risk_db.models import (
    Complaint,
    FilterTraffic,
    IndexBuild,
    Rule,
    RuleShardState,
    RuleTransition,
    ScoringVolume,
    SurveyResponse,
    TabooCandidate,
    TabooNomination,
    WouldHit,
)
from risk_db.patterns import match_text
from risk_db.services.evidence import hashtag_key
from risk_db.services.index import index_entries_current, index_fingerprint, index_set_compile, versions_in_effect
from risk_db.services.patterns import PatternRejected, rule_pattern_compile
from shards.models import Shard
from shards.selectors import correction_texts_recent, corrections_visible_to, native_only_locales, taboo_fence


@dataclass(frozen=True)
class ScoringRule:
    """One rule version as the scoring engine needs it (MH-1)."""

    rule_id: int
    version_id: int
    pattern: str
    embedding: tuple[float, ...] | None
    embedder: str
    origin_locale: str
    shard_states: tuple[tuple[int, str], ...] = field(default=())  # (shard_id, state)
    kind: str = "regex"  # "keyword_sentiment" for a softened version (RK-6) ...
    keyword: str = ""
    min_sentiment: float | None = None  # ... which hits only where sentiment >= this


def rules_for_scoring() -> list[ScoringRule]:
    """Every version in effect with the shards where it is shadow, shadow-only or blocking: a rule's current
    version, and in a shard where an older version blocks, that one blocking and the new one in shadow (issue 13)."""
    return [
        ScoringRule(
            rule_id=v.rule_id,
            version_id=v.pk,
            pattern=v.pattern,
            embedding=tuple(v.embedding) if v.embedding else None,
            embedder=v.embedder,
            origin_locale=v.rule.origin_locale,
            shard_states=tuple(sorted(shards.items())),
            kind=v.kind,
            keyword=v.keyword,
            min_sentiment=v.min_sentiment,
        )
        for v, shards in versions_in_effect(shard_key="shard_id")
    ]


def rules_blocking(*, shard) -> list[Rule]:
    """MH-3: the rules blocking in `shard`, each with `blocking_version` set to the version that blocks there (the
    one the queue matches too, `rules_matching_text`); the training export leaves out what they match."""
    states = (
        RuleShardState.objects.filter(shard=shard, state=RuleShardState.State.BLOCKING)
        .select_related("rule", "blocking_version")
        .order_by("rule_id")
    )
    rules = []
    for state in states:
        state.rule.blocking_version = state.blocking_version
        rules.append(state.rule)
    return rules


# ---- The live index (RK-3) ------------------------------------------------------------------


@dataclass
class LiveIndex:
    build_id: int | None
    key: tuple  # (build id, fingerprint)
    entries: list[dict]
    patterns: object  # re2 Set over entries

    def match(self, *, text: str, shard_code: str, states=(RuleShardState.State.BLOCKING,)) -> list[dict]:
        """Entries of the live index whose pattern matches `text` and which are in one of `states` in the shard.
        A softened entry (RK-6) also needs the sentiment hook's score >= its floor."""
        if not self.entries:
            return []
        found = [self.entries[i] for i in sorted(self.patterns.Match(match_text(text)) or [])]
        found = [e for e in found if e["shards"].get(shard_code) in states]
        if any(e["kind"] == "keyword_sentiment" for e in found):
            score = float(hooks.sentiment(text))
            found = [e for e in found if e["kind"] != "keyword_sentiment" or score >= (e["min_sentiment"] or 0.0)]
        return found


_live: dict[str, LiveIndex] = {}


def live_index() -> LiveIndex:
    """The live build, compiled once per process and swapped when a newer build goes live."""

    # Keyed by id and fingerprint: SQLite reuses the id of a rolled-back row, and a build with the
    # same fingerprint has the same entries, so its compiled set is the same.
    row = IndexBuild.objects.filter(status=IndexBuild.Status.LIVE).values("pk", "fingerprint").first()
    build_id = row["pk"] if row else None
    key = (build_id, row["fingerprint"] if row else None)
    cached = _live.get("index")
    if cached is None or cached.key != key:
        entries = IndexBuild.objects.get(pk=build_id).entries if build_id else []
        cached = LiveIndex(build_id=build_id, key=key, entries=entries, patterns=index_set_compile(entries))
        _live["index"] = cached  # one assignment: readers see the old index or the new one, never half
    return cached


def index_build_newest_id() -> tuple[int | None, str | None]:
    """(id, fingerprint) of the live build, or (None, None): what a filter process polls for (issue 13)."""
    row = IndexBuild.objects.filter(status=IndexBuild.Status.LIVE).values_list("pk", "fingerprint").first()
    return (row[0], row[1]) if row else (None, None)


def index_build_live() -> IndexBuild | None:
    return IndexBuild.objects.filter(status=IndexBuild.Status.LIVE).first()


def rules_index_readiness(*, now=None) -> dict:
    """RK-3: the live index is stale when there is none, when the nightly rebuild has not checked in for
    INDEX_STALE_HOURS, or when rule changes have waited longer than that to go live."""
    now = now or timezone.now()
    limit = timedelta(hours=settings.RISK_DB["INDEX_STALE_HOURS"])
    live = IndexBuild.objects.filter(status=IndexBuild.Status.LIVE).first()
    last_check = (
        IndexBuild.objects.filter(status__in=[IndexBuild.Status.LIVE, IndexBuild.Status.SKIPPED])
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    body = {
        "ready": False,
        "live_build": live.pk if live else None,
        "built_at": live.finished_at if live else None,
        "last_checked_at": last_check,
        "entries": len(live.entries) if live else 0,
        "pending_changes": False,
        "pending_since": None,
        "stale_after_hours": settings.RISK_DB["INDEX_STALE_HOURS"],
    }
    if live is None:
        return {**body, "reason": "no live index has been built yet"}
    if index_fingerprint(index_entries_current()) != live.fingerprint:
        body["pending_changes"] = True
        body["pending_since"] = (
            RuleTransition.objects.filter(at__gt=live.started_at).order_by("at").values_list("at", flat=True).first()
        ) or live.finished_at
    if now - last_check > limit:
        return {**body, "reason": f"the nightly rebuild last ran at {last_check:%Y-%m-%d %H:%M} UTC, over {limit} ago"}
    if body["pending_changes"] and now - body["pending_since"] > limit:
        return {**body, "reason": f"rule changes since {body['pending_since']:%Y-%m-%d %H:%M} UTC are not live yet"}
    return {**body, "ready": True, "reason": ""}


# ---- Pages and API reads --------------------------------------------------------------------


def _nominations_seen_by(user) -> Q:
    """SH-3 (issue 11): a nomination made on a native-only case (its term and context are that
    post's words) is shown only inside the case's native pool; `taboo_fence` decides."""
    return Q() if user is None else taboo_fence(user=user).cases_q("case__")


def taboo_candidates(*, status: str | None = None, limit: int = 200, user=None):
    """Candidates with their nominations; with `user`, only the nominations that person may see, and
    only candidates with at least one of them."""
    seen = _nominations_seen_by(user)
    qs = TabooCandidate.objects.annotate(verifiers=Count("nominations__verifier", distinct=True))
    if status:
        qs = qs.filter(status=status)
    if user is not None:
        qs = qs.filter(pk__in=TabooNomination.objects.filter(seen).values("candidate_id"))
    return qs.prefetch_related(
        Prefetch("nominations", queryset=TabooNomination.objects.filter(seen).select_related("verifier", "case"))
    ).order_by("-first_at")[:limit]


def taboo_candidates_seen(*, user):
    """The candidates a person may open (at least one nomination inside their taboo fence)."""
    return TabooCandidate.objects.filter(
        pk__in=TabooNomination.objects.filter(_nominations_seen_by(user)).values("candidate_id")
    )


def taboo_candidate_get(*, pk: int, user=None):
    seen = _nominations_seen_by(user)
    qs = TabooCandidate.objects.annotate(verifiers=Count("nominations__verifier", distinct=True))
    if user is not None:
        qs = qs.filter(pk__in=TabooNomination.objects.filter(seen).values("candidate_id"))
    return qs.prefetch_related(
        Prefetch("nominations", queryset=TabooNomination.objects.filter(seen).select_related("verifier", "case"))
    ).get(pk=pk)


def rules_overview():
    return Rule.objects.select_related("current_version").prefetch_related("shard_states__shard").order_by("-id")


def rule_detail(*, rule_id: int):
    return (
        Rule.objects.select_related("current_version", "created_by")
        .prefetch_related(
            "versions__created_by",
            Prefetch(
                "shard_states",
                queryset=RuleShardState.objects.select_related(
                    "shard", "rule", "blocking_version", "candidate_version__created_by"
                ),
            ),
            "transitions__shard",
        )
        .filter(pk=rule_id)
        .first()
    )


# ---- the taboo fence on rules (issue 11) ------------------------------------------------------------
# A rule's words (pattern, term, context, keyword, the notes that may quote them) are taboo content of
# its origin locale: where that locale is native-only (it has a risk lexicon), only its natives and
# admins see them (shards.selectors.taboo_fence). Everyone else with the role sees the rule, its states
# and its evidence counts, with the words masked: an importing shard's senior still runs RK-7 there.

RULE_WORDS_MASK = "•••"


def rule_words_visible(*, rule: Rule, user, fence=None, native_only=None) -> bool:
    return (fence or taboo_fence(user=user)).allows_words_of(rule.origin_locale, native_only)


def rule_words_native_only(*, rule: Rule) -> bool:
    """The rule's words are taboo content of a native-only locale (one with a risk lexicon)."""
    return rule.origin_locale in native_only_locales()


_WORDS = ("pattern", "term", "context", "keyword", "note")


def _mask_version(version) -> None:
    for name in _WORDS:
        if getattr(version, name, ""):
            setattr(version, name, RULE_WORDS_MASK)


def rules_fenced(*, rules, user, full: bool = False) -> list[Rule]:
    """The rules as `user` may see them: where the fence hides a rule's words they are replaced by
    RULE_WORDS_MASK on the loaded objects (never saved) and `rule.words_hidden` is set, so every page
    and payload built from them shows the mask. `full`: the rules carry rule_detail's prefetches
    (versions, shard states with their versions, transitions), masked too."""
    fence, native_only = taboo_fence(user=user), native_only_locales()
    out = []
    for rule in rules:
        rule.words_hidden = not rule_words_visible(rule=rule, user=user, fence=fence, native_only=native_only)
        if rule.words_hidden and not full:
            _mask_version(rule.current_version)
        elif rule.words_hidden:
            notes = set()
            for version in [rule.current_version, *rule.versions.all()]:
                notes.add(version.note)
                _mask_version(version)
            for s in rule.shard_states.all():
                for version in (s.blocking_version, s.candidate_version):
                    if version is not None:
                        _mask_version(version)
            for t in rule.transitions.all():
                if t.reason and t.reason in notes:
                    t.reason = RULE_WORDS_MASK
                if isinstance(t.evidence, dict):  # a published version's evidence names its pattern
                    t.evidence = {k: RULE_WORDS_MASK if k in _WORDS else v for k, v in t.evidence.items()}
        out.append(rule)
    return out


def rule_detail_for(*, rule_id: int, user) -> Rule | None:
    """A rule's page or API detail, behind the fence (its words masked where hidden)."""
    rule = rule_detail(rule_id=rule_id)
    return None if rule is None else rules_fenced(rules=[rule], user=user, full=True)[0]


def rule_live_rates(*, rule, days: int | None = None, now=None) -> dict[int, dict]:
    """Issue 13: per shard, the rule's would-hit rate on live filter traffic over the last `days` x 24 hours
    (whole UTC hours, the current one included): live would-hits among the texts the filter sampled there.
    Shards the filter saw no text of are absent."""
    now = now or timezone.now()
    days = days or settings.FILTER["BACKTEST_DAYS"]
    first = (now - timedelta(days=days)).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    sampled = dict(
        FilterTraffic.objects.filter(shard__in=rule.shard_states.values("shard"), hour__gte=first)
        .values("shard_id")
        .annotate(n=Sum("sampled"))
        .values_list("shard_id", "n")
    )
    hits = dict(
        WouldHit.objects.filter(rule_version__rule=rule, source=WouldHit.Source.LIVE, at__gte=first)
        .values("shard_id")
        .annotate(n=Count("post_id", distinct=True))
        .values_list("shard_id", "n")
    )
    return {
        shard_id: {"hits": hits.get(shard_id, 0), "posts": n, "percent": round(100 * hits.get(shard_id, 0) / n, 3)}
        for shard_id, n in sampled.items()
        if n
    }


def rule_charts(*, rule, days: int = 30, now=None) -> dict:
    """Series for the rule page: would-hits per day per shard, complaints per day (all vs would-have-prevented)
    per shard, and survey fair share per arm per shard."""
    now = now or timezone.now()
    start = now - timedelta(days=days)
    labels = [(start + timedelta(days=i + 1)).date().isoformat() for i in range(days)]
    hits = (
        WouldHit.objects.filter(rule_version__rule=rule, at__gte=start)
        .annotate(day=TruncDate("at"))
        .values("shard__code", "day")
        .annotate(n=Count("post_id", distinct=True))
    )
    per_shard: dict[str, dict[str, int]] = {}
    for row in hits:
        per_shard.setdefault(row["shard__code"], {})[row["day"].isoformat()] = row["n"]

    # "Would have prevented" as in RK-5's coverage: the same post, or exactly a would-hit's hashtag set.
    rule_hits = WouldHit.objects.filter(rule_version__rule=rule)
    hit_sets = list({hashtag_key(t) for t in rule_hits.values_list("hashtags", flat=True).distinct()} - {""})
    prevented = Q(post_id__in=rule_hits.values("post_id")) | Q(hashtag_key__in=hit_sets)
    complaints = (
        Complaint.objects.filter(shard__in=rule.shard_states.values("shard"), at__gte=start)
        .annotate(day=TruncDate("at"))
        .values("shard__code", "day")
        .annotate(total=Count("id"), prevented=Count("id", filter=prevented))
    )
    comp: dict[str, dict[str, dict[str, int]]] = {}
    for row in complaints:
        comp.setdefault(row["shard__code"], {})[row["day"].isoformat()] = {
            "total": row["total"],
            "prevented": row["prevented"],
        }
    survey = (
        SurveyResponse.objects.filter(rule=rule)
        .values("shard__code", "arm")
        .annotate(n=Count("id"), fair=Count("id", filter=Q(fair=True)))
    )
    surv: dict[str, dict[str, float]] = {}
    for row in survey:
        surv.setdefault(row["shard__code"] or "-", {})[row["arm"]] = (
            round(100 * row["fair"] / row["n"], 1) if row["n"] else 0
        )

    volume: dict[str, dict[str, int]] = {}
    for row in (
        ScoringVolume.objects.filter(shard__code__in=per_shard.keys(), hour__gte=start)
        .annotate(day=TruncDate("hour"))
        .values("shard__code", "day")
        .annotate(n=Sum("posts"))
    ):
        volume.setdefault(row["shard__code"], {})[row["day"].isoformat()] = row["n"]
    # The would-hit rate (% of posts scored that day) where the scorer reported its volume, else the count.
    rate = {
        code: [
            round(100 * by_day.get(d, 0) / volume[code][d], 3) if volume.get(code, {}).get(d) else None for d in labels
        ]
        for code, by_day in per_shard.items()
        if code in volume
    }
    return {
        "labels": labels,
        "hits": {code: [by_day.get(d, 0) for d in labels] for code, by_day in sorted(per_shard.items())},
        "hit_rate": dict(sorted(rate.items())),
        "complaints": {
            code: {
                "total": [by_day.get(d, {}).get("total", 0) for d in labels],
                "prevented": [by_day.get(d, {}).get("prevented", 0) for d in labels],
            }
            for code, by_day in sorted(comp.items())
        },
        "survey": {
            "shards": sorted(surv),
            "treatment": [surv[c].get("treatment", 0) for c in sorted(surv)],
            "control": [surv[c].get("control", 0) for c in sorted(surv)],
        },
    }


# ---- Backtest of a candidate pattern (issue 13) ----------------------------------------------------


def pattern_backtest(*, pattern: str, user, now=None) -> dict:
    """Issue 13 / RK-3: a candidate pattern's would-hit rate over the recorded texts of the last BACKTEST_DAYS
    per shard (the same normaliser and pattern meaning as the filter: core.text + RE2 with the product's
    Unicode semantics), sample matches the senior may see, and the live rules that match the same texts.
    Raises PatternRejected for a pattern the engines refuse."""
    cfg = settings.FILTER
    now = now or timezone.now()
    since = now - timedelta(days=cfg["BACKTEST_DAYS"])
    compiled = rule_pattern_compile(pattern)
    # FENCE (issue 11 will switch this to its one visibility selector): samples only from texts this user may
    # see; a risk-tagged (taboo) text only for a native member of that shard's pool.
    visible = set(corrections_visible_to(user=user).filter(received_at__gte=since).values_list("pk", flat=True))
    shards, hit_texts = [], {}
    for shard in Shard.objects.order_by("code"):
        texts = correction_texts_recent(shard=shard, since=since, limit=cfg["BACKTEST_MAX_TEXTS"])
        if not texts:
            continue
        hits = [(pk, key, raw, tagged) for pk, key, raw, tagged in texts if compiled.search(text_normalise(raw))]
        samples = [raw for pk, _key, raw, _tagged in hits if pk in visible][: cfg["BACKTEST_SAMPLES"]]
        fenced = sum(1 for pk, *_ in hits if pk not in visible)
        shards.append(
            {
                "shard": shard.code,
                "texts": len(texts),
                "hits": len(hits),
                "rate": len(hits) / len(texts),
                "percent": round(100 * len(hits) / len(texts), 2),
                "samples": samples,
                "samples_fenced": fenced,
            }
        )
        for _pk, key, raw, _tagged in hits:
            hit_texts[(shard.code, key)] = text_normalise(raw)
    overlaps = []
    if hit_texts:
        entries = index_entries_current()
        origins = dict(Rule.objects.filter(pk__in={e["rule_id"] for e in entries}).values_list("pk", "origin_locale"))
        fence, native_only = taboo_fence(user=user), native_only_locales()
        for entry in entries:
            try:
                other = rule_pattern_compile(entry["pattern"])
            except PatternRejected:
                continue
            shared = sum(1 for text in hit_texts.values() if other.search(text))
            if shared:
                overlaps.append(
                    {
                        "rule_id": entry["rule_id"],
                        "version": entry["number"],
                        # issue 11: another native-only locale's rule words stay inside its pool
                        "pattern": entry["pattern"]
                        if fence.allows_words_of(origins.get(entry["rule_id"], ""), native_only)
                        else RULE_WORDS_MASK,
                        "shared_hits": shared,
                        "states": entry["shards"],
                    }
                )
    overlaps.sort(key=lambda o: (-o["shared_hits"], o["rule_id"]))
    return {"pattern": pattern, "days": cfg["BACKTEST_DAYS"], "since": since, "shards": shards, "overlaps": overlaps}
