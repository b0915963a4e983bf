"""Risk DB pages (HTMX, server-rendered, keyboard usable): the daily feed, the weekly review, rules,
a rule's page, and the verifier's "New taboo" form. Views parse, authorise and call one service."""

import re2
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import Refused
from core.models import User
from core.permissions import role_required
from risk_db import selectors, services
from risk_db.models import Rule, RuleShardState, TabooCandidate
from risk_db.services.lifecycle import graduation_evidence
from risk_db.services.patterns import __doc__ as PATTERN_HELP
from shards.models import Locale
from shards.services.fence import taboo_read_record, taboo_reads_of_cases_record
from verifier.selectors import case_get_visible

SENIORS = (User.Role.SENIOR, User.Role.ADMIN)


@role_required(*SENIORS)
def feed_page(request):
    """RK-1: the daily feed: every open nomination, what waits for review, what expired lately."""
    context = {
        "open": list(selectors.taboo_candidates(status=TabooCandidate.Status.FEED, user=request.user)),
        "review": list(selectors.taboo_candidates(status=TabooCandidate.Status.REVIEW, user=request.user)),
        "expired": list(selectors.taboo_candidates(status=TabooCandidate.Status.EXPIRED, limit=50, user=request.user)),
    }
    _nomination_reads_record(request, "risk_feed", [c for group in context.values() for c in group])
    return render(request, "risk_db/feed.html", context)


def _nomination_reads_record(request, what: str, candidates) -> None:
    """Issue 11: an admin outside a pool shown nominations made on its taboo cases is audited."""
    taboo_reads_of_cases_record(
        user=request.user, what=what, cases=[n.case for c in candidates for n in c.nominations.all()]
    )


def _suggested_pattern(candidate) -> str:
    first = candidate.nominations.all()[0] if candidate.nominations.all() else None
    return re2.escape(first.term if first else candidate.token)


@role_required(*SENIORS)
def review_page(request):
    """RK-2 / RK-3: the weekly review: approve (with the pattern edited as needed) or reject."""
    candidates = list(selectors.taboo_candidates(status=TabooCandidate.Status.REVIEW, user=request.user))
    _nomination_reads_record(request, "risk_review", candidates)
    for c in candidates:
        c.suggested = _suggested_pattern(c)
        c.first_locale = c.nominations.all()[0].locale if c.nominations.all() else ""
    return render(
        request,
        "risk_db/review.html",
        {"candidates": candidates, "help": PATTERN_HELP, "locales": Locale.objects.order_by("code")},
    )


def _candidate_fragment(request, candidate, message="", error="", field=""):
    candidate = selectors.taboo_candidate_get(pk=candidate.pk, user=request.user)
    candidate.suggested = request.POST.get("pattern") or _suggested_pattern(candidate)
    candidate.first_locale = request.POST.get("origin_locale", "")
    return render(
        request,
        "risk_db/_candidate.html",
        {
            "c": candidate,
            "message": message,
            "error": error,
            "field": field,
            "locales": Locale.objects.order_by("code"),
        },
    )


@require_POST
@role_required(User.Role.SENIOR)
def review_backtest(request, candidate_id):
    """Issue 13: the candidate pattern's backtest, shown beside the approval form before approving."""
    get_object_or_404(selectors.taboo_candidates_seen(user=request.user), pk=candidate_id)  # behind the fence
    pattern = request.POST.get("pattern", "")
    try:
        result, error = selectors.pattern_backtest(pattern=pattern, user=request.user), ""
    except services.PatternRejected as exc:
        result, error = None, str(exc)
    return render(request, "risk_db/_backtest.html", {"backtest": result, "error": error, "pattern": pattern})


@require_POST
@role_required(User.Role.SENIOR)
def review_approve(request, candidate_id):
    candidate = get_object_or_404(selectors.taboo_candidates_seen(user=request.user), pk=candidate_id)
    try:
        rule = services.taboo_candidate_approve(
            candidate=candidate,
            actor=request.user,
            pattern=request.POST.get("pattern", ""),
            intent_class=request.POST.get("intent_class", ""),
            origin_locale=request.POST.get("origin_locale", ""),
        )
    except Refused as exc:
        return _candidate_fragment(request, candidate, error=exc.detail, field=exc.field)
    except services.PatternRejected as exc:
        return _candidate_fragment(request, candidate, error=str(exc), field="pattern")
    return _candidate_fragment(
        request, candidate, message=f"Approved as rule {rule.pk}: shadow in every shard for now."
    )


@require_POST
@role_required(User.Role.SENIOR)
def review_reject(request, candidate_id):
    candidate = get_object_or_404(selectors.taboo_candidates_seen(user=request.user), pk=candidate_id)
    try:
        services.taboo_candidate_reject(candidate=candidate, actor=request.user, reason=request.POST.get("reason", ""))
    except Refused as exc:
        return _candidate_fragment(request, candidate, error=exc.detail)
    return _candidate_fragment(request, candidate, message="Rejected.")


@role_required(*SENIORS)
def rules_page(request):
    return render(
        request,
        "risk_db/rules.html",
        {
            "rules": selectors.rules_fenced(rules=selectors.rules_overview(), user=request.user),
            "readiness": selectors.rules_index_readiness(),
        },
    )


