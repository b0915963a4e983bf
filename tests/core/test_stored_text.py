"""Issue 14 (VQ-9): text stored in English (alerts, live-feed items, state codes, fixed reasons) is shown
in the viewer's language, the stored English kept for the API and the audit; and Latin codes, usernames
and dates inside a translated sentence are isolated with <bdi>, so they keep their order in the Arabic UI."""

import asyncio
import re
from datetime import timedelta
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.template import engines
from django.templatetags.i18n import BlockTranslateNode
from django.test import Client
from django.utils import timezone, translation

from config.asgi import application
from core import texts
from shards.models import Alert
from shards.services.pools import membership_set, shard_check_pool
from tests.factories import ShardFactory, UserFactory, make_cases, shard_with_pool
from verifier.models import Case
from verifier.tasks import flag_overdue_cases

ROOT = Path(__file__).resolve().parent.parent.parent
# Filters after which a `with` value needs no <bdi>: it is isolated, or it is words in the UI language.
ISOLATING = {"bdi", "code_name", "stored_text"}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_every_interpolation_in_a_translated_sentence_is_isolated():
    """Every `{% blocktranslate with %}` value (outside <title>, where no markup may go) ends in |bdi
    or is turned into UI-language words: a new template that forgets it fails here."""
    engine = engines["django"].engine
    bare = []
    checked = 0
    for path in sorted((ROOT / "templates").rglob("*.html")):
        source = path.read_text(encoding="utf-8")
        # <title> takes no markup: its sentences are checked out of it
        body = re.sub(r"{% block title %}.*?{% endblock %}", "", source, flags=re.S)
        for node in engine.from_string(body).nodelist.get_nodes_by_type(BlockTranslateNode):
            for name, expression in node.extra_context.items():
                checked += 1
                last = expression.filters[-1][0].__name__ if expression.filters else ""
                if last not in ISOLATING:
                    bare.append(f"{path.relative_to(ROOT)}: {name}={expression.token}")
    assert checked > 60  # the walk saw the templates' interpolations
    assert bare == []


@pytest.mark.django_db
def test_arabic_queue_isolates_the_shard_code_and_the_username():
    shard, (user, *_) = shard_with_pool("ar-SA")
    user.ui_language = "ar"
    user.save()
    html = _client(user).get("/queue/").content.decode()
    assert "طابور <bdi>ar-SA</bdi>:" in html  # "ar-SA queue:"
    assert f'<span class="who"><bdi>{user.username}</bdi> ·' in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ar", "في <bdi>th-TH</bdi> عدد المدققين الناطقين باللغة المتعاقد معهم 2 (الحد الأدنى 3)"),
        ("th", "<bdi>th-TH</bdi> มีผู้ตรวจสอบเจ้าของภาษาภายใต้สัญญา 2 คน (ขั้นต่ำ 3)"),
    ],
)
def test_pool_alert_and_shard_state_on_the_ops_page_are_in_the_viewers_language(language, expected):
    shard, _ = shard_with_pool("th-TH", n=2)  # two natives: degraded (SH-1), alerted as the second joins
    assert shard_check_pool(shard=shard) == "degraded"
    alert = Alert.objects.filter(shard=shard, kind="pool_degraded").latest("id")
    english = (
        "th-TH has 2 native verifier(s) under contract (minimum 3) for 0 day(s): new taboo cases are paused, "
        "only clear-rule regex hits flow."
    )
    assert alert.message == english  # stored in English, as before, for the API and the audit
    viewer = UserFactory(role="admin", ui_language=language)  # an admin sees every shard's row
    html = _client(viewer).get("/ops/").content.decode()
    assert expected in html and english not in html
    state = {"ar": "متدهور", "th": "ลดระดับ"}[language]  # "degraded"
    assert f'<td class="state-degraded">{state}</td>' in html
    viewer.ui_language = "en"
    viewer.save()
    english_html = _client(viewer).get("/ops/").content.decode()
    assert "<bdi>th-TH</bdi> has 2 native verifier(s)" in english_html
    assert '<td class="state-degraded">degraded</td>' in english_html


