from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config import health
from core import auth_views as core_auth_views
from core import i18n
from modelhooks import api as modelhooks_api
from modelhooks import views as modelhooks_views
from quality import urls as quality_urls
from risk_db import urls as risk_urls
from shards import api as shards_api
from shards import views as shards_views
from training import api as training_api
from training import views as training_views
from verifier import api as verifier_api
from verifier import api_appeals, views_appeals
from verifier import views as verifier_views

# Django's error views answer the JSON error shape on /api/ paths and the HTML pages elsewhere (issue 11).
handler400 = "core.api.bad_request"
handler403 = "core.api.permission_denied"
handler404 = "core.api.not_found"
handler500 = "core.api.server_error"

api_v1 = [
    path("filter/", modelhooks_api.FilterView.as_view(), name="api-filter"),  # first: the hottest route (issue 13)
    path("auth/token/", core_auth_views.TokenView.as_view(), name="api-token"),
    path("auth/logout/", core_auth_views.LogoutView.as_view(), name="api-logout"),
    path("auth/logout-all/", core_auth_views.LogoutAllView.as_view(), name="api-logout-all"),
    path("me/", verifier_api.MeView.as_view(), name="api-me"),
    path("corrections/", shards_api.CorrectionsView.as_view(), name="api-corrections"),
    path("replies/", shards_api.RepliesView.as_view(), name="api-replies"),
    path("queue/next/", verifier_api.NextCaseView.as_view(), name="api-queue-next"),
    path("cases/<uuid:case_id>/", verifier_api.CaseDetailView.as_view(), name="api-case"),
    path("cases/<uuid:case_id>/ruling/", verifier_api.RulingView.as_view(), name="api-ruling"),
    path("cases/<uuid:case_id>/skip/", verifier_api.SkipView.as_view(), name="api-skip"),
    path("rulings/undo/", verifier_api.UndoView.as_view(), name="api-ruling-undo"),  # VQ-10
    path("shards/", verifier_api.ShardsView.as_view(), name="api-shards"),
    path("exports/", modelhooks_api.ExportsView.as_view(), name="api-exports"),
    path("exports/<uuid:export_id>/", modelhooks_api.ExportDetailView.as_view(), name="api-export"),
    path("exports/<uuid:export_id>/files/<str:name>", modelhooks_api.ExportFileView.as_view(), name="api-export-file"),
    path("releases/", modelhooks_api.ReleasesView.as_view(), name="api-releases"),
    path("releases/<int:release_id>/", modelhooks_api.ReleaseDetailView.as_view(), name="api-release"),
    path("releases/<int:release_id>/accept/", modelhooks_api.ReleaseAcceptView.as_view(), name="api-release-accept"),
    path("batches/", training_api.BatchesView.as_view(), name="api-batches"),
    # before risk_db's rules/<id>/: the readiness of the index this process serves (issue 13)
    path("rules/index/ready/", modelhooks_api.FilterIndexReadyView.as_view(), name="api-rules-index-ready"),
    *risk_urls.api_urls,
    # appeals (AP-1..AP-5); calibration, audits and pay (CA-1..CA-8) are the quality app's
    path("rulings/<uuid:ruling_id>/appeals/", api_appeals.RulingAppealView.as_view(), name="api-ruling-appeal"),
    path("appeals/", api_appeals.AppealListView.as_view(), name="api-appeals"),
    path("appeals/<uuid:appeal_id>/", api_appeals.AppealDetailView.as_view(), name="api-appeal"),
    path("appeals/<uuid:appeal_id>/votes/", api_appeals.AppealVoteView.as_view(), name="api-appeal-vote"),
    path("appeals/<uuid:appeal_id>/escalate/", api_appeals.AppealEscalateView.as_view(), name="api-appeal-escalate"),
    *quality_urls.api_urls,
]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/v1/", include(api_v1)),  # early: the API's service routes resolve without walking the pages
    path("", verifier_views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", core_auth_views.LogoutPageView.as_view(), name="logout"),
    path("language/", i18n.language_set, name="set-language"),
    path("service/", verifier_views.service_home, name="service-home"),
    path("queue/", verifier_views.queue_page, name="queue"),
    path("queue/next/", verifier_views.queue_next, name="queue-next"),
    path("queue/cases/<uuid:case_id>/ruling/", verifier_views.queue_rule, name="queue-rule"),
    path("queue/cases/<uuid:case_id>/skip/", verifier_views.queue_skip, name="queue-skip"),
    path("queue/undo/", verifier_views.queue_undo, name="queue-undo"),  # VQ-10
    path("survey/", verifier_views.survey_page, name="survey"),
    path("ops/", verifier_views.ops_page, name="ops"),
    path("exports/<uuid:export_id>/", modelhooks_views.export_page, name="export-page"),
    path("scoring/", modelhooks_views.scoring_page, name="scoring"),
    path("releases/<str:shard_code>/", modelhooks_views.releases_page, name="releases"),
    path("risk/", include(risk_urls.page_urls)),
    path("ops/intake/", shards_views.corrections_page, name="intake-corrections"),
    path("ops/intake/corrections/<uuid:public_id>/", training_views.correction_page, name="intake-correction"),
    path("ops/intake/corrections/<uuid:public_id>/overturn/", training_views.sample_overturn, name="intake-overturn"),
    path("ops/intake/alerts/", training_views.alerts_page, name="intake-alerts"),
    path("ops/intake/cliques/<int:pk>/decide/", training_views.clique_decide_view, name="intake-clique-decide"),
    path("ops/intake/components/<int:pk>/lift/", shards_views.component_lift_view, name="intake-component-lift"),
    path("appeals/", views_appeals.appeals_page, name="appeals"),
    path("appeals/rulings/<uuid:ruling_id>/", views_appeals.appeal_file, name="appeal-file"),
    path("appeals/<uuid:appeal_id>/vote/", views_appeals.appeal_vote_view, name="appeal-vote"),
    path("appeals/<uuid:appeal_id>/escalate/", views_appeals.appeal_escalate_view, name="appeal-escalate"),
    *quality_urls.page_urls,
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # Swagger UI under the CSP: its init script is a separate file (the split view); its page keeps one
    # inline <style>, so only this page may use inline styles (issue 11).
    path(
        "api/schema/ui/",
        csp_update({"style-src": [UNSAFE_INLINE]})(SpectacularSwaggerSplitView.as_view(url_name="schema")),
        name="schema-ui",
    ),
]
