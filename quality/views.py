"""HTMX pages for calibration, audits and pay. Thin: parse, call a service, redirect with a message.

Forms post and redirect (they work without JavaScript); the page containers carry hx-boost so htmx
swaps them in place. Every refusal is shown in words, nothing is changed by a refused action.
"""

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import Refused
from core.models import User
from core.pages import attempt_with_message
from core.permissions import role_required
from quality import selectors as sq
from quality.models import (
    CalibrationSet,
    ExternalAuditItem,
    KappaScore,
    Payout,
    PayRun,
    Rationale,
    RetrainFlag,
)
from quality.services.audits import (
    blind_audit_edit_flip,
    drift_report_build,
    external_audit_answer,
    quality_month_close,
    rationale_write,
)
from quality.services.calibration import calibration_answers_submit
from quality.services.pay import contract_set, pay_run_execute, payout_release, payroll_csv
from quality.services.periods import month_previous, month_start, parse_month
from shards.models import Shard
from shards.services.fence import taboo_read_record

V, S, A = User.Role.VERIFIER, User.Role.SENIOR, User.Role.ADMIN


def _month_param(request, default: date) -> date:
    try:
        return parse_month(request.GET.get("month") or request.POST.get("month") or "")
    except ValueError:
        return default


# ---- calibration (CA-1, CA-4) ------------------------------------------------------------------


@role_required(V)
def calibration_page(request):
    sets = [
        sq.calibration_set_view(calibration_set=s, user=request.user)
        for s in sq.calibration_sets_open(user=request.user)
    ]
    return render(request, "quality/calibration.html", {"sets": sets})


@require_POST
@role_required(V)
def calibration_submit(request, set_id):
    cset = get_object_or_404(CalibrationSet, public_id=set_id)
    answers = {int(k.split("_", 1)[1]): v for k, v in request.POST.items() if k.startswith("item_")}
    result = attempt_with_message(
        request,
        calibration_answers_submit,
        _("Calibration submitted."),
        user=request.user,
        calibration_set=cset,
        answers=answers,
        note=request.POST.get("note", ""),
    )
    if result:
        messages.info(
            request,
            _("%(correct)s of %(total)s match the reference answers.")
            % {"correct": result["correct"], "total": result["total"]},
        )
    return redirect("calibration")


# ---- audits (CA-3, CA-5) and rationales (CA-8) ------------------------------------------------------


@role_required(S, A)
def audits_page(request):
    month = month_start(timezone.now())
    audits = list(sq.blind_audits_visible(user=request.user, month=month))
    if request.user.role == A:  # issue 11: an admin reading native-only flip pairs is audited
        for audit, items in sq.blind_audit_native_only_items(audits=audits).items():
            taboo_read_record(
                user=request.user, what="blind_audit_items", obj=audit, shard_id=audit.shard_id, detail={"items": items}
            )
    return render(
        request,
        "quality/audits.html",
        {
            "audits": [sq.blind_audit_view(audit=a, user=request.user) for a in audits],
            "external": sq.external_items_pending(user=request.user),
            "flags": RetrainFlag.objects.filter(resolved_at__isnull=True)
            .select_related("verifier", "shard")
            .order_by("-created_at")[:50],
            "can_edit": request.user.role == S,
        },
    )


@require_POST
@role_required(S)
def flip_edit(request, item_id):
    item = sq.blind_audit_item_for(user=request.user, public_id=item_id)
    if item is None:
        raise Http404
    attempt_with_message(
        request,
        blind_audit_edit_flip,
        _("Flip saved."),
        user=request.user,
        item=item,
        post_text=request.POST.get("post_text", ""),
        proposal=request.POST.get("proposal"),
    )
    return redirect("audits")


@require_POST
@role_required(S)
def external_answer(request, item_id):
    item = get_object_or_404(ExternalAuditItem, pk=item_id)
    attempt_with_message(
        request,
        external_audit_answer,
        _("Answer recorded."),
        user=request.user,
        item=item,
        answer=request.POST.get("answer", ""),
    )
    return redirect("audits")


@role_required(V)
def rationales_page(request):
    return render(request, "quality/rationales.html", {"rationales": sq.rationales_pending(user=request.user)})


@require_POST
@role_required(V)
def rationale_submit(request, rationale_id):
    rationale = get_object_or_404(Rationale, pk=rationale_id)
    attempt_with_message(
        request,
        rationale_write,
        _("Reason saved."),
        user=request.user,
        rationale=rationale,
        sentence=request.POST.get("sentence", ""),
    )
    return redirect("rationales")


# ---- admin: quality charts and pay (CA-6, CA-7) --------------------------------------------------------


