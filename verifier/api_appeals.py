"""API for appeals (AP-1..AP-5). Thin: parse, authorise, call.
Calibration, audits and pay have theirs in the quality app (quality/api.py)."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import Refused
from core.permissions import roles
from shards.services.fence import taboo_read_record
from verifier import selectors_appeals as sq
from verifier.models import Appeal, Ruling
from verifier.services.appeals import appeal_escalate, appeal_open, appeal_vote

# ---- appeals -------------------------------------------------------------------------------


class AppealCreateSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class RulingAppealView(APIView):
    """SPEC 8: `POST /api/v1/rulings/{id}/appeals/` (verifier) -> 201 {appeal_id, tier}."""

    permission_classes = [roles("verifier")]

    @extend_schema(
        request=AppealCreateSerializer,
        responses={
            201: inline_serializer(
                "AppealCreated", {"appeal_id": serializers.UUIDField(), "tier": serializers.IntegerField()}
            )
        },
        description="AP-1: dispute a ruling within 24 h. 409 appeal_window_closed / already_appealed.",
    )
    def post(self, request, ruling_id):
        ruling = Ruling.objects.filter(public_id=ruling_id).select_related("case").first()
        if ruling is None:
            raise Refused("not_found", _("No such ruling."), 404)
        data = AppealCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        appeal = appeal_open(user=request.user, ruling=ruling, reason=data.validated_data["reason"])
        return Response({"appeal_id": str(appeal.public_id), "tier": appeal.tier}, status=status.HTTP_201_CREATED)


class AppealListView(APIView):
    permission_classes = [roles("verifier", "senior", "admin")]

    @extend_schema(
        responses=inline_serializer(
            "AppealLists", {"to_review": serializers.ListField(), "filed": serializers.ListField()}
        )
    )
    def get(self, request):
        return Response(
            {
                "to_review": [
                    sq.appeal_blind_view(appeal=r.appeal, seat=r) for r in sq.appeal_seats_pending(user=request.user)
                ],
                "filed": [sq.appeal_status_view(appeal=a) for a in sq.appeals_filed(user=request.user)],
            }
        )


def _appeal_for(request, appeal_id) -> tuple[Appeal, object]:
    appeal = Appeal.objects.filter(public_id=appeal_id).select_related("ruling__case", "ruling__verifier").first()
    if appeal is None:
        raise Refused("not_found", _("No such appeal."), 404)
    return appeal, sq.appeal_access(user=request.user, appeal=appeal)


class AppealDetailView(APIView):
    permission_classes = [roles("verifier", "senior", "admin")]

    @extend_schema(responses=OpenApiTypes.OBJECT, operation_id="v1_appeal_detail")
    def get(self, request, appeal_id):
        appeal, access = _appeal_for(request, appeal_id)
        if access is None:
            raise Refused("not_found", _("No such appeal."), 404)
        if access == "party" or access == "admin":
            case = appeal.ruling.case
            if access == "admin" and case.native_only:  # issue 11: an admin outside the pool reading it is audited
                taboo_read_record(user=request.user, what="appeal_detail", obj=case, shard_id=case.shard_id)
            return Response(sq.appeal_status_view(appeal=appeal))
        return Response(sq.appeal_blind_view(appeal=appeal, seat=access))


class VoteSerializer(serializers.Serializer):
    vote = serializers.ChoiceField(choices=["uphold", "overturn"], required=False)
    norm_aligned = serializers.BooleanField(required=False, allow_null=True, default=None)
    cited_rule = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class AppealVoteView(APIView):
    permission_classes = [roles("verifier", "senior")]

    @extend_schema(
        responses=OpenApiTypes.OBJECT,
        request=VoteSerializer,
        description="Tier 1/3: {vote: uphold|overturn}. Tier 2: {norm_aligned, cited_rule}.",
    )
    def post(self, request, appeal_id):
        appeal, _ = _appeal_for(request, appeal_id)
        data = VoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        seat = appeal_vote(
            user=request.user,
            appeal=appeal,
            vote=data.validated_data.get("vote", ""),
            norm_aligned=data.validated_data.get("norm_aligned"),
            cited_rule=data.validated_data["cited_rule"],
        )
        appeal.refresh_from_db()
        return Response(
            {"vote": seat.vote, "appeal_status": appeal.status, "outcome": appeal.outcome},
            status=status.HTTP_201_CREATED,
        )


class AppealEscalateView(APIView):
    permission_classes = [roles("verifier")]

    @extend_schema(responses=OpenApiTypes.OBJECT, request=None)
    def post(self, request, appeal_id):
        appeal, _ = _appeal_for(request, appeal_id)
        appeal = appeal_escalate(user=request.user, appeal=appeal)
        return Response({"appeal_id": str(appeal.public_id), "tier": appeal.tier})
