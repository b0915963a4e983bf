"""Rules: creation, frozen versions (edit, restore, soften), per-shard state transitions, matching.

RK-3: a published version is never changed; an edit or a restore publishes a new version; the rule id
stays. RK-5..RK-7: every state change goes through `rule_state_transition`, which keeps the history of
who or what made it and why.
"""

import logging
import math
from datetime import datetime

import re2
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from modelhooks import hooks
from risk_db.models import Rule, RuleShardState, RuleTransition, RuleVersion
from risk_db.patterns import match_text
from risk_db.services.patterns import PatternRejected, rule_pattern_check, rule_pattern_compile

log = logging.getLogger(__name__)

State = RuleShardState.State

# Which state may follow which, and nothing else (RK-5, RK-6, RK-7).
ALLOWED = {
    State.SHADOW: {State.BLOCKING, State.DROPPED, State.SHADOW_ONLY},
    State.SHADOW_ONLY: {State.BLOCKING},  # local promotion with the evidence (RK-7)
    State.BLOCKING: {State.REVERTED},
    State.REVERTED: {State.SHADOW},  # re-issued softened (RK-6): it proves itself in shadow again
    State.DROPPED: {State.SHADOW},  # a restored or softened re-issue starts in shadow again
}


class TransitionRefused(ValueError):
    code = "transition_refused"


def _made_by(actor, made_by: str) -> str:
    return actor.username if actor is not None else (made_by or "system")


def _audit(*, actor, action: str, rule: Rule, before=None, after=None) -> None:
    audit_record(
        actor=actor, action=action, object_type="risk_db.rule", object_id=str(rule.pk), before=before, after=after
    )


def rule_embedding(*, term: str, context: str) -> tuple[list[float] | None, str]:
    """RK-3: one embedding of term and context through the embedder hook, stored as a unit vector
    rounded to 6 places, with the name of the embedder that made it (MH-2)."""
    text = f"{term}\n{context}".strip()
    if not text:
        return None, ""
    [result] = hooks.embed([text])
    row = [float(x) for x in result.vector]
    norm = math.sqrt(sum(x * x for x in row)) or 1.0
    return [round(x / norm, 6) for x in row], result.embedder[:32]


def rule_create(
    *,
    pattern: str,
    origin_locale: str,
    intent_class: str = "",
    shards=(),
    state: str = State.SHADOW,
    term: str = "",
    context: str = "",
    embedding=None,
    embedder: str = "",
    actor=None,
    now: datetime | None = None,
    made_by: str = "",
    note: str = "",
) -> Rule:
    """RK-3: a rule with its first version, in `state` in each of `shards` (shadow by default, RK-5).
    A shard whose locale is not the origin locale is marked imported (RK-7)."""
    rule_pattern_compile(pattern)
    now = now or timezone.now()
    with transaction.atomic():
        rule = Rule.objects.create(intent_class=intent_class, origin_locale=origin_locale, created_by=actor)
        version = RuleVersion.objects.create(
            rule=rule,
            number=1,
            pattern=pattern,
            intent_class=intent_class,
            term=term,
            context=context,
            embedding=embedding,
            embedder=embedder,
            created_by=actor,
            note=note or "first version",
        )
        rule.current_version = version
        rule.save(update_fields=["current_version"])
        states = RuleShardState.objects.bulk_create(
            [
                RuleShardState(
                    rule=rule,
                    shard=s,
                    state=state,
                    since=now,
                    origin=bool(s.locale_id and s.locale.code == origin_locale),
                    blocking_version=version if state == State.BLOCKING else None,
                )
                for s in shards
            ]
        )
        who = _made_by(actor, made_by)
        RuleTransition.objects.create(
            rule=rule,
            event="version_published",
            version_number=1,
            actor=actor,
            made_by=who,
            reason=note or "first version",
            evidence={"pattern": pattern},
            at=now,
        )
        RuleTransition.objects.bulk_create(
            [
                RuleTransition(
                    rule=rule,
                    shard=s.shard,
                    to_state=s.state,
                    event="created" if s.origin else "propagated",
                    actor=actor,
                    made_by=who,
                    at=now,
                    reason="origin shard" if s.origin else "exported to every shard in shadow only (RK-7)",
                )
                for s in states
            ]
        )
        _audit(
            actor=actor,
            action="rule_created",
            rule=rule,
            after={
                "pattern": pattern,
                "intent_class": intent_class,
                "origin_locale": origin_locale,
                "shards": {s.shard.code: s.state for s in states},
            },
        )
    return rule


