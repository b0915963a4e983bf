"""Issue 11: bad input and the API's error shape, through the API.

Control characters in a string give a per-item `invalid` on the bulk endpoints (the other items are
stored) and a 400 `invalid` naming the field elsewhere; a non-object JSON body answers 400
`malformed_body` on every endpoint that takes a body (the table is generated from the URL conf); an
oversize body 413; unknown `/api/` paths, wrong methods and uncaught exceptions answer the JSON shape.
"""

import re
import uuid

import orjson
import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from risk_db.models import Complaint
from shards.models import Correction, ReplyEvent
from tests.base import api_item as item
from tests.factories import LocaleFactory, UserFactory
from verifier import api as verifier_api

pytestmark = pytest.mark.django_db


# ---- control characters ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("post_text", "Over 100\x00 people"),
        ("reply_text", "@grok correct it was 200\x00 people"),
        ("submitter_id", "u\x1f2"),
        ("post_id", "p\x0b2"),
        ("hashtags", ["#ok", "#bad\x07"]),
        ("declared_locale", "en-US\x00"),
        ("sub_locale", "north\x1b"),
    ],
)
def test_a_control_character_in_one_item_of_a_bulk_of_3_stores_the_other_2(intake_client, field, value):
    items = [item(post_id="a", submitter_id="u1"), item(**{field: value}), item(post_id="c", submitter_id="u3")]
    if field == "post_id":
        items[1]["submitter_id"] = "u2"
    response = intake_client.post("/api/v1/corrections/", {"items": items}, format="json")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["outcome"] for r in results] == ["queued", "invalid", "queued"]
    assert list(results[1]["errors"]) == [field]
    [message] = results[1]["errors"][field]
    assert "control character U+00" in message
    assert Correction.objects.exclude(outcome="invalid").count() == 2
    bad = Correction.objects.get(outcome="invalid")
    assert "\x00" not in orjson.dumps(bad.raw).decode() and bad.errors[field] == message  # kept on record, storable


def test_an_event_time_with_an_offset_postgresql_cannot_hold_is_stored_in_utc(intake_client):
    """Found by the API fuzz: "+23:58" is valid ISO 8601, PostgreSQL refuses offsets past 15:59 (500)."""
    from datetime import UTC, datetime

    results = intake_client.post(
        "/api/v1/corrections/",
        {
            "items": [
                item(post_id="far", at="2026-03-01T23:30:00+23:58"),
                item(post_id="old", at="0001-01-01T00:00:00+05:00"),
            ]
        },
        format="json",
    ).json()["results"]
    assert [r["outcome"] for r in results] == ["queued", "invalid"]
    assert list(results[1]["errors"]) == ["at"]
    assert Correction.objects.get(public_id=results[0]["id"]).at == datetime(2026, 2, 28, 23, 32, tzinfo=UTC)


def test_tab_newline_and_carriage_return_are_accepted(intake_client):
    body = item(post_text="line one\nline two\r\n\tindented")
    [result] = intake_client.post("/api/v1/corrections/", body, format="json").json()["results"]
    assert result["outcome"] == "queued"
    assert Correction.objects.get(public_id=result["id"]).post_text == "line one\nline two\r\n\tindented"


def test_a_nul_in_one_reply_event_of_3_stores_the_other_2(intake_client):
    at = "2026-11-26T10:00:00+00:00"
    body = {
        "items": [
            {"from_user": "a", "to_user": "b", "at": at},
            {"from_user": "a\x00", "to_user": "c", "at": at},
            {"from_user": "b", "to_user": "c", "at": at},
        ]
    }
    results = intake_client.post("/api/v1/replies/", body, format="json").json()["results"]
    assert [r["outcome"] for r in results] == ["stored", "invalid", "stored"]
    assert "U+0000" in results[1]["errors"]["from_user"][0]
    assert ReplyEvent.objects.count() == 2


def test_a_nul_in_one_complaint_of_3_stores_the_other_2(intake_client):
    LocaleFactory(code="th-TH")
    at = "2026-11-26T10:00:00+00:00"
    body = {
        "items": [
            {"post_id": "p1", "hashtags": ["a"], "locale": "en-US", "at": at},
            {"post_id": "p2", "hashtags": ["b\x00"], "locale": "en-US", "at": at},
            {"post_id": "p3", "hashtags": [], "locale": "en-US", "at": at},
        ]
    }
    results = intake_client.post("/api/v1/complaints/", body, format="json").json()["results"]
    assert [r["outcome"] for r in results] == ["stored", "invalid", "stored"]
    assert "U+0000" in results[1]["errors"]["hashtags.0"][0]
    assert Complaint.objects.count() == 2