@role_required(*SENIORS)
def rule_page(request, rule_id, message: str = "", error: str = "", status: int = 200):
    """A rule: versions (restorable), per-shard states with their history, would-hit rate and evidence charts.
    Issue 11: a native-only locale's rule shows its words only inside that locale's native pool (masked
    for everyone else, who still see its states and evidence)."""
    rule = selectors.rule_detail_for(rule_id=rule_id, user=request.user)
    if rule is None:
        raise Http404("No such rule.")
    if selectors.rule_words_native_only(rule=rule):  # issue 11: an admin outside the pool reading it is audited
        taboo_read_record(user=request.user, what="rule_page", obj=rule, locale=rule.origin_locale)
    states = sorted(rule.shard_states.all(), key=lambda s: (not s.origin, s.shard.code))
    counts = dict(rule.verify_items.values_list("shard_id").annotate(n=Count("id")).values_list("shard_id", "n"))
    live = selectors.rule_live_rates(rule=rule)
    now = timezone.now()
    for s in states:
        s.verify_items = counts.get(s.shard_id, 0)
        s.live = live.get(s.shard_id)
        if s.candidate_version_id:  # issue 13: the new version's own evidence while the previous one blocks
            s.candidate_evidence = graduation_evidence(state=s, now=now, version=s.candidate_version)
    return render(
        request,
        "risk_db/rule.html",
        {
            "rule": rule,
            "versions": sorted(rule.versions.all(), key=lambda v: -v.number),
            "states": states,
            "history": list(rule.transitions.all()),
            "charts": selectors.rule_charts(rule=rule),
            "reverted": any(s.state == RuleShardState.State.REVERTED for s in states),
            "message": message,
            "error": error,
            "help": PATTERN_HELP,
        },
        status=status,
    )


def _rule_or_404(rule_id) -> Rule:
    return get_object_or_404(Rule.objects.select_related("current_version"), pk=rule_id)


def _words_refused(request, rule: Rule):
    """Issue 11: changing a rule's words (edit, restore, soften) needs seeing them: outside the origin
    locale's native pool, 403 with the page and the reason."""
    if selectors.rule_words_visible(rule=rule, user=request.user):
        return None
    return rule_page(request, rule.pk, error=_words_hidden_message(rule), status=403)


def _words_hidden_message(rule: Rule) -> str:
    return _("Only natives of %(locale)s may change this rule's words.") % {"locale": rule.origin_locale}


@require_POST
@role_required(User.Role.SENIOR)
def rule_edit(request, rule_id):
    rule = _rule_or_404(rule_id)
    if (refused := _words_refused(request, rule)) is not None:
        return refused
    try:
        version = services.rule_version_publish(
            rule=rule,
            actor=request.user,
            pattern=request.POST.get("pattern", ""),
            intent_class=request.POST.get("intent_class") or None,
            note=request.POST.get("note", ""),
        )
    except services.PatternRejected as exc:
        return rule_page(request, rule_id, error=str(exc))
    return rule_page(request, rule_id, message=f"Published version {version.number}.")


@require_POST
@role_required(User.Role.SENIOR)
def rule_restore(request, rule_id, number):
    rule = _rule_or_404(rule_id)
    if (refused := _words_refused(request, rule)) is not None:
        return refused
    try:
        version = services.rule_version_restore(rule=rule, number=number, actor=request.user)
    except services.TransitionRefused as exc:
        return rule_page(request, rule_id, error=str(exc))
    return rule_page(request, rule_id, message=f"Version {number} restored as version {version.number}.")


@require_POST
@role_required(User.Role.SENIOR)
def rule_soften(request, rule_id):
    rule = _rule_or_404(rule_id)
    if (refused := _words_refused(request, rule)) is not None:
        return refused
    try:
        version = services.rule_soften(rule=rule, actor=request.user, keyword=request.POST.get("keyword", ""))
    except services.TransitionRefused as exc:
        return rule_page(request, rule_id, error=str(exc))
    return rule_page(
        request, rule_id, message=f"Softened as version {version.number}; back in shadow where it was reverted."
    )


@require_POST
@role_required(User.Role.SENIOR)
def rule_promote(request, rule_id, shard_code):
    state = get_object_or_404(
        RuleShardState.objects.select_related("rule", "shard"), rule_id=rule_id, shard__code=shard_code
    )
    try:
        services.rule_shard_promote(state=state, actor=request.user)
    except (services.EvidenceMissing, services.TransitionRefused) as exc:
        return rule_page(request, rule_id, error=f"Not promoted in {shard_code}: {exc}.")
    return rule_page(request, rule_id, message=f"Blocking in {shard_code}.")


@require_POST
@role_required(User.Role.SENIOR)
def rule_verify_item(request, rule_id, shard_code):
    """RK-7: add a local post to an importing shard's verify set."""
    state = get_object_or_404(
        RuleShardState.objects.select_related("rule", "shard"), rule_id=rule_id, shard__code=shard_code
    )
    try:
        services.local_verify_item_add(
            state=state,
            actor=request.user,
            text=request.POST.get("text", ""),
            should_block=request.POST.get("should_block", "yes") == "yes",
        )
    except services.TransitionRefused as exc:
        return rule_page(request, rule_id, error=str(exc))
    return rule_page(request, rule_id, message=f"Verify item added in {shard_code}.")


@role_required(User.Role.VERIFIER)
def nominate(request, case_id):
    """RK-1: the "New taboo" form on a case (GET: the form; POST: nominate)."""
    case = case_get_visible(user=request.user, public_id=case_id)
    if case is None:
        raise Http404("No such case.")
    context = {"case": case, "term": "", "context": "", "error": "", "field": ""}
    if request.method == "POST":
        try:
            nomination = services.taboo_nominate(
                user=request.user, case=case, term=request.POST.get("term", ""), context=request.POST.get("context", "")
            )
        except Refused as exc:
            context.update(
                term=request.POST.get("term", ""),
                context=request.POST.get("context", ""),
                error=exc.detail,
                field=exc.field,
            )
            return render(request, "risk_db/_nominate.html", context)
        return render(request, "risk_db/_nominate.html", {**context, "done": nomination})
    return render(request, "risk_db/_nominate.html", context)
