"""Shadow mode, graduation, auto-revert and cross-shard propagation (RK-5, RK-7).

Every decision here records its evidence on the transition, so a rule's page shows why it moved.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core import live
from core.audit import audit_record
from core.texts import feed_message
from risk_db.models import FilterTraffic, LocalVerifyItem, RuleShardState, RuleTransition, ScoringVolume, WouldHit
from risk_db.services.evidence import complaint_coverage, survey_verdict
from risk_db.services.rules import TransitionRefused, rule_candidate_settle, rule_state_transition
from verifier.models import Case

State = RuleShardState.State
GOOD_SURVEY = ("neutral", "positive")


class FourEyesRequired(TransitionRefused):
    """Issue 13: the author of a rule's pattern may not promote it to blocking by hand; a second senior does."""

    code = "four_eyes_required"


class EvidenceMissing(ValueError):
    """A promotion refused for want of evidence; `reasons` names each missing piece."""

    code = "insufficient_evidence"

    def __init__(self, reasons: list[str], evidence: dict):
        super().__init__("; ".join(reasons))
        self.reasons, self.evidence = reasons, evidence


def _cfg(key):
    return settings.RISK_DB[key]


def _entered_at(state: RuleShardState) -> datetime:
    """When the rule first arrived in this shard (its shadow period started)."""
    first = RuleTransition.objects.filter(rule_id=state.rule_id, shard_id=state.shard_id).order_by("at", "id").first()
    return first.at if first else state.since


def graduation_evidence(*, state: RuleShardState, now: datetime, version=None) -> dict:
    """RK-5: complaint coverage (>= 20 %) and the survey verdict over the shadow period so far. With `version`
    (issue 13: a new version in shadow beside the blocking one) the period is that version's, and only its
    would-hits count; the survey is the rule's in that period."""
    start = state.candidate_since if version is not None else state.since
    coverage = complaint_coverage(rule=state.rule, shard=state.shard, start=start, end=now, version=version)
    survey = survey_verdict(rule=state.rule, shard=state.shard, start=start, end=now)
    reasons = []
    threshold = _cfg("GRADUATION_COMPLAINT_SHARE")
    if coverage["total"] == 0:
        reasons.append("no complaints in this shard during shadow, so none it would have prevented")
    elif coverage["share"] < threshold:
        reasons.append(
            f"it would have prevented {coverage['prevented']} of {coverage['total']} complaints "
            f"({coverage['share']:.1%}); graduation needs >= {threshold:.0%}"
        )
    if survey["verdict"] == "insufficient":
        reasons.append(f"fairness survey: {survey['why']}")
    elif survey["verdict"] not in GOOD_SURVEY:
        reasons.append(f"fairness survey is significantly negative (z = {survey['z']}, p = {survey['p_value']})")
    insufficient = coverage["total"] == 0 or survey["verdict"] == "insufficient"
    return {
        "window": [start.isoformat(), now.isoformat()],
        "would_hit_rate": would_hit_rate(state=state, start=start, end=now, version=version),  # live when seen
        "version": version.number if version is not None else None,
        "complaints": coverage,
        "survey": survey,
        "reasons": reasons,
        "insufficient": insufficient,
    }


def rule_graduation_evaluate(*, state: RuleShardState, now: datetime | None = None) -> str:
    """RK-5: after 7 days in shadow in its origin shard a rule graduates to blocking if the complaints it
    would have prevented are >= 20 % of all complaints there and the survey is neutral or positive; else it
    is dropped. With no complaints or too few survey answers at day 7 it waits, and is dropped at day 28.
    Returns what happened: "too_early", "waiting", "graduated", "dropped"."""
    now = now or timezone.now()
    days = now - state.since

    def settle(graduated: bool, evidence: dict) -> None:
        rule_state_transition(
            state=state,
            to_state=State.BLOCKING if graduated else State.DROPPED,
            event="graduated" if graduated else "dropped",
            made_by="system:graduation",
            reason=(
                f"{days.days} days in shadow; complaint coverage and survey passed"
                if graduated
                else "; ".join(evidence["reasons"])
            ),
            evidence=evidence,
            now=now,
        )

    return _graduation_decide(state=state, days=days, now=now, version=None, settle=settle)


