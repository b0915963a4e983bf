"""Verifier API (SPEC 8): who am I, next case, ruling, skip. Views parse, authorise, call a service."""

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import Refused
from core.models import User
from core.permissions import roles
from core.tokens import CachedTokenAuthentication, CachedTokenScheme
from shards.services.fence import taboo_read_record
from verifier.models import Case
from verifier.selectors import case_get_visible, shards_overview, taboo_daily_cap
from verifier.services.queue import DailyCapReached, Lease, case_next, case_skip, verifier_taboo_count_today
from verifier.services.rulings import ruling_record, ruling_record_held, ruling_undo

# VQ-2, VQ-9: in the verifier's language (lazy: translated when shown, not at import).
TABOO_BANNER = gettext_lazy("TABOO: culturally sensitive content. Judge only whether it is offensive.")


def case_payload(case: Case, lease: Lease | None = None) -> dict:
    """The screen of VQ-2 / VQ-4: a taboo case shows the post and context only and a binary prompt."""
    taboo = case.is_taboo
    body = {
        "id": str(case.public_id),
        "shard": case.shard.code,
        "kind": case.kind,
        "banner": str(TABOO_BANNER) if taboo else "",
        "prompt": _("Is this post offensive? yes / no") if taboo else _("Accept this correction? yes / no"),
        "post_text": case.post_text,
        "ocr_text": case.ocr_text,
        "proposal": "" if taboo else case.proposal,
        "locale": case.locale,
    }
    if lease is not None:
        body["lease_expires_at"] = lease.expires_at.isoformat()
    return body


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    role = serializers.CharField()
    shards = serializers.ListField(child=serializers.CharField())
    taboo_today = serializers.IntegerField()
    taboo_cap = serializers.IntegerField()


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user: User = request.user
        return Response(
            {
                "username": user.username,
                "role": user.role,
                "shards": sorted(user.memberships.filter(active=True).values_list("shard__code", flat=True)),
                "taboo_today": verifier_taboo_count_today(user=user),
                "taboo_cap": taboo_daily_cap(),
            }
        )


CaseSerializer = inline_serializer(
    "Case",
    {
        "id": serializers.UUIDField(),
        "shard": serializers.CharField(),
        "kind": serializers.CharField(),
        "banner": serializers.CharField(),
        "prompt": serializers.CharField(),
        "post_text": serializers.CharField(),
        "proposal": serializers.CharField(),
        "lease_expires_at": serializers.DateTimeField(),
    },
)


def _cap_refusal() -> Refused:
    return Refused(
        "daily_cap_reached",
        _("You have reached today's limit of %(value)s taboo cases; it resets at midnight in your time zone.")
        % {"value": taboo_daily_cap()},
        status.HTTP_429_TOO_MANY_REQUESTS,
    )


class QueueTokenAuthentication(CachedTokenAuthentication):
    """The hot pair's token check (next case, ruling: one op), cached per process for
    VERIFIER["TOKEN_CACHE_SECONDS"] (the revocation bound, docs/queue.md); every other route checks each time."""

    @property
    def ttl_seconds(self) -> float:
        return settings.VERIFIER["TOKEN_CACHE_SECONDS"]


class QueueTokenScheme(CachedTokenScheme):
    """The same `Authorization: Token ...` header in the OpenAPI schema, under a name of its own: drf-spectacular
    keys a scheme by its authentication class, and the filter's cached class holds `cachedTokenAuth`."""

    target_class = "verifier.api.QueueTokenAuthentication"
    match_subclasses = False
    priority = 2  # before CachedTokenScheme, which matches this class too
    name = "queueTokenAuth"


HOT_PAIR_AUTHENTICATION = [QueueTokenAuthentication, SessionAuthentication]


class NextCaseView(APIView):
    permission_classes = [roles("verifier")]
    authentication_classes = HOT_PAIR_AUTHENTICATION

    @extend_schema(
        responses={200: CaseSerializer, 204: None, 429: None},
        description="VQ-1: lease the next case (10 min). 204 nothing to do; 429 daily_cap_reached.",
    )
    def get(self, request):
        try:
            lease = case_next(user=request.user)
        except DailyCapReached:
            raise _cap_refusal()
        if lease is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(case_payload(lease.case, lease))


class RulingSerializer(serializers.Serializer):
    answer = serializers.ChoiceField(choices=["yes", "no"])
    # issue 14: the same key again for the same case returns the ruling already made (a double key press)
    idempotency_key = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    # issue 14: one request per op; the answer carries the next case, as GET /queue/next/ would answer it
    next = serializers.BooleanField(required=False, default=False)


_RULING_FIELDS = RulingSerializer().fields
_HOT_BODY_KEYS, _KEY_MAX = frozenset(_RULING_FIELDS), _RULING_FIELDS["idempotency_key"].max_length


