"""Issues 13 and 14, the WSGI application's two middleware chains (core/handlers.py): a token-authenticated
/api/ request runs the lean chain and answers exactly as the full chain does; everything else runs the full
chain. And the CSP header, built once per process (core.security.CSPMiddleware), equals django-csp's."""

import io
import json
import sys

import pytest
from csp.utils import build_policy
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import translation

from core.handlers import TwoChainApplication, request_is_token_api
from core.models import User
from core.tokens import token_create
from tests.base import api_item, fresh_ip
from tests.factories import UserFactory, make_cases, shard_with_pool
from verifier.models import Ruling

pytestmark = pytest.mark.django_db

# Headers both chains must set alike (their values compared); Date and the like differ per answer.
SAME_HEADERS = (
    "Content-Type",
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "Content-Language",
    "Vary",
    "Allow",
)


@pytest.fixture
def app():
    """The application config/wsgi.py serves. As Django's test client does, the request signals do not close
    the test's connection (it holds the test's transaction)."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield TwoChainApplication()
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)
        translation.deactivate()


class Answer:
    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes):
        self.status_code = int(status.split()[0])
        self.headers = {k.lower(): v for k, v in headers}
        self.cookies = [v for k, v in headers if k.lower() == "set-cookie"]
        self.body = body

    def json(self):
        return json.loads(self.body)

    def same_headers(self) -> dict:
        """The headers both chains set alike. Vary without Cookie: the full chain's session middleware adds it
        once the user is looked up; the lean chain has no session, so its answer does not vary by cookie."""
        out = {h: self.headers.get(h.lower()) for h in SAME_HEADERS}
        out["Content-Security-Policy"] = _directives(out["Content-Security-Policy"])
        out["Vary"] = [v.strip() for v in (out["Vary"] or "").split(",") if v.strip() != "Cookie"]
        return out

    @property
    def csp(self) -> set[str]:
        return _directives(self.headers.get("content-security-policy"))


def _directives(policy: str | None) -> set[str]:
    """A policy's directives (django-csp writes them in set order, which varies)."""
    return {d.strip() for d in (policy or "").split(";") if d.strip()}


