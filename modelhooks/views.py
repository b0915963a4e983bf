"""Pages: an export's progress (MH-3), the scoring status with the embedding lag (MH-1), a shard's
releases with their evidence (MH-4 / MH-5)."""

from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render

from core.errors import Refused
from core.permissions import role_required
from modelhooks.models import ScoringBatch
from modelhooks.selectors import embedding_lag, export_get, release_get, releases_of_shard
from modelhooks.services.releases import release_diff_accept, release_register
from modelhooks.tasks import gpu_release_check
from shards.models import Shard


@role_required("trainer", "admin")
def export_page(request, export_id):
    export = export_get(public_id=export_id)
    if export is None:
        raise Http404("no such export")
    template = "modelhooks/_export_status.html" if request.htmx else "modelhooks/export.html"
    return render(request, template, {"export": export})


@role_required("senior", "admin")
def scoring_page(request):
    batches = ScoringBatch.objects.order_by("-pk")[:50]
    return render(request, "modelhooks/scoring.html", {"lag": embedding_lag(), "batches": batches})


@role_required("admin")
def releases_page(request, shard_code: str):
    """MH-4 / MH-5: a shard's releases with their evidence; an admin registers one or accepts a held
    release's per-layer diff here (the same services as the API)."""
    shard = Shard.objects.filter(code=shard_code).first()
    if shard is None:
        raise Http404("no such shard")
    error = ""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "accept":
                release = release_get(pk=int(request.POST.get("release", "0") or 0))
                if release is None or release.shard_id != shard.pk:
                    raise Http404("no such release")
                release_diff_accept(release=release, actor=request.user)
            else:
                release = release_register(
                    shard=shard,
                    name=request.POST.get("name", ""),
                    weights=request.POST.get("weights", ""),
                    actor=request.user,
                )
                transaction.on_commit(lambda: gpu_release_check.delay(release.pk))
            return redirect("releases", shard_code=shard.code)
        except Refused as exc:
            error = exc.detail
    return render(
        request,
        "modelhooks/releases.html",
        {"shard": shard, "releases": releases_of_shard(shard=shard), "error": error},
        status=400 if error else 200,
    )
