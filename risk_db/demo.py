"""Demo data of the risk DB that `load_demo` needs before its intake: one blocking th-TH rule."""

from core.models import User
from risk_db.models import RuleShardState
from risk_db.services import rule_create
from shards.models import Shard


def load_before_intake(*, admin) -> None:
    rule_create(
        pattern=r"ล้มเจ้า",
        intent_class="anti-monarchy slogan",
        origin_locale="th-TH",
        shards=[Shard.objects.get(code="th-TH")],
        state=RuleShardState.State.BLOCKING,
        term="ล้มเจ้า",
        actor=User.objects.get(username="senior_th"),
    )
