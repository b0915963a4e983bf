"""MH-3 API: `POST /api/v1/exports/` {shard} -> 202 {id} (409 `export_running`); `GET /api/v1/exports/{id}/` ->
{status, progress, manifest}; `GET /api/v1/exports/{id}/files/{name}` -> the file, streamed, with its sha256."""

import base64

from django.db import transaction
from django.http import FileResponse
from django.utils.translation import gettext as _
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import Refused
from core.permissions import roles
from modelhooks.selectors import export_get
from modelhooks.services.exports import export_file_path, export_request
from modelhooks.tasks import export_run
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
                _("shard: no shard has the code %(shard)s") % {"shard": repr(ser.validated_data["shard"])},
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
            raise Refused("not_found", _("No export has this id."), 404)
        return Response(export_body(export))


class ExportFileView(APIView):
    """MH-3: a trainer fetches a file of a finished export; `X-Content-SHA256` (hex) and `Digest` carry the
    sha256 the manifest lists, so the download can be checked without the manifest."""

    permission_classes = [ExportRoles]

    def get(self, request, export_id, name):
        export = export_get(public_id=export_id)
        if export is None:
            raise Refused("not_found", _("No export has this id."), 404)
        found = export_file_path(export=export, name=name)
        if found is None:
            raise Refused(
                "not_found",
                _("name: export %(export)s has no finished file %(name)r.")
                % {"export": export.public_id, "name": name},
                404,
                field="name",
            )
        path, entry = found
        response = FileResponse(path.open("rb"), as_attachment=True, filename=entry["name"])
        response["X-Content-SHA256"] = entry["sha256"]
        response["Digest"] = "sha-256=" + base64.b64encode(bytes.fromhex(entry["sha256"])).decode()
        response["Content-Length"] = str(entry["bytes"])
        return response
