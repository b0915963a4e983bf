import pytest


@pytest.fixture
def eager_celery():
    """Run `.delay()` in-process for tests that drive tasks without a worker."""
    from config.celery import app

    old = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = old


@pytest.fixture
def export_dir(settings, tmp_path):
    settings.MODELHOOKS = {**settings.MODELHOOKS, "EXPORT_DIR": str(tmp_path / "exports")}
    return tmp_path / "exports"
