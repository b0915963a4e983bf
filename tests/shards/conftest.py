import pytest

from shards.models import Shard
from tests.base import login_as
from tests.factories import LocaleFactory, ShardFactory, UserFactory, shard_with_pool


@pytest.fixture
def world(db, settings):
    """en-US and th-TH shards, a global queue; crowd volume rules off unless a test turns them on."""
    settings.INTAKE = {**settings.INTAKE, "LOW_VOLUME_PER_DAY": 0}
    en, _ = shard_with_pool("en-US")
    th, _ = shard_with_pool("th-TH")
    glob = ShardFactory(code="global", kind=Shard.Kind.GLOBAL)
    LocaleFactory(code="fr-FR")
    return {"en": en, "th": th, "global": glob}


@pytest.fixture
def intake_api(api, world):
    login_as(api, UserFactory(username="intake", role="intake"))
    return api
