"""Demo data of the risk DB that `load_demo` needs before its intake: a blocking th-TH rule, and blocking
en-US and ar-SA rules the live filter answers with (issue 13; `load_demo_risk` publishes the index)."""

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
    for pattern, locale, intent in (
        (r"\b(?:kill|behead) the king\b", "en-US", "violent threat to the monarch"),
        (r"\b(?:و|ال|وال)?ملك\s+(?:خائن|فاسد)\b", "ar-SA", "insult to the monarch"),
    ):
        rule_create(
            pattern=pattern,
            intent_class=intent,
            origin_locale=locale,
            shards=[Shard.objects.get(code=locale)],
            state=RuleShardState.State.BLOCKING,
            term=pattern,
            actor=User.objects.get(username="senior_en"),
        )
