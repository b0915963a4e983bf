"""Operator pages (senior, admin) that show or change training data: a correction's sample and its
backers, withholding a crowd-accepted sample (IN-10), and the alerts page with the taint list and
the training batches (IN-11, IN-12). Moved from shards/views.py (issue 9); URLs and templates kept."""

from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.audit import audit_record
from core.models import User
from core.permissions import role_required
from shards.models import Alert, DormantClique, SuspendedComponent, TopicFreeze
from shards.selectors import correction_explain, corrections_visible_to
from shards.services.fence import taboo_read_record
from shards.services.ledgers import cluster_burn
from training.models import TaintList, TrainingBatch, TrainingSample
from training.selectors import sample_for_case, taint_list_current
from training.services.samples import sample_withhold
from training.services.taint import clique_decide

OPERATORS = (User.Role.SENIOR, User.Role.ADMIN)


@role_required(*OPERATORS)
def correction_page(request, public_id):
    correction = get_object_or_404(
        corrections_visible_to(user=request.user).select_related("shard", "case"), public_id=public_id
    )
    if correction.risk_tags:  # issue 11: an admin outside the pool reading a risk-tagged record is audited
        taboo_read_record(
            user=request.user,
            what="intake_record",
            obj=correction,
            shard_id=correction.shard_id,
            locale=correction.risk_locale,
        )
    sample = sample_for_case(case_id=correction.case_id)
    backers = sorted(sample.graph.members.values_list("submitter_id", flat=True)) if sample and sample.graph else []
    return render(
        request,
        "shards/correction.html",
        {
            "c": correction,
            "explain": correction_explain(correction=correction),
            "sample": sample,
            "backers": backers,
            "message": request.GET.get("message", ""),
        },
    )


@require_POST
@role_required(*OPERATORS)
def sample_overturn(request, public_id):
    """IN-10: a senior overturns a crowd-accepted sample: it is withheld from every export, and if
    its backers are a cluster of >= 5 their confidence burns. Audited."""
    correction = get_object_or_404(corrections_visible_to(user=request.user), public_id=public_id)
    sample = get_object_or_404(TrainingSample, case_id=correction.case_id)
    with transaction.atomic():
        backers = set(sample.graph.members.values_list("submitter_id", flat=True)) if sample.graph_id else set()
        sample_withhold(sample=sample, reason="overturned by a senior")
        audit_record(
            actor=request.user,
            action="sample_overturn",
            obj=sample,
            object_type="shards.trainingsample",  # the audit log's name for it from before issue 9
            before={"withheld_reason": sample.withheld_reason},
            after={"withheld_reason": "overturned by a senior", "backers": sorted(backers)},
        )
        burned = cluster_burn(
            submitter_ids=backers,
            locale_code=sample.locale,
            actor=request.user,
            reason=f"sample {sample.pk} overturned",
        )
    message = (
        f"Sample withheld; {burned} backer(s) lost 20 % confidence."
        if burned
        else "Sample withheld; fewer than 5 backers, so no confidence burn."
    )
    return redirect(f"{request.path.rsplit('/overturn/', 1)[0]}/?message={message}")


@role_required(*OPERATORS)
def alerts_page(request):
    now = timezone.now()
    return render(
        request,
        "shards/alerts.html",
        {
            "geo": Alert.objects.filter(kind="x_shard_anomaly").select_related("shard")[:50],
            "freezes": TopicFreeze.objects.all()[:50],
            "now": now,
            "components": SuspendedComponent.objects.all()[:50],
            "cliques": DormantClique.objects.all()[:50],
            "taint": taint_list_current(),
            "taint_versions": TaintList.objects.order_by("-version")[:20],
            "batches": TrainingBatch.objects.all()[:20],
            "other": Alert.objects.filter(kind__in=["suspended_component", "rare_pool"])[:20],
        },
    )


@require_POST
@role_required(*OPERATORS)
def clique_decide_view(request, pk):
    clique = get_object_or_404(DormantClique, pk=pk, status=DormantClique.Status.FLAGGED)
    clique_decide(clique=clique, bots=request.POST.get("bots") == "1", actor=request.user)
    return redirect("intake-alerts")
