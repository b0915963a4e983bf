"""API for calibration, audits and pay (CA-1..CA-8). Thin: parse, authorise, call."""

from datetime import date

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import Refused
from core.models import User
from core.permissions import roles
from quality import selectors as sq
from quality.models import (
    BlindAudit,
    CalibrationSet,
    DriftReport,
    ExternalAuditItem,
    KappaScore,
    Payout,
    PayRun,
    Rationale,
)
from quality.services.audits import (
    blind_audit_edit_flip,
    blind_audit_evaluate,
    blind_audit_start,
    drift_report_build,
    external_audit_answer,
    rationale_write,
)
from quality.services.calibration import calibration_answers_submit, gold_item_create
from quality.services.pay import contract_set, pay_run_execute, payout_release, payroll_csv
from quality.services.periods import parse_month
from shards.models import Shard


def _month(value, field="month") -> date:
    try:
        return parse_month(value or "")
    except ValueError as error:
        raise Refused(
            "invalid", _("%(field)s: %(error)s") % {"field": field, "error": error}, 400, errors={field: [str(error)]}
        )


# ---- calibration -------------------------------------------------------------------------------


OBJECT_LIST = {"type": "array", "items": {"type": "object", "additionalProperties": {}}}  # a list answer (issue 11)


class CalibrationCurrentView(APIView):
    permission_classes = [roles("verifier")]

    @extend_schema(responses={200: OBJECT_LIST})
    def get(self, request):
        return Response(
            [
                sq.calibration_set_view(calibration_set=s, user=request.user)
                for s in sq.calibration_sets_open(user=request.user)
            ]
        )


