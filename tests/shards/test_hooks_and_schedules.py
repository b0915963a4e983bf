"""MH-6 hook resolution for intake; IN-10/11/12 and SH-2 schedules are Celery beat entries."""
import pytest
from django.conf import settings

from shards import hooks
from shards.hooks_fallback import StandInOracle, StandInTranslator


class FakeMT:
    def translate(self, text, *, source, target="en"):
        return f"EN({text})"

    def back_translate(self, english, *, native, language):
        return native


@pytest.fixture
def clear_hooks():
    hooks._cached.cache_clear()
    yield
    hooks._cached.cache_clear()


def test_missing_model_hooks_fall_back_to_named_stand_ins(settings, clear_hooks):
    settings.INTAKE = {**settings.INTAKE, "MT_HOOK": "nowhere.mt", "ORACLE_HOOK": "nowhere.oracle"}
    assert isinstance(hooks.mt(), StandInTranslator) and hooks.mt().name == "stand-in-mt"
    assert isinstance(hooks.oracle(), StandInOracle)
    assert hooks.mt().translate("๒๐๐ คน", source="th") == "200 คน"


def test_configured_mt_hook_class_is_used(settings, clear_hooks):
    settings.INTAKE = {**settings.INTAKE, "MT_HOOK": "tests.shards.test_hooks_and_schedules.FakeMT"}
    assert hooks.mt().translate("hola", source="es") == "EN(hola)"


def test_intake_schedules_are_beat_entries():
    tasks = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert tasks["shards.tasks.cut_training_batch"].hour == set(range(0, 24, 4))
    assert tasks["shards.tasks.spectral_sweep"].month_of_year == {1, 4, 7, 10}
    assert "shards.tasks.rebuild_reply_graph" in tasks and "shards.tasks.classify_rare_locales" in tasks


@pytest.mark.django_db
def test_batch_task_runs_through_celery(world):
    from tests.shards.intake_helpers import item, run
    from training.tasks import cut_training_batch

    run([item(submitter_id=f"u{i}") for i in range(5)])
    assert cut_training_batch.apply().get() == 1
    assert cut_training_batch.apply().get() is None
