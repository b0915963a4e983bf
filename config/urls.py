from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from modelhooks import api as modelhooks_api
from modelhooks import views as modelhooks_views
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token

from shards import api as shards_api
from verifier import api as verifier_api
from verifier import views as verifier_views

api_v1 = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("me/", verifier_api.MeView.as_view(), name="api-me"),
    path("corrections/", shards_api.CorrectionsView.as_view(), name="api-corrections"),
    path("queue/next/", verifier_api.NextCaseView.as_view(), name="api-queue-next"),
    path("cases/<uuid:case_id>/", verifier_api.CaseDetailView.as_view(), name="api-case"),
    path("cases/<uuid:case_id>/ruling/", verifier_api.RulingView.as_view(), name="api-ruling"),
    path("cases/<uuid:case_id>/skip/", verifier_api.SkipView.as_view(), name="api-skip"),
    path("shards/", verifier_api.ShardsView.as_view(), name="api-shards"),
    path("exports/", modelhooks_api.ExportsView.as_view(), name="api-exports"),
    path("exports/<uuid:export_id>/", modelhooks_api.ExportDetailView.as_view(), name="api-export"),
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
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/schema/ui/", SpectacularSwaggerView.as_view(url_name="schema"), name="schema-ui"),
]
