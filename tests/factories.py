"""Factories for tests. Build the world through services where a rule applies (pool changes)."""

from datetime import datetime

import factory
from django.utils import timezone

from core.models import User
from shards.models import Locale, RiskLexicon, Shard
from shards.services.lexicons import lexicon_load_file
from shards.services.pools import membership_set
from verifier.services.queue import NewCase, cases_create


class LocaleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Locale
        django_get_or_create = ("code",)

    code = "en-US"
    name = factory.LazyAttribute(lambda o: o.code)
    language = factory.LazyAttribute(lambda o: o.code.split("-")[0])


class ShardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shard
        django_get_or_create = ("code",)

    code = "en-US"
    locale = factory.LazyAttribute(lambda o: LocaleFactory(code=o.code) if o.kind == Shard.Kind.LOCALE else None)
    kind = Shard.Kind.LOCALE


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    role = User.Role.VERIFIER
    timezone = "UTC"
    # An explicit English UI: joining a th-TH or ar-SA pool would otherwise default it to Thai or
    # Arabic (issue 14). Tests of that default create their users blank.
    ui_language = "en"
    password = factory.PostGenerationMethodCall("set_password", "demo")


def verifier_in(
    shard: Shard, *, username: str | None = None, native: bool = True, tz: str = "UTC", sub_locale: str = ""
) -> User:
    kwargs = {"username": username} if username else {}
    user = UserFactory(timezone=tz, sub_locale=sub_locale, **kwargs)
    membership_set(user=user, shard=shard, native=native)
    return user


def shipped_lexicon_ensure() -> None:
    """TH-risks-lm ships with the schema (data migration shards.0003). A transactional test's flush
    wipes it, and in random order the next test may run after one: put it back when it is gone."""
    if not RiskLexicon.objects.filter(name="TH-risks-lm").exists():
        lexicon_load_file(name="TH-risks-lm", locale_code="th-TH")


def shard_with_pool(code: str, n: int = 3, *, tz: str = "UTC", prefix: str | None = None) -> tuple[Shard, list[User]]:
    if code == "th-TH":
        shipped_lexicon_ensure()
    shard = ShardFactory(code=code)
    prefix = prefix or code.split("-")[0]
    return shard, [verifier_in(shard, username=f"{prefix}_{code}_{i}", tz=tz) for i in range(n)]


def make_cases(
    shard: Shard,
    n: int,
    *,
    kind: str = "correction",
    at: datetime | None = None,
    text: str = "post",
    native_only: bool = False,
    sub_locale: str = "",
) -> list:
    at = at or timezone.now()
    locale = shard.locale.code if shard.locale else "en-US"
    cases = cases_create(
        new_cases=[
            NewCase(
                shard=shard,
                kind=kind,
                locale=locale,
                post_id=f"{shard.code}-{kind}-{i}-{at.timestamp()}",
                post_text=f"{text} {i}",
                proposal=f"fixed {i}",
                at=at,
                native_only=native_only,
                sub_locale=sub_locale,
                hard_block_locale=locale if native_only else "",
            )
            for i in range(n)
        ]
    )
    return cases
