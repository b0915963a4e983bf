"""Calibration, audits and pay (CA-1..CA-8): the API under /api/v1/ and the pages at the site root.
config/urls.py splices both lists in where they always stood, so every path and name is unchanged."""

from django.urls import path

from quality import api as api_appeals
from quality import views as views_appeals

api_urls = [
    path("calibration/", api_appeals.CalibrationCurrentView.as_view(), name="api-calibration"),
    path(
        "calibration/<uuid:set_id>/answers/",
        api_appeals.CalibrationAnswersView.as_view(),
        name="api-calibration-answers",
    ),
    path("gold-items/", api_appeals.GoldItemsView.as_view(), name="api-gold-items"),
    path("kappa/", api_appeals.KappaView.as_view(), name="api-kappa"),
    path("blind-audits/", api_appeals.BlindAuditsView.as_view(), name="api-blind-audits"),
    path(
        "blind-audits/<int:audit_id>/evaluate/",
        api_appeals.BlindAuditEvaluateView.as_view(),
        name="api-blind-audit-evaluate",
    ),
    path("blind-audit-items/<uuid:item_id>/", api_appeals.BlindAuditFlipView.as_view(), name="api-blind-audit-item"),
    path("external-audit-items/", api_appeals.ExternalAuditItemsView.as_view(), name="api-external-audit-items"),
    path(
        "external-audit-items/<int:item_id>/answer/",
        api_appeals.ExternalAuditItemAnswerView.as_view(),
        name="api-external-audit-answer",
    ),
    path("drift/", api_appeals.DriftView.as_view(), name="api-drift"),
    path("rationales/", api_appeals.RationalesView.as_view(), name="api-rationales"),
    path("rationales/<int:rationale_id>/", api_appeals.RationaleView.as_view(), name="api-rationale"),
    path("contracts/", api_appeals.ContractsView.as_view(), name="api-contracts"),
    path("pay-runs/", api_appeals.PayRunsView.as_view(), name="api-pay-runs"),
    path("pay-runs/<str:month>/", api_appeals.PayRunDetailView.as_view(), name="api-pay-run"),
    path("pay-runs/<str:month>/payroll.csv", api_appeals.PayrollCsvView.as_view(), name="api-payroll-csv"),
    path("payouts/<int:payout_id>/release/", api_appeals.PayoutReleaseView.as_view(), name="api-payout-release"),
    path("statements/me/", api_appeals.StatementView.as_view(), name="api-statement"),
]

page_urls = [
    path("calibration/", views_appeals.calibration_page, name="calibration"),
    path("calibration/<uuid:set_id>/", views_appeals.calibration_submit, name="calibration-submit"),
    path("audits/", views_appeals.audits_page, name="audits"),
    path("audits/flips/<uuid:item_id>/", views_appeals.flip_edit, name="flip-edit"),
    path("audits/external/<int:item_id>/", views_appeals.external_answer, name="external-answer"),
    path("rationales/", views_appeals.rationales_page, name="rationales"),
    path("rationales/<int:rationale_id>/", views_appeals.rationale_submit, name="rationale-submit"),
    path("quality/", views_appeals.quality_page, name="quality"),
    path("quality/close/", views_appeals.quality_close_view, name="quality-close"),
    path("pay/", views_appeals.pay_page, name="pay"),
    path("pay/run/", views_appeals.pay_run_view, name="pay-run"),
    path("pay/<str:month>/payroll.csv", views_appeals.payroll_csv_view, name="pay-csv"),
    path("pay/payouts/<int:payout_id>/release/", views_appeals.payout_release_view, name="payout-release"),
    path("pay/contracts/", views_appeals.contract_view, name="contract-set"),
    path("statement/", views_appeals.statement_page, name="statement"),
    path("statement/<str:username>/", views_appeals.statement_page, name="statement-of"),
]
