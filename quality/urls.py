"""Calibration, audits and pay (CA-1..CA-8): the API under /api/v1/ and the pages at the site root.
config/urls.py splices both lists in where they always stood, so every path and name is unchanged."""

from django.urls import path

from quality import api as api_quality
from quality import views as views_quality

api_urls = [
    path("calibration/", api_quality.CalibrationCurrentView.as_view(), name="api-calibration"),
    path(
        "calibration/<uuid:set_id>/answers/",
        api_quality.CalibrationAnswersView.as_view(),
        name="api-calibration-answers",
    ),
    path("gold-items/", api_quality.GoldItemsView.as_view(), name="api-gold-items"),
    path("kappa/", api_quality.KappaView.as_view(), name="api-kappa"),
    path("blind-audits/", api_quality.BlindAuditsView.as_view(), name="api-blind-audits"),
    path(
        "blind-audits/<int:audit_id>/evaluate/",
        api_quality.BlindAuditEvaluateView.as_view(),
        name="api-blind-audit-evaluate",
    ),
    path("blind-audit-items/<uuid:item_id>/", api_quality.BlindAuditFlipView.as_view(), name="api-blind-audit-item"),
    path("external-audit-items/", api_quality.ExternalAuditItemsView.as_view(), name="api-external-audit-items"),
    path(
        "external-audit-items/<int:item_id>/answer/",
        api_quality.ExternalAuditItemAnswerView.as_view(),
        name="api-external-audit-answer",
    ),
    path("drift/", api_quality.DriftView.as_view(), name="api-drift"),
    path("rationales/", api_quality.RationalesView.as_view(), name="api-rationales"),
    path("rationales/<int:rationale_id>/", api_quality.RationaleView.as_view(), name="api-rationale"),
    path("contracts/", api_quality.ContractsView.as_view(), name="api-contracts"),
    path("pay-runs/", api_quality.PayRunsView.as_view(), name="api-pay-runs"),
    path("pay-runs/<str:month>/", api_quality.PayRunDetailView.as_view(), name="api-pay-run"),
    path("pay-runs/<str:month>/payroll.csv", api_quality.PayrollCsvView.as_view(), name="api-payroll-csv"),
    path("payouts/<int:payout_id>/release/", api_quality.PayoutReleaseView.as_view(), name="api-payout-release"),
    path("statements/me/", api_quality.StatementView.as_view(), name="api-statement"),
]

page_urls = [
    path("calibration/", views_quality.calibration_page, name="calibration"),
    path("calibration/<uuid:set_id>/", views_quality.calibration_submit, name="calibration-submit"),
    path("audits/", views_quality.audits_page, name="audits"),
    path("audits/flips/<uuid:item_id>/", views_quality.flip_edit, name="flip-edit"),
    path("audits/external/<int:item_id>/", views_quality.external_answer, name="external-answer"),
    path("rationales/", views_quality.rationales_page, name="rationales"),
    path("rationales/<int:rationale_id>/", views_quality.rationale_submit, name="rationale-submit"),
    path("quality/", views_quality.quality_page, name="quality"),
    path("quality/close/", views_quality.quality_close_view, name="quality-close"),
    path("pay/", views_quality.pay_page, name="pay"),
    path("pay/run/", views_quality.pay_run_view, name="pay-run"),
    path("pay/<str:month>/payroll.csv", views_quality.payroll_csv_view, name="pay-csv"),
    path("pay/payouts/<int:payout_id>/release/", views_quality.payout_release_view, name="payout-release"),
    path("pay/contracts/", views_quality.contract_view, name="contract-set"),
    path("statement/", views_quality.statement_page, name="statement"),
    path("statement/<str:username>/", views_quality.statement_page, name="statement-of"),
]
