import pytest

from tests.faults.helpers import Daphne, TcpProxy, database_target, proxied_database_url

APP_NAME = "vo-fault-drill"


@pytest.fixture
def pg_proxy():
    proxy = TcpProxy(*database_target())
    yield proxy
    proxy.close()


@pytest.fixture
def proxied_daphne(transactional_db, pg_proxy, tmp_path):
    """daphne whose only way to PostgreSQL is the proxy: a 3-connection pool that waits 2 s for a
    connection (DB_POOL_TIMEOUT), so an outage answers within seconds."""
    server = Daphne(
        tmp_path / "daphne.log",
        DATABASE_URL=proxied_database_url(pg_proxy),
        DB_POOL_MIN_SIZE="1",
        DB_POOL_MAX_SIZE="3",
        DB_POOL_TIMEOUT="2",
        PGAPPNAME=APP_NAME,
    )
    yield server
    server.stop()