def _graduation_decide(*, state: RuleShardState, days: timedelta, now: datetime, version, settle) -> str:
    """The RK-5 test shared by a new rule and a new version: too early before day 7; passed evidence
    graduates; too little evidence waits until day 28; anything else drops. `settle(graduated, evidence)`
    makes the transition."""
    if days < timedelta(days=_cfg("SHADOW_DAYS")):
        return "too_early"
    evidence = graduation_evidence(state=state, now=now, version=version)
    if not evidence["reasons"]:
        settle(True, evidence)
        return "graduated"
    if evidence["insufficient"] and days < timedelta(days=_cfg("SHADOW_MAX_DAYS")):
        RuleShardState.objects.filter(pk=state.pk).update(evaluated_at=now)
        return "waiting"
    settle(False, evidence)
    return "dropped"


def rule_candidate_graduation_evaluate(*, state: RuleShardState, now: datetime | None = None) -> str:
    """Issue 13 / RK-5: a new version of a blocking rule, in shadow beside the blocking version in a shard (the
    origin shard or one that imported the rule, RK-7, on that shard's own complaints and survey), passes the
    same test as a new rule: after 7 days, complaint coverage >= 20 % (its own would-hits) and
    a neutral or positive survey, and it replaces the blocking version; a failure drops it there (the blocking
    version keeps blocking); too little evidence waits until day 28. Returns as `rule_graduation_evaluate`."""
    now = now or timezone.now()
    version = state.candidate_version
    days = now - state.candidate_since

    def settle(graduated: bool, evidence: dict) -> None:
        rule_candidate_settle(
            state=state,
            swap=graduated,
            event="version_graduated" if graduated else "version_dropped",
            made_by="system:graduation",
            reason=(
                f"version {version.number}: {days.days} days in shadow; complaint coverage and survey passed"
                if graduated
                else f"version {version.number}: " + "; ".join(evidence["reasons"])
            ),
            evidence=evidence,
            now=now,
        )

    return _graduation_decide(state=state, days=days, now=now, version=version, settle=settle)


def rule_revert_evaluate(*, state: RuleShardState, now: datetime | None = None) -> str:
    """RK-5: a blocking rule whose survey (since it began blocking) turns significantly negative is
    auto-reverted. A negative difference that is not significant changes nothing."""
    now = now or timezone.now()
    survey = survey_verdict(rule=state.rule, shard=state.shard, start=state.since, end=now)
    RuleShardState.objects.filter(pk=state.pk).update(evaluated_at=now)
    if survey["verdict"] != "negative":
        return "kept"
    rule_state_transition(
        state=state,
        to_state=State.REVERTED,
        event="auto_reverted",
        made_by="system:auto-revert",
        reason=f"fairness survey significantly negative (z = {survey['z']}, p = {survey['p_value']})",
        evidence={"survey": survey},
        now=now,
    )
    return "reverted"


def shard_posts_scored(*, shard, start: datetime, end: datetime) -> tuple[int, str]:
    """Posts scored in a shard in a window: the scorer's volume counts, else the shard's cases as a floor."""
    volume = ScoringVolume.objects.filter(
        shard=shard, hour__gte=start.replace(minute=0, second=0, microsecond=0), hour__lt=end
    ).aggregate(n=Sum("posts"))["n"]
    if volume:
        return volume, "scoring_volume"
    return Case.objects.filter(shard=shard, at__gte=start, at__lt=end).values("post_id").distinct().count(), "cases"