def test_a_nul_anywhere_else_is_400_invalid_naming_the_field(api):
    response = api.post("/api/v1/auth/token/", {"username": "a\x00b", "password": "x"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "U+0000" in body["errors"]["username"][0]

    nested = api.post("/api/v1/auth/token/", {"username": "a", "extra": [{"note": "x\x01"}]}, format="json")
    assert nested.status_code == 400 and list(nested.json()["errors"]) == ["extra.0.note"]


def test_a_nul_in_a_form_body_is_400_invalid_too(api):
    response = api.post("/api/v1/auth/token/", {"username": "a\x01b", "password": "x"})  # multipart
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "username" in response.json()["errors"]


# ---- bodies ----------------------------------------------------------------------------------


_PARAM = re.compile(r"<(?:(\w+):)?\w+>")
_SAMPLE = {"uuid": str(uuid.uuid4()), "int": "1", "str": "x", "slug": "x"}


def _api_routes():
    """(path, method) for every /api/ view that takes a body, from the URL conf."""

    def walk(patterns, prefix):
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, route)
            elif isinstance(p, URLPattern):
                yield route, p.callback

    routes = []
    for route, callback in walk(get_resolver().url_patterns, "/"):
        cls = getattr(callback, "cls", None)
        if not route.startswith("/api/") or cls is None:
            continue
        path = _PARAM.sub(lambda m: _SAMPLE.get(m.group(1) or "str", "x"), route)
        routes.extend((path, m) for m in ("post", "put", "patch") if hasattr(cls, m))
    return routes


ROUTES = _api_routes()


def test_the_route_table_covers_the_body_endpoints():
    paths = {p for p, _ in ROUTES}
    assert len(ROUTES) >= 20
    assert {"/api/v1/corrections/", "/api/v1/replies/", "/api/v1/auth/token/", "/api/v1/exports/"} <= paths
    assert all("<" not in p for p in paths)


@pytest.mark.parametrize("raw", [b"null", b"[]", b"[{}]", b"42", b'"text"', b"true"])
def test_a_non_object_body_is_400_malformed_body_on_every_endpoint(api, raw):
    api.force_authenticate(UserFactory(username="admin", role="admin"))
    wrong = []
    for path, method in ROUTES:
        response = getattr(api, method)(path, raw, content_type="application/json")
        if response.status_code != 400 or response.json().get("code") != "malformed_body":
            wrong.append((method, path, response.status_code, response.content[:80]))
    assert wrong == []


def test_malformed_json_keeps_its_400_malformed_json(intake_client):
    response = intake_client.post("/api/v1/corrections/", b'{"items": [', content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "malformed_json"


def test_an_oversize_body_is_413_in_the_error_shape(intake_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000
    body = orjson.dumps({"items": [item(post_id=str(i)) for i in range(20)]})
    assert len(body) > 2_000
    response = intake_client.post("/api/v1/corrections/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large" and "2000 bytes" in response.json()["detail"]
    assert Correction.objects.count() == 0


def test_the_body_bound_fits_a_full_bulk_of_ordinary_items_and_not_200_mb(settings):
    thai = item(post_text="ก" * 1_000, reply_text="@grok correct " + "ข" * 200, hashtags=["#" + "x" * 20] * 10)
    bulk = orjson.dumps({"items": [thai] * settings.INTAKE["BULK_MAX_ITEMS"]})
    assert len(bulk) < settings.DATA_UPLOAD_MAX_MEMORY_SIZE < 64 * 1024 * 1024


# ---- every /api/ error in the JSON shape -----------------------------------------------------


def test_an_unknown_api_path_is_404_json_and_a_page_path_stays_html(client):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


def test_a_wrong_method_is_405_json(intake_client):
    response = intake_client.get("/api/v1/corrections/")
    assert response.status_code == 405
    assert response.json() == {"code": "method_not_allowed", "detail": 'Method "GET" not allowed.'}


def test_an_uncaught_exception_is_500_json_on_api(monkeypatch):
    def boom(self, request):
        raise RuntimeError("forced")

    monkeypatch.setattr(verifier_api.MeView, "get", boom)
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(username="v", role="verifier"))
    response = client.get("/api/v1/me/")
    assert response.status_code == 500 and response["Content-Type"] == "application/json"
    assert response.json() == {
        "code": "server_error",
        "detail": "Something went wrong on our side; it has been logged.",
    }


def test_field_errors_are_always_lists_of_messages(api):
    response = api.post("/api/v1/auth/token/", {"username": "x"}, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors and all(isinstance(v, list) and all(isinstance(m, str) for m in v) for v in errors.values())


def _asgi_post(chunks: list[bytes], *, path: str = "/api/v1/corrections/"):
    """POST through the deployed ASGI application (daphne's path), the body in chunks and no
    Content-Length (Transfer-Encoding: chunked); returns the status and the body."""
    import asyncio

    from asgiref.testing import ApplicationCommunicator

    from config.asgi import application

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"localhost"),
            (b"content-type", b"application/json"),
            (b"transfer-encoding", b"chunked"),
        ],
        "client": ("127.0.0.1", 40000),
        "server": ("localhost", 80),
    }

    async def run():
        communicator = ApplicationCommunicator(application, scope)
        for i, chunk in enumerate(chunks):
            await communicator.send_input({"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1})
        start = await communicator.receive_output(timeout=10)
        body = await communicator.receive_output(timeout=10)
        return start["status"], orjson.loads(body["body"])

    return asyncio.run(run())


@pytest.mark.django_db(transaction=True)
def test_a_chunked_body_without_content_length_is_limited_too(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000
    status, body = _asgi_post([b'{"items": [' + b'"x",' * 200] * 10)  # 8 kB in ten chunks, no Content-Length
    assert status == 413 and body["code"] == "body_too_large" and "2000 bytes" in body["detail"]
    assert Correction.objects.count() == 0
    status, body = _asgi_post([b'{"items"', b": []}"])  # under the limit: it reaches the API (no token: 401)
    assert status == 401 and body["code"] == "not_authenticated"
