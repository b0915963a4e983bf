"""AP-1..AP-5: tiered appeals.

Tier 1: 2-3 random peers from other subgroups review blind; majority decides, a tie keeps the original.
Tier 2: a senior of the locale answers a structured form (norm aligned? + the code or rule cited).
Tier 3: a panel (one senior, two verifiers of opposing subgroups) whose votes weigh by kappa. Final.
While an appeal is open the original ruling stands and training goes on (AP-5); a reversal changes
the case's decision and is re-exported as a correction micro-batch item at ~1 % weight.
"""

import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import live
from core.audit import audit_record
from core.errors import Refused
from core.models import User
from core.texts import feed_message
from training.services.retractions import sample_retract_on_reversal
from training.services.reversals import reexport_record
from verifier import extensions
from verifier.models import Appeal, AppealReview, Case, Ruling
from verifier.services.rulings import case_accepts_delta

_rng = random.SystemRandom()
OPPOSITE = {"yes": "no", "no": "yes"}


# ---- who may sit where ----------------------------------------------------------------------


def _pool_verifiers(case: Case):
    """Verifiers of the case's shard pool; native-only cases (SH-3) stay inside the native pool."""
    qs = User.objects.filter(
        role=User.Role.VERIFIER,
        is_active=True,
        memberships__shard_id=case.shard_id,
        memberships__active=True,
        memberships__under_contract=True,
    )
    if case.native_only:
        qs = qs.filter(memberships__native=True)
    return qs.distinct()


def _seniors_of(case: Case):
    qs = User.objects.filter(
        role=User.Role.SENIOR, is_active=True, memberships__shard_id=case.shard_id, memberships__active=True
    )
    if case.native_only:
        qs = qs.filter(memberships__native=True)
    return qs.distinct()


def _parties(appeal: Appeal) -> set[int]:
    """The appellant and everyone who ruled on the case never review it."""
    ruled = set(Ruling.objects.filter(case_id=appeal.ruling.case_id).values_list("verifier_id", flat=True))
    return ruled | {appeal.appellant_id}


def appeal_peers_pick(*, appeal: Appeal) -> list[User]:
    """AP-2: random peers from subgroups other than the ruling verifier's (and the appellant's)."""
    case, ruled_by = appeal.ruling.case, appeal.ruling.verifier
    other = {ruled_by.sub_locale, appeal.appellant.sub_locale}
    pool = [u for u in _pool_verifiers(case).exclude(pk__in=_parties(appeal)) if u.sub_locale not in other]
    n = min(settings.APPEALS["TIER1_PEERS"], len(pool))
    return _rng.sample(pool, n)


def appeal_senior_pick(*, appeal: Appeal, exclude: set[int] = frozenset()) -> User | None:
    """AP-3: a senior of the case's locale; with none in that pool, any senior (the page says so)."""
    skip = _parties(appeal) | set(exclude)
    local = list(_seniors_of(appeal.ruling.case).exclude(pk__in=skip))
    if local:
        return _rng.choice(local)
    anyone = list(User.objects.filter(role=User.Role.SENIOR, is_active=True).exclude(pk__in=skip))
    return _rng.choice(anyone) if anyone else None


def appeal_panel_pick(*, appeal: Appeal) -> list[tuple[User, str]]:
    """AP-4: one senior and two verifiers whose subgroups differ from each other."""
    earlier = set(appeal.reviews.values_list("reviewer_id", flat=True))
    senior = appeal_senior_pick(appeal=appeal, exclude=earlier) or appeal_senior_pick(appeal=appeal)
    pool = list(_pool_verifiers(appeal.ruling.case).exclude(pk__in=_parties(appeal)))
    _rng.shuffle(pool)
    pool.sort(key=lambda u: u.pk in earlier)  # prefer people who have not seen the appeal yet
    chosen: list[User] = []
    for user in pool:
        if all(user.sub_locale != c.sub_locale for c in chosen):
            chosen.append(user)
        if len(chosen) == settings.APPEALS["PANEL_VERIFIERS"]:
            break
    if senior is None or len(chosen) < settings.APPEALS["PANEL_VERIFIERS"]:
        return []
    return [(senior, AppealReview.Seat.PANEL_SENIOR)] + [(u, AppealReview.Seat.PANEL_VERIFIER) for u in chosen]


