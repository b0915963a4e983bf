"""Risk DB API (SPEC 8): taboo nominations and candidates, rules, complaints, surveys, index readiness.
Views parse, authorise and call one service."""

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import field_errors
from core.bulk import bulk_parse
from core.errors import Refused
from core.permissions import roles
from core.text import control_character_reason
from risk_db import selectors, services
from risk_db.models import Rule, RuleShardState, RuleVersion, TabooCandidate
from shards.models import Locale
from shards.services.fence import taboo_read_record, taboo_reads_of_cases_record
from verifier.selectors import case_get_visible


def _refusal(exc) -> Refused:
    if isinstance(exc, Refused):
        return exc
    if isinstance(exc, services.PatternRejected):  # PatternTooBroad included, with its own code
        return Refused(exc.code, str(exc), status.HTTP_400_BAD_REQUEST, {"pattern": [str(exc)]})
    if isinstance(exc, services.EvidenceMissing):
        return Refused(exc.code, _("Not promoted: %(reason)s.") % {"reason": exc}, status.HTTP_409_CONFLICT)
    if isinstance(exc, services.TransitionRefused):
        return Refused(exc.code, str(exc), status.HTTP_409_CONFLICT)
    raise exc


# ---- Response shapes for the OpenAPI schema ---------------------------------------------------
ANY_OBJECT = inline_serializer("RiskObject", {"id": serializers.IntegerField()})
RULE_FIELDS = {
    "id": serializers.IntegerField(),
    "intent_class": serializers.CharField(),
    "origin_locale": serializers.CharField(),
    "current_version": serializers.IntegerField(),
    "pattern": serializers.CharField(),
    "states": serializers.DictField(child=serializers.DictField()),
    "versions": serializers.ListField(child=serializers.DictField(), required=False),
    "history": serializers.ListField(child=serializers.DictField(), required=False),
}
RULE_SCHEMA = inline_serializer("Rule", RULE_FIELDS)
RULE_LIST_SCHEMA = inline_serializer("RuleListItem", RULE_FIELDS, many=True)
VERSION_SCHEMA = inline_serializer(
    "RuleVersion",
    {
        "number": serializers.IntegerField(),
        "kind": serializers.CharField(),
        "pattern": serializers.CharField(),
        "intent_class": serializers.CharField(),
        "keyword": serializers.CharField(),
        "embedder": serializers.CharField(),
    },
)
CANDIDATE_LIST_SCHEMA = inline_serializer(
    "TabooCandidate",
    many=True,
    fields={
        "id": serializers.IntegerField(),
        "token": serializers.CharField(),
        "status": serializers.CharField(),
        "verifiers": serializers.IntegerField(),
        "locales": serializers.ListField(child=serializers.CharField()),
        "nominations": serializers.ListField(child=serializers.DictField()),
    },
)
BULK_RESULT = inline_serializer("EvidenceResults", {"results": serializers.ListField(child=serializers.DictField())})
READY_SCHEMA = inline_serializer(
    "IndexReadiness",
    {
        "ready": serializers.BooleanField(),
        "reason": serializers.CharField(),
        "live_build": serializers.IntegerField(allow_null=True),  # null before the first build
        "built_at": serializers.DateTimeField(allow_null=True),
        "pending_changes": serializers.BooleanField(),
    },
)
REASON = inline_serializer(
    "Reason",
    {
        "reason": serializers.CharField(required=False),
        "keyword": serializers.CharField(required=False),
        "text": serializers.CharField(required=False),
        "should_block": serializers.BooleanField(required=False),
    },
)


# ---- Nominations and candidates (RK-1..RK-3) ------------------------------------------------


class NominationSerializer(serializers.Serializer):
    term = serializers.CharField(allow_blank=True, trim_whitespace=False)
    context = serializers.CharField(allow_blank=True, required=False, default="")