def _call(handler, method: str, path: str, *, body=None, token: str = "", **headers) -> Answer:
    raw = json.dumps(body).encode() if body is not None else b""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(raw),
        "wsgi.errors": sys.stderr,
        "CONTENT_LENGTH": str(len(raw)),
        "CONTENT_TYPE": "application/json" if raw else "",
        **{f"HTTP_{k.upper()}": v for k, v in headers.items()},
    }
    if token:
        environ["HTTP_AUTHORIZATION"] = f"Token {token}"
    seen = {}

    def start_response(status, response_headers, exc_info=None):
        seen["status"], seen["headers"] = status, response_headers

    chunks = handler(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        getattr(chunks, "close", lambda: None)()
    return Answer(seen["status"], seen["headers"], body)


def _counting(handler) -> list:
    """Count the requests a handler's middleware chain takes."""
    calls = []
    chain = handler._middleware_chain

    def counted(request):
        calls.append(request.path)
        return chain(request)

    handler._middleware_chain = counted
    return calls


def test_the_lean_chain_is_the_full_one_without_the_browsers_middleware(settings):
    full, lean = settings.MIDDLEWARE, settings.API_TOKEN_MIDDLEWARE
    assert [m for m in full if m in lean] == lean  # a sub-list, in the same order
    dropped = set(full) - set(lean)
    assert dropped == {
        "whitenoise.middleware.WhiteNoiseMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "core.i18n.UserLanguageMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "django_htmx.middleware.HtmxMiddleware",
        "axes.middleware.AxesMiddleware",
    }
    app = TwoChainApplication()
    assert len(app.lean._view_middleware) < len(app.full._view_middleware)
    assert settings.MIDDLEWARE == full  # building the lean handler left the setting as it was


@pytest.mark.parametrize(
    "path, authorization, lean",
    [
        ("/api/v1/filter/", "Token abc", True),
        ("/api/v1/cases/x/ruling/", "Token abc", True),
        ("/api/v1/filter/", "", False),  # the browser's own calls, on its session
        ("/api/v1/filter/", "Bearer abc", False),
        ("/api/v1/auth/token/", "Token abc", False),  # login and logout: axes and the session
        ("/api/v1/auth/logout/", "Token abc", False),
        ("/queue/", "Token abc", False),  # a page
    ],
)
def test_which_requests_take_the_lean_chain(path, authorization, lean):
    environ = {"PATH_INFO": path, **({"HTTP_AUTHORIZATION": authorization} if authorization else {})}
    assert request_is_token_api(environ) is lean


def test_a_verifier_on_a_token_gets_the_same_answers_from_both_chains(app, settings):
    """From intake onward, every request on a token: the intake service posts eight corrections (lean chain), then
    two verifiers work the queue, one through each chain: next, a ruling that carries the next case, a replay of
    it, a case that is not theirs, a bad answer, a bad token. The lean chain answers each as the full one does
    (status, body, the security and language headers), and the full chain never saw the lean requests."""
    settings.INTAKE = {**settings.INTAKE, "LOW_VOLUME_PER_DAY": 0}  # no crowd volume rule for eight posts
    _, (alice, bob, _) = shard_with_pool("en-US")
    intake = UserFactory(username="intake", role=User.Role.INTAKE)
    lean_calls, full_calls = _counting(app.lean), _counting(app.full)
    sent = [
        api_item(post_id=f"lean-{i}", post_text=f"Over {100 + i} people marched", submitter_id=f"u{i}", ip=fresh_ip())
        for i in range(8)
    ]
    posted = _call(app, "POST", "/api/v1/corrections/", body={"items": sent}, token=token_create(user=intake)[0])
    assert posted.status_code == 200, posted.body[:300]
    assert [(r["outcome"], r["shard"]) for r in posted.json()["results"]] == [("queued", "en-US")] * 8
    assert len(lean_calls) == 1 and full_calls == []
    keys = {user.username: token_create(user=user)[0] for user in (alice, bob)}

    def session(handler, user) -> list[Answer]:
        key = keys[user.username]
        first = _call(handler, "GET", "/api/v1/queue/next/", token=key)
        case_id = first.json()["id"]
        ruled = _call(
            handler,
            "POST",
            f"/api/v1/cases/{case_id}/ruling/",
            body={"answer": "yes", "next": True, "idempotency_key": "k1"},
            token=key,
        )
        again = _call(
            handler,
            "POST",
            f"/api/v1/cases/{case_id}/ruling/",
            body={"answer": "yes", "idempotency_key": "k1"},
            token=key,
        )
        other = _call(
            handler,
            "POST",
            "/api/v1/cases/00000000-0000-0000-0000-000000000000/ruling/",
            body={"answer": "yes"},
            token=key,
        )
        bad = _call(
            handler, "POST", f"/api/v1/cases/{ruled.json()['next']['id']}/ruling/", body={"answer": "maybe"}, token=key
        )
        me = _call(handler, "GET", "/api/v1/me/", token=key)
        return [first, ruled, again, other, bad, me]

    through_full = session(app.full, alice)
    full_seen = len(full_calls)
    through_lean = session(app, bob)  # the application picks the chain
    assert len(lean_calls) == 1 + len(through_lean) and len(full_calls) == full_seen

    def shape(answer: Answer, user) -> tuple:
        body = answer.json()
        for key in ("id", "ruling_id", "case_id", "lease_expires_at", "post_text", "proposal"):
            body.pop(key, None)
        if isinstance(body.get("next"), dict):
            body["next"] = sorted(body["next"])
        if body.get("username"):
            body["username"] = "<user>"
        return answer.status_code, body, answer.same_headers()

    for full_answer, lean_answer in zip(through_full, through_lean, strict=True):
        full_shape, lean_shape = shape(full_answer, alice), shape(lean_answer, bob)
        assert full_shape[:2] == lean_shape[:2]
        for header, value in full_shape[2].items():
            assert (header, value) == (header, lean_shape[2][header])
    assert [a.status_code for a in through_lean] == [200, 201, 201, 404, 400, 200]
    texts = {item["post_text"] for item in sent}
    shown = [a.json()["post_text"] for a in (through_full[0], through_lean[0])]
    shown += [a.json()["next"]["post_text"] for a in (through_full[1], through_lean[1])]
    assert len(set(shown)) == 4 and set(shown) <= texts  # four of the posted texts, none twice
    assert through_lean[2].json()["replayed"] is True
    assert through_lean[0].csp == _directives(build_policy())
    assert through_lean[0].headers["x-frame-options"] == "DENY"
    assert all(not a.cookies and "Cookie" not in a.headers.get("vary", "") for a in through_lean)  # no session
    assert Ruling.objects.filter(verifier=bob).count() == Ruling.objects.filter(verifier=alice).count() == 1

    refused = [_call(h, "GET", "/api/v1/me/", token="0" * 64) for h in (app.full, app)]
    assert refused[0].status_code == refused[1].status_code == 401
    assert refused[0].json() == refused[1].json()


def test_the_lean_chain_answers_in_the_users_language_and_else_the_browsers(app):
    """The token's user's own setting (the token authentication activates it), else Accept-Language (Django's
    LocaleMiddleware, kept in the lean chain): the same detail as the full chain gives."""
    thai = UserFactory(username="lean_th", role=User.Role.FILTER, ui_language="th")
    blank = UserFactory(username="lean_blank", role=User.Role.FILTER, ui_language="")
    body = {"text": "x", "locale": "xx-XX"}
    answers = {}
    for user, accept in ((thai, "en"), (blank, "ar"), (blank, "")):
        key = token_create(user=user)[0]
        pair = [
            _call(h, "POST", "/api/v1/filter/", body=body, token=key, accept_language=accept) for h in (app.full, app)
        ]
        assert pair[0].status_code == pair[1].status_code == 400
        assert pair[0].json() == pair[1].json() and pair[0].same_headers() == pair[1].same_headers()
        answers[(user.username, accept)] = pair[1]
    thai_detail = answers[("lean_th", "en")].json()["detail"]
    arabic = answers[("lean_blank", "ar")]
    english = answers[("lean_blank", "")]
    assert any("\u0e00" <= c <= "\u0e7f" for c in thai_detail), thai_detail
    assert (
        any("\u0600" <= c <= "\u06ff" for c in arabic.json()["detail"]) and arabic.headers["content-language"] == "ar"
    )
    assert english.json()["detail"] == "locale: no shard serves the locale 'xx-XX'."


def test_a_session_post_to_the_api_still_runs_the_full_chain_with_csrf(app):
    """A browser's API call (no token) keeps the session and CSRF checks: without the CSRF token, refused."""
    shard, (alice, *_) = shard_with_pool("en-US")
    make_cases(shard, 1)
    login = _call(app, "GET", "/login/")
    assert login.status_code == 200 and login.csp == _directives(build_policy())
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    lean_calls = _counting(app.lean)
    case_id = _call(app, "GET", "/api/v1/queue/next/", cookie=cookie).json()["id"]
    refused = _call(app, "POST", f"/api/v1/cases/{case_id}/ruling/", body={"answer": "yes"}, cookie=cookie)
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert lean_calls == [] and not Ruling.objects.exists()


def test_the_csp_header_built_once_follows_the_setting_and_per_view_policies(app, settings):
    """The cached header equals django-csp's own build, changes with the setting, and a view with its own policy
    (Swagger UI's `csp_update`) still gets that policy."""
    swagger = _call(app, "GET", "/api/schema/ui/")
    assert swagger.status_code == 200
    assert "style-src 'self' 'unsafe-inline'" in swagger.csp
    page = _call(app, "GET", "/login/").csp
    assert page == _directives(build_policy()) and "style-src 'self'" in page
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'self'"], "img-src": ["'self'", "data:"]}}
    changed = _call(app, "GET", "/login/").csp
    assert changed == _directives(build_policy()) == {"default-src 'self'", "img-src 'self' data:"}
