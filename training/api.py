"""IN-12 API: `POST /api/v1/batches/` {shard} -> 201 {id, samples, weight} (trainer or admin)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import Refused
from core.permissions import roles
from shards.models import Shard
from training.services.batches import training_batch_cut_now


class BatchCutSerializer(serializers.Serializer):
    shard = serializers.CharField(max_length=32, help_text="shard code, e.g. th-TH or global")


class BatchCutSerializerOut(serializers.Serializer):
    id = serializers.IntegerField(help_text="the batch id, the `batch_id` of its samples in the export")
    samples = serializers.IntegerField(help_text="samples cut into the batch")
    weight = serializers.FloatField(help_text='INTAKE["BATCH_WEIGHT"], 0.3 by default')


class BatchesView(APIView):
    """Cut the samples of a shard that wait for a training batch now, besides the 4-hourly beat."""

    permission_classes = [roles("trainer", "admin")]

    @extend_schema(
        request=BatchCutSerializer,
        responses={201: BatchCutSerializerOut},
        description="IN-12: cut the samples of `shard` that wait into a training batch now. "
        "409 `nothing_waiting` when none waits; 400 `unknown_shard`.",
    )
    def post(self, request):
        ser = BatchCutSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        code = ser.validated_data["shard"]
        shard = Shard.objects.filter(code=code).first()
        if shard is None:
            raise Refused(
                "unknown_shard",
                _("shard: no shard has the code %(code)s") % {"code": repr(code)},
                400,
                errors={"shard": ["unknown shard code"]},
            )
        batch = training_batch_cut_now(shard=shard, actor=request.user)
        return Response(
            {"id": batch.pk, "samples": batch.size, "weight": float(batch.weight)}, status=status.HTTP_201_CREATED
        )