class NominationView(APIView):
    permission_classes = [roles("verifier")]

    @extend_schema(
        request=NominationSerializer,
        responses={
            201: inline_serializer(
                "NominationResult",
                {
                    "nomination_id": serializers.IntegerField(),
                    "candidate_id": serializers.IntegerField(),
                    "candidate_status": serializers.CharField(),
                },
            )
        },
        description="RK-1: a 'New taboo' on a case the verifier can see: term + ~20 words of context.",
    )
    def post(self, request, case_id):
        case = case_get_visible(user=request.user, public_id=case_id)
        if case is None:
            raise Refused("not_found", _("No such case."), status.HTTP_404_NOT_FOUND)
        data = NominationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            nomination = services.taboo_nominate(user=request.user, case=case, **data.validated_data)
        except Refused as exc:
            raise _refusal(exc)
        return Response(
            {
                "nomination_id": nomination.pk,
                "candidate_id": nomination.candidate_id,
                "candidate_status": nomination.candidate.status,
            },
            status=status.HTTP_201_CREATED,
        )


def candidate_payload(c: TabooCandidate) -> dict:
    return {
        "id": c.pk,
        "token": c.token,
        "status": c.status,
        "first_at": c.first_at,
        "expires_at": c.expires_at,
        "surfaced_at": c.surfaced_at,
        "decided_at": c.decided_at,
        "rule_id": c.rule_id,
        "verifiers": len({n.verifier_id for n in c.nominations.all()}),
        "locales": sorted({n.locale for n in c.nominations.all()}),
        "nominations": [
            {
                "id": n.pk,
                "term": n.term,
                "context": n.context,
                "locale": n.locale,
                "verifier": n.verifier.username,
                "case_id": str(n.case.public_id),
                "at": n.at,
            }
            for n in c.nominations.all()
        ],
    }


class CandidatesView(APIView):
    permission_classes = [roles("senior", "admin")]

    @extend_schema(responses={200: CANDIDATE_LIST_SCHEMA}, operation_id="taboo_candidates_list")
    def get(self, request):
        wanted = request.query_params.get("status") or None
        if wanted and wanted not in TabooCandidate.Status.values:
            raise Refused(
                "invalid",
                _("status must be one of %(value)s.") % {"value": ", ".join(TabooCandidate.Status.values)},
                400,
                {"status": [f"Unknown status {wanted!r}."]},
            )
        candidates = list(selectors.taboo_candidates(status=wanted, user=request.user))
        # issue 11: an admin outside a pool shown nominations made on its taboo cases is audited
        taboo_reads_of_cases_record(
            user=request.user, what="taboo_candidates", cases=[n.case for c in candidates for n in c.nominations.all()]
        )
        return Response([candidate_payload(c) for c in candidates])


class ApproveSerializer(serializers.Serializer):
    pattern = serializers.CharField(trim_whitespace=False)
    intent_class = serializers.CharField(allow_blank=True)
    origin_locale = serializers.CharField(required=False, allow_blank=True, default="")


class ApproveView(APIView):
    permission_classes = [roles("senior")]

    @extend_schema(
        request=ApproveSerializer,
        responses={
            201: inline_serializer(
                "ApproveResult", {"rule_id": serializers.IntegerField(), "version": serializers.IntegerField()}
            )
        },
    )
    def post(self, request, candidate_id):
        candidate = get_object_or_404(selectors.taboo_candidates_seen(user=request.user), pk=candidate_id)
        data = ApproveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            rule = services.taboo_candidate_approve(candidate=candidate, actor=request.user, **data.validated_data)
        except (Refused, services.PatternRejected) as exc:
            raise _refusal(exc)
        return Response({"rule_id": rule.pk, "version": rule.current_version.number}, status=status.HTTP_201_CREATED)


class RejectView(APIView):
    permission_classes = [roles("senior")]

    @extend_schema(request=REASON, responses={200: ANY_OBJECT})
    def post(self, request, candidate_id):
        candidate = get_object_or_404(selectors.taboo_candidates_seen(user=request.user), pk=candidate_id)
        try:
            candidate = services.taboo_candidate_reject(
                candidate=candidate, actor=request.user, reason=str(request.data.get("reason", ""))
            )
        except Refused as exc:
            raise _refusal(exc)
        return Response({"id": candidate.pk, "status": candidate.status})


