"""IN-3: at most 3 corrections per 24 h per (billing country + IPv6 /64 or IPv4 /32); a burst over
it starts a 12 h cool-off for that key.

Semantics (event time `at`): an item is admitted when its key is not cooling off and fewer than
RATE_LIMIT_MAX admitted items of that key fall in (at - 24 h, at], counting only items after the
end of the key's last cool-off. The item over the limit is refused and starts the cool-off
[at, at + 12 h); items refused during it do not extend it. Refused items are not counted.

Backends: Redis when configured (one Lua script call per batch: atomic for every key it touches
and shared by every web process), else the database (rows locked FOR UPDATE for the batch). An unreachable Redis
raises RateLimitUnavailable: the request fails loudly (503); limits never silently lapse.
"""

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import redis
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


def rate_key(*, billing_country: str, ip) -> str:
    """Country + IPv6 /64 (or IPv4 /32): every address of one home network shares one key.
    `ip` is a string or an already parsed ipaddress object."""
    address = ip if isinstance(ip, (ipaddress.IPv4Address, ipaddress.IPv6Address)) else ipaddress.ip_address(ip)
    bits = 128 if address.version == 6 else 32
    prefix = settings.INTAKE["RATE_LIMIT_IPV6_PREFIX"] if bits == 128 else settings.INTAKE["RATE_LIMIT_IPV4_PREFIX"]
    network = type(address)(int(address) >> (bits - prefix) << (bits - prefix))
    return f"{billing_country}|{network}/{prefix}"


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

# One script call decides a whole batch, in order: atomic for every key it touches.
# KEYS: per item, its event zset and its cool-off key. ARGV: window, cooloff, limit, then per item at, member.
_LUA = """
local window = tonumber(ARGV[1])
local cooloff = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local ttl = math.floor(2 * (window + cooloff))
local out = {}
for i = 1, #KEYS / 2 do
  local zkey, ckey = KEYS[2 * i - 1], KEYS[2 * i]
  local at = tonumber(ARGV[2 + 2 * i])
  local member = ARGV[3 + 2 * i]
  local untilv = tonumber(redis.call('GET', ckey) or '-1')
  if untilv >= 0 and at < untilv and at >= untilv - cooloff then
    out[i] = tostring(-untilv)
  else
    local floor = at - window
    if untilv >= 0 and untilv > floor and at >= untilv then floor = untilv - 0.000001 end
    local n = redis.call('ZCOUNT', zkey, '(' .. string.format('%.6f', floor), string.format('%.6f', at))
    if n >= limit then
      untilv = at + cooloff
      redis.call('SET', ckey, string.format('%.6f', untilv), 'EX', ttl)
      out[i] = tostring(-untilv)
    else
      redis.call('ZADD', zkey, at, member)
      redis.call('ZREMRANGEBYSCORE', zkey, '-inf', string.format('%.6f', at - 2 * window))
      redis.call('EXPIRE', zkey, ttl)
      out[i] = '1'
    end
  end
end
return out
"""

_client = None
_script = None


def _redis():
    global _client, _script
    if _client is None:
        _client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=5)
        _script = _client.register_script(_LUA)
    return _client, _script


def rate_limits_reset_connection() -> None:
    """Forget the Redis client (tests that change REDIS_URL)."""
    global _client, _script
    _client = _script = None


def _check_redis(checks: list[RateCheck]) -> list[RateCheck]:
    window, cooloff, limit = _window()
    keys, args = [], [window, cooloff, limit]
    for c in checks:
        k = "vo:rl:" + c.key
        keys += [k + ":z", k + ":cool"]
        args += [f"{c.at.timestamp():.6f}", c.member]
    try:
        _, script = _redis()
        answers = script(keys=keys, args=args)
    except redis.RedisError as exc:
        raise RateLimitUnavailable(f"Rate-limit store (Redis) unreachable: {exc}") from exc
    for c, value in zip(checks, answers):
        value = value.decode() if isinstance(value, bytes) else value
        c.admitted = value == "1"
        if not c.admitted:
            c.cooloff_until = datetime.fromtimestamp(-float(value), tz=UTC)
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
