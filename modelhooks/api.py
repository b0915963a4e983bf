"""MH-3 API: `POST /api/v1/exports/` {shard} -> 202 {id} (409 `export_running`); `GET /api/v1/exports/{id}/` ->
{status, progress, manifest}; `GET /api/v1/exports/{id}/files/{name}` -> the file, streamed, with its sha256.
Issue 13: `POST /api/v1/filter/` (the live safety filter) and the index readiness of this process.
MH-4 / MH-5: `POST /api/v1/releases/` {shard, name, weights?} -> 202; `GET /api/v1/releases/?shard=`;
`GET /api/v1/releases/{id}/`; `POST /api/v1/releases/{id}/accept/` (admin)."""

import base64

from django.conf import settings
from django.db import transaction
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.bulk import bulk_parse
from core.errors import Refused
from core.permissions import roles
from core.tokens import CachedTokenAuthentication
from modelhooks.selectors import export_files_readable, export_get, release_get, releases_of_shard
from modelhooks.services import filtering
from modelhooks.services.exports import export_file_path, export_request
from modelhooks.services.filtering import FilterItem
from modelhooks.services.releases import release_diff_accept, release_register
from modelhooks.tasks import export_run, filter_worker_running, gpu_release_check
from risk_db import selectors as selectors_risk
from risk_db.api import READY_SCHEMA, IndexReadyView
from shards.models import Shard
from shards.services.fence import taboo_read_record
from training.selectors import shard_has_native_only_training_text

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

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, export_id):
        export = export_get(public_id=export_id)
        if export is None:
            raise Refused("not_found", _("No export has this id."), 404)
        return Response(export_body(export))


class ExportFileView(APIView):
    """MH-3: a trainer fetches a file of a finished export; `X-Content-SHA256` (hex) and `Digest` carry the
    sha256 the manifest lists, so the download can be checked without the manifest."""

    permission_classes = [ExportRoles]

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request, export_id, name):
        export = export_get(public_id=export_id)
        if export is None:
            raise Refused("not_found", _("No export has this id."), 404)
        if not export_files_readable(export=export, user=request.user):
            raise Refused(
                "outside_native_pool",
                _(
                    "Export %(export)s holds taboo text of %(shard)s: its files go only to that shard's "
                    "native pool (and admins)."
                )
                % {"export": export.public_id, "shard": export.shard.code},
                403,
            )
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
        if shard_has_native_only_training_text(shard_id=export.shard_id):
            # issue 11: an admin outside the pool reading taboo training text is audited
            taboo_read_record(
                user=request.user, what="export_file", obj=export, shard_id=export.shard_id, detail={"file": name}
            )
        response = FileResponse(path.open("rb"), as_attachment=True, filename=entry["name"])
        response["X-Content-SHA256"] = entry["sha256"]
        response["Digest"] = "sha-256=" + base64.b64encode(bytes.fromhex(entry["sha256"])).decode()
        response["Content-Length"] = str(entry["bytes"])
        return response


# ---- Issue 13: the live safety filter ---------------------------------------------------------------

FILTER_ITEM = inline_serializer(
    "FilterItem",
    {
        "text": serializers.CharField(),
        "ocr_text": serializers.CharField(required=False),
        "locale": serializers.CharField(help_text="BCP 47 locale of a known shard, e.g. th-TH"),
        "post_id": serializers.CharField(required=False),
    },
)
FILTER_ANSWER = inline_serializer(
    "FilterAnswer",
    {
        "results": serializers.ListField(child=serializers.DictField()),
        "index_version": serializers.IntegerField(allow_null=True),
        "index_fingerprint": serializers.CharField(),
    },
)


def _filter_item(raw, where: str) -> FilterItem:
    """One item, checked by hand (a serializer per item costs more than the match on 10,000 items)."""
    if not isinstance(raw, dict):
        raise Refused(
            "invalid", _("%(field)s: must be a JSON object.") % {"field": where or "body"}, 400, field=where or "body"
        )
    values = {}
    for name, required in (("text", True), ("locale", True), ("ocr_text", False), ("post_id", False)):
        value = raw.get(name)
        if value is None and not required:
            continue
        if not isinstance(value, str) or (required and not value):
            label = f"{where}{name}"
            raise Refused("invalid", _("%(field)s: required, a non-empty string.") % {"field": label}, 400, field=label)
        values[name] = value
    if len(values.get("post_id", "")) > 128:
        label = f"{where}post_id"
        raise Refused("invalid", _("%(field)s: at most 128 characters.") % {"field": label}, 400, field=label)
    return FilterItem(**values)


class FilterTokenAuthentication(CachedTokenAuthentication):
    """The filter's token check, cached per process for FILTER["TOKEN_CACHE_SECONDS"] (the revocation bound)."""

    @property
    def ttl_seconds(self) -> float:
        return settings.FILTER["TOKEN_CACHE_SECONDS"]