@pytest.mark.django_db
def test_an_alert_without_params_is_shown_as_stored():
    """Rows written before params were kept: the stored English, escaped, in every language."""
    ShardFactory(code="th-TH")
    Alert.objects.create(kind="pool_closed", message="old <alert> text", params={})
    admin = UserFactory(role="admin", ui_language="th")
    html = _client(admin).get("/ops/").content.decode()
    assert "old &lt;alert&gt; text" in html


@pytest.mark.django_db(transaction=True)
def test_a_live_feed_item_reaches_each_senior_in_their_own_language():
    shard, _ = shard_with_pool("ar-SA")
    seniors = {}
    for language in ("ar", "th", "en"):
        senior = UserFactory(username=f"senior_{language}", role="senior", ui_language=language)
        membership_set(user=senior, shard=shard, native=True)
        seniors[language] = senior
    make_cases(shard, 1, at=timezone.now() - timedelta(hours=30))
    case = Case.objects.get()

    async def scenario():
        sockets = {}
        for language, senior in seniors.items():
            ws = WebsocketCommunicator(application, "/ws/live/", headers=[(b"origin", b"http://127.0.0.1")])
            ws.scope["user"] = senior
            assert (await ws.connect(timeout=10))[0]  # the first connect of a process loads the channel layer
            while not await ws.receive_nothing(timeout=0.3):
                await ws.receive_json_from(timeout=2)  # the connect snapshot
            sockets[language] = ws
        assert await sync_to_async(flag_overdue_cases)() == 1
        got = {}
        for language, ws in sockets.items():
            events = []
            while not await ws.receive_nothing(timeout=0.3):
                events.append(await ws.receive_json_from(timeout=2))
            got[language] = [e for e in events if e.get("type") == "feed"]
            await ws.disconnect()
        return got

    got = asyncio.run(scenario())
    due = f"{case.due_at:%Y-%m-%d %H:%M}"
    english = f"Overdue case in ar-SA (due {due} UTC)"
    for language in ("ar", "th", "en"):
        (item,) = got[language]
        assert item["message"] == english and item["code"] == "overdue"  # the stored English stays
    assert got["ar"][0]["text"] == f"حالة متأخرة في \u2068ar-SA\u2069 (موعدها \u2068{due}\u2069 UTC)"
    assert got["th"][0]["text"] == f"เคสเกินกำหนดใน \u2068ar-SA\u2069 (กำหนด \u2068{due}\u2069 UTC)"
    assert got["en"][0]["text"] == f"Overdue case in \u2068ar-SA\u2069 (due \u2068{due}\u2069 UTC)"


def test_state_codes_and_fixed_reasons_translate_and_anything_else_stays_as_stored():
    with translation.override("th"):
        assert texts.code_name("decided") == "ตัดสินแล้ว"
        assert texts.stored_text("Waiting for OCR of the image (gpu queue).") == "รอการอ่านข้อความจากภาพ (คิว gpu)"
        assert texts.code_name("some_new_state") == "some_new_state"
        assert texts.stored_text("The city notice says Tuesday.") == "The city notice says Tuesday."  # a person's words
    with translation.override("ar"):
        assert texts.code_name("auto_accepted") == "مقبول تلقائيًا"
    with translation.override("en"):
        assert texts.code_name("auto_accepted") == "auto_accepted"  # English shows the stored code
        assert texts.stored_text("overturned by a senior") == "overturned by a senior"


def test_every_message_code_has_its_params_and_fills_in_every_language():
    """Each template of core.texts.MESSAGES renders in th and ar with the params its writer sends."""
    params = {name: "x" for msgid in texts.MESSAGES.values() for name in re.findall(r"%\((\w+)\)s", msgid)}
    for language in ("th", "ar"):
        with translation.override(language):
            for code, msgid in texts.MESSAGES.items():
                rendered = texts.message_render(code, params, "FALLBACK")
                assert rendered != "FALLBACK" and rendered != msgid % params, (language, code)
