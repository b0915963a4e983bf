"""Issue 11, the doors: login throttling and lockout (django-axes) on the login page and the token
endpoint, and API tokens (django-rest-knox) that expire, can be revoked, are revoked on logout and are
stored as digests only, through the API and the pages."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from knox.models import AuthToken

from tests.base import assert_api_error
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """These tests log in dozens of times; PBKDF2's deliberate slowness is not what they check."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def token_post(api, username: str, password: str):
    return api.post(TOKEN_URL, {"username": username, "password": password}, format="json")


def token_for(api, username: str) -> str:
    response = token_post(api, username, "demo")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def me_with(token: str):
    from rest_framework.test import APIClient

    return APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")


# ---- throttling and lockout -----------------------------------------------------------------


def test_sixth_wrong_password_on_the_token_endpoint_is_refused_and_locks_the_account(api):
    UserFactory(username="intake", role="intake")
    for _ in range(5):
        assert_api_error(token_post(api, "intake", "wrong"), "invalid", 400)
    body = assert_api_error(token_post(api, "intake", "wrong"), "locked_out", 429)
    assert "minute" in body["detail"]
    # locked: the right password is refused too, with no token
    response = token_post(api, "intake", "demo")
    assert_api_error(response, "locked_out", 429)
    assert "token" not in response.json() and response["Retry-After"]
    assert not AuthToken.objects.exists()


def test_lockout_ends_after_its_cool_off(api, settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    UserFactory(username="trainer", role="trainer")
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(6):
            token_post(api, "trainer", "wrong")
        clock.shift(timedelta(minutes=14, seconds=59))
        assert_api_error(token_post(api, "trainer", "demo"), "locked_out", 429)
        clock.shift(timedelta(minutes=15, seconds=1))
        assert token_post(api, "trainer", "demo").status_code == 200


def test_five_wrong_passwords_then_the_right_one_logs_in(api):
    UserFactory(username="alice")
    for _ in range(5):
        token_post(api, "alice", "wrong")
    assert token_post(api, "alice", "demo").status_code == 200


def test_sixth_wrong_password_on_the_login_page_is_refused_until_the_cool_off(settings):
    settings.AXES_COOLOFF_TIME = timedelta(minutes=1)
    UserFactory(username="th_v1")
    client = Client()
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(5):
            response = client.post("/login/", {"username": "th_v1", "password": "wrong"})
            assert response.status_code == 200 and b"do not match" in response.content
        response = client.post("/login/", {"username": "th_v1", "password": "wrong"})
        assert response.status_code == 429 and b'id="locked-out"' in response.content
        response = client.post("/login/", {"username": "th_v1", "password": "demo"})
        assert response.status_code == 429 and "_auth_user_id" not in client.session
        clock.shift(timedelta(seconds=61))
        response = client.post("/login/", {"username": "th_v1", "password": "demo"})
        assert response.status_code == 302 and "_auth_user_id" in client.session


def test_lockout_is_per_account_another_user_still_logs_in(api):
    UserFactory(username="victim")
    UserFactory(username="bystander")
    for _ in range(6):
        token_post(api, "victim", "wrong")
    assert token_post(api, "bystander", "demo").status_code == 200


# ---- tokens -----------------------------------------------------------------------------------


def test_token_authenticates_with_the_token_prefix_and_says_when_it_expires(api):
    UserFactory(username="intake", role="intake")
    response = token_post(api, "intake", "demo")
    assert response.status_code == 200 and response.json()["expiry"]
    assert me_with(response.json()["token"]).json()["role"] == "intake"


def test_expired_token_gets_401(api, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_TTL": timedelta(hours=2)}
    UserFactory(username="trainer", role="trainer")
    with time_machine.travel(T0, tick=False) as clock:
        token = token_for(api, "trainer")
        clock.shift(timedelta(hours=1, minutes=59))
        assert me_with(token).status_code == 200
        clock.shift(timedelta(minutes=2))
        response = me_with(token)
        assert_api_error(response, "authentication_failed", 401)
        assert response["WWW-Authenticate"] == "Token"


def test_revoked_token_gets_401(api):
    UserFactory(username="intake", role="intake")
    token = token_for(api, "intake")
    other = token_for(api, "intake")
    assert api.post("/api/v1/auth/logout/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 204
    assert_api_error(me_with(token), "authentication_failed", 401)
    assert me_with(other).status_code == 200  # logout revokes the token it was sent with only


def test_logout_all_revokes_every_token_of_the_user(api):
    UserFactory(username="intake", role="intake")
    first, second = token_for(api, "intake"), token_for(api, "intake")
    assert api.post("/api/v1/auth/logout-all/", HTTP_AUTHORIZATION=f"Token {first}").status_code == 204
    assert_api_error(me_with(first), "authentication_failed", 401)
    assert_api_error(me_with(second), "authentication_failed", 401)


def test_page_logout_revokes_the_users_tokens(api):
    user = UserFactory(username="senior_en", role="senior")
    token = token_for(api, "senior_en")
    client = Client()
    client.force_login(user)
    assert client.post("/logout/").status_code == 302
    assert_api_error(me_with(token), "authentication_failed", 401)


def test_tokens_are_stored_as_digests_and_not_readable_raw_in_admin(api):
    UserFactory(username="intake", role="intake")
    token = token_for(api, "intake")
    row = AuthToken.objects.get()
    stored = " ".join(str(v) for v in AuthToken.objects.values_list("digest", "token_key", "user_id").get())
    assert token not in stored and len(row.digest) == 128
    admin_user = UserFactory(username="root", role="admin", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin_user)
    for url in ("/admin/knox/authtoken/", f"/admin/knox/authtoken/{row.pk}/change/"):
        response = client.get(url)
        assert response.status_code == 200 and token.encode() not in response.content


# ---- the token API's language (VQ-9, issue 11) ---------------------------------------------------


@pytest.mark.parametrize(
    ("language", "forbidden", "not_found"),
    [("th", "คุณไม่มีสิทธิ์ทำรายการนี้", "ไม่มีเคสนี้"), ("ar", "ليست لديك صلاحية لتنفيذ هذا الإجراء.", "لا توجد حالة كهذه.")],
)
def test_token_api_answers_follow_the_users_ui_language_over_accept_language(api, language, forbidden, not_found):
    from rest_framework.test import APIClient

    UserFactory(username="reader", role="verifier", ui_language=language)
    UserFactory(username="chooser", role="verifier", ui_language="")  # no setting: the browser's language decides
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token_for(api, 'reader')}", HTTP_ACCEPT_LANGUAGE="en")
    refused = client.get("/api/v1/shards/")  # seniors only: DRF's own 403
    assert refused.status_code == 403 and refused.json()["detail"] == forbidden
    missing = client.get("/api/v1/cases/00000000-0000-0000-0000-000000000001/")  # the app's own 404
    assert missing.status_code == 404 and missing.json()["detail"] == not_found
    other = APIClient(HTTP_AUTHORIZATION=f"Token {token_for(api, 'chooser')}", HTTP_ACCEPT_LANGUAGE=language)
    assert other.get("/api/v1/shards/").json()["detail"] == forbidden
    english = APIClient(HTTP_AUTHORIZATION=f"Token {token_for(api, 'chooser')}", HTTP_ACCEPT_LANGUAGE="en")
    assert english.get("/api/v1/shards/").json()["detail"] == "You do not have permission to perform this action."
