"""Operator pages for intake (senior, admin): why each correction went where it went, and lifting a
suspended component. The pages that show training data (a correction's sample, the alerts page with
the taint list and batches) are in training/views.py (issue 9)."""

import uuid

from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.models import User
from core.permissions import role_required
from shards.models import Correction, SuspendedComponent
from shards.selectors import RULES, corrections_visible_to
from shards.services.botnet import component_lift

OPERATORS = (User.Role.SENIOR, User.Role.ADMIN)


@role_required(*OPERATORS)
def corrections_page(request):
    """Look a correction up by its id, its post id or its submitter id."""
    q = request.GET.get("q", "").strip()
    rows = corrections_visible_to(user=request.user).select_related("shard", "case").order_by("-received_at", "-id")
    if q:
        match = Q(post_id=q) | Q(submitter_id=q)
        try:
            match |= Q(public_id=uuid.UUID(q))
        except ValueError:
            pass
        rows = rows.filter(match)
    outcome = request.GET.get("outcome", "")
    if outcome:
        rows = rows.filter(outcome=outcome)
    context = {"rows": rows[:100], "q": q, "outcome": outcome, "outcomes": Correction.Outcome.choices, "rules": RULES}
    template = "shards/_corrections_rows.html" if request.htmx else "shards/corrections.html"
    return render(request, template, context)


@require_POST
@role_required(*OPERATORS)
def component_lift_view(request, pk):
    component_lift(component=get_object_or_404(SuspendedComponent, pk=pk, active=True), actor=request.user)
    return redirect("intake-alerts")
