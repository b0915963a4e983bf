"""MH-3 API: `POST /api/v1/exports/` {shard} -> 202 {id}; `GET /api/v1/exports/{id}/` -> {status, progress, manifest}.
MH-4 / MH-5: `POST /api/v1/releases/` {shard, name, weights?} -> 202; `GET /api/v1/releases/?shard=`;
`GET /api/v1/releases/{id}/`; `POST /api/v1/releases/{id}/accept/` (admin)."""

from django.db import transaction
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import Refused
from core.permissions import roles
from modelhooks.selectors import export_get, release_get, releases_of_shard
from modelhooks.services.exports import export_request
from modelhooks.services.releases import release_diff_accept, release_register
from modelhooks.tasks import export_run, gpu_release_check
from shards.models import Shard

ExportRoles = roles("trainer", "admin")


class ExportRequestSerializer(serializers.Serializer):
    shard = serializers.CharField(max_length=32, help_text="shard code, e.g. th-TH or global")


class ExportsView(APIView):
    permission_classes = [ExportRoles]

    def post(self, request):
        ser = ExportRequestSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        shard = Shard.objects.filter(code=ser.validated_data["shard"]).first()
        if shard is None:
            raise Refused(
                "unknown_shard",
                f"shard: no shard has the code {ser.validated_data['shard']!r}",
                400,
                errors={"shard": ["unknown shard code"]},
            )
        export = export_request(shard=shard, actor=request.user)
        transaction.on_commit(lambda: export_run.delay(export.pk))  # the worker writes the files
        return Response({"id": str(export.public_id), "status": export.status}, status=status.HTTP_202_ACCEPTED)


def export_body(export) -> dict:
    return {
        "id": str(export.public_id),
        "shard": export.shard.code,
        "status": export.status,
        "progress": round(export.progress, 4),
        "rows_written": export.rows_written,
        "rows_total": export.rows_total,
        "manifest": export.manifest,
        "error": export.error or None,
        "created_at": export.created_at,
        "finished_at": export.finished_at,
    }


class ExportDetailView(APIView):
    permission_classes = [ExportRoles]

    def get(self, request, export_id):
        export = export_get(public_id=export_id)
        if export is None:
            raise Refused("not_found", "No export has this id.", 404)
        return Response(export_body(export))


# --- Releases (MH-4 / MH-5) -----------------------------------------------------------------------------

ReleaseRoles = roles("admin")


class ReleaseRequestSerializer(serializers.Serializer):
    shard = serializers.CharField(max_length=32, help_text="shard code, e.g. th-TH or global")
    name = serializers.CharField(max_length=128, help_text="release name, unique in the shard")
    weights = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text="weights file; blank = shipped model"
    )


def release_body(release) -> dict:
    return {
        "id": release.pk,
        "shard": release.shard.code,
        "name": release.name,
        "target": release.target,
        "weights": release.weights or None,
        "status": release.status,
        "gate": release.gate,
        "canaries": release.canaries,
        "stamp": release.stamp or None,
        "probe_set_version": release.probe_set_version or None,
        "probe_count": release.probe_count,
        "stamp_seconds": release.stamp_seconds,
        "previous": release.previous.name if release.previous_id else None,
        "hamming_from_previous": release.hamming_from_previous,
        "layer_diff": release.layer_diff,
        "diff_accepted_by": release.diff_accepted_by.username if release.diff_accepted_by_id else None,
        "created_at": release.created_at,
        "checked_at": release.checked_at,
    }


def _shard(code: str) -> Shard:
    shard = Shard.objects.filter(code=code).first()
    if shard is None:
        raise Refused("unknown_shard", f"shard: no shard has the code {code!r}", 400, field="shard")
    return shard


class ReleasesView(APIView):
    """`POST` registers a release and queues its gate (gpu queue) -> 202; `GET ?shard=` lists them."""

    permission_classes = [ReleaseRoles]

    def get(self, request):
        shard = _shard(request.query_params.get("shard", ""))
        return Response({"items": [release_body(r) for r in releases_of_shard(shard=shard)]})

    def post(self, request):
        ser = ReleaseRequestSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        release = release_register(
            shard=_shard(data["shard"]), name=data["name"], weights=data["weights"], actor=request.user
        )
        transaction.on_commit(lambda: gpu_release_check.delay(release.pk))
        return Response(release_body(release), status=status.HTTP_202_ACCEPTED)


class ReleaseDetailView(APIView):
    permission_classes = [ReleaseRoles]

    def get(self, request, release_id: int):
        return Response(release_body(_release(release_id)))


class ReleaseAcceptView(APIView):
    """`POST`: an admin accepts a held release's per-layer diff; it passes."""

    permission_classes = [ReleaseRoles]

    def post(self, request, release_id: int):
        release = release_diff_accept(release=_release(release_id), actor=request.user)
        return Response(release_body(release_get(pk=release.pk)))


def _release(release_id: int):
    release = release_get(pk=release_id)
    if release is None:
        raise Refused("not_found", "No release has this id.", 404)
    return release
