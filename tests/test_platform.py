"""Auth, roles, the OpenAPI schema, the demo roster and the landing pages."""

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from core.models import User
from tests.factories import UserFactory, make_cases, shard_with_pool

pytestmark = pytest.mark.django_db


def test_token_auth_and_me(api):
    shard, (alice, *_) = shard_with_pool("en-US")
    response = api.post("/api/v1/auth/token/", {"username": alice.username, "password": "demo"}, format="json")
    token = response.json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api.get("/api/v1/me/").json()
    assert me == {
        "username": alice.username,
        "role": "verifier",
        "shards": ["en-US"],
        "taboo_today": 0,
        "taboo_cap": 20,
    }


def test_wrong_password_gets_no_token(api):
    UserFactory(username="x")
    response = api.post("/api/v1/auth/token/", {"username": "x", "password": "nope"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_anonymous_is_refused_with_code(api):
    response = api.get("/api/v1/me/")
    assert response.status_code in (401, 403) and response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("role,status", [("verifier", 200), ("senior", 403), ("admin", 403), ("intake", 403)])
def test_queue_endpoint_is_for_verifiers_only(api, role, status):
    api.force_authenticate(UserFactory(role=role))
    assert api.get("/api/v1/queue/next/").status_code in ((200, 204) if status == 200 else (status,))


def test_openapi_schema_and_ui_are_served(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/queue/next/" in schema.content
    ui = client.get("/api/schema/ui/")
    assert ui.status_code == 200 and b"swagger-ui" in ui.content and b"cdn" not in ui.content.lower()


def test_demo_roster_is_refused_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("load_demo")
    assert not User.objects.exists()


def test_demo_roster_loads_the_spec_roster(settings):
    settings.DEBUG = True
    call_command("load_demo")
    names = set(User.objects.values_list("username", flat=True))
    expected = {
        "admin",
        "senior_th",
        "senior_en",
        "intake",
        "trainer",
        *(f"th_v{i}" for i in (1, 2, 3)),
        *(f"ar_v{i}" for i in (1, 2, 3)),
        *(f"en_v{i}" for i in (1, 2, 3, 4)),
        *(f"rare_v{i}" for i in (1, 2, 3)),
    }
    assert expected <= names
    assert User.objects.get(username="th_v1").check_password("demo")
    from verifier.models import Case

    # Issue 14: enough Thai taboo cases to reach the daily cap, and the demo in the real languages.
    assert Case.objects.filter(shard__code="th-TH", kind="taboo").count() >= 30 > settings.VERIFIER["TABOO_DAILY_CAP"]
    assert Case.objects.filter(shard__code="ar-SA").count() >= 5
    assert (
        User.objects.get(username="th_v1").ui_language == "th"
        and User.objects.get(username="ar_v2").ui_language == "ar"
    )
    from quality.models import GoldItem

    assert "การประชุม" in GoldItem.objects.filter(locale="th-TH").first().post_text
    assert "اجتماع" in GoldItem.objects.filter(locale="ar-SA").first().post_text


def test_landing_pages_by_role():
    shard, (alice, *_) = shard_with_pool("en-US")
    make_cases(shard, 2)
    senior = UserFactory(username="sen", role="senior")
    from shards.services.pools import membership_set

    membership_set(user=senior, shard=shard, native=True)
    page = Client()
    assert page.get("/").status_code == 302 and "/login/" in page.get("/").url
    page.force_login(alice)
    assert page.get("/").url == "/queue/"
    assert page.get("/ops/").status_code == 403
    html = page.get("/queue/").content.decode()
    assert 'id="cap-count"' in html and "Y</kbd>" in html
    page.force_login(senior)
    assert page.get("/").url == "/ops/"
    ops = page.get("/ops/").content.decode()
    assert "en-US" in ops and "Overdue cases" in ops
    assert page.get("/queue/").status_code == 403


def test_pages_name_an_icon_that_is_served():
    """Every page names its icon, so a browser does not ask for /favicon.ico and log a 404 on each page."""
    import re

    page = Client().get("/login/")
    assert page.status_code == 200
    found = re.search(rb'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page.content)
    assert found, "the page names no icon"
    icon = Client().get(found.group(1).decode())
    assert icon.status_code == 200 and icon["Content-Type"].startswith("image/svg+xml")
    assert b"<svg" in b"".join(icon.streaming_content if icon.streaming else [icon.content])
