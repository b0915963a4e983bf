"""Risk DB routes: `api_urls` go under /api/v1/, `page_urls` under /risk/."""

from django.urls import path

from risk_db import api, views

api_urls = [
    path("cases/<uuid:case_id>/taboo-nominations/", api.NominationView.as_view(), name="api-taboo-nominate"),
    path("taboo-candidates/", api.CandidatesView.as_view(), name="api-taboo-candidates"),
    path("taboo-candidates/<int:candidate_id>/approve/", api.ApproveView.as_view(), name="api-taboo-approve"),
    path("taboo-candidates/<int:candidate_id>/reject/", api.RejectView.as_view(), name="api-taboo-reject"),
    path("rules/", api.RulesView.as_view(), name="api-rules"),
    path("rules/backtest/", api.BacktestView.as_view(), name="api-rules-backtest"),
    path("rules/<int:rule_id>/", api.RuleDetailView.as_view(), name="api-rule"),
    path("rules/<int:rule_id>/versions/", api.RuleVersionsView.as_view(), name="api-rule-versions"),
    path("rules/<int:rule_id>/versions/<int:number>/restore/", api.RuleRestoreView.as_view(), name="api-rule-restore"),
    path("rules/<int:rule_id>/soften/", api.RuleSoftenView.as_view(), name="api-rule-soften"),
    path(
        "rules/<int:rule_id>/shards/<str:shard_code>/promote/", api.RulePromoteView.as_view(), name="api-rule-promote"
    ),
    path(
        "rules/<int:rule_id>/shards/<str:shard_code>/verify-items/",
        api.VerifyItemView.as_view(),
        name="api-rule-verify-items",
    ),
    path("complaints/", api.ComplaintsView.as_view(), name="api-complaints"),
    path("surveys/", api.SurveysView.as_view(), name="api-surveys"),
    path("surveys/arm/", api.SurveyArmView.as_view(), name="api-survey-arm"),
]

page_urls = [
    path("feed/", views.feed_page, name="risk-feed"),
    path("review/", views.review_page, name="risk-review"),
    path("review/<int:candidate_id>/approve/", views.review_approve, name="risk-review-approve"),
    path("review/<int:candidate_id>/backtest/", views.review_backtest, name="risk-review-backtest"),
    path("review/<int:candidate_id>/reject/", views.review_reject, name="risk-review-reject"),
    path("rules/", views.rules_page, name="risk-rules"),
    path("rules/<int:rule_id>/", views.rule_page, name="risk-rule"),
    path("rules/<int:rule_id>/edit/", views.rule_edit, name="risk-rule-edit"),
    path("rules/<int:rule_id>/restore/<int:number>/", views.rule_restore, name="risk-rule-restore"),
    path("rules/<int:rule_id>/soften/", views.rule_soften, name="risk-rule-soften"),
    path("rules/<int:rule_id>/promote/<str:shard_code>/", views.rule_promote, name="risk-rule-promote"),
    path("rules/<int:rule_id>/verify-items/<str:shard_code>/", views.rule_verify_item, name="risk-rule-verify-item"),
    path("nominate/<uuid:case_id>/", views.nominate, name="risk-nominate"),
]
