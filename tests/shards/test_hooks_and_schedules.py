"""MH-6 hook resolution for intake; IN-10/11/12 and SH-2 schedules are Celery beat entries."""

import pytest
from django.conf import settings

from modelhooks import hooks
from modelhooks.hooks.others import MachineTranslatorStandIn, OracleStandIn
from tests.base import hooks_install, item, run


class FakeMT:
    name = "fake-mt"

    def translate(self, text, *, source, target="en"):
        return f"EN({text})"


def test_missing_model_hooks_fall_back_to_named_stand_ins(settings):
    hooks_install(settings, MT="nowhere.MT", ORACLE="nowhere.Oracle")
    assert isinstance(hooks.hook("MT"), MachineTranslatorStandIn) and hooks.mt().name == "mt-stand-in"
    assert isinstance(hooks.public_record_oracle().impl, OracleStandIn)
    assert hooks.mt().translate("๒๐๐ คน", source="th") == "200 คน"


def test_configured_mt_hook_class_is_used(settings):
    hooks_install(settings, MT="tests.shards.test_hooks_and_schedules.FakeMT")
    assert hooks.mt().translate("hola", source="es") == "EN(hola)"


def test_intake_schedules_are_beat_entries():
    tasks = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert tasks["shards.tasks.cut_training_batch"].hour == set(range(0, 24, 4))
    assert tasks["shards.tasks.spectral_sweep"].month_of_year == {1, 4, 7, 10}
    assert "shards.tasks.rebuild_reply_graph" in tasks and "verifier.tasks.classify_rare_locales" in tasks


@pytest.mark.django_db
def test_batch_task_runs_through_celery(world):
    from training.tasks import cut_training_batch

    run([item(submitter_id=f"u{i}") for i in range(5)])
    assert cut_training_batch.apply().get() == 1
    assert cut_training_batch.apply().get() is None