class FilterView(APIView):
    """Issue 13 / SPEC 8: allow or block per text, from this process's loaded index (docs/filter.md)."""

    permission_classes = [roles("filter", "admin")]
    authentication_classes = [FilterTokenAuthentication, SessionAuthentication]
    renderer_classes = [JSONRenderer]  # a service route: JSON only, no per-request renderer negotiation

    @extend_schema(request=FILTER_ITEM, responses={200: FILTER_ANSWER})
    def post(self, request):
        body = bulk_parse(request.data, limit=settings.FILTER["BULK_MAX_ITEMS"])
        items = [_filter_item(raw, "" if body.single else f"items[{i}].") for i, raw in enumerate(body.items)]
        return Response(filtering.filter_texts(items=items))


class FilterIndexReadyView(IndexReadyView):
    """RK-3 / issue 13: 200 when the live index is current in the database and this process serves it;
    503 while either is stale (a build that failed to load here keeps it 503, with the reason)."""

    @extend_schema(responses={200: READY_SCHEMA, 503: READY_SCHEMA})
    def get(self, request):
        if not filter_worker_running():  # without the poll thread (tests, a shell) the check polls itself
            filtering.filter_index_refresh()
        body = {**selectors_risk.rules_index_readiness(), **filtering.filter_index_status()}
        if body["ready"] and body["loaded_stale"]:
            body["ready"] = False
            body["reason"] = (
                f"this process serves index build {body['loaded_build']}, not the live build {body['live_build']}"
                + (f": {body['load_error']}" if body["load_error"] else "")
            )
        return Response(body, status=status.HTTP_200_OK if body["ready"] else status.HTTP_503_SERVICE_UNAVAILABLE)


# --- Releases (MH-4 / MH-5) -----------------------------------------------------------------------------

ReleaseRoles = roles("admin")


class ReleaseRequestSerializer(serializers.Serializer):
    shard = serializers.CharField(max_length=32, help_text="shard code, e.g. th-TH or global")
    name = serializers.CharField(max_length=128, help_text="release name, unique in the shard")
    weights = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text="weights file; blank = shipped model"
    )


RELEASE_SCHEMA = inline_serializer(
    "Release",
    {
        "id": serializers.IntegerField(),
        "shard": serializers.CharField(),
        "name": serializers.CharField(),
        "target": serializers.CharField(),
        "weights": serializers.CharField(allow_null=True),
        "status": serializers.CharField(),
        "gate": serializers.JSONField(),
        "canaries": serializers.JSONField(),
        "stamp": serializers.CharField(allow_null=True),
        "probe_set_version": serializers.CharField(allow_null=True),
        "probe_count": serializers.IntegerField(allow_null=True),
        "stamp_seconds": serializers.FloatField(allow_null=True),
        "previous": serializers.CharField(allow_null=True),
        "hamming_from_previous": serializers.IntegerField(allow_null=True),
        "layer_diff": serializers.JSONField(),
        "diff_accepted_by": serializers.CharField(allow_null=True),
        "created_at": serializers.DateTimeField(),
        "checked_at": serializers.DateTimeField(allow_null=True),
    },
)
RELEASE_LIST_SCHEMA = inline_serializer("ReleaseList", {"items": RELEASE_SCHEMA.__class__(many=True)})


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
        raise Refused(
            "unknown_shard", _("shard: no shard has the code '%(code)s'") % {"code": code}, 400, field="shard"
        )
    return shard


class ReleasesView(APIView):
    """`POST` registers a release and queues its gate (gpu queue) -> 202; `GET ?shard=` lists them."""

    permission_classes = [ReleaseRoles]

    @extend_schema(
        parameters=[OpenApiParameter("shard", str, required=True, description="shard code, e.g. th-TH")],
        responses={200: RELEASE_LIST_SCHEMA},
        operation_id="releases_list",
    )
    def get(self, request):
        shard = _shard(request.query_params.get("shard", ""))
        return Response({"items": [release_body(r) for r in releases_of_shard(shard=shard)]})

    @extend_schema(request=ReleaseRequestSerializer, responses={202: RELEASE_SCHEMA})
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

    @extend_schema(responses={200: RELEASE_SCHEMA})
    def get(self, request, release_id: int):
        return Response(release_body(_release(release_id)))


class ReleaseAcceptView(APIView):
    """`POST`: an admin accepts a held release's per-layer diff; it passes."""

    permission_classes = [ReleaseRoles]

    @extend_schema(request=None, responses={200: RELEASE_SCHEMA})
    def post(self, request, release_id: int):
        release = release_diff_accept(release=_release(release_id), actor=request.user)
        return Response(release_body(release_get(pk=release.pk)))


def _release(release_id: int):
    release = release_get(pk=release_id)
    if release is None:
        raise Refused("not_found", _("No release has this id."), 404)
    return release
