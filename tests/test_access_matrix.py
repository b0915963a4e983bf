"""Issue 11: the access matrix. Every route of the URL conf (walked with get_resolver) and every
websocket route, as each of ten roles (the issue's nine and the `filter` service account), answers
exactly the status of the table below; a route without an entry fails the test. Taboo text
(tests.fence.MARKER, planted in every th-TH royal post, in the words of a th-TH rule and in a taboo
delta of a th-TH export) appears in no response to anyone outside th-TH's native pool (and admins).

One world, built once through intake and the queue; Django's test client; no browser. Path
arguments point at taboo objects wherever the route takes one (a taboo case, its ruling and appeal,
a blind-audit flip of it, a tagged intake record, its nomination's candidate, the th-TH rule, the th-TH
export and its samples.jsonl), so a leak shows.

The doors half of issue 11 may add routes (knox login/logout): add their rows to TABLE.
Regenerate the observed table with MATRIX_PRINT=1 (then review every changed row before pasting).
"""

import asyncio
import os
import uuid

import pytest
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient

from modelhooks.models import Export
from modelhooks.services import exports
from quality.models import BlindAuditItem
from shards.models import Correction
from tests.fence import MARKER, MONTH, fence_world, intake_post, royal_item, rule_all
from verifier.models import Ruling

pytestmark = pytest.mark.django_db(transaction=True)

ROLES = (
    "anonymous",
    "native_verifier",
    "other_verifier",
    "nonnative_member",
    "senior_of_locale",
    "senior_other",
    "admin",
    "intake",
    "trainer",
    "filter",
)
INSIDE_THE_FENCE = {"native_verifier", "senior_of_locale", "admin"}

