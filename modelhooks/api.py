"""MH-3 API: `POST /api/v1/exports/` {shard} -> 202 {id}; `GET /api/v1/exports/{id}/` -> {status, progress, manifest}."""

from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import Refused
from core.permissions import roles
from modelhooks.selectors import export_get
from modelhooks.services.exports import export_request
from modelhooks.tasks import export_run
from shards.models import Shard

ExportRoles = roles("trainer", "admin")


class ExportRequestSerializer(serializers.Serializer):
    shard = serializers.CharField(max_length=32, help_text="shard code, e.g. th-TH or global")


ExportAcceptedSerializer = inline_serializer(
    "ExportAccepted", {"id": serializers.UUIDField(), "status": serializers.CharField()}
)


class ExportsView(APIView):
    permission_classes = [ExportRoles]

    @extend_schema(request=ExportRequestSerializer, responses={202: ExportAcceptedSerializer})
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

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, export_id):
        export = export_get(public_id=export_id)
        if export is None:
            raise Refused("not_found", "No export has this id.", 404)
        return Response(export_body(export))
