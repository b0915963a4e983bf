from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from modelhooks import api as modelhooks_api
from modelhooks import views as modelhooks_views
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token

from risk_db import urls as risk_urls
from shards import api as shards_api
from shards import views as shards_views
from training import views as training_views
from verifier import api as verifier_api
from verifier import api_quality
from verifier import views_quality
from verifier import views as verifier_views

api_v1 = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("me/", verifier_api.MeView.as_view(), name="api-me"),
    path("corrections/", shards_api.CorrectionsView.as_view(), name="api-corrections"),
    path("replies/", shards_api.RepliesView.as_view(), name="api-replies"),
    path("queue/next/", verifier_api.NextCaseView.as_view(), name="api-queue-next"),
    path("cases/<uuid:case_id>/", verifier_api.CaseDetailView.as_view(), name="api-case"),
    path("cases/<uuid:case_id>/ruling/", verifier_api.RulingView.as_view(), name="api-ruling"),
    path("cases/<uuid:case_id>/skip/", verifier_api.SkipView.as_view(), name="api-skip"),
    path("shards/", verifier_api.ShardsView.as_view(), name="api-shards"),
    path("exports/", modelhooks_api.ExportsView.as_view(), name="api-exports"),
    path("exports/<uuid:export_id>/", modelhooks_api.ExportDetailView.as_view(), name="api-export"),
    *risk_urls.api_urls,
    # appeals, calibration, audits and pay (AP-1..AP-5, CA-1..CA-8)
    path("rulings/<uuid:ruling_id>/appeals/", api_quality.RulingAppealView.as_view(), name="api-ruling-appeal"),
    path("appeals/", api_quality.AppealListView.as_view(), name="api-appeals"),
    path("appeals/<uuid:appeal_id>/", api_quality.AppealDetailView.as_view(), name="api-appeal"),
    path("appeals/<uuid:appeal_id>/votes/", api_quality.AppealVoteView.as_view(), name="api-appeal-vote"),
    path("appeals/<uuid:appeal_id>/escalate/", api_quality.AppealEscalateView.as_view(), name="api-appeal-escalate"),
    path("calibration/", api_quality.CalibrationCurrentView.as_view(), name="api-calibration"),
    path("calibration/<uuid:set_id>/answers/", api_quality.CalibrationAnswersView.as_view(), name="api-calibration-answers"),
    path("gold-items/", api_quality.GoldItemsView.as_view(), name="api-gold-items"),
    path("kappa/", api_quality.KappaView.as_view(), name="api-kappa"),
    path("blind-audits/", api_quality.BlindAuditsView.as_view(), name="api-blind-audits"),
    path("blind-audits/<int:audit_id>/evaluate/", api_quality.BlindAuditEvaluateView.as_view(), name="api-blind-audit-evaluate"),
    path("blind-audit-items/<uuid:item_id>/", api_quality.BlindAuditFlipView.as_view(), name="api-blind-audit-item"),
    path("external-audit-items/", api_quality.ExternalAuditItemsView.as_view(), name="api-external-audit-items"),
    path("external-audit-items/<int:item_id>/answer/", api_quality.ExternalAuditItemAnswerView.as_view(),
         name="api-external-audit-answer"),
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

urlpatterns = [
    path("", verifier_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("queue/", verifier_views.queue_page, name="queue"),
    path("queue/next/", verifier_views.queue_next, name="queue-next"),
    path("queue/cases/<uuid:case_id>/ruling/", verifier_views.queue_rule, name="queue-rule"),
    path("queue/cases/<uuid:case_id>/skip/", verifier_views.queue_skip, name="queue-skip"),
    path("survey/", verifier_views.survey_page, name="survey"),
    path("ops/", verifier_views.ops_page, name="ops"),
    path("exports/<uuid:export_id>/", modelhooks_views.export_page, name="export-page"),
    path("scoring/", modelhooks_views.scoring_page, name="scoring"),
    path("risk/", include(risk_urls.page_urls)),
    path("ops/intake/", shards_views.corrections_page, name="intake-corrections"),
    path("ops/intake/corrections/<uuid:public_id>/", training_views.correction_page, name="intake-correction"),
    path("ops/intake/corrections/<uuid:public_id>/overturn/", training_views.sample_overturn, name="intake-overturn"),
    path("ops/intake/alerts/", training_views.alerts_page, name="intake-alerts"),
    path("ops/intake/cliques/<int:pk>/decide/", training_views.clique_decide_view, name="intake-clique-decide"),
    path("ops/intake/components/<int:pk>/lift/", shards_views.component_lift_view, name="intake-component-lift"),
    path("appeals/", views_quality.appeals_page, name="appeals"),
    path("appeals/rulings/<uuid:ruling_id>/", views_quality.appeal_file, name="appeal-file"),
    path("appeals/<uuid:appeal_id>/vote/", views_quality.appeal_vote_view, name="appeal-vote"),
    path("appeals/<uuid:appeal_id>/escalate/", views_quality.appeal_escalate_view, name="appeal-escalate"),
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
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/schema/ui/", SpectacularSwaggerView.as_view(url_name="schema"), name="schema-ui"),
]
