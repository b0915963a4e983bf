"""Intake API (SPEC 8). Thin: parse, authorise, call the pipeline, answer per item."""

import re

import orjson
from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import field_errors
from core.bulk import bulk_parse
from core.errors import Refused
from core.parsers import JSONParser
from core.permissions import roles
from shards.intake.pipeline import corrections_intake
from shards.services.botnet import replies_record
from shards.services.ratelimit import RateLimitUnavailable


class CorrectionItemSerializer(serializers.Serializer):
    """Documentation of one item; validation happens per item in the pipeline so one bad item
    never fails the others."""

    post_id = serializers.CharField()
    post_text = serializers.CharField()
    ocr_text = serializers.CharField(required=False)
    image = serializers.CharField(
        required=False,
        help_text="MH-6: the post's image, base64 (PNG, JPEG, GIF, BMP, TIFF or WebP, at most INTAKE IMAGE_MAX_BYTES "
        "decoded). Without ocr_text the item is `ocr_pending` until the gpu task has read and tagged it.",
    )
    hashtags = serializers.ListField(child=serializers.CharField())
    reply_text = serializers.CharField()
    submitter_id = serializers.CharField()
    billing_country = serializers.CharField(max_length=2)
    ip = serializers.IPAddressField()
    declared_locale = serializers.CharField()
    sub_locale = serializers.CharField(required=False)
    at = serializers.DateTimeField()


@extend_schema_field({"type": "string", "format": "binary"})
class _ImageFile(serializers.FileField):
    """A file part in a request (drf-spectacular would document a FileField as a URL, its response form)."""


class CorrectionUploadSerializer(serializers.Serializer):
    """Documentation of the multipart form of intake (MH-6: the image as a file upload)."""

    payload = serializers.CharField(
        required=False,
        help_text='The request as JSON text: one correction or {"items": [...]}, as in the JSON body. Without '
        "it, the form's own fields are one correction (`hashtags` repeated, one field each; none sent: no hashtags).",
    )
    image = _ImageFile(
        required=False,
        help_text="The image of a single correction, a file (same formats and limits as the base64 `image`). "
        "For a bulk, name each file part `image.<index>` after its item (`image.0`, `image.7`). An item "
        "with both a file and a base64 `image` is invalid naming `image`; a file for no item refuses the request.",
    )
    post_id = serializers.CharField(required=False)
    post_text = serializers.CharField(required=False)
    ocr_text = serializers.CharField(required=False)
    hashtags = serializers.ListField(child=serializers.CharField(), required=False)
    reply_text = serializers.CharField(required=False)
    submitter_id = serializers.CharField(required=False)
    billing_country = serializers.CharField(max_length=2, required=False)
    ip = serializers.IPAddressField(required=False)
    declared_locale = serializers.CharField(required=False)
    sub_locale = serializers.CharField(required=False)
    at = serializers.DateTimeField(required=False)


_UPLOAD_FIELD = re.compile(r"^image(?:\.(\d{1,5}))?$")


def _multipart_items(request) -> tuple[list, dict[int, object], bool]:
    """MH-6: a multipart intake request as (items, uploads by item index, single). Refuses, naming the
    part, a `payload` that is not JSON, a file part that names no item, and two files for one item."""
    form = request.data
    if "payload" in form:
        try:
            body = orjson.loads(form["payload"])
        except orjson.JSONDecodeError as exc:
            raise Refused("invalid", _("payload: not JSON (%(exc)s).") % {"exc": exc}, 400, field="payload")
    else:
        body = {"hashtags": form.getlist("hashtags")}  # a form says "no hashtags" by sending none
        for k in form:
            if k in request.FILES or k == "hashtags":
                continue
            if len(values := form.getlist(k)) > 1:
                raise Refused("invalid", _("%(name)s: sent more than once.") % {"name": k}, 400, field=k)
            body[k] = values[0]
    parsed = bulk_parse(body, limit=settings.INTAKE["BULK_MAX_ITEMS"])
    uploads = {}
    for name in request.FILES:
        m = _UPLOAD_FIELD.match(name)
        index = int(m.group(1)) if m and m.group(1) is not None else 0 if m and parsed.single else None
        if index is None or index >= len(parsed.items):
            raise Refused(
                "invalid",
                _("%(name)s: this file part names no item (use image for one correction, image.<index> in a bulk).")
                % {"name": name},
                400,
                field=name,
            )
        files = request.FILES.getlist(name)
        if len(files) > 1 or index in uploads:
            raise Refused("invalid", _("%(name)s: one image an item.") % {"name": name}, 400, field=name)
        uploads[index] = files[0]
    return parsed.items, uploads, parsed.single


class IntakeResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    id = serializers.UUIDField()
    outcome = serializers.CharField()
    case_id = serializers.UUIDField(required=False)
    shard = serializers.CharField(required=False)
    errors = serializers.DictField(required=False)
    decided_by = serializers.CharField(required=False)
    reason = serializers.CharField(required=False)


FastJSONParser = JSONParser  # orjson for the firehose bodies (10,000 items), parsed once (core.parsers)


class FastJSONRenderer(JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        return b"" if data is None else orjson.dumps(data)


class CorrectionsView(APIView):
    permission_classes = [roles("intake")]
    parser_classes = [FastJSONParser, MultiPartParser]  # multipart: the image as a file (MH-6)
    renderer_classes = [FastJSONRenderer, BrowsableAPIRenderer]
    text_checked_per_item = True  # the validate step refuses control characters item by item (issue 11)

    @extend_schema(
        request={"application/json": CorrectionItemSerializer, "multipart/form-data": CorrectionUploadSerializer},
        responses={200: inline_serializer("IntakeResults", {"results": IntakeResultSerializer(many=True)})},
        examples=[
            OpenApiExample(
                "bulk",
                value={
                    "items": [
                        {
                            "post_id": "p1",
                            "post_text": "...",
                            "hashtags": [],
                            "reply_text": "@grok correct 200 people",
                            "submitter_id": "u1",
                            "billing_country": "TH",
                            "ip": "2001:db8::1",
                            "declared_locale": "th-TH",
                            "at": "2026-11-26T10:00:00+07:00",
                        }
                    ]
                },
            )
        ],
        description='IN-1: one correction or {"items": [...]} (up to 10,000). Every item gets an outcome. '
        "MH-6: the post's image goes as base64 in `image` (JSON) or as a file in a multipart/form-data request "
        "(`payload` holds the JSON; file parts `image` or `image.<index>`), with the same limits.",
    )
    def post(self, request):
        if (request.content_type or "").startswith("multipart/"):
            payloads, uploads, _single = _multipart_items(request)
        else:
            payloads, uploads = bulk_parse(request.data, limit=settings.INTAKE["BULK_MAX_ITEMS"]).items, {}
        try:
            items = corrections_intake(payloads=payloads, uploads=uploads)
        except RateLimitUnavailable as exc:  # IN-3: never let the limits lapse silently
            raise Refused(
                "rate_limit_unavailable", _("%(exc)s. Nothing was stored; retry the request.") % {"exc": exc}, 503
            )
        results = []
        for item in items:
            row = {"index": item.index, "id": str(item.correction.public_id), "outcome": item.outcome}
            if item.case is not None:
                row["case_id"] = str(item.case.public_id)
            if item.shard is not None:
                row["shard"] = item.shard.code
            if item.errors:
                row["errors"] = field_errors(item.errors)
            if item.decided_by:
                row["decided_by"] = item.decided_by
            if item.reason:
                row["reason"] = item.reason
            results.append(row)
        return Response({"results": results})


class ReplyItemSerializer(serializers.Serializer):
    from_user = serializers.CharField()
    to_user = serializers.CharField()
    at = serializers.DateTimeField()


class RepliesView(APIView):
    """IN-10: reply events between submitters build the reply graph (one object or {"items": [...]})."""

    permission_classes = [roles("intake")]
    parser_classes = [FastJSONParser]
    renderer_classes = [FastJSONRenderer, BrowsableAPIRenderer]
    text_checked_per_item = True  # replies_record refuses control characters item by item (issue 11)

    @extend_schema(
        request=ReplyItemSerializer,
        responses={
            200: inline_serializer("ReplyResults", {"results": serializers.ListField(child=serializers.DictField())})
        },
        description="IN-10: reply events; each item answers `stored` or `invalid` with errors.",
    )
    def post(self, request):
        results = replies_record(payloads=bulk_parse(request.data, limit=settings.INTAKE["BULK_MAX_ITEMS"]).items)
        for row in results:
            if "errors" in row:
                row["errors"] = field_errors(row["errors"])
        return Response({"results": results})