def _next_number(rule: Rule) -> int:
    return (rule.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1


def rule_version_publish(
    *,
    rule: Rule,
    actor,
    pattern: str,
    intent_class: str | None = None,
    term: str | None = None,
    context: str | None = None,
    note: str = "",
    now: datetime | None = None,
    check_breadth: bool = True,
) -> RuleVersion:
    """RK-3 / RK-4: an edit publishes a new frozen version (the pattern is checked again); the id stays."""
    now = now or timezone.now()
    if check_breadth:
        rule_pattern_check(pattern=pattern)
    else:
        rule_pattern_compile(pattern)
    with transaction.atomic():
        rule = Rule.objects.select_for_update().get(pk=rule.pk)
        current = rule.current_version
        term = current.term if term is None else term
        context = current.context if context is None else context
        intent = current.intent_class if intent_class is None else intent_class
        if (term, context) == (current.term, current.context):
            embedding, embedder = current.embedding, current.embedder
        else:
            embedding, embedder = rule_embedding(term=term, context=context)
        version = RuleVersion.objects.create(
            rule=rule,
            number=_next_number(rule),
            pattern=pattern,
            intent_class=intent,
            term=term,
            context=context,
            embedding=embedding,
            embedder=embedder,
            created_by=actor,
            note=note or "edited",
        )
        _switch_to(rule=rule, version=version, actor=actor, before=current, event="version_published", now=now)
    return version


def rule_version_restore(*, rule: Rule, number: int, actor, now: datetime | None = None) -> RuleVersion:
    """RK-3: restore any version: its content is published again as a new version (history is never rewritten)."""
    now = now or timezone.now()
    with transaction.atomic():
        rule = Rule.objects.select_for_update().get(pk=rule.pk)
        old = rule.versions.filter(number=number).first()
        if old is None:
            raise TransitionRefused(_("Rule %(pk)s has no version %(number)s.") % {"pk": rule.pk, "number": number})
        current = rule.current_version
        version = RuleVersion.objects.create(
            rule=rule,
            number=_next_number(rule),
            kind=old.kind,
            pattern=old.pattern,
            intent_class=old.intent_class,
            term=old.term,
            context=old.context,
            embedding=old.embedding,
            embedder=old.embedder,
            keyword=old.keyword,
            min_sentiment=old.min_sentiment,
            restored_from=old,
            created_by=actor,
            note=f"restored version {number}",
        )
        _switch_to(rule=rule, version=version, actor=actor, before=current, event="version_restored", now=now)
    return version


def _switch_to(*, rule: Rule, version: RuleVersion, actor, before: RuleVersion, event: str, now: datetime) -> None:
    rule.current_version = version
    rule.intent_class = version.intent_class
    rule.save(update_fields=["current_version", "intent_class"])
    RuleTransition.objects.create(
        rule=rule,
        event=event,
        version_number=version.number,
        actor=actor,
        made_by=_made_by(actor, ""),
        reason=version.note,
        at=now,
        evidence={"pattern": version.pattern, "previous": before.number},
    )
    _audit(
        actor=actor,
        action=f"rule_{event}",
        rule=rule,
        before={"version": before.number, "pattern": before.pattern, "kind": before.kind},
        after={"version": version.number, "pattern": version.pattern, "kind": version.kind},
    )
    _shadow_beside_blocking(rule=rule, version=version, actor=actor, now=now)


def _shadow_beside_blocking(*, rule: Rule, version: RuleVersion, actor, now: datetime) -> None:
    """Issue 13 / RK-5: where the rule blocks, the new version runs in shadow beside the blocking one (which keeps
    blocking) until it passes the graduation test (or a four-eyes promotion); a waiting older one is replaced."""
    states = (
        RuleShardState.objects.select_for_update(of=("self",))
        .filter(rule=rule, state=State.BLOCKING)
        .select_related("shard", "blocking_version", "candidate_version")
    )
    for state in states:
        replaced = state.candidate_version
        state.candidate_version, state.candidate_since = version, now
        state.save(update_fields=["candidate_version", "candidate_since"])
        reason = (
            f"version {version.number} runs in shadow here; version {state.blocking_version.number} keeps blocking "
            "until it graduates"
        )
        if replaced is not None:
            reason += f" (it replaces version {replaced.number}, which was waiting)"
        RuleTransition.objects.create(
            rule=rule,
            shard=state.shard,
            from_state=State.BLOCKING,
            to_state=State.BLOCKING,
            event="version_shadowed",
            version_number=version.number,
            actor=actor,
            made_by=_made_by(actor, ""),
            reason=reason,
            evidence={"blocking": state.blocking_version.number, "shadow": version.number},
            at=now,
        )
        _audit(
            actor=actor,
            action="rule_version_shadowed",
            rule=rule,
            after={
                "shard": state.shard.code,
                "blocking_version": state.blocking_version.number,
                "shadow_version": version.number,
            },
        )


def rule_candidate_settle(
    *,
    state: RuleShardState,
    swap: bool,
    event: str,
    actor=None,
    made_by: str = "",
    reason: str = "",
    evidence: dict | None = None,
    now: datetime | None = None,
) -> RuleShardState:
    """Issue 13: the version waiting in shadow beside a blocking one either replaces it (`swap`: it passed the
    graduation test or a four-eyes promotion) or is dropped there (the blocking version keeps blocking). Audited."""
    now = now or timezone.now()
    with transaction.atomic():
        state = (
            RuleShardState.objects.select_for_update(of=("self",))
            .select_related("rule", "shard", "blocking_version", "candidate_version")
            .get(pk=state.pk)
        )
        if state.state != State.BLOCKING or state.candidate_version is None:
            raise TransitionRefused(
                _("Rule %(rule_id)s has no new version waiting in shadow beside a blocking one in %(code)s.")
                % {"rule_id": state.rule_id, "code": state.shard.code}
            )
        old, new = state.blocking_version, state.candidate_version
        if swap:
            state.blocking_version, state.since = new, now
        state.candidate_version, state.candidate_since, state.evaluated_at = None, None, now
        state.save(update_fields=["blocking_version", "since", "candidate_version", "candidate_since", "evaluated_at"])
        who = _made_by(actor, made_by)
        versions = {"previous": old.number, "new": new.number, "blocking": (new if swap else old).number}
        RuleTransition.objects.create(
            rule=state.rule,
            shard=state.shard,
            from_state=State.BLOCKING,
            to_state=State.BLOCKING,
            event=event,
            version_number=new.number,
            actor=actor,
            made_by=who,
            reason=reason,
            evidence={**(evidence or {}), "versions": versions},
            at=now,
        )
        _audit(
            actor=actor,
            action="rule_version_swapped" if swap else "rule_version_dropped",
            rule=state.rule,
            before={"shard": state.shard.code, "blocking_version": old.number, "shadow_version": new.number},
            after={"shard": state.shard.code, "blocking_version": versions["blocking"], "by": who, "reason": reason},
        )
    log.info("rule %s in %s: version %s %s", state.rule_id, state.shard.code, new.number, event)
    return state


def rule_state_transition(
    *,
    state: RuleShardState,
    to_state: str,
    event: str,
    actor=None,
    made_by: str = "",
    reason: str = "",
    evidence: dict | None = None,
    now: datetime | None = None,
) -> RuleShardState:
    """RK-5..RK-7: move a rule's state in one shard, keeping who or what made the change and why."""
    now = now or timezone.now()
    with transaction.atomic():
        state = (
            RuleShardState.objects.select_for_update(of=("self",))
            .select_related("rule__current_version", "shard", "blocking_version")
            .get(pk=state.pk)
        )
        if to_state not in ALLOWED.get(state.state, set()):
            raise TransitionRefused(
                _("Rule %(rule_id)s is %(state)s in %(code)s; it cannot become %(to_state)s.")
                % {"rule_id": state.rule_id, "state": state.state, "code": state.shard.code, "to_state": to_state}
            )
        before = state.state
        number = (state.blocking_version or state.rule.current_version).number
        state.state, state.since, state.evaluated_at = to_state, now, now
        if to_state != State.SHADOW:
            state.review_requested_at = None
        # The version that blocks here: the current one as it becomes blocking; none once it stops blocking.
        state.blocking_version = state.rule.current_version if to_state == State.BLOCKING else None
        state.candidate_version, state.candidate_since = None, None
        state.save(
            update_fields=[
                "state",
                "since",
                "evaluated_at",
                "review_requested_at",
                "blocking_version",
                "candidate_version",
                "candidate_since",
            ]
        )
        who = _made_by(actor, made_by)
        RuleTransition.objects.create(
            rule=state.rule,
            shard=state.shard,
            from_state=before,
            to_state=to_state,
            event=event,
            version_number=state.rule.current_version.number if to_state == State.BLOCKING else number,
            actor=actor,
            made_by=who,
            reason=reason,
            evidence=evidence or {},
            at=now,
        )
        _audit(
            actor=actor,
            action=f"rule_{event}",
            rule=state.rule,
            before={"shard": state.shard.code, "state": before},
            after={"shard": state.shard.code, "state": to_state, "by": who, "reason": reason},
        )
    log.info("rule %s in %s: %s -> %s (%s)", state.rule_id, state.shard.code, before, to_state, event)
    return state


def rule_soften(
    *, rule: Rule, actor, keyword: str, min_sentiment: float | None = None, now: datetime | None = None
) -> RuleVersion:
    """RK-6: re-issue a reverted rule as keyword + sentiment >= 0.2, so critique (lower sentiment) still flows.
    The softened version goes back to shadow where the rule was reverted (or dropped)."""
    now = now or timezone.now()
    keyword = (keyword or "").strip()
    if not keyword:
        raise TransitionRefused(_("keyword: a softened rule needs a keyword."))
    min_sentiment = settings.RISK_DB["SOFTEN_MIN_SENTIMENT"] if min_sentiment is None else min_sentiment
    reverted = list(rule.shard_states.filter(state__in=[State.REVERTED, State.DROPPED]).select_related("shard__locale"))
    if not rule.shard_states.filter(state=State.REVERTED).exists():
        raise TransitionRefused(
            _("Rule %(pk)s is not reverted in any shard; only a reverted rule is softened (RK-6).") % {"pk": rule.pk}
        )
    uncovered = sorted(
        {s.shard.code for s in reverted if not (s.shard.locale_id and hooks.sentiment_covers(s.shard.locale.language))}
    )
    if uncovered:
        # Issue 13: a keyword + sentiment rule in a language the hook cannot read would never fire.
        name = hooks.hook("SENTIMENT").name
        raise TransitionRefused(
            _(
                "keyword: softening is refused for %(locales)s: the sentiment model '%(model)s' does not read "
                "that language, so a softened rule could never fire there (RK-6). Keep the rule reverted, or "
                "publish a narrower pattern."
            )
            % {"locales": ", ".join(uncovered), "model": name}
        )
    pattern = re2.escape(keyword)
    with transaction.atomic():
        locked = Rule.objects.select_for_update().get(pk=rule.pk)
        current = locked.current_version
        version = RuleVersion.objects.create(
            rule=locked,
            number=_next_number(locked),
            kind=RuleVersion.Kind.KEYWORD_SENTIMENT,
            pattern=pattern,
            keyword=keyword,
            min_sentiment=min_sentiment,
            intent_class=current.intent_class,
            term=current.term,
            context=current.context,
            embedding=current.embedding,
            embedder=current.embedder,
            created_by=actor,
            note=f"softened: keyword {keyword!r} + sentiment >= {min_sentiment}",
        )
        _switch_to(rule=locked, version=version, actor=actor, before=current, event="softened", now=now)
        for state in reverted:
            rule_state_transition(
                state=state, to_state=State.SHADOW, event="reissued_softened", actor=actor, reason=version.note, now=now
            )
    return version


def rule_version_matches(*, version: RuleVersion, text: str) -> bool:
    """Whether one version matches a text: its regex, and for a softened version the sentiment floor (RK-6)."""
    try:
        compiled = rule_pattern_compile(version.pattern)
    except PatternRejected:
        return False  # a stored pattern RE2 refuses could only get there by hand
    if not compiled.search(match_text(text)):
        return False
    if version.kind == RuleVersion.Kind.KEYWORD_SENTIMENT:
        return float(hooks.sentiment(text)) >= (version.min_sentiment or 0.0)
    return True


def rules_matching_text(*, text: str, locale: str, states: tuple[str, ...] = (State.BLOCKING,)) -> list[Rule]:
    """Rules in one of `states` in the shard of `locale` whose current version matches `text`
    (used by the verifier queue: defer-to-rule, VQ-3, and clear-rule hits in degraded pools, SH-1)."""
    found: dict[int, Rule] = {}
    rows = (
        RuleShardState.objects.filter(shard__locale__code=locale, state__in=states)
        .select_related("rule__current_version", "blocking_version")
        .order_by("rule_id")
    )
    for row in rows:
        # Issue 13: where it blocks, the blocking version (a newer one may be waiting in shadow).
        version = row.blocking_version if row.state == State.BLOCKING else row.rule.current_version
        if row.rule_id not in found and rule_version_matches(version=version, text=text):
            found[row.rule_id] = row.rule
    return list(found.values())