# route pattern -> (method, statuses in ROLES order). Recorded from a run and reviewed row by row against
# each view's roles (SPEC 8 and the views' role_required / permission_classes); a POST carries "{}", so
# an allowed role mostly gets the view's own 400/404/409 and a refused one 302 (pages) or 401/403 (API).
TABLE: dict[str, tuple[str, tuple[int, ...]]] = {
    "": ("GET", (302, 302, 302, 302, 302, 302, 302, 302, 302, 302)),
    "api/schema/": ("GET", (200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "api/schema/ui/": ("GET", (200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "api/v1/appeals/": ("GET", (401, 200, 200, 200, 200, 200, 200, 403, 403, 403)),
    "api/v1/appeals/<uuid:appeal_id>/": ("GET", (401, 200, 404, 404, 200, 404, 200, 403, 403, 403)),
    "api/v1/appeals/<uuid:appeal_id>/escalate/": ("POST", (401, 409, 404, 404, 403, 403, 403, 403, 403, 403)),
    "api/v1/appeals/<uuid:appeal_id>/votes/": ("POST", (401, 403, 403, 403, 400, 403, 403, 403, 403, 403)),
    # knox logout authenticates by token only (core.tokens.TokenAuthentication): a session is not a token, so 401
    "api/v1/auth/logout-all/": ("POST", (401, 401, 401, 401, 401, 401, 401, 401, 401, 401)),
    "api/v1/auth/logout/": ("POST", (401, 401, 401, 401, 401, 401, 401, 401, 401, 401)),
    "api/v1/auth/token/": ("POST", (400, 400, 400, 400, 400, 400, 400, 400, 400, 400)),
    "api/v1/batches/": ("POST", (401, 403, 403, 403, 403, 403, 400, 403, 400, 403)),
    "api/v1/blind-audit-items/<uuid:item_id>/": ("PATCH", (401, 403, 403, 403, 400, 404, 403, 403, 403, 403)),
    "api/v1/blind-audits/": ("POST", (401, 403, 403, 403, 400, 400, 400, 403, 403, 403)),
    "api/v1/blind-audits/<int:audit_id>/evaluate/": ("POST", (401, 403, 403, 403, 403, 403, 200, 403, 403, 403)),
    "api/v1/calibration/": ("GET", (401, 200, 200, 200, 403, 403, 403, 403, 403, 403)),
    "api/v1/calibration/<uuid:set_id>/answers/": ("POST", (401, 404, 404, 404, 403, 403, 403, 403, 403, 403)),
    "api/v1/cases/<uuid:case_id>/": ("GET", (401, 200, 404, 404, 200, 404, 200, 403, 403, 403)),
    "api/v1/cases/<uuid:case_id>/ruling/": ("POST", (401, 400, 404, 404, 403, 403, 403, 403, 403, 403)),
    "api/v1/cases/<uuid:case_id>/skip/": ("POST", (401, 204, 404, 404, 403, 403, 403, 403, 403, 403)),
    "api/v1/cases/<uuid:case_id>/taboo-nominations/": ("POST", (401, 400, 404, 404, 403, 403, 403, 403, 403, 403)),
    "api/v1/complaints/": ("POST", (401, 403, 403, 403, 403, 403, 403, 200, 403, 403)),
    "api/v1/contracts/": ("POST", (401, 403, 403, 403, 403, 403, 400, 403, 403, 403)),
    "api/v1/corrections/": ("POST", (401, 403, 403, 403, 403, 403, 403, 200, 403, 403)),
    "api/v1/drift/": ("GET", (401, 403, 403, 403, 403, 403, 400, 403, 403, 403)),
    "api/v1/exports/": ("POST", (401, 403, 403, 403, 403, 403, 400, 403, 400, 403)),
    "api/v1/exports/<uuid:export_id>/": ("GET", (401, 403, 403, 403, 403, 403, 200, 403, 200, 403)),
    # issue 11: the world's th-TH export holds a taboo delta: its files go to admins (audited) and the shard's
    # native pool only, so the trainer (no native membership) gets 403 outside_native_pool; the manifest (counts) is open
    "api/v1/exports/<uuid:export_id>/files/<str:name>": ("GET", (401, 403, 403, 403, 403, 403, 200, 403, 403, 403)),
    "api/v1/external-audit-items/": ("GET", (401, 403, 403, 403, 200, 200, 403, 403, 403, 403)),
    "api/v1/external-audit-items/<int:item_id>/answer/": ("POST", (401, 403, 403, 403, 404, 404, 403, 403, 403, 403)),
    "api/v1/filter/": ("POST", (401, 403, 403, 403, 403, 403, 400, 403, 403, 400)),
    "api/v1/gold-items/": ("POST", (401, 403, 403, 403, 400, 400, 400, 403, 403, 403)),
    "api/v1/kappa/": ("GET", (401, 403, 403, 403, 200, 200, 200, 403, 403, 403)),
    "api/v1/me/": ("GET", (401, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "api/v1/pay-runs/": ("POST", (401, 403, 403, 403, 403, 403, 400, 403, 403, 403)),
    "api/v1/pay-runs/<str:month>/": ("GET", (401, 403, 403, 403, 403, 403, 404, 403, 403, 403)),
    "api/v1/pay-runs/<str:month>/payroll.csv": ("GET", (401, 403, 403, 403, 403, 403, 404, 403, 403, 403)),
    "api/v1/payouts/<int:payout_id>/release/": ("POST", (401, 403, 403, 403, 403, 403, 404, 403, 403, 403)),
    "api/v1/queue/next/": ("GET", (401, 200, 204, 200, 403, 403, 403, 403, 403, 403)),
    "api/v1/rationales/": ("GET", (401, 200, 200, 200, 403, 403, 403, 403, 403, 403)),
    "api/v1/rationales/<int:rationale_id>/": ("POST", (401, 404, 404, 404, 403, 403, 403, 403, 403, 403)),
    "api/v1/releases/": ("GET", (401, 403, 403, 403, 403, 403, 400, 403, 403, 403)),
    "api/v1/releases/<int:release_id>/": ("GET", (401, 403, 403, 403, 403, 403, 404, 403, 403, 403)),
    "api/v1/releases/<int:release_id>/accept/": ("POST", (401, 403, 403, 403, 403, 403, 404, 403, 403, 403)),
    "api/v1/replies/": ("POST", (401, 403, 403, 403, 403, 403, 403, 200, 403, 403)),
    "api/v1/rules/": ("GET", (401, 403, 403, 403, 200, 200, 200, 403, 403, 403)),
    # issue 11: the world's th-TH rule: every senior sees it (200), senior_other with its words masked; changing
    # its words (versions, restore, soften) outside th-TH's native pool is 403 outside_native_pool
    "api/v1/rules/<int:rule_id>/": ("GET", (401, 403, 403, 403, 200, 200, 200, 403, 403, 403)),
    "api/v1/rules/<int:rule_id>/shards/<str:shard_code>/promote/": (
        "POST",
        (401, 403, 403, 403, 409, 409, 403, 403, 403, 403),
    ),
    "api/v1/rules/<int:rule_id>/shards/<str:shard_code>/verify-items/": (
        "POST",
        (401, 400, 404, 400, 400, 400, 403, 403, 403, 403),
    ),
    "api/v1/rules/<int:rule_id>/soften/": ("POST", (401, 403, 403, 403, 409, 403, 403, 403, 403, 403)),
    "api/v1/rules/<int:rule_id>/versions/": ("POST", (401, 403, 403, 403, 400, 403, 403, 403, 403, 403)),
    "api/v1/rules/<int:rule_id>/versions/<int:number>/restore/": (
        "POST",
        (401, 403, 403, 403, 201, 403, 403, 403, 403, 403),
    ),
    "api/v1/rules/backtest/": ("POST", (401, 403, 403, 403, 400, 400, 400, 403, 403, 403)),
    "api/v1/rules/index/ready/": ("GET", (503, 503, 503, 503, 503, 503, 503, 503, 503, 503)),
    "api/v1/rulings/<uuid:ruling_id>/appeals/": ("POST", (401, 400, 400, 400, 403, 403, 403, 403, 403, 403)),
    "api/v1/rulings/undo/": ("POST", (401, 409, 409, 409, 403, 403, 403, 403, 403, 403)),
    "api/v1/shards/": ("GET", (401, 403, 403, 403, 200, 200, 200, 403, 403, 403)),
    "api/v1/statements/me/": ("GET", (401, 200, 200, 200, 403, 403, 403, 403, 403, 403)),
    "api/v1/surveys/": ("POST", (401, 403, 403, 403, 403, 403, 403, 200, 403, 403)),
    "api/v1/surveys/arm/": ("GET", (401, 403, 403, 403, 400, 400, 400, 400, 403, 403)),
    "api/v1/taboo-candidates/": ("GET", (401, 403, 403, 403, 200, 200, 200, 403, 403, 403)),
    "api/v1/taboo-candidates/<int:candidate_id>/approve/": ("POST", (401, 403, 403, 403, 400, 404, 403, 403, 403, 403)),
    "api/v1/taboo-candidates/<int:candidate_id>/reject/": ("POST", (401, 403, 403, 403, 409, 404, 403, 403, 403, 403)),
    "appeals/": ("GET", (302, 200, 200, 200, 200, 200, 200, 403, 403, 403)),
    "appeals/<uuid:appeal_id>/escalate/": ("POST", (302, 302, 302, 302, 403, 403, 403, 403, 403, 403)),
    "appeals/<uuid:appeal_id>/vote/": ("POST", (302, 302, 302, 302, 302, 302, 403, 403, 403, 403)),
    "appeals/rulings/<uuid:ruling_id>/": ("POST", (302, 302, 302, 302, 403, 403, 403, 403, 403, 403)),
    "audits/": ("GET", (302, 403, 403, 403, 200, 200, 200, 403, 403, 403)),
    "audits/external/<int:item_id>/": ("POST", (302, 403, 403, 403, 404, 404, 403, 403, 403, 403)),
    "audits/flips/<uuid:item_id>/": ("POST", (302, 403, 403, 403, 302, 404, 403, 403, 403, 403)),
    "calibration/": ("GET", (302, 200, 200, 200, 403, 403, 403, 403, 403, 403)),
    "calibration/<uuid:set_id>/": ("POST", (302, 404, 404, 404, 403, 403, 403, 403, 403, 403)),
    "exports/<uuid:export_id>/": ("GET", (302, 403, 403, 403, 403, 403, 200, 403, 200, 403)),
    "healthz": ("GET", (200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "language/": ("POST", (302, 302, 302, 302, 302, 302, 302, 302, 302, 302)),
    "login/": ("GET", (200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "logout/": ("GET", (405, 405, 405, 405, 405, 405, 405, 405, 405, 405)),
    "ops/": ("GET", (302, 403, 403, 403, 200, 200, 200, 403, 403, 403)),
    "ops/intake/": ("GET", (302, 403, 403, 403, 200, 200, 200, 403, 403, 403)),
    "ops/intake/alerts/": ("GET", (302, 403, 403, 403, 200, 200, 200, 403, 403, 403)),
    "ops/intake/cliques/<int:pk>/decide/": ("POST", (302, 403, 403, 403, 404, 404, 404, 403, 403, 403)),
    "ops/intake/components/<int:pk>/lift/": ("POST", (302, 403, 403, 403, 404, 404, 404, 403, 403, 403)),
    "ops/intake/corrections/<uuid:public_id>/": ("GET", (302, 403, 403, 403, 200, 404, 200, 403, 403, 403)),
    "ops/intake/corrections/<uuid:public_id>/overturn/": ("POST", (302, 403, 403, 403, 404, 404, 404, 403, 403, 403)),
    "pay/": ("GET", (302, 403, 403, 403, 403, 403, 200, 403, 403, 403)),
    "pay/<str:month>/payroll.csv": ("GET", (302, 403, 403, 403, 403, 403, 404, 403, 403, 403)),
    "pay/contracts/": ("POST", (302, 403, 403, 403, 403, 403, 302, 403, 403, 403)),
    "pay/payouts/<int:payout_id>/release/": ("POST", (302, 403, 403, 403, 403, 403, 404, 403, 403, 403)),
    "pay/run/": ("POST", (302, 403, 403, 403, 403, 403, 302, 403, 403, 403)),
    "quality/": ("GET", (302, 403, 403, 403, 200, 200, 200, 403, 403, 403)),
    "quality/close/": ("POST", (302, 403, 403, 403, 403, 403, 302, 403, 403, 403)),
    "queue/": ("GET", (302, 200, 200, 200, 403, 403, 403, 403, 403, 403)),
    "queue/cases/<uuid:case_id>/ruling/": ("POST", (302, 200, 200, 200, 403, 403, 403, 403, 403, 403)),
    "queue/cases/<uuid:case_id>/skip/": ("POST", (302, 200, 200, 200, 403, 403, 403, 403, 403, 403)),
    "queue/next/": ("GET", (302, 200, 200, 200, 403, 403, 403, 403, 403, 403)),
    "queue/undo/": ("POST", (302, 200, 200, 200, 403, 403, 403, 403, 403, 403)),
    "rationales/": ("GET", (302, 200, 200, 200, 403, 403, 403, 403, 403, 403)),
    "rationales/<int:rationale_id>/": ("POST", (302, 404, 404, 404, 403, 403, 403, 403, 403, 403)),
    "readyz": ("GET", (503, 503, 503, 503, 503, 503, 503, 503, 503, 503)),
    "releases/<str:shard_code>/": ("GET", (302, 403, 403, 403, 403, 403, 200, 403, 403, 403)),
    "risk/feed/": ("GET", (302, 403, 403, 403, 200, 200, 200, 403, 403, 403)),
    "risk/nominate/<uuid:case_id>/": ("GET", (302, 200, 404, 404, 403, 403, 403, 403, 403, 403)),
    "risk/review/": ("GET", (302, 403, 403, 403, 200, 200, 200, 403, 403, 403)),
    "risk/review/<int:candidate_id>/approve/": ("POST", (302, 403, 403, 403, 200, 404, 403, 403, 403, 403)),
    # senior_other: 404 like approve/reject (a th-TH candidate is outside their pool)
    "risk/review/<int:candidate_id>/backtest/": ("POST", (302, 403, 403, 403, 200, 404, 403, 403, 403, 403)),
    "risk/review/<int:candidate_id>/reject/": ("POST", (302, 403, 403, 403, 200, 404, 403, 403, 403, 403)),
    "risk/rules/": ("GET", (302, 403, 403, 403, 200, 200, 200, 403, 403, 403)),
    "risk/rules/<int:rule_id>/": ("GET", (302, 403, 403, 403, 200, 200, 200, 403, 403, 403)),
    "risk/rules/<int:rule_id>/edit/": ("POST", (302, 403, 403, 403, 200, 403, 403, 403, 403, 403)),
    "risk/rules/<int:rule_id>/promote/<str:shard_code>/": ("POST", (302, 403, 403, 403, 200, 200, 403, 403, 403, 403)),
    "risk/rules/<int:rule_id>/restore/<int:number>/": ("POST", (302, 403, 403, 403, 200, 403, 403, 403, 403, 403)),
    "risk/rules/<int:rule_id>/soften/": ("POST", (302, 403, 403, 403, 200, 403, 403, 403, 403, 403)),
    "risk/rules/<int:rule_id>/verify-items/<str:shard_code>/": (
        "POST",
        (302, 403, 403, 403, 200, 200, 403, 403, 403, 403),
    ),
    "scoring/": ("GET", (302, 403, 403, 403, 200, 200, 200, 403, 403, 403)),
    "service/": ("GET", (302, 403, 403, 403, 403, 403, 403, 200, 200, 200)),
    "statement/": ("GET", (302, 200, 200, 200, 403, 403, 200, 403, 403, 403)),
    "statement/<str:username>/": ("GET", (302, 404, 404, 404, 403, 403, 200, 403, 403, 403)),
    "survey/": ("GET", (302, 200, 200, 200, 403, 403, 403, 403, 403, 403)),
}

# Admin site: every route sends everyone but staff to its login page (302), which itself answers 200;
# the admin's index answers 200. Its routes are generated per registered model, so they are one group.
ADMIN_SITE_PREFIX = "admin/"
ADMIN_SITE_OPEN = {"admin/login/"}
# Django's admin treats every non-staff user alike (is_staff is False for all roles but admin), so two
# roles stand for them: the anonymous visitor and the most trusted non-staff one (keeps the test fast).
ADMIN_SITE_PROBES = ("anonymous", "senior_of_locale")


def _walk(resolver, prefix=""):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def routes() -> list[tuple[str, URLPattern]]:
    return sorted(_walk(get_resolver()), key=lambda r: r[0])


def websocket_routes() -> list[str]:
    from modelhooks.routing import websocket_urlpatterns as exports_ws
    from verifier.routing import websocket_urlpatterns as live_ws

    return sorted(str(p.pattern) for p in live_ws + exports_ws)


def _fill(pattern: str, args: dict) -> str:
    """The route with each <converter:name> replaced by the world's object for it."""
    import re

    def sub(match):
        converter, name = match.group(1) or "str", match.group(2)
        key = f"{converter}:{name}"
        if key in args:
            return str(args[key])
        return {"uuid": str(uuid.UUID(int=1)), "int": "999999", "path": "x", "slug": "x"}.get(converter, "x")

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", sub, pattern).lstrip("^").rstrip("$")


def _clients(world) -> dict:
    clients = {"anonymous": Client()}
    for role, user in world.users.items():
        client = Client()
        client.force_login(user)
        clients[role] = client
    return clients


def _request(client, method: str, path: str):
    if method == "GET":
        return client.get(path)
    return getattr(client, method.lower())(path, data="{}", content_type="application/json")


def _method_for(pattern: URLPattern) -> str:
    cls = getattr(pattern.callback, "cls", None) or getattr(pattern.callback, "view_class", None)
    if cls is not None:
        for method in ("get", "post", "patch"):
            if hasattr(cls, method):
                return method.upper()
    return "GET"


def _world_args(world) -> dict:
    """Taboo objects for every path argument that can name one."""
    th_v = world.th_pool[0]
    export = _taboo_export(world)  # first: its ruling must not take the blind audit's re-injected flips
    api = APIClient()
    api.force_authenticate(th_v)
    taboo_case = world.taboo_case_ids[0]
    ruling = Ruling.objects.filter(case__public_id=taboo_case).first()
    appeal = api.post(f"/api/v1/rulings/{ruling.public_id}/appeals/", {"reason": "I was wrong"}, format="json")
    assert appeal.status_code == 201, appeal.content[:300]
    nomination = api.post(
        f"/api/v1/cases/{taboo_case}/taboo-nominations/", {"term": "ในหลวง", "context": MARKER}, format="json"
    )
    assert nomination.status_code == 201, nomination.content[:300]
    senior = APIClient()
    senior.force_authenticate(world.users["senior_of_locale"])
    audit = senior.post("/api/v1/blind-audits/", {"shard": "th-TH", "month": MONTH}, format="json")
    assert audit.status_code == 201
    flip = BlindAuditItem.objects.filter(original_case__native_only=True).first()
    correction = Correction.objects.filter(post_text__contains=MARKER).first()
    return {
        "uuid:case_id": taboo_case,
        "uuid:ruling_id": ruling.public_id,
        "uuid:appeal_id": appeal.json()["appeal_id"],
        "uuid:item_id": flip.public_id,
        "uuid:public_id": correction.public_id,
        "int:audit_id": flip.audit_id,
        "int:candidate_id": nomination.json()["candidate_id"],
        "str:month": MONTH,
        "str:username": th_v.username,
        "str:shard_code": "th-TH",
        "int:number": 1,
        "int:rule_id": world.rule.pk,
        "uuid:export_id": export.public_id,
        "str:name": "samples.jsonl",
    }


def _taboo_export(world):
    """A finished th-TH export whose samples.jsonl holds a taboo case's delta (an export carries the native
    tokens, not the post, so this correction's own words carry the marker): one more royal post comes in
    and a native lets it through (a taboo screen's "no"), the admin cuts the batch through the API, and the
    export service writes the files as the worker would."""
    results = intake_post([royal_item(reply_text=f"@grok correct ปี 2019 {MARKER}")])
    assert results[0]["outcome"] == "queued", results
    assert rule_all(world.th_pool[0], answer="no") == 1  # their queue was empty: only this case
    admin = APIClient()
    admin.force_authenticate(world.users["admin"])
    assert admin.post("/api/v1/batches/", {"shard": "th-TH"}, format="json").status_code == 201
    export = exports.export_run(export_id=Export.objects.create(shard=world.th, created_at=timezone.now()).pk)
    assert MARKER in (exports.export_dir(export) / "samples.jsonl").read_text()
    return export


def test_every_route_answers_each_role_exactly_and_taboo_text_stays_inside_the_fence(standin_hooks, settings, tmp_path):
    # VQ-10's undo window is wall-clock (10 s after a ruling): closed here, so the undo routes answer alike
    # on a fast and a slow run (nothing to undo: 409) and no ruling of the world is taken back mid-matrix
    settings.VERIFIER = {**settings.VERIFIER, "UNDO_SECONDS": 0}
    settings.MODELHOOKS = {**settings.MODELHOOKS, "EXPORT_DIR": str(tmp_path / "exports")}
    world = fence_world()
    args = _world_args(world)
    clients = _clients(world)
    observed, missing, wrong, leaks = {}, [], [], []
    checked = 0
    for pattern_str, pattern in routes():
        path = _fill(pattern_str, args)
        if pattern_str.startswith(ADMIN_SITE_PREFIX):
            for role in ADMIN_SITE_PROBES:
                response = clients[role].get(path)
                checked += 1
                expected = 200 if pattern_str in ADMIN_SITE_OPEN else 302
                if response.status_code != expected:
                    wrong.append((pattern_str, role, "GET", expected, response.status_code))
            continue
        entry = TABLE.get(pattern_str)
        method = entry[0] if entry else _method_for(pattern)
        statuses = []
        for role in ROLES:
            response = _request(clients[role], method, path)
            checked += 1
            statuses.append(response.status_code)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            if role not in INSIDE_THE_FENCE and MARKER.encode() in body:
                leaks.append((pattern_str, role, response.status_code))
        observed[pattern_str] = (method, tuple(statuses))
        if entry is None:
            missing.append(pattern_str)
        elif tuple(statuses) != entry[1]:
            wrong.append((pattern_str, method, dict(zip(ROLES, entry[1])), dict(zip(ROLES, statuses))))
    assert clients["admin"].get("/admin/").status_code == 200
    ws_observed = asyncio.run(_websocket_matrix(world))
    checked += len(ws_observed) * len(ROLES)
    if os.environ.get("MATRIX_PRINT"):
        for key, (method, statuses) in sorted(observed.items()):
            print(f'    "{key}": ("{method}", {statuses}),')
        for key, statuses in sorted(ws_observed.items()):
            print(f'    "{key}": {statuses},')
    print(f"access matrix: {checked} route x role checks, {len(observed) + len(ws_observed)} routes")
    assert not leaks, f"taboo text shown outside the native pool: {leaks}"
    assert not missing, f"routes without an entry in TABLE: {missing}"
    assert not wrong, "status differs from TABLE:\n" + "\n".join(map(str, wrong))
    ws_missing = sorted(set(ws_observed) - set(WS_TABLE))
    assert not ws_missing, f"websocket routes without an entry in WS_TABLE: {ws_missing}"
    assert {k: ws_observed[k] for k in WS_TABLE} == WS_TABLE


# websocket route -> what each role gets, in ROLES order: "accept" or the close code
WS_TABLE: dict[str, tuple] = {
    "ws/exports/<uuid:export_id>/": (4403, 4403, 4403, 4403, 4403, 4403, 4404, 4403, 4404, 4403),
    "ws/live/": (4401, "accept", "accept", "accept", "accept", "accept", "accept", "accept", "accept", "accept"),
}


async def _websocket_matrix(world) -> dict[str, tuple]:
    from config.asgi import application

    out = {}
    for route in websocket_routes():
        path = "/" + route.replace("<uuid:export_id>", str(uuid.UUID(int=1)))
        results = []
        for role in ROLES:
            user = AnonymousUser() if role == "anonymous" else world.users[role]
            ws = WebsocketCommunicator(application, path, headers=[(b"origin", b"http://127.0.0.1")])
            ws.scope["user"] = user
            connected, code = await ws.connect()
            if connected:
                results.append("accept")
                received = []
                while not await ws.receive_nothing(timeout=0.1):
                    received.append(await ws.receive_from())
                if role not in INSIDE_THE_FENCE:
                    assert MARKER not in "".join(received), (route, role)
                await ws.disconnect()
            else:
                results.append(code)
        out[route] = tuple(results)
    return out
