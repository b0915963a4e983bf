"""Pages: an export's progress (MH-3) and the scoring status with the embedding lag (MH-1)."""

from django.http import Http404
from django.shortcuts import render

from core.permissions import role_required
from modelhooks.models import ScoringBatch
from modelhooks.selectors import embedding_lag, export_get


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
