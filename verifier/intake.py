"""IN-1 intake's last step: route each item to its shard and open (or join) a case in the queue.

It lives with the queue it writes to; `settings.INTAKE["PIPELINE"]` names it by its dotted path, so
intake (`shards.intake`) never imports the queue.
"""

from shards.intake.pipeline import IntakeBatch
from shards.models import Correction, Locale, Shard
from verifier.models import Case
from verifier.services.queue import NewCase, cases_create

O = Correction.Outcome


def route(batch: IntakeBatch) -> None:
    """Route each item to its shard and open (or join) a case.

    Risk-tagged items go to the native-only taboo queue of the lexicon's locale. Rare locales go to
    the rare pool; a locale without a shard goes to the global queue. A post with an undecided case
    in the shard joins it (`merged`): a post never holds more than one case per shard.
    """
    shards = {s.locale.code: s for s in Shard.objects.select_related("locale").filter(kind=Shard.Kind.LOCALE)}
    special = {s.kind: s for s in Shard.objects.exclude(kind=Shard.Kind.LOCALE)}
    rare_locales = set(Locale.objects.filter(is_rare=True).values_list("code", flat=True))
    pending = batch.pending()
    targets = []
    for item in pending:
        locale = item.risk_locale or item.data["declared_locale"]
        if item.risk_locale:
            shard = shards.get(locale)
        elif locale in rare_locales:
            shard = special.get(Shard.Kind.RARE)
        else:
            shard = shards.get(locale)
        outcome = O.QUEUED
        if item.force_global and not item.risk_locale:  # IN-9: no local shield (SH-3 still wins)
            shard = None
        if shard is None and not item.risk_locale:
            shard, outcome = special.get(Shard.Kind.GLOBAL), O.GLOBAL_QUEUE
        if shard is None:
            item.decide(O.INVALID, by="route", errors={"declared_locale": f"No shard serves {locale!r} yet."})
            continue
        targets.append((item, shard, locale, outcome))

    open_cases = {}
    post_ids = {item.data["post_id"] for item, *_ in targets}
    for case in Case.objects.filter(post_id__any=post_ids, status__in=[Case.Status.QUEUED, Case.Status.PAUSED]):
        open_cases.setdefault((case.post_id, case.shard_id), case)

    to_create: list[tuple] = []
    new_by_key: dict = {}
    for item, shard, locale, outcome in targets:
        key = (item.data["post_id"], shard.pk)
        item.shard = shard
        if key in open_cases:
            item.case = open_cases[key]
            item.decide(O.MERGED, by="route")
        elif key in new_by_key:
            new_by_key[key].append(item)
            item.decide(O.MERGED, by="route")
        else:
            new_by_key[key] = [item]
            d = item.data
            to_create.append(
                (
                    key,
                    NewCase(
                        shard=shard,
                        kind=Case.Kind.TABOO if item.risk_locale else Case.Kind.CORRECTION,
                        locale=locale,
                        post_id=d["post_id"],
                        post_text=d["post_text"],
                        ocr_text=d["ocr_text"],
                        hashtags=d["hashtags"],
                        proposal=item.corrected_text,
                        sub_locale=d["sub_locale"] or locale,
                        native_only=bool(item.risk_locale),
                        risk_tags=item.risk_tags,
                        hard_block_locale=item.risk_locale,
                        at=d["at"],
                    ),
                    outcome,
                )
            )
    created = cases_create(new_cases=[new for _, new, _ in to_create])
    for (key, _, outcome), case in zip(to_create, created):
        first, *merged = new_by_key[key]
        first.case = case
        first.decide(outcome, by="route")
        for item in merged:
            item.case = case