class CalibrationAnswersSerializer(serializers.Serializer):
    answers = serializers.ListField(
        child=inline_serializer(
            "CalibrationAnswerIn", {"item_id": serializers.IntegerField(), "answer": serializers.CharField()}
        ),
        allow_empty=False,
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CalibrationAnswersView(APIView):
    permission_classes = [roles("verifier")]

    @extend_schema(
        responses=OpenApiTypes.OBJECT,
        request=CalibrationAnswersSerializer,
        description="CA-1/CA-4: answer every item; 400 cultural_note_required on a >10 % divergent cross-lingual set.",
    )
    def post(self, request, set_id):
        cset = CalibrationSet.objects.filter(public_id=set_id).first()
        if cset is None:
            raise Refused("not_found", _("No such calibration set."), 404)
        data = CalibrationAnswersSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answers = {a["item_id"]: a["answer"] for a in data.validated_data["answers"]}
        result = calibration_answers_submit(
            user=request.user,
            calibration_set=cset,
            answers=answers,
            note=data.validated_data["note"],
        )
        return Response(
            {k: str(v) if not isinstance(v, int) else v for k, v in result.items()}, status=status.HTTP_201_CREATED
        )


class GoldItemSerializer(serializers.Serializer):
    locale = serializers.CharField(max_length=16)
    post_text = serializers.CharField()
    proposal = serializers.CharField(required=False, allow_blank=True, default="")
    expected = serializers.ChoiceField(choices=["yes", "no"])
    kind = serializers.ChoiceField(choices=["correction", "taboo"], default="correction")


class GoldItemsView(APIView):
    permission_classes = [roles("senior", "admin")]

    @extend_schema(responses={201: OpenApiTypes.OBJECT}, request=GoldItemSerializer)
    def post(self, request):
        data = GoldItemSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        gold = gold_item_create(actor=request.user, **data.validated_data)
        return Response({"id": gold.pk}, status=status.HTTP_201_CREATED)


class KappaView(APIView):
    permission_classes = [roles("senior", "admin")]

    @extend_schema(responses={200: OBJECT_LIST})
    def get(self, request):
        qs = KappaScore.objects.select_related("verifier").order_by("month", "verifier__username")
        if request.query_params.get("month"):
            qs = qs.filter(month=_month(request.query_params["month"]))
        return Response(
            [
                {
                    "verifier": k.verifier.username,
                    "month": k.month.strftime("%Y-%m"),
                    "kappa": str(k.kappa),
                    "effective": str(k.effective),
                    "pairs": k.pairs,
                    "bonus_cut": k.bonus_cut,
                    "bonus_cut_reason": k.bonus_cut_reason,
                }
                for k in qs
            ]
        )


# ---- audits -----------------------------------------------------------------------------------


class BlindAuditStartSerializer(serializers.Serializer):
    shard = serializers.CharField()
    month = serializers.CharField()


class BlindAuditsView(APIView):
    permission_classes = [roles("senior", "admin")]

    @extend_schema(responses=OpenApiTypes.OBJECT, request=BlindAuditStartSerializer)
    def post(self, request):
        data = BlindAuditStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        shard = Shard.objects.filter(code=data.validated_data["shard"]).first()
        if shard is None:
            raise Refused("invalid", _("shard: no such shard."), 400, errors={"shard": ["no such shard"]})
        audit = blind_audit_start(shard=shard, month=_month(data.validated_data["month"]), actor=request.user)
        return Response(sq.blind_audit_view(audit=audit, user=request.user), status=status.HTTP_201_CREATED)


class BlindAuditEvaluateView(APIView):
    permission_classes = [roles("admin")]

    @extend_schema(responses=OpenApiTypes.OBJECT, request=None)
    def post(self, request, audit_id):
        audit = get_object_or_404(BlindAudit, pk=audit_id)
        report = blind_audit_evaluate(audit=audit)
        return Response(
            {u: {k: str(v) if not isinstance(v, (bool, int)) else v for k, v in r.items()} for u, r in report.items()}
        )


class FlipEditSerializer(serializers.Serializer):
    post_text = serializers.CharField()
    proposal = serializers.CharField(required=False, allow_blank=True, allow_null=True, default=None)


class BlindAuditFlipView(APIView):
    permission_classes = [roles("senior")]

    @extend_schema(
        responses=OpenApiTypes.OBJECT,
        request=FlipEditSerializer,
        description="CA-3: a senior writes or edits the flip before anyone rules on it.",
    )
    def patch(self, request, item_id):
        item = sq.blind_audit_item_for(user=request.user, public_id=item_id)
        if item is None:
            raise Refused("not_found", _("No such audit item."), 404)
        data = FlipEditSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = blind_audit_edit_flip(user=request.user, item=item, **data.validated_data)
        return Response(
            {"id": str(item.public_id), "post_text": item.flip_case.post_text, "proposal": item.flip_case.proposal}
        )


class ExternalAuditItemsView(APIView):
    """CA-5: the auditor's pending blind items (post and proposal only)."""

    permission_classes = [roles("senior")]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        return Response(
            [
                {
                    "id": i.pk,
                    "shard": i.case.shard.code,
                    "kind": i.case.kind,
                    "post_text": i.case.post_text,
                    "proposal": "" if i.case.is_taboo else i.case.proposal,
                }
                for i in sq.external_items_pending(user=request.user)
            ]
        )


class ExternalAuditItemAnswerView(APIView):
    permission_classes = [roles("senior")]

    @extend_schema(
        responses=OpenApiTypes.OBJECT,
        request=inline_serializer("ExternalAnswer", {"answer": serializers.ChoiceField(choices=["yes", "no"])}),
    )
    def post(self, request, item_id):
        item = ExternalAuditItem.objects.filter(pk=item_id).select_related("audit").first()
        if item is None:
            raise Refused("not_found", _("No such audit item."), 404)
        item = external_audit_answer(user=request.user, item=item, answer=request.data.get("answer", ""))
        return Response({"id": item.pk, "answer": item.answer}, status=status.HTTP_201_CREATED)


class DriftView(APIView):
    """CA-7: GET the month's subgroup drift reports; POST {month} builds them now (the beat task
    builds last month's on the 1st)."""

    permission_classes = [roles("admin")]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request):
        month = _month(request.query_params.get("month", ""))
        return Response(
            [sq.drift_view(report=r) for r in DriftReport.objects.filter(month=month).select_related("shard")]
        )

    @extend_schema(
        responses=OpenApiTypes.OBJECT, request=inline_serializer("DriftIn", {"month": serializers.CharField()})
    )
    def post(self, request):
        month = _month(request.data.get("month", ""))
        reports = [drift_report_build(shard=s, month=month) for s in Shard.objects.filter(kind=Shard.Kind.LOCALE)]
        return Response([sq.drift_view(report=r) for r in reports], status=status.HTTP_201_CREATED)