@role_required(S, A)
def quality_page(request):
    month = _month_param(request, month_previous(month_start(timezone.now())))
    return render(
        request,
        "quality/quality.html",
        {
            "month": month,
            "charts": {
                "kappa": sq.chart_kappa_trend(),
                "pools": sq.chart_pool_headcounts(),
                "drift": sq.chart_subgroup_deltas(month=month),
            },
            "kappas": KappaScore.objects.filter(month=month).select_related("verifier").order_by("verifier__username"),
            "flags": RetrainFlag.objects.filter(resolved_at__isnull=True).select_related("verifier", "shard")[:50],
            "gold": sq.gold_supply(),
        },
    )


@require_POST
@role_required(A)
def quality_close_view(request):
    """Admin: compute the month's kappa, apply its blind audits and build its drift reports now
    (the beat does this on the 1st; rerunning is safe)."""
    try:
        month = parse_month(request.POST.get("month", ""))
    except ValueError as error:
        messages.error(request, str(error))
        return redirect("quality")
    result = quality_month_close(month=month)
    for shard in Shard.objects.filter(kind=Shard.Kind.LOCALE):
        drift_report_build(shard=shard, month=month)
    messages.success(
        request,
        _("%(month)s: kappa for %(kappas)s verifier(s), %(count)s blind audit(s) evaluated, drift reports rebuilt.")
        % {"month": format(month, "%B %Y"), "kappas": result["kappas"], "count": len(result["audits"])},
    )
    return redirect(f"/quality/?month={month:%Y-%m}")


@role_required(A)
def pay_page(request):
    month = _month_param(request, month_previous(month_start(timezone.now())))
    run = PayRun.objects.filter(month=month).first()
    return render(
        request,
        "quality/pay.html",
        {
            "month": month,
            "run": run,
            "payouts": run.payouts.select_related("verifier", "released_by").order_by("verifier__username")
            if run
            else [],
            "chart": sq.chart_payouts(run=run),
            "verifiers": User.objects.filter(role=V).order_by("username"),
            "runs": PayRun.objects.order_by("-month")[:12],
        },
    )


@require_POST
@role_required(A)
def pay_run_view(request):
    try:
        month = parse_month(request.POST.get("month", ""))
    except ValueError as error:
        messages.error(request, str(error))
        return redirect("pay")
    try:
        run, created = pay_run_execute(month=month, actor=request.user)
    except Refused as refusal:
        messages.error(request, refusal.detail)
    else:
        messages.success(
            request,
            f"Pay run for {month:%B %Y} " + ("done." if created else "had already been done; nothing was paid twice."),
        )
    return redirect(f"/pay/?month={month:%Y-%m}")


@role_required(A)
def payroll_csv_view(request, month):
    try:
        run = PayRun.objects.filter(month=parse_month(month)).first()
    except ValueError:
        run = None
    if run is None:
        raise Http404("No pay run for that month.")
    response = HttpResponse(payroll_csv(run=run), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="payroll-{run.month:%Y-%m}.csv"'
    return response


@require_POST
@role_required(A)
def payout_release_view(request, payout_id):
    payout = get_object_or_404(Payout, pk=payout_id)
    attempt_with_message(
        request,
        payout_release,
        _("Payout of %(username)s released.") % {"username": payout.verifier.username},
        actor=request.user,
        payout=payout,
        reason=request.POST.get("reason", ""),
    )
    return redirect(f"/pay/?month={payout.month:%Y-%m}")


@require_POST
@role_required(A)
def contract_view(request):
    verifier = User.objects.filter(username=request.POST.get("username", ""), role=V).first()
    if verifier is None:
        messages.error(request, _("Choose a verifier."))
        return redirect("pay")
    try:
        starts_on = date.fromisoformat(request.POST.get("starts_on", ""))
    except ValueError:
        messages.error(request, _("Start date: use the form YYYY-MM-DD."))
        return redirect("pay")
    attempt_with_message(
        request,
        contract_set,
        _("Contract of %(username)s saved.") % {"username": verifier.username},
        actor=request.user,
        verifier=verifier,
        hourly_rate=request.POST.get("hourly_rate", ""),
        starts_on=starts_on,
        reason=request.POST.get("reason", ""),
    )
    return redirect("pay")


@role_required(V, A)
def statement_page(request, username=None):
    if username and request.user.role != A:
        raise Http404
    verifier = get_object_or_404(User, username=username, role=V) if username else request.user
    payouts = Payout.objects.filter(verifier=verifier).order_by("-month")
    return render(
        request,
        "quality/statement.html",
        {
            "verifier": verifier,
            "payouts": payouts,
            "contracts": verifier.contracts.order_by("-starts_on"),
            "idle_gap": settings.PAY["SESSION_IDLE_GAP_MINUTES"],
        },
    )