def _kappa_weight(user: User) -> Decimal:
    score = extensions.verifier_kappa_latest(user=user)  # kappa is the quality app's (verifier.extensions)
    if score is None:
        return settings.APPEALS["PANEL_DEFAULT_KAPPA"]
    return max(score.effective, Decimal("0"))


# ---- opening an appeal -------------------------------------------------------------------


def appeal_open(*, user: User, ruling: Ruling, reason: str, now: datetime | None = None) -> Appeal:
    """AP-1: a verifier disputes their own ruling or one that overrules theirs, within 24 h,
    with a reason. AP-2: taboo (high-risk) appeals skip tier 1."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise Refused("invalid", _("reason: say in a sentence why the ruling is wrong."), 400, field="reason")
    case = ruling.case
    own = ruling.verifier_id == user.pk
    overruled = Ruling.objects.filter(case=case, verifier=user).exists()
    if not (own or overruled):
        raise Refused("not_found", _("No such ruling."), 404)
    window = timedelta(hours=settings.APPEALS["WINDOW_HOURS"])
    if now - ruling.at > window:
        raise Refused(
            "appeal_window_closed",
            _("Rulings can be appealed for %(WINDOW_HOURS)s hours; this one was made %(at)s UTC.")
            % {"WINDOW_HOURS": settings.APPEALS["WINDOW_HOURS"], "at": format(ruling.at, "%Y-%m-%d %H:%M")},
            409,
        )
    if Appeal.objects.filter(ruling=ruling).exists():
        raise Refused("already_appealed", _("This ruling has already been appealed."), 409)
    try:
        with transaction.atomic():
            appeal = Appeal.objects.create(
                ruling=ruling,
                appellant=user,
                reason=reason,
                high_risk=case.is_taboo,
                tier=1,
                original_answer=ruling.answer,
                final_answer=ruling.answer,
                opened_at=now,
            )
            tier = 2 if case.is_taboo else 1
            note = "high-risk (taboo) appeal goes straight to tier 2" if case.is_taboo else ""
            if tier == 1:
                peers = appeal_peers_pick(appeal=appeal)
                if len(peers) < settings.APPEALS["TIER1_MIN_PEERS"]:
                    tier, note = 2, f"only {len(peers)} peer(s) from other subgroups: tier 2"
                else:
                    AppealReview.objects.bulk_create(
                        [AppealReview(appeal=appeal, tier=1, seat=AppealReview.Seat.PEER, reviewer=p) for p in peers]
                    )
            if tier == 2:
                _seat_tier_two(appeal=appeal)
            audit_record(
                actor=user,
                action="appeal_open",
                obj=appeal,
                after={
                    "ruling_id": str(ruling.public_id),
                    "tier": appeal.tier,
                    "reason": reason,
                    "note": note,
                    "reviewers": list(appeal.reviews.values_list("reviewer__username", flat=True)),
                },
            )
    except IntegrityError:
        raise Refused("already_appealed", _("This ruling has already been appealed."), 409)
    return appeal


def _seat_tier_two(*, appeal: Appeal) -> None:
    appeal.tier = 2
    appeal.save(update_fields=["tier"])
    senior = appeal_senior_pick(appeal=appeal)
    if senior is None:
        raise Refused("no_reviewer", _("No senior reviewer is available for this appeal."), 409)
    AppealReview.objects.create(appeal=appeal, tier=2, seat=AppealReview.Seat.SENIOR, reviewer=senior)
    _feed(
        feed_message("appeal_tier2", senior=senior.username, shard=appeal.ruling.case.shard.code),
        case=appeal.ruling.case,
    )


def _feed(message: dict, *, case: Case) -> None:
    """VQ-8: new appeal work shows up in the live feed of the case's shard's seniors (after the commit)."""
    live.feed_item({"kind": "appeal", **message}, shard_id=case.shard_id, native_only=case.native_only)


# ---- voting and deciding ---------------------------------------------------------------------


def appeal_vote(
    *,
    user: User,
    appeal: Appeal,
    vote: str = "",
    norm_aligned: bool | None = None,
    cited_rule: str = "",
    now: datetime | None = None,
) -> AppealReview:
    """AP-2..AP-4: a reviewer casts their one vote at the appeal's current tier.

    Tier 2 takes the structured form instead: norm aligned (the ruling follows the norm, so it is
    upheld) or not (overturned), plus the code or rule cited."""
    now = now or timezone.now()
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().select_related("ruling__case").get(pk=appeal.pk)
        if appeal.ruling.verifier_id == user.pk or appeal.appellant_id == user.pk:
            raise Refused("own_ruling", _("You cannot review an appeal of your own ruling."), 403)
        seat = AppealReview.objects.select_for_update().filter(appeal=appeal, tier=appeal.tier, reviewer=user).first()
        if seat is None:
            raise Refused("not_a_reviewer", _("You are not a reviewer of this appeal at its current tier."), 403)
        if appeal.status != Appeal.Status.OPEN:
            raise Refused("appeal_decided", _("This appeal has already been decided."), 409)
        if seat.vote:
            raise Refused("already_voted", _("You have already voted on this appeal."), 409)
        if appeal.tier == 2:
            if norm_aligned is None:
                raise Refused("invalid", _("norm_aligned: answer yes or no."), 400, field="norm_aligned")
            cited_rule = (cited_rule or "").strip()
            if not cited_rule:
                raise Refused(
                    "invalid", _("cited_rule: cite the code or rule the decision rests on."), 400, field="cited_rule"
                )
            vote = AppealReview.Vote.UPHOLD if norm_aligned else AppealReview.Vote.OVERTURN
            seat.norm_aligned, seat.cited_rule = norm_aligned, cited_rule
        elif vote not in (AppealReview.Vote.UPHOLD, AppealReview.Vote.OVERTURN):
            raise Refused("invalid", _('vote: must be "uphold" or "overturn".'), 400, field="vote")
        if appeal.tier == 3:
            seat.weight = _kappa_weight(user)
        seat.vote, seat.voted_at = vote, now
        seat.save(update_fields=["vote", "voted_at", "weight", "norm_aligned", "cited_rule"])
        audit_record(
            actor=user,
            action="appeal_vote",
            obj=appeal,
            after={
                "tier": appeal.tier,
                "vote": vote,
                "weight": str(seat.weight),
                "norm_aligned": norm_aligned,
                "cited_rule": cited_rule,
            },
        )
        _appeal_try_decide(appeal=appeal, now=now)
    return seat


def appeal_tally(*, appeal: Appeal) -> tuple[str | None, Decimal, Decimal]:
    """(outcome or None while undecided, uphold weight, overturn weight) for the current tier."""
    seats = list(appeal.reviews.filter(tier=appeal.tier))
    weigh = appeal.tier == 3
    uphold = sum((s.weight if weigh else Decimal(1) for s in seats if s.vote == "uphold"), Decimal(0))
    overturn = sum((s.weight if weigh else Decimal(1) for s in seats if s.vote == "overturn"), Decimal(0))
    pending = [s for s in seats if not s.vote]
    if appeal.tier == 1 and pending:
        # A majority of the seats decides early; otherwise wait for every peer.
        if overturn * 2 > len(seats):
            return Appeal.Outcome.REVERSED, uphold, overturn
        if uphold * 2 > len(seats):
            return Appeal.Outcome.UPHELD, uphold, overturn
        return None, uphold, overturn
    if pending or not seats:
        return None, uphold, overturn
    # A tie keeps the original ruling (AP-2); so does an even weighted panel.
    return (Appeal.Outcome.REVERSED if overturn > uphold else Appeal.Outcome.UPHELD), uphold, overturn


def _appeal_try_decide(*, appeal: Appeal, now: datetime) -> None:
    outcome, uphold, overturn = appeal_tally(appeal=appeal)
    if outcome is None:
        return
    before = {"status": appeal.status, "tier": appeal.tier, "answer_in_force": appeal.final_answer}
    new_answer = appeal.original_answer if outcome == Appeal.Outcome.UPHELD else OPPOSITE[appeal.original_answer]
    changed = new_answer != appeal.final_answer
    appeal.status, appeal.outcome, appeal.decided_at = Appeal.Status.DECIDED, outcome, now
    appeal.final = appeal.tier == 3
    appeal.final_answer = new_answer
    appeal.save(update_fields=["status", "outcome", "decided_at", "final", "final_answer"])
    if changed:
        _apply_answer(appeal=appeal, answer=new_answer, now=now)
    audit_record(
        actor=None,
        action="appeal_decide",
        obj=appeal,
        before=before,
        after={
            "tier": appeal.tier,
            "outcome": outcome,
            "answer_in_force": new_answer,
            "uphold_weight": str(uphold),
            "overturn_weight": str(overturn),
            "final": appeal.final,
        },
    )


def _apply_answer(*, appeal: Appeal, answer: str, now: datetime) -> None:
    """AP-5: the decision takes effect and training hears about it through a ~1 % weight item.
    Only the deciding (first) ruling of a case reaches training; an overlap seat's ruling only
    measures agreement (VQ-5), so reversing it changes neither the case nor the export."""
    case = Case.objects.select_for_update().get(pk=appeal.ruling.case_id)
    deciding = Ruling.objects.filter(case=case).order_by("at", "id").first()
    if deciding is None or deciding.pk != appeal.ruling_id:
        return
    before = case.decision
    Case.objects.filter(pk=case.pk).update(decision=answer)
    audit_record(
        actor=None,
        action="case_decision_changed_by_appeal",
        obj=case,
        before={"decision": before},
        after={"decision": answer, "appeal_id": str(appeal.public_id)},
    )
    if extensions.case_is_blind_flip(case=case):
        return  # a blind-audit paraphrase sits under a fake post id: it never reaches training (CA-3)
    accepts = case_accepts_delta(case=case, answer=answer)
    reexport_record(
        appeal=appeal, tier=appeal.tier, case=case, accepts=accepts, weight=settings.APPEALS["REEXPORT_WEIGHT"], now=now
    )
    if not accepts:  # the delta it trained on is now rejected: its sample is tombstoned (AP-5 retraction)
        sample_retract_on_reversal(case=case, detail=f"appeal {appeal.public_id}", now=now)


def appeal_escalate(*, user: User, appeal: Appeal, now: datetime | None = None) -> Appeal:
    """AP-3/AP-4: a party takes a decided appeal one tier up, within the escalation window.
    Tier 3 is final."""
    now = now or timezone.now()
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().select_related("ruling__case").get(pk=appeal.pk)
        if user.pk not in (appeal.appellant_id, appeal.ruling.verifier_id):
            raise Refused("not_found", _("No such appeal."), 404)
        if appeal.status != Appeal.Status.DECIDED:
            raise Refused("appeal_pending", _("This appeal is still being reviewed at its tier."), 409)
        if appeal.final or appeal.tier == 3:
            raise Refused("appeal_final", _("The tier-3 panel's decision is final."), 409)
        if now - appeal.decided_at > timedelta(hours=settings.APPEALS["ESCALATE_WINDOW_HOURS"]):
            raise Refused(
                "escalation_window_closed",
                _("A decision can be taken further for %(ESCALATE_WINDOW_HOURS)s hours.")
                % {"ESCALATE_WINDOW_HOURS": settings.APPEALS["ESCALATE_WINDOW_HOURS"]},
                409,
            )
        before = {"tier": appeal.tier, "outcome": appeal.outcome}
        appeal.status, appeal.outcome = Appeal.Status.OPEN, ""
        appeal.save(update_fields=["status", "outcome"])
        if appeal.tier == 1:
            _seat_tier_two(appeal=appeal)
        else:
            panel = appeal_panel_pick(appeal=appeal)
            if not panel:
                raise Refused(
                    "no_reviewer",
                    _("No panel of one senior and two verifiers of different subgroups can be formed for this appeal."),
                    409,
                )
            appeal.tier = 3
            appeal.save(update_fields=["tier"])
            AppealReview.objects.bulk_create(
                [
                    AppealReview(appeal=appeal, tier=3, seat=seat, reviewer=member, weight=_kappa_weight(member))
                    for member, seat in panel
                ]
            )
            _feed(feed_message("appeal_tier3", shard=appeal.ruling.case.shard.code), case=appeal.ruling.case)
        audit_record(actor=user, action="appeal_escalate", obj=appeal, before=before, after={"tier": appeal.tier})
    return appeal