def _hour_floor(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def hour_window(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """The whole hours covering [start, end): the live filter counts texts per hour, so a window is exact to
    the hour (RK-7's 48 h from a rule's arrival at 14:20 covers 14:00 to 15:00 two days later)."""
    first, last = _hour_floor(start), _hour_floor(end)
    return first, (last if last == end else last + timedelta(hours=1))


def live_would_hit_rate(*, state: RuleShardState, start: datetime, end: datetime, version=None) -> dict | None:
    """Issue 13: the would-hit rate on live traffic: sampled texts the filter saw in the shard in the window's
    hours (`hour_window`) and the rule's live would-hits among them in the same hours. None when the filter
    saw none."""
    first, last = hour_window(start, end)
    sampled = FilterTraffic.objects.filter(shard_id=state.shard_id, hour__gte=first, hour__lt=last).aggregate(
        n=Sum("sampled")
    )["n"]
    if not sampled:
        return None
    hits = WouldHit.objects.filter(
        rule_version__rule_id=state.rule_id,
        shard_id=state.shard_id,
        source=WouldHit.Source.LIVE,
        at__gte=first,
        at__lt=last,
    )
    if version is not None:
        hits = hits.filter(rule_version=version)
    hits = hits.values("post_id").distinct().count()
    return {
        "hits": hits,
        "posts": sampled,
        "rate": hits / sampled,
        "denominator": "live_filter",
        "window": [start.isoformat(), end.isoformat()],
        "hours": [first.isoformat(), last.isoformat()],
    }


def would_hit_rate(*, state: RuleShardState, start: datetime, end: datetime, version=None) -> dict:
    """RK-7: the live filter's sampled traffic when it saw the shard in the window, else the scorer's batches.
    With `version`, that version's would-hits only (issue 13)."""
    live = live_would_hit_rate(state=state, start=start, end=end, version=version)
    if live is not None:
        return live
    hits = WouldHit.objects.filter(
        rule_version__rule_id=state.rule_id, shard_id=state.shard_id, at__gte=start, at__lt=end
    )
    if version is not None:
        hits = hits.filter(rule_version=version)
    hits = hits.values("post_id").distinct().count()
    posts, source = shard_posts_scored(shard=state.shard, start=start, end=end)
    posts = max(posts, hits)
    return {
        "hits": hits,
        "posts": posts,
        "rate": hits / posts if posts else 0.0,
        "denominator": source,
        "window": [start.isoformat(), end.isoformat()],
    }


def rule_propagation_evaluate(*, state: RuleShardState, now: datetime | None = None) -> str:
    """RK-7: 48 h after a rule arrives in a non-origin shard, a would-hit rate above 0.2 % in those 48 h
    asks the seniors to review it there; otherwise it stays shadow-only, an early warning that never blocks.
    Returns "too_early", "review_requested" or "shadow_only"."""
    now = now or timezone.now()
    window = timedelta(hours=_cfg("PROPAGATION_WINDOW_HOURS"))
    if state.origin or state.state != State.SHADOW or state.review_requested_at or now < state.since + window:
        return "too_early"
    rate = would_hit_rate(state=state, start=state.since, end=state.since + window)
    limit = _cfg("PROPAGATION_REVIEW_RATE")
    if rate["rate"] > limit:
        RuleShardState.objects.filter(pk=state.pk).update(review_requested_at=now, evaluated_at=now)
        RuleTransition.objects.create(
            rule_id=state.rule_id,
            shard_id=state.shard_id,
            from_state=State.SHADOW,
            to_state=State.SHADOW,
            event="review_requested",
            made_by="system:propagation",
            reason=f"would-hit rate {rate['rate']:.3%} in the first 48 h exceeds {limit:.1%}",
            evidence=rate,
            at=now,
        )

        live.feed_item(
            {
                "kind": "rule_review",
                **feed_message("rule_review", rule=state.rule_id, shard=state.shard.code, rate=f"{rate['rate']:.2%}"),
            },
            shard_id=state.shard_id,
        )
        return "review_requested"
    rule_state_transition(
        state=state,
        to_state=State.SHADOW_ONLY,
        event="kept_shadow_only",
        made_by="system:propagation",
        reason=f"would-hit rate {rate['rate']:.3%} in the first 48 h does not exceed {limit:.1%}",
        evidence=rate,
        now=now,
    )
    return "shadow_only"


def local_promotion_evidence(*, state: RuleShardState, now: datetime) -> dict:
    """RK-7: an importing shard's own evidence: >= 10 local verify items, a local complaint drop >= 15 %
    (complaints there the rule would have prevented) and survey fairness >= neutral."""
    start = _entered_at(state)
    items = LocalVerifyItem.objects.filter(rule_id=state.rule_id, shard_id=state.shard_id).count()
    coverage = complaint_coverage(rule=state.rule, shard=state.shard, start=start, end=now)
    survey = survey_verdict(rule=state.rule, shard=state.shard, start=start, end=now)
    reasons = []
    need_items, need_drop = _cfg("LOCAL_VERIFY_ITEMS"), _cfg("LOCAL_COMPLAINT_DROP")
    if items < need_items:
        reasons.append(f"{items} local verify items; blocking here needs >= {need_items}")
    if not coverage["total"]:
        reasons.append("no local complaints, so no complaint drop can be shown")
    elif coverage["share"] < need_drop:
        reasons.append(
            f"local complaint drop {coverage['share']:.1%} ({coverage['prevented']} of {coverage['total']}); "
            f"needs >= {need_drop:.0%}"
        )
    if survey["verdict"] == "insufficient":
        reasons.append(f"local fairness survey: {survey['why']}")
    elif survey["verdict"] not in GOOD_SURVEY:
        reasons.append(f"local fairness survey is significantly negative (z = {survey['z']}, p = {survey['p_value']})")
    return {
        "window": [start.isoformat(), now.isoformat()],
        "verify_items": items,
        "complaints": coverage,
        "survey": survey,
        "reasons": reasons,
    }


def rule_shard_promote(*, state: RuleShardState, actor, now: datetime | None = None) -> RuleShardState:
    """RK-5 / RK-7: a senior promotes a rule to blocking in one shard. In the origin shard the graduation
    evidence applies (after 7 days); in an importing shard the local evidence. Without it the promotion is
    refused with every reason, and an importing shard's rule stays shadow-only (never loosened to fit)."""
    now = now or timezone.now()
    if state.state == State.BLOCKING and state.candidate_version_id:
        return _candidate_promote(state=state, actor=actor, now=now)
    if state.state not in (State.SHADOW, State.SHADOW_ONLY):
        raise TransitionRefused(
            _(
                "Rule %(rule_id)s is %(state)s in %(code)s; only a shadow or shadow-only rule can be promoted to blocking."
            )
            % {"rule_id": state.rule_id, "state": state.state, "code": state.shard.code}
        )
    if state.origin:
        days = now - state.since
        if days < timedelta(days=_cfg("SHADOW_DAYS")):
            raise EvidenceMissing(
                [
                    f"in shadow for {days.days} days; a rule proves itself for {_cfg('SHADOW_DAYS')} days "
                    "before it may block"
                ],
                {"since": state.since.isoformat()},
            )
        evidence = graduation_evidence(state=state, now=now)
    else:
        evidence = local_promotion_evidence(state=state, now=now)
    if evidence["reasons"]:
        if not state.origin:
            if state.state == State.SHADOW:
                rule_state_transition(
                    state=state,
                    to_state=State.SHADOW_ONLY,
                    event="promotion_refused",
                    actor=actor,
                    reason="; ".join(evidence["reasons"]),
                    evidence=evidence,
                    now=now,
                )
            else:
                RuleTransition.objects.create(
                    rule_id=state.rule_id,
                    shard_id=state.shard_id,
                    from_state=state.state,
                    to_state=state.state,
                    event="promotion_refused",
                    actor=actor,
                    made_by=actor.username,
                    reason="; ".join(evidence["reasons"]),
                    evidence=evidence,
                    at=now,
                )
        raise EvidenceMissing(evidence["reasons"], evidence)
    version = state.rule.current_version
    evidence = _four_eyes(state=state, version=version, actor=actor, evidence=evidence, now=now)
    return rule_state_transition(
        state=state,
        to_state=State.BLOCKING,
        event="promoted",
        actor=actor,
        reason="local evidence passed" if not state.origin else "graduation evidence passed",
        evidence=evidence,
        now=now,
    )


def _candidate_promote(*, state: RuleShardState, actor, now: datetime) -> RuleShardState:
    """Issue 13: a senior promotes the new version waiting in shadow beside the blocking one: the same evidence
    as a new rule (graduation in the origin shard, after 7 days; local evidence elsewhere) and four eyes."""
    version = state.candidate_version
    if state.origin:
        days = now - state.candidate_since
        if days < timedelta(days=_cfg("SHADOW_DAYS")):
            raise EvidenceMissing(
                [
                    f"version {version.number} in shadow for {days.days} days; a version proves itself for "
                    f"{_cfg('SHADOW_DAYS')} days before it may replace the blocking one"
                ],
                {"since": state.candidate_since.isoformat()},
            )
        evidence = graduation_evidence(state=state, now=now, version=version)
    else:
        evidence = local_promotion_evidence(state=state, now=now)
    if evidence["reasons"]:
        raise EvidenceMissing(evidence["reasons"], evidence)
    evidence = _four_eyes(state=state, version=version, actor=actor, evidence=evidence, now=now)
    return rule_candidate_settle(
        state=state,
        swap=True,
        event="version_promoted",
        actor=actor,
        reason=f"version {version.number}: "
        + ("local evidence passed" if not state.origin else "graduation evidence passed"),
        evidence=evidence,
        now=now,
    )


def _four_eyes(*, state: RuleShardState, version, actor, evidence: dict, now: datetime) -> dict:
    """Issue 13, four eyes: the author of `version` cannot promote it alone: the request is kept (a transition and
    an audit event) and refused; another senior's promotion carries who wrote, asked and confirmed."""
    if actor is not None and version.created_by_id == actor.pk:
        # Issue 13, four eyes: the author's request is kept (and audited); another senior confirms it.
        RuleTransition.objects.create(
            rule_id=state.rule_id,
            shard_id=state.shard_id,
            from_state=state.state,
            to_state=state.state,
            event="promotion_requested",
            version_number=version.number,
            actor=actor,
            made_by=actor.username,
            reason="the author of the pattern asked; a second senior must confirm (four eyes)",
            evidence=evidence,
            at=now,
        )
        audit_record(
            actor=actor,
            action="rule_promotion_requested",
            object_type="risk_db.rule",
            object_id=str(state.rule_id),
            after={"shard": state.shard.code, "version": version.number, "four_eyes": "awaiting a second senior"},
        )
        raise FourEyesRequired(
            f"{actor.username} wrote version {version.number} of rule {state.rule_id}; a second senior must "
            f"confirm its promotion to blocking in {state.shard.code} (four eyes)."
        )
    requested = (
        RuleTransition.objects.filter(
            rule_id=state.rule_id, shard_id=state.shard_id, event="promotion_requested", version_number=version.number
        )
        .values_list("made_by", flat=True)
        .last()
    )
    return {
        **evidence,
        "four_eyes": {
            "author": version.created_by.username if version.created_by_id else None,
            "requested_by": requested,
            "confirmed_by": actor.username if actor is not None else None,
        },
    }


def local_verify_item_add(
    *, state: RuleShardState, actor, text: str, should_block: bool = True, now: datetime | None = None
) -> LocalVerifyItem:
    """RK-7: a local verifier or senior adds an item to the importing shard's verify set."""
    text = (text or "").strip()
    if not text:
        raise TransitionRefused(_("text: a verify item needs the text of a local post."))
    item = LocalVerifyItem.objects.create(
        rule_id=state.rule_id,
        shard_id=state.shard_id,
        text=text,
        should_block=should_block,
        added_by=actor,
        at=now or timezone.now(),
    )

    audit_record(
        actor=actor,
        action="rule_verify_item_added",
        object_type="risk_db.rule",
        object_id=str(state.rule_id),
        after={"shard": state.shard.code, "text": text[:200], "should_block": should_block},
    )
    return item


def rules_lifecycle_evaluate(*, now: datetime | None = None) -> dict:
    """The scheduled pass: graduation in origin shards, propagation in the others, a new version's graduation
    wherever the rule blocks (origin and importing shards alike), auto-revert everywhere."""
    now = now or timezone.now()
    counts: dict[str, int] = {}
    states = RuleShardState.objects.select_related("rule", "shard", "rule__current_version")
    for state in states.filter(state=State.SHADOW, origin=True):
        outcome = rule_graduation_evaluate(state=state, now=now)
        counts[outcome] = counts.get(outcome, 0) + 1
    for state in states.filter(state=State.SHADOW, origin=False, review_requested_at__isnull=True):
        outcome = rule_propagation_evaluate(state=state, now=now)
        counts[outcome] = counts.get(outcome, 0) + 1
    for state in states.filter(state=State.BLOCKING, candidate_version__isnull=False).select_related(
        "candidate_version"
    ):
        outcome = "version_" + rule_candidate_graduation_evaluate(state=state, now=now)
        counts[outcome] = counts.get(outcome, 0) + 1
    for state in states.filter(state=State.BLOCKING):
        outcome = rule_revert_evaluate(state=state, now=now)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts
