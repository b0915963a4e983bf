"""Django's PostgreSQL backend, lending pooled connections without a round trip each (issue 14).

Issue 12 wants a connection that died while it sat in the pool (PostgreSQL restarted, the link cut) never to
fail a request, so the pool checks a connection before it lends it. psycopg_pool's own check, which Django
passes when CONN_HEALTH_CHECKS is on, asks the server (an empty statement) every time: one round trip per
request, 14 % of a queue op's time in the worker. A connection the server ended has something to read on
its socket while it sits idle (the server's termination notice, or the end of the stream), and one that
psycopg found broken or closed says so itself: only such a connection needs the round trip, which then fails
and the pool connects anew. A connection with nothing to read is lent as it is.

Django builds the pool itself (`DatabaseWrapper.pool`) and gives `check` no setting of its own, so this
wrapper swaps Django's check for `pool_connection_check` on the pool Django made; on a psycopg_pool that
keeps its check elsewhere, Django's round-trip check stays (slower, never wrong).
"""

import select

from django.db.backends.postgresql import base
from psycopg_pool import ConnectionPool


def pool_connection_check(conn) -> None:
    """Raise if `conn` cannot serve a request; without a round trip when its socket is quiet (module doc)."""
    if not conn.closed and not conn.broken and not _socket_readable(conn.fileno()):
        return
    ConnectionPool.check_connection(conn)  # raises for a dead one: the pool discards it and connects anew


def _socket_readable(fd: int) -> bool:
    """Data or the end of the stream waiting on `fd`, without blocking (poll: any descriptor number)."""
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))


class DatabaseWrapper(base.DatabaseWrapper):
    @property
    def pool(self):
        made_now = self.alias not in self._connection_pools  # the swap happens once, on the pool Django just made
        pool = super().pool
        if made_now and pool is not None and getattr(pool, "_check", None) is ConnectionPool.check_connection:
            pool._check = pool_connection_check
        return pool
