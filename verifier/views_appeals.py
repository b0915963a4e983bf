"""HTMX pages for appeals. Thin: parse, call a service, redirect with a message.
Calibration, audits and pay pages are the quality app's (quality/views.py).

Forms post and redirect (they work without JavaScript); the page containers carry hx-boost so htmx
swaps them in place. Every refusal is shown in words, nothing is changed by a refused action.
"""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.models import User
from core.pages import attempt_with_message
from core.permissions import role_required
from verifier import selectors_appeals as sq
from verifier.models import Appeal, Ruling
from verifier.services.appeals import appeal_escalate, appeal_open, appeal_vote

V, S, A = User.Role.VERIFIER, User.Role.SENIOR, User.Role.ADMIN


# ---- appeals (AP-1..AP-4) -------------------------------------------------------------------


@role_required(V, S, A)
def appeals_page(request):
    user = request.user
    appealable = Paginator(sq.rulings_appealable(user=user) if user.role == V else [], settings.APPEALS["PAGE_SIZE"])
    return render(
        request,
        "verifier/appeals.html",
        {
            "appealable": appealable.get_page(request.GET.get("page")),
            "filed": [sq.appeal_status_view(appeal=a) for a in sq.appeals_filed(user=user)] if user.role == V else [],
            "to_review": [sq.appeal_blind_view(appeal=s.appeal, seat=s) for s in sq.appeal_seats_pending(user=user)],
            "open_appeals": [sq.appeal_status_view(appeal=a) for a in sq.appeals_open()] if user.role == A else [],
        },
    )


@require_POST
@role_required(V)
def appeal_file(request, ruling_id):
    ruling = get_object_or_404(Ruling, public_id=ruling_id)
    appeal = attempt_with_message(
        request,
        appeal_open,
        _("Appeal filed."),
        user=request.user,
        ruling=ruling,
        reason=request.POST.get("reason", ""),
    )
    if appeal is not None:
        messages.info(request, _("Your appeal is at tier %(tier)s.") % {"tier": appeal.tier})
    return redirect("appeals")


@require_POST
@role_required(V, S)
def appeal_vote_view(request, appeal_id):
    appeal = get_object_or_404(Appeal, public_id=appeal_id)
    aligned = request.POST.get("norm_aligned")
    attempt_with_message(
        request,
        appeal_vote,
        _("Vote recorded."),
        user=request.user,
        appeal=appeal,
        vote=request.POST.get("vote", ""),
        norm_aligned={"yes": True, "no": False}.get(aligned) if aligned is not None else None,
        cited_rule=request.POST.get("cited_rule", ""),
    )
    return redirect("appeals")


@require_POST
@role_required(V)
def appeal_escalate_view(request, appeal_id):
    appeal = get_object_or_404(Appeal, public_id=appeal_id)
    attempt_with_message(
        request, appeal_escalate, _("Appeal taken to the next tier."), user=request.user, appeal=appeal
    )
    return redirect("appeals")