def ruling_body_read(data) -> dict | None:
    """The body nearly every ruling sends (`answer` "yes"/"no", optional `idempotency_key` and `next`), read as
    RulingSerializer would read it but without building one: its per-instance copy of the fields was 5 % of a
    ruling's CPU (issue 14). None for anything else (a missing or other answer, a key with surrounding spaces
    the serializer would trim, `next` given as a string, an unknown field...): the serializer reads that one
    and answers its errors. tests/verifier/test_queue_loop.py checks both readings agree."""
    if type(data) is not dict or not data.keys() <= _HOT_BODY_KEYS:
        return None
    answer, key, following = data.get("answer"), data.get("idempotency_key", ""), data.get("next", False)
    if answer not in ("yes", "no") or type(key) is not str or len(key) > _KEY_MAX or key != key.strip():
        return None
    if type(following) is not bool:
        return None
    return {"answer": answer, "idempotency_key": key, "next": following}


def _visible_case_or_404(request, case_id) -> Case:
    case = case_get_visible(user=request.user, public_id=case_id)
    if case is None:
        raise Refused("not_found", _("No such case."), status.HTTP_404_NOT_FOUND)
    return case


class RulingView(APIView):
    permission_classes = [roles("verifier")]
    authentication_classes = HOT_PAIR_AUTHENTICATION

    @extend_schema(
        request=RulingSerializer,
        responses={
            201: inline_serializer(
                "RulingResult",
                {
                    "ruling_id": serializers.UUIDField(),
                    "case_id": serializers.UUIDField(),
                    "answer": serializers.CharField(),
                    "replayed": serializers.BooleanField(),
                    "next": CaseSerializer,
                    "next_refused": serializers.CharField(),
                },
            )
        },
        description="VQ-1: rule on a case you hold. With `idempotency_key`, sending the same key again "
        "answers the ruling already made (`replayed: true`) instead of 409 already_ruled. With `next: true` "
        "the answer also carries the next case (`next`, what GET /queue/next/ answers; null when there is "
        "none) and `next_refused` (`daily_cap_reached` when only capped taboo work is left, else empty), so "
        "one request is one op.",
    )
    def post(self, request, case_id):
        given = ruling_body_read(request.data)
        if given is None:
            data = RulingSerializer(data=request.data)
            given = data.validated_data if data.is_valid() else None
        ruling = None
        if given is not None:  # the hot path: a case the verifier holds, found by the statement that locks it
            ruling = ruling_record_held(
                user=request.user,
                case_public_id=case_id,
                answer=given["answer"],
                idempotency_key=given["idempotency_key"],
            )
        if ruling is None:  # anything else (not found, not theirs, replayed, expired) answers as before
            case = _visible_case_or_404(request, case_id)
            if given is None:
                data.is_valid(raise_exception=True)
            ruling = ruling_record(
                user=request.user,
                case=case,
                answer=given["answer"],
                idempotency_key=given["idempotency_key"],
            )
        body = {
            "ruling_id": str(ruling.public_id),
            "case_id": str(case_id),
            "answer": ruling.answer,
            "replayed": getattr(ruling, "replayed", False),
        }
        if given["next"]:
            body["next"], body["next_refused"] = None, ""
            try:
                lease = case_next(user=request.user)
            except DailyCapReached:
                body["next_refused"] = "daily_cap_reached"
            else:
                if lease is not None:
                    body["next"] = case_payload(lease.case, lease)
        return Response(body, status=status.HTTP_201_CREATED)


class UndoView(APIView):
    permission_classes = [roles("verifier")]

    @extend_schema(
        request=None,
        responses={200: CaseSerializer, 409: None},
        description="VQ-10: take back your last ruling within UNDO_SECONDS (10 s), if nothing consumed it; "
        "the case returns to you under a fresh lease. 409 nothing_to_undo / undo_window_closed / "
        "already_appealed / ruling_consumed.",
    )
    def post(self, request):
        case = ruling_undo(user=request.user)
        lease = case_next(user=request.user)
        return Response(case_payload(case, lease if lease and lease.case.pk == case.pk else None))


class SkipView(APIView):
    permission_classes = [roles("verifier")]

    @extend_schema(request=None, responses={204: None})
    def post(self, request, case_id):
        case_skip(user=request.user, case=_visible_case_or_404(request, case_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class CaseDetailView(APIView):
    permission_classes = [roles("verifier", "senior", "admin")]

    @extend_schema(responses=CaseSerializer)
    def get(self, request, case_id):
        case = _visible_case_or_404(request, case_id)
        if case.native_only:  # issue 11: an admin outside the pool reading it is audited
            taboo_read_record(user=request.user, what="case_detail", obj=case, shard_id=case.shard_id)
        return Response({**case_payload(case), "status": case.status, "decision": case.decision})


class ShardsView(APIView):
    permission_classes = [roles("senior", "admin")]

    @extend_schema(
        responses=inline_serializer(
            "ShardDepth",
            {
                "code": serializers.CharField(),
                "state": serializers.CharField(),
                "native_pool": serializers.IntegerField(),
                "waiting": serializers.IntegerField(),
                "held": serializers.IntegerField(),
                "paused": serializers.IntegerField(),
                "overdue": serializers.IntegerField(),
            },
            many=True,
        )
    )
    def get(self, request):
        rows = shards_overview(user=request.user)
        return Response([{"code": r["shard"].code, **{k: v for k, v in r.items() if k != "shard"}} for r in rows])
