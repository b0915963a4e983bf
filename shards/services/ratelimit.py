"""IN-3: at most 3 corrections per 24 h per (billing country + IPv6 /64 or IPv4 /32); a burst over
it starts a 12 h cool-off for that key.

Semantics (event time `at`): an item is admitted when its key is not cooling off and fewer than
RATE_LIMIT_MAX admitted items of that key fall in (at - 24 h, at], counting only items after the
end of the key's last cool-off. The item over the limit is refused and starts the cool-off
[at, at + 12 h); items refused during it do not extend it. Refused items are not counted.

Backends: Redis when configured (one Lua script per item, pipelined: atomic per key and shared by
every web process), else the database (rows locked FOR UPDATE for the batch). An unreachable Redis
raises RateLimitUnavailable: the request fails loudly (503); limits never silently lapse.
"""
import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone as dt_timezone

from django.conf import settings

from shards.models import RateLimitKey


class RateLimitUnavailable(Exception):
    """The rate-limit store cannot be reached; intake must not go on without it."""


@dataclass
class RateCheck:
    key: str
    at: datetime
    member: str  # a unique id for the event (the delivery's dedupe key)
    admitted: bool | None = None
    cooloff_until: datetime | None = None


def rate_key(*, billing_country: str, ip: str) -> str:
    """Country + IPv6 /64 (or IPv4 /32): every address of one home network shares one key."""
    address = ipaddress.ip_address(ip)
    prefix = settings.INTAKE["RATE_LIMIT_IPV6_PREFIX"] if address.version == 6 else settings.INTAKE["RATE_LIMIT_IPV4_PREFIX"]
    network = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
    return f"{billing_country}|{network}"


def _window() -> tuple[float, float, int]:
    cfg = settings.INTAKE
    return cfg["RATE_LIMIT_WINDOW_HOURS"] * 3600.0, cfg["RATE_LIMIT_COOLOFF_HOURS"] * 3600.0, cfg["RATE_LIMIT_MAX"]


def rate_limits_check(*, checks: list[RateCheck]) -> list[RateCheck]:
    """Decide every check in order, with the configured backend."""
    if not checks:
        return checks
    if settings.INTAKE["RATE_LIMIT_BACKEND"] == "redis":
        return _check_redis(checks)
    return _check_db(checks)


# ---- Redis ----------------------------------------------------------------------------------

_LUA = """
local at = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local cooloff = tonumber(ARGV[3])
local limit = tonumber(ARGV[4])
local untilv = tonumber(redis.call('GET', KEYS[2]) or '-1')
if untilv >= 0 and at < untilv and at >= untilv - cooloff then
  return {0, tostring(untilv)}
end
local floor = at - window
if untilv >= 0 and untilv > floor and at >= untilv then floor = untilv - 0.000001 end
local n = redis.call('ZCOUNT', KEYS[1], '(' .. tostring(floor), tostring(at))
local ttl = math.floor(2 * (window + cooloff))
if n >= limit then
  untilv = at + cooloff
  redis.call('SET', KEYS[2], tostring(untilv), 'EX', ttl)
  return {0, tostring(untilv)}
end
redis.call('ZADD', KEYS[1], at, ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tostring(at - 2 * window))
redis.call('EXPIRE', KEYS[1], ttl)
return {1, tostring(n + 1)}
"""

_client = None
_script = None


def _redis():
    global _client, _script
    if _client is None:
        import redis

        _client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
        _script = _client.register_script(_LUA)
    return _client, _script


def rate_limits_reset_connection() -> None:
    """Forget the Redis client (tests that change REDIS_URL)."""
    global _client, _script
    _client = _script = None


def _check_redis(checks: list[RateCheck]) -> list[RateCheck]:
    import redis

    window, cooloff, limit = _window()
    try:
        client, script = _redis()
        pipe = client.pipeline(transaction=False)
        for c in checks:
            k = "vo:rl:" + c.key
            script(keys=[k + ":z", k + ":cool"], args=[repr(c.at.timestamp()), window, cooloff, limit, c.member],
                   client=pipe)
        answers = pipe.execute()
    except redis.RedisError as exc:
        raise RateLimitUnavailable(f"Rate-limit store (Redis) unreachable: {exc}") from exc
    for c, (ok, value) in zip(checks, answers):
        c.admitted = bool(ok)
        if not ok:
            c.cooloff_until = datetime.fromtimestamp(float(value), tz=dt_timezone.utc)
    return checks


# ---- database -------------------------------------------------------------------------------

def _check_db(checks: list[RateCheck]) -> list[RateCheck]:
    window, cooloff, limit = _window()
    keys = sorted({c.key for c in checks})
    RateLimitKey.objects.bulk_create([RateLimitKey(key=k) for k in keys], ignore_conflicts=True)
    rows = {r.key: r for r in RateLimitKey.objects.select_for_update().filter(key__in=keys).order_by("key")}
    for c in checks:
        row = rows[c.key]
        at = c.at.timestamp()
        until = row.cooloff_until.timestamp() if row.cooloff_until else None
        if until is not None and until - cooloff <= at < until:
            c.admitted, c.cooloff_until = False, row.cooloff_until
            continue
        floor = at - window
        if until is not None and at >= until > floor:
            floor = until - 1e-6
        n = sum(1 for t in row.admitted if floor < t <= at)
        if n >= limit:
            row.cooloff_until = c.at + timedelta(seconds=cooloff)
            c.admitted, c.cooloff_until = False, row.cooloff_until
            continue
        row.admitted = [t for t in row.admitted if t > at - 2 * window] + [at]
        c.admitted = True
    RateLimitKey.objects.bulk_update(list(rows.values()), ["admitted", "cooloff_until"])
    return checks
