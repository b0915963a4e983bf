"""HTMX pages: the verifier's queue and the senior/admin overview. Views stay thin."""

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
from verifier.selectors import case_get_visible, cases_overdue, shards_overview, taboo_daily_cap
from verifier.services.queue import DailyCapReached, case_next, case_skip, verifier_taboo_count_today
from verifier.services.rulings import ruling_record


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
    return {"taboo_today": verifier_taboo_count_today(user=user), "taboo_cap": taboo_daily_cap()}


@role_required(User.Role.VERIFIER)
def queue_page(request):
    shards = request.user.memberships.filter(active=True).select_related("shard")
    return render(request, "verifier/queue.html", {**_cap_context(request.user), "memberships": shards})


def _next_fragment(request, message: str = ""):
    context = {"message": message, "banner": TABOO_BANNER, **_cap_context(request.user)}
    try:
        lease = case_next(user=request.user)
    except DailyCapReached:
        context["capped"] = True
        return render(request, "verifier/_case.html", context)
    context["lease"] = lease
    context["case"] = lease.case if lease else None
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
        ruling_record(user=request.user, case=case, answer=request.POST.get("answer", ""))
        message = _("Recorded.")
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