# ---- Rules ------------------------------------------------------------------------------------


def version_payload(v) -> dict:
    return {
        "number": v.number,
        "kind": v.kind,
        "pattern": v.pattern,
        "intent_class": v.intent_class,
        "term": v.term,
        "context": v.context,
        "keyword": v.keyword,
        "min_sentiment": v.min_sentiment,
        "embedder": v.embedder,
        "restored_from": v.restored_from.number if v.restored_from_id else None,
        "note": v.note,
        "created_at": v.created_at,
        "created_by": v.created_by.username if v.created_by_id else "system",
    }


def rule_payload(rule: Rule, *, full: bool = False) -> dict:
    states = sorted(rule.shard_states.all(), key=lambda s: s.shard.code)
    wanted = {i for s in states for i in (s.blocking_version_id, s.candidate_version_id) if i}
    numbers = dict(RuleVersion.objects.filter(pk__in=wanted).values_list("pk", "number")) if wanted else {}
    body = {
        "id": rule.pk,
        "intent_class": rule.intent_class,
        "origin_locale": rule.origin_locale,
        "current_version": rule.current_version.number,
        "pattern": rule.current_version.pattern,
        "states": {
            s.shard.code: {
                "state": s.state,
                "since": s.since,
                "origin": s.origin,
                "review_requested_at": s.review_requested_at,
                # Issue 13: the version blocking here, and a newer one in shadow beside it until it graduates.
                "blocking_version": numbers.get(s.blocking_version_id),
                "shadow_version": numbers.get(s.candidate_version_id),
                "shadow_since": s.candidate_since,
            }
            for s in states
        },
    }
    if full:
        body["versions"] = [version_payload(v) for v in sorted(rule.versions.all(), key=lambda v: v.number)]
        body["history"] = [
            {
                "at": t.at,
                "shard": t.shard.code if t.shard_id else None,
                "event": t.event,
                "from": t.from_state,
                "to": t.to_state,
                "version": t.version_number,
                "by": t.made_by,
                "reason": t.reason,
                "evidence": t.evidence,
            }
            for t in rule.transitions.all()
        ]
    return body


class RulesView(APIView):
    permission_classes = [roles("senior", "admin")]

    @extend_schema(responses={200: RULE_LIST_SCHEMA}, operation_id="rules_list")
    def get(self, request):
        rules = selectors.rules_fenced(rules=selectors.rules_overview(), user=request.user)
        return Response([rule_payload(r) for r in rules])


def _rule_or_404(rule_id, user=None, *, change_words: bool = False) -> Rule:
    """The rule behind the fence (issue 11): its words masked where `user` may not see them, and 403
    `outside_native_pool` for a change of its words (edit, restore, soften) by such a user."""
    rule = (
        selectors.rule_detail(rule_id=rule_id)
        if user is None
        else selectors.rule_detail_for(rule_id=rule_id, user=user)
    )
    if rule is None:
        raise Refused("not_found", _("No such rule."), status.HTTP_404_NOT_FOUND)
    if change_words and rule.words_hidden:
        raise Refused(
            "outside_native_pool",
            _("Only natives of %(locale)s may change this rule's words.") % {"locale": rule.origin_locale},
            status.HTTP_403_FORBIDDEN,
        )
    return rule


class RuleDetailView(APIView):
    permission_classes = [roles("senior", "admin")]

    @extend_schema(responses={200: RULE_SCHEMA})
    def get(self, request, rule_id):
        rule = _rule_or_404(rule_id, request.user)
        if selectors.rule_words_native_only(rule=rule):  # issue 11: an admin outside the pool reading it is audited
            taboo_read_record(user=request.user, what="rule_detail", obj=rule, locale=rule.origin_locale)
        return Response(rule_payload(rule, full=True))


