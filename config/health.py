"""Health endpoints for a load balancer: anonymous, no secrets in the body.

`GET /healthz`: the process is up (touches nothing). `GET /readyz`: the database, Redis and the
broker when configured, and the freshness of the live rule index (RK-3); 200 with every check, 503
naming each that is down. They live in `config`, the top layer, because the index check reads
`risk_db`.
"""

import logging
import time

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from config.celery import app as celery_app
from risk_db.selectors import rules_index_readiness

log = logging.getLogger(__name__)

CHECK_TIMEOUT_S = 2  # each check answers within this, so a load balancer's probe does not hang


@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


def check_database() -> dict:
    pool = getattr(connection, "pool", None)  # only the PostgreSQL backend has one
    if pool is not None:  # PostgreSQL: borrow from the pool, wait no longer than the check may
        pool.open()
        with pool.connection(timeout=CHECK_TIMEOUT_S) as conn:
            conn.execute("SELECT 1")
    else:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    return {}


def check_redis() -> dict:
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=CHECK_TIMEOUT_S, socket_timeout=CHECK_TIMEOUT_S
    )
    client.ping()
    return {}


def check_broker() -> dict:
    with celery_app.connection_for_read(connect_timeout=CHECK_TIMEOUT_S) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=CHECK_TIMEOUT_S)
    return {}


def check_rule_index() -> dict:
    body = rules_index_readiness()
    result = {
        "built_at": body["built_at"],
        "last_checked_at": body["last_checked_at"],
        "stale_after_hours": body["stale_after_hours"],
    }
    if not body["ready"]:
        raise NotReady(body["reason"], result)
    return result


class NotReady(Exception):
    def __init__(self, reason: str, detail: dict):
        super().__init__(reason)
        self.detail = detail


def readiness_checks() -> dict:
    checks = {"database": check_database}
    if settings.REDIS_URL:
        checks["redis"] = check_redis
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        checks["broker"] = check_broker
    checks["rule_index"] = check_rule_index
    return checks


@require_GET
def readyz(request):
    results, down = {}, []
    for name, check in readiness_checks().items():
        started = time.monotonic()
        try:
            result = {"ok": True, **check()}
        except NotReady as exc:
            result = {"ok": False, "reason": str(exc), **exc.detail}
        except Exception as exc:  # noqa: BLE001 (any failure means not ready; the class name only, no DSN)
            log.warning("readiness check %s failed: %s", name, type(exc).__name__, exc_info=True)
            result = {"ok": False, "reason": f"{type(exc).__name__}: unreachable or failing"}
        result["ms"] = round((time.monotonic() - started) * 1000, 1)
        results[name] = result
        if not result["ok"]:
            down.append(name)
    body = {"status": "ok" if not down else "unavailable", "down": down, "checks": results}
    return JsonResponse(body, status=503 if down else 200)
