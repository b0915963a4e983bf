"""HTMX pages: the verifier's queue and the senior/admin overview. Views stay thin."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import Refused
from core.models import User
from core.permissions import role_required
from shards.models import Alert, SubgroupSurvey
from shards.services.surveys import QUESTIONS, SurveyIncomplete, survey_submit
from verifier.api import TABOO_BANNER
from verifier.selectors import (
    case_get_visible,
    cases_overdue,
    shards_overview,
    taboo_daily_cap,
    verifier_taboo_streak,
)
from verifier.services.queue import (
    DailyCapReached,
    case_next,
    case_next_prefetch,
    case_skip,
    verifier_taboo_count_today,
)
from verifier.services.rulings import ruling_record, ruling_undo, undo_window_seconds


@login_required
def home(request):
    if request.user.role == User.Role.VERIFIER:
        return redirect("queue")
    if request.user.role in (User.Role.SENIOR, User.Role.ADMIN):
        return redirect("ops")
    return redirect("service-home")


SERVICE_ROLES = (User.Role.INTAKE, User.Role.TRAINER, "filter")  # service accounts (SPEC 1)


@role_required(*SERVICE_ROLES)
def service_home(request):
    """A service account's start page: what its API is, how to get a token, a log-out (issue 14)."""
    return render(request, "verifier/service.html", {"role": request.user.role})


def _cap_context(user) -> dict:
    today, cap = verifier_taboo_count_today(user=user), taboo_daily_cap()
    return {"taboo_today": today, "taboo_cap": cap, "taboo_left": max(0, cap - today)}


@role_required(User.Role.VERIFIER)
def queue_page(request):
    shards = request.user.memberships.filter(active=True).select_related("shard")
    return render(
        request,
        "verifier/queue.html",
        {
            **_cap_context(request.user),
            "memberships": shards,
            "undo_seconds": undo_window_seconds(),
            "key_guard_ms": settings.VERIFIER["KEY_GUARD_MS"],
        },
    )


def _next_fragment(request, message: str = ""):
    """The case to show and, in a <template>, the one after it (prefetched, issue 14). A page that
    already shows its next case (it swapped in the prefetched one on the key press) sends
    X-Queue-Shown and gets the new prefetch only."""
    context = {"message": message, "banner": TABOO_BANNER, **_cap_context(request.user)}
    pause_after = settings.VERIFIER["TABOO_PAUSE_AFTER"]
    streak = verifier_taboo_streak(user=request.user, limit=pause_after)
    context["pause_after"] = pause_after
    if request.headers.get("X-Queue-Shown"):
        # The page shows the held case already; the prefetch follows it (so one more taboo case in a row
        # when the shown one is taboo, VQ-11).
        shown = case_next(user=request.user)
        context["only_prefetch"] = True
        context["prefetch"] = prefetch = case_next_prefetch(user=request.user)
        run = streak + 1 if shown and shown.case.is_taboo else 0
        context["prefetch_pause_offer"] = bool(prefetch and prefetch.case.is_taboo and run >= pause_after)
        return render(request, "verifier/_case.html", context)
    try:
        lease = case_next(user=request.user)
    except DailyCapReached:
        context["capped"] = True
        return render(request, "verifier/_case.html", context)
    context["lease"] = lease
    context["case"] = lease.case if lease else None
    if lease:
        context["pause_offer"] = lease.case.is_taboo and streak >= pause_after
        context["prefetch"] = prefetch = case_next_prefetch(user=request.user)
        run = streak + 1 if lease.case.is_taboo else 0
        context["prefetch_pause_offer"] = bool(prefetch and prefetch.case.is_taboo and run >= pause_after)
    return render(request, "verifier/_case.html", context)


@role_required(User.Role.VERIFIER)
def queue_next(request):
    return _next_fragment(request)


@require_POST
@role_required(User.Role.VERIFIER)
def queue_rule(request, case_id):
    case = case_get_visible(user=request.user, public_id=case_id)
    if case is None:
        return _next_fragment(request, _("That case is not yours to rule on."))
    try:
        ruling = ruling_record(
            user=request.user,
            case=case,
            answer=request.POST.get("answer", ""),
            idempotency_key=request.POST.get("idempotency_key", ""),
        )
        # A replay (the same key again: a double key press) is the ruling already made, not an error.
        message = _("Recorded.") if not getattr(ruling, "replayed", False) else ""
    except Refused as refusal:
        message = refusal.detail
    return _next_fragment(request, message)


@require_POST
@role_required(User.Role.VERIFIER)
def queue_skip(request, case_id):
    case = case_get_visible(user=request.user, public_id=case_id)
    if case is not None:
        case_skip(user=request.user, case=case)
    return _next_fragment(request, _("Skipped."))


@require_POST
@role_required(User.Role.VERIFIER)
def queue_undo(request):
    """VQ-10 on the page (key U): the undone case comes back as the one to show."""
    try:
        ruling_undo(user=request.user)
        message = _("Your last ruling was taken back; the case is yours again.")
    except Refused as refusal:
        message = refusal.detail
    return _next_fragment(request, message)


@role_required(User.Role.VERIFIER)
def survey_page(request):
    context = {}
    answers = dict(getattr(SubgroupSurvey.objects.filter(user=request.user).first(), "answers", {}) or {})
    if request.method == "POST":
        answers = {key: request.POST.get(key, "") for key, _ in QUESTIONS}
        try:
            survey_submit(user=request.user, answers=answers)
            context["saved"] = True
        except SurveyIncomplete as exc:
            context["error"] = str(exc)
    context["questions"] = [(key, label, answers.get(key, "")) for key, label in QUESTIONS]
    return render(request, "verifier/survey.html", context)


@role_required(User.Role.SENIOR, User.Role.ADMIN)
def ops_page(request):
    return render(
        request,
        "verifier/ops.html",
        {
            "rows": shards_overview(user=request.user),
            "overdue": cases_overdue(user=request.user),
            "alerts": Alert.objects.filter(resolved_at__isnull=True).select_related("shard")[:50],
        },
    )
