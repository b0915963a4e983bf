"""Issue 14 (VQ-9): a new user's UI language defaults from their pool's locale, through the path users
really get created by (Django admin: add the user, add the pool membership), and an explicit setting wins."""

import pytest
from django.test import Client

from core.models import User
from shards.models import Shard
from tests.factories import ShardFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client():
    admin = UserFactory(username="root", role="admin", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    return client


def _admin_adds_user(admin_client, username: str, ui_language: str = "") -> User:
    response = admin_client.post(
        "/admin/core/user/add/",
        {
            "username": username,
            "usable_password": "true",
            "password1": "a-long-pass-9481",
            "password2": "a-long-pass-9481",
            "role": "verifier",
            "timezone": "UTC",
            "ui_language": ui_language,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    return User.objects.get(username=username)


def _admin_adds_membership(admin_client, user: User, shard: Shard) -> None:
    response = admin_client.post(
        "/admin/shards/poolmembership/add/",
        {"user": user.pk, "shard": shard.pk, "native": "on", "under_contract": "on", "active": "on"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""


def _queue_html_after_login(username: str, accept_language: str = "en") -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE=accept_language)
    response = client.post("/login/", {"username": username, "password": "a-long-pass-9481"})
    assert response.status_code == 302, response.content[:500]
    return client.get("/queue/").content.decode()


@pytest.mark.parametrize(
    ("locale", "html_tag", "word"),
    [
        ("th-TH", '<html lang="th" dir="ltr">', "เคสต้องห้ามวันนี้"),  # "Taboo cases today"
        ("ar-SA", '<html lang="ar" dir="rtl">', "الحالات المحظورة اليوم"),
        ("fr-FR", '<html lang="en" dir="ltr">', "Taboo cases today"),  # no French UI ships: English
    ],
)
def test_new_verifier_gets_the_ui_language_of_the_pool_they_join(admin_client, locale, html_tag, word):
    shard = ShardFactory(code=locale)
    user = _admin_adds_user(admin_client, f"new_{locale}")
    assert user.ui_language == ""
    _admin_adds_membership(admin_client, user, shard)
    user.refresh_from_db()
    assert user.ui_language == html_tag.split('"')[1]
    html = _queue_html_after_login(user.username, accept_language="de")  # the browser's language loses
    assert html_tag in html and word in html


def test_an_explicit_ui_language_is_kept_when_the_user_joins_a_pool(admin_client):
    user = _admin_adds_user(admin_client, "chose_english", ui_language="en")
    _admin_adds_membership(admin_client, user, ShardFactory(code="th-TH"))
    user.refresh_from_db()
    assert user.ui_language == "en"
    assert '<html lang="en" dir="ltr">' in _queue_html_after_login(user.username, accept_language="th")


def test_the_first_locale_pool_sets_the_default_and_a_later_one_does_not_replace_it(admin_client):
    user = _admin_adds_user(admin_client, "two_pools")
    _admin_adds_membership(admin_client, user, ShardFactory(code="global", kind=Shard.Kind.GLOBAL))
    user.refresh_from_db()
    assert user.ui_language == ""  # the global pool has no locale: still the browser's language
    assert '<html lang="th"' in _queue_html_after_login(user.username, accept_language="th")
    _admin_adds_membership(admin_client, user, ShardFactory(code="ar-SA"))
    _admin_adds_membership(admin_client, user, ShardFactory(code="th-TH"))
    user.refresh_from_db()
    assert user.ui_language == "ar"


def test_the_shard_page_inline_gives_the_default_too(admin_client):
    shard = ShardFactory(code="th-TH")
    user = _admin_adds_user(admin_client, "via_inline")
    response = admin_client.post(
        f"/admin/shards/shard/{shard.pk}/change/",
        {
            "code": shard.code,
            "kind": shard.kind,
            "locale": shard.locale_id,
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
            "memberships-0-user": user.pk,
            "memberships-0-native": "on",
            "memberships-0-under_contract": "on",
            "memberships-0-active": "on",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    user.refresh_from_db()
    assert user.ui_language == "th"