class RationalesView(APIView):
    """CA-8: the verifier's rationales still to write."""

    permission_classes = [roles("verifier")]

    @extend_schema(responses={200: OBJECT_LIST})
    def get(self, request):
        return Response(
            [
                {
                    "id": r.pk,
                    "shard": r.campaign.shard.code,
                    "post_text": r.case.post_text,
                    "proposal": "" if r.case.is_taboo else r.case.proposal,
                }
                for r in sq.rationales_pending(user=request.user, limit=200)
            ]
        )


class RationaleView(APIView):
    permission_classes = [roles("verifier")]

    @extend_schema(
        responses=OpenApiTypes.OBJECT, request=inline_serializer("RationaleIn", {"sentence": serializers.CharField()})
    )
    def post(self, request, rationale_id):
        rationale = Rationale.objects.filter(pk=rationale_id).select_related("case").first()
        if rationale is None:
            raise Refused("not_found", _("No such rationale."), 404)
        rationale = rationale_write(user=request.user, rationale=rationale, sentence=request.data.get("sentence", ""))
        return Response({"id": rationale.pk, "sentence": rationale.sentence}, status=status.HTTP_201_CREATED)


# ---- pay ------------------------------------------------------------------------------------


class ContractSerializer(serializers.Serializer):
    username = serializers.CharField()
    hourly_rate = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0)
    starts_on = serializers.DateField()
    reason = serializers.CharField()
    currency = serializers.CharField(max_length=3, required=False)


class ContractsView(APIView):
    permission_classes = [roles("admin")]

    @extend_schema(responses=OpenApiTypes.OBJECT, request=ContractSerializer)
    def post(self, request):
        data = ContractSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        verifier = User.objects.filter(username=data.validated_data.pop("username"), role=User.Role.VERIFIER).first()
        if verifier is None:
            raise Refused("invalid", _("username: no such verifier."), 400, errors={"username": ["no such verifier"]})
        contract = contract_set(actor=request.user, verifier=verifier, **data.validated_data)
        return Response({"id": contract.pk, "hourly_rate": str(contract.hourly_rate)}, status=status.HTTP_201_CREATED)


class PayRunsView(APIView):
    permission_classes = [roles("admin")]

    @extend_schema(
        responses=OpenApiTypes.OBJECT,
        request=inline_serializer("PayRunIn", {"month": serializers.CharField()}),
        description="CA-6: run a closed month's pay. 201 first time, 200 with the same run after; "
        "409 month_not_closed.",
    )
    def post(self, request):
        run, created = pay_run_execute(month=_month(request.data.get("month")), actor=request.user)
        return Response(sq.pay_run_view(run=run), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def _pay_run_or_404(month) -> PayRun:
    run = PayRun.objects.filter(month=_month(month)).first()
    if run is None:
        raise Refused("not_found", _("No pay run for that month."), 404)
    return run


class PayRunDetailView(APIView):
    permission_classes = [roles("admin")]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, month):
        run = _pay_run_or_404(month)
        return Response(sq.pay_run_view(run=run))


class PayrollCsvView(APIView):
    permission_classes = [roles("admin")]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request, month):
        run = _pay_run_or_404(month)
        response = HttpResponse(payroll_csv(run=run), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="payroll-{run.month:%Y-%m}.csv"'
        return response


class PayoutReleaseView(APIView):
    permission_classes = [roles("admin")]

    @extend_schema(
        responses=OpenApiTypes.OBJECT, request=inline_serializer("ReleaseIn", {"reason": serializers.CharField()})
    )
    def post(self, request, payout_id):
        payout = Payout.objects.filter(pk=payout_id).first()
        if payout is None:
            raise Refused("not_found", _("No such payout."), 404)
        payout = payout_release(actor=request.user, payout=payout, reason=request.data.get("reason", ""))
        return Response(sq.payout_view(payout=payout))


class StatementView(APIView):
    permission_classes = [roles("verifier")]

    @extend_schema(responses={200: OBJECT_LIST})
    def get(self, request):
        return Response(
            [sq.payout_view(payout=p) for p in Payout.objects.filter(verifier=request.user).order_by("-month")]
        )