class VersionSerializer(serializers.Serializer):
    pattern = serializers.CharField(trim_whitespace=False)
    intent_class = serializers.CharField(required=False)
    term = serializers.CharField(required=False, allow_blank=True)
    context = serializers.CharField(required=False, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class RuleVersionsView(APIView):
    """RK-3: an edit publishes a new frozen version."""

    permission_classes = [roles("senior")]

    @extend_schema(request=VersionSerializer, responses={201: VERSION_SCHEMA})
    def post(self, request, rule_id):
        rule = _rule_or_404(rule_id, request.user, change_words=True)
        data = VersionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            version = services.rule_version_publish(rule=rule, actor=request.user, **data.validated_data)
        except services.PatternRejected as exc:
            raise _refusal(exc)
        return Response(version_payload(version), status=status.HTTP_201_CREATED)


class RuleRestoreView(APIView):
    permission_classes = [roles("senior")]

    @extend_schema(request=None, responses={201: VERSION_SCHEMA})
    def post(self, request, rule_id, number):
        try:
            version = services.rule_version_restore(
                rule=_rule_or_404(rule_id, request.user, change_words=True), number=number, actor=request.user
            )
        except services.TransitionRefused as exc:
            raise _refusal(exc)
        return Response(version_payload(version), status=status.HTTP_201_CREATED)


class RuleSoftenView(APIView):
    """RK-6: re-issue a reverted rule as keyword + sentiment >= 0.2."""

    permission_classes = [roles("senior")]

    @extend_schema(request=REASON, responses={201: VERSION_SCHEMA})
    def post(self, request, rule_id):
        try:
            version = services.rule_soften(
                rule=_rule_or_404(rule_id, request.user, change_words=True),
                actor=request.user,
                keyword=str(request.data.get("keyword", "")),
            )
        except services.TransitionRefused as exc:
            raise _refusal(exc)
        return Response(version_payload(version), status=status.HTTP_201_CREATED)


def _state_or_404(rule_id, shard_code) -> RuleShardState:
    state = (
        RuleShardState.objects.select_related("rule", "shard", "rule__current_version")
        .filter(rule_id=rule_id, shard__code=shard_code)
        .first()
    )
    if state is None:
        raise Refused(
            "not_found",
            _("Rule %(rule_id)s has no state in shard %(shard_code)s.")
            % {"rule_id": rule_id, "shard_code": repr(shard_code)},
            status.HTTP_404_NOT_FOUND,
        )
    return state


class RulePromoteView(APIView):
    """RK-5 / RK-7: promote to blocking in one shard, with the evidence or a refusal naming what is missing."""

    permission_classes = [roles("senior")]

    @extend_schema(request=None, responses={200: ANY_OBJECT})
    def post(self, request, rule_id, shard_code):
        try:
            state = services.rule_shard_promote(state=_state_or_404(rule_id, shard_code), actor=request.user)
        except (services.EvidenceMissing, services.TransitionRefused) as exc:
            raise _refusal(exc)
        return Response(
            {
                "rule_id": state.rule_id,
                "shard": state.shard.code,
                "state": state.state,
                "blocking_version": state.blocking_version.number if state.blocking_version_id else None,
            }
        )


class VerifyItemView(APIView):
    """RK-7: add an item to an importing shard's verify set."""

    permission_classes = [roles("senior", "verifier")]

    @extend_schema(request=REASON, responses={201: ANY_OBJECT})
    def post(self, request, rule_id, shard_code):
        state = _state_or_404(rule_id, shard_code)
        if (
            request.user.role == "verifier"
            and not request.user.memberships.filter(shard=state.shard, active=True).exists()
        ):
            raise Refused(
                "not_found",
                _("You are not in the %(shard_code)s pool.") % {"shard_code": shard_code},
                status.HTTP_404_NOT_FOUND,
            )
        try:
            item = services.local_verify_item_add(
                state=state,
                actor=request.user,
                text=str(request.data.get("text", "")),
                should_block=bool(request.data.get("should_block", True)),
            )
        except services.TransitionRefused as exc:
            raise Refused("invalid", str(exc), 400, {"text": [str(exc)]})
        return Response({"id": item.pk}, status=status.HTTP_201_CREATED)


class IndexReadyView(APIView):
    """RK-3: 200 when the live index is current, 503 when it is stale (for load balancers and monitors)."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(responses={200: READY_SCHEMA, 503: READY_SCHEMA})
    def get(self, request):
        body = selectors.rules_index_readiness()
        return Response(body, status=status.HTTP_200_OK if body["ready"] else status.HTTP_503_SERVICE_UNAVAILABLE)


# ---- Complaints and surveys (intake, SPEC 8) ---------------------------------------------------


def _no_control_characters(value: str) -> None:
    """Issue 11: the bulk views check their items' strings item by item (`text_checked_per_item`)."""
    if reason := control_character_reason(value):
        raise serializers.ValidationError(reason)


class ComplaintSerializer(serializers.Serializer):
    post_id = serializers.CharField(max_length=128, validators=[_no_control_characters])
    hashtags = serializers.ListField(
        child=serializers.CharField(max_length=200, validators=[_no_control_characters]),
        allow_empty=True,
        max_length=settings.INTAKE["MAX_HASHTAGS"],
    )
    locale = serializers.CharField(max_length=16, validators=[_no_control_characters])
    at = serializers.DateTimeField()

    def validate_locale(self, value):
        if not Locale.objects.filter(code=value).exists():
            raise serializers.ValidationError(_("Unknown locale '%(locale)s'.") % {"locale": value})
        return value


class SurveySerializer(serializers.Serializer):
    locale = serializers.CharField(max_length=16, validators=[_no_control_characters])
    arm = serializers.ChoiceField(choices=["treatment", "control"], required=False)
    fair = serializers.BooleanField()
    rule_id = serializers.IntegerField(required=False, allow_null=True)
    subject_id = serializers.CharField(
        required=False, allow_blank=True, max_length=128, default="", validators=[_no_control_characters]
    )
    at = serializers.DateTimeField()

    validate_locale = ComplaintSerializer.validate_locale

    def validate_rule_id(self, value):
        if value is not None and not Rule.objects.filter(pk=value).exists():
            raise serializers.ValidationError(_("No rule %(rule)s.") % {"rule": value})
        return value

    def validate(self, data):
        if data.get("subject_id"):
            expected = services.survey_arm(subject_id=data["subject_id"], rule_id=data.get("rule_id"))
            if data.get("arm") and data["arm"] != expected:
                raise serializers.ValidationError(
                    {
                        "arm": f"Subject {data['subject_id']!r} is assigned to the {expected} arm "
                        "by the deterministic hash, not the one sent."
                    }
                )
            data["arm"] = expected
        elif not data.get("arm"):
            raise serializers.ValidationError({"arm": "Send arm, or subject_id so the arm can be assigned."})
        return data


def _bulk(request, serializer_class, make, record) -> Response:
    body = bulk_parse(request.data, limit=settings.RISK_DB["SURVEY_BULK_MAX_ITEMS"])
    items = body.items
    results, valid = [], []
    for index, item in enumerate(items):
        data = serializer_class(data=item if isinstance(item, dict) else {})
        if not isinstance(item, dict):
            results.append({"index": index, "outcome": "invalid", "errors": {"item": ["Expected an object."]}})
        elif data.is_valid():
            results.append({"index": index, "outcome": "stored"})
            valid.append((index, make(data.validated_data)))
        else:
            results.append({"index": index, "outcome": "invalid", "errors": field_errors(data.errors)})
    for (index, _item), row in zip(valid, record([v for _index, v in valid])):
        results[index]["id"] = row.pk
        if hasattr(row, "arm"):
            results[index]["arm"] = row.arm
    return Response({"results": results}, status=status.HTTP_200_OK)


class ComplaintsView(APIView):
    """RK-5: complaint events `{post_id, hashtags, locale, at}`, one or {"items": [...]}; every item answered."""

    permission_classes = [roles("intake")]
    text_checked_per_item = True  # ComplaintSerializer refuses control characters item by item (issue 11)

    @extend_schema(request=ComplaintSerializer, responses={200: BULK_RESULT})
    def post(self, request):
        return _bulk(
            request,
            ComplaintSerializer,
            lambda d: services.ComplaintIn(**d),
            lambda items: services.complaints_record(items=items),
        )


class SurveysView(APIView):
    """RK-5: "did this feel fair?" `{locale, arm, fair, rule_id?, at}` (or subject_id for a hashed arm)."""

    permission_classes = [roles("intake")]
    text_checked_per_item = True  # SurveySerializer refuses control characters item by item (issue 11)

    @extend_schema(request=SurveySerializer, responses={200: BULK_RESULT})
    def post(self, request):
        return _bulk(
            request,
            SurveySerializer,
            lambda d: services.SurveyIn(**d),
            lambda items: services.surveys_record(items=items),
        )


class SurveyArmView(APIView):
    """RK-5: which arm a subject is in for a rule (deterministic hash), so the client shows the right one."""

    permission_classes = [roles("intake", "senior", "admin")]

    @extend_schema(responses={200: inline_serializer("SurveyArm", {"arm": serializers.CharField()})})
    def get(self, request):
        subject = request.query_params.get("subject_id", "")
        if not subject:
            raise Refused("invalid", _("subject_id is required."), 400, {"subject_id": ["Required."]})
        rule_id = request.query_params.get("rule_id")
        rule_id = int(rule_id) if rule_id and rule_id.isdigit() else None
        return Response(
            {"subject_id": subject, "rule_id": rule_id, "arm": services.survey_arm(subject_id=subject, rule_id=rule_id)}
        )


# ---- Backtest of a candidate pattern (issue 13) ------------------------------------------------------


class _StringField(serializers.CharField):
    """A CharField that refuses a number or boolean instead of coercing it ({"pattern": 0} is no pattern "0")."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class BacktestSerializer(serializers.Serializer):
    pattern = _StringField(max_length=settings.RISK_DB["PATTERN_MAX_CHARS"])


BACKTEST_SCHEMA = inline_serializer(
    "BacktestAnswer",
    {
        "pattern": serializers.CharField(),
        "days": serializers.IntegerField(),
        "since": serializers.DateTimeField(),
        "shards": inline_serializer(
            "BacktestShard",
            {
                "shard": serializers.CharField(),
                "texts": serializers.IntegerField(),
                "hits": serializers.IntegerField(),
                "rate": serializers.FloatField(),
                "percent": serializers.FloatField(),
                "samples": serializers.ListField(child=serializers.CharField()),
                "samples_fenced": serializers.IntegerField(),
            },
            many=True,
        ),
        "overlaps": inline_serializer(
            "BacktestOverlap",
            {
                "rule_id": serializers.IntegerField(),
                "version": serializers.IntegerField(),
                "pattern": serializers.CharField(),
                "shared_hits": serializers.IntegerField(),
                "states": serializers.JSONField(),
            },
            many=True,
        ),
    },
)


class BacktestView(APIView):
    """Issue 13: before approving, a candidate pattern's would-hit rate over the last 30 days of recorded texts
    per shard, sample matches within the taboo fence, and the live rules it overlaps."""

    permission_classes = [roles("senior", "admin")]

    @extend_schema(request=BacktestSerializer, responses={200: BACKTEST_SCHEMA})
    def post(self, request):
        ser = BacktestSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        try:
            return Response(selectors.pattern_backtest(pattern=ser.validated_data["pattern"], user=request.user))
        except services.PatternRejected as exc:
            raise _refusal(exc)
