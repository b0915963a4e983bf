"""Issue 14, the queue loop: statement counts of the hot pair, idempotent rulings (a double key press),
undo (VQ-10), the prefetched next case, and the wellness of taboo work (VQ-11)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from core.errors import Refused
from core.models import AuditEvent, User
from core.tokens import token_create
from shards.models import LocaleLedger
from shards.services.pools import membership_set
from tests.base import api_post, assert_api_error, login_as
from tests.factories import UserFactory, make_cases, shard_with_pool
from training.models import TrainingSample
from training.services.batches import training_batch_cut
from verifier.models import Assignment, Case, CaseTask, Ruling
from verifier.services.appeals import appeal_open
from verifier.services.queue import NewCase, case_next, case_next_prefetch, cases_create
from verifier.services.rulings import ruling_record, ruling_undo

pytestmark = pytest.mark.django_db


# What the hot pair costs (issue 14: 10 statements for next and 30 for the ruling before, plus BEGIN and
# COMMIT each). The figures count everything a warm op runs: its token was checked by the op before, within
# VERIFIER["TOKEN_CACHE_SECONDS"], so no token statement (the first op of a token adds one). On
# PostgreSQL (core.sql): next is one statement (the working shards, the held lease or the
# pick, the lease and its Assignment); the ruling is BEGIN, the seat lock that also reads the
# case's backers, IN-7 count and flip test, one write (the ruling's rows, the sample, the ledgers, the
# audit event), COMMIT. Elsewhere the ORM path runs them one by one, inside a transaction (SAVEPOINT /
# RELEASE in a test). The ruling finds the case by the statement that locks the seat the verifier holds:
# no separate read of the case, of their assignment or (for a case that is not native-only) of their pools.
def _statements() -> tuple[int, int]:
    return (1, 4) if connection.vendor == "postgresql" else (7, 13)


def _token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_create(user=user)[0]}")
    return client


def test_next_and_ruling_stay_within_their_statement_counts(django_assert_max_num_queries):
    next_statements, ruling_statements = _statements()
    shard, (alice, *_) = shard_with_pool("en-US")
    make_cases(shard, 3)
    client = _token_client(alice)
    # A first op warms what is created once (the locale ledger row).
    case_id = client.get("/api/v1/queue/next/").json()["id"]
    assert api_post(client, f"/api/v1/cases/{case_id}/ruling/", {"answer": "yes"}).status_code == 201
    with django_assert_max_num_queries(next_statements):
        response = client.get("/api/v1/queue/next/")
    assert response.status_code == 200
    case_id = response.json()["id"]
    with django_assert_max_num_queries(ruling_statements):
        response = api_post(client, f"/api/v1/cases/{case_id}/ruling/", {"answer": "yes"})
    assert response.status_code == 201
    # The lean path still did everything: the seat is done, the case decided, the sample and audit written.
    case = Case.objects.get(public_id=case_id)
    assert (case.status, case.decision) == ("decided", "yes")
    assert TrainingSample.objects.filter(case=case).exists()
    event = AuditEvent.objects.get(action="ruling_record", object_id=case_id)
    ruling = Ruling.objects.get(case=case)
    assert (event.actor, event.before) == (alice, {"status": "queued", "decision": ""})
    assert event.after == {"status": "decided", "decision": "yes", "answer": "yes", "ruling_id": str(ruling.public_id)}
    assert LocaleLedger.objects.get(locale_code="en-US").rulings == 2


def test_an_overlap_case_records_each_ruling_and_the_status_each_left(settings):
    """VQ-5 through the lean path: the first of two seats decides and leaves the case queued, the second
    closes it; each audit event's `after` says the status that ruling's own statement left."""
    settings.VERIFIER = {**settings.VERIFIER, "OVERLAP_RATE": 1.0}
    shard, (alice, bob, _) = shard_with_pool("en-US")
    make_cases(shard, 1)
    case_ids = []
    for user, answer in ((alice, "yes"), (bob, "no")):
        client = _token_client(user)
        case_id = client.get("/api/v1/queue/next/").json()["id"]
        assert api_post(client, f"/api/v1/cases/{case_id}/ruling/", {"answer": answer}).status_code == 201
        case_ids.append(case_id)
    assert case_ids[0] == case_ids[1]
    events = list(AuditEvent.objects.filter(action="ruling_record").order_by("id"))
    assert [(e.actor, e.before["status"], e.after["status"], e.after["decision"]) for e in events] == [
        (alice, "queued", "queued", "yes"),
        (bob, "queued", "decided", "yes"),
    ]
    case = Case.objects.get(public_id=case_ids[0])
    assert (case.status, case.decision) == ("decided", "yes")  # the first ruling decided; the second measured
    assert LocaleLedger.objects.get(locale_code="en-US").rulings == 1  # only the deciding ruling counts


def test_the_ruling_can_carry_the_next_case_so_one_op_is_one_request(django_assert_max_num_queries):
    next_statements, ruling_statements = _statements()
    shard, (alice, *_) = shard_with_pool("en-US")
    make_cases(shard, 3)
    client = _token_client(alice)
    first = client.get("/api/v1/queue/next/").json()["id"]
    answer = api_post(client, f"/api/v1/cases/{first}/ruling/", {"answer": "yes", "next": True})
    assert answer.status_code == 201
    second = answer.json()["next"]
    assert answer.json()["next_refused"] == "" and second["id"] != first
    assert second["prompt"] and second["lease_expires_at"]  # the same screen GET /queue/next/ answers
    # The statements of both requests in one (the prompt is a correction's: the ledger row exists).
    with django_assert_max_num_queries(next_statements + ruling_statements):
        answer = api_post(client, f"/api/v1/cases/{second['id']}/ruling/", {"answer": "no", "next": True})
    third = answer.json()["next"]
    assert client.get("/api/v1/queue/next/").json()["id"] == third["id"]  # it is the verifier's held lease
    last = api_post(client, f"/api/v1/cases/{third['id']}/ruling/", {"answer": "yes", "next": True}).json()
    assert last["next"] is None and last["next_refused"] == ""  # nothing left
    assert list(Ruling.objects.order_by("at").values_list("answer", flat=True)) == ["yes", "no", "yes"]
    assert Case.objects.filter(status="decided").count() == 3
    # Without `next` the answer is as before.
    assert "next" not in api_post(client, f"/api/v1/cases/{third['id']}/ruling/", {"answer": "yes"}).json()


def test_the_lean_ruling_path_still_refuses_what_it_refused(api):
    shard, (alice, bob, _) = shard_with_pool("en-US")
    make_cases(shard, 2)
    login_as(api, alice)
    case_id = api.get("/api/v1/queue/next/").json()["id"]
    login_as(api, bob)  # bob holds nothing on alice's case and was never handed it
    assert_api_error(api_post(api, f"/api/v1/cases/{case_id}/ruling/", {"answer": "yes"}), "not_found", 404)
    login_as(api, alice)
    body = assert_api_error(api_post(api, f"/api/v1/cases/{case_id}/ruling/", {"answer": "maybe"}), "invalid", 400)
    assert "answer" in body["errors"]
    CaseTask.objects.filter(holder=alice).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert_api_error(api_post(api, f"/api/v1/cases/{case_id}/ruling/", {"answer": "yes"}), "lease_expired", 409)
    assert not Ruling.objects.exists()


def test_a_native_only_case_held_by_someone_who_left_the_native_pool_is_not_found(api):
    shard, (somchai, *_) = shard_with_pool("th-TH")
    make_cases(shard, 1, native_only=True)
    login_as(api, somchai)
    case_id = api.get("/api/v1/queue/next/").json()["id"]
    membership_set(user=somchai, shard=shard, native=False)  # the taboo fence now keeps the case from them
    assert_api_error(api_post(api, f"/api/v1/cases/{case_id}/ruling/", {"answer": "yes"}), "not_found", 404)
    assert not Ruling.objects.exists()


def test_a_held_lease_is_answered_in_one_statement(django_assert_max_num_queries):
    shard, (alice, *_) = shard_with_pool("en-US")
    make_cases(shard, 1)
    client = _token_client(alice)
    first = client.get("/api/v1/queue/next/").json()["id"]
    with django_assert_max_num_queries(1):  # the held lease with its case and shard (the token checked just before)
        assert client.get("/api/v1/queue/next/").json()["id"] == first


def test_the_hot_pair_trusts_a_checked_token_for_at_most_the_cache_seconds_and_other_routes_never(
    monkeypatch, settings
):
    """The revocation bound of VERIFIER["TOKEN_CACHE_SECONDS"]: after a log-out everywhere, the next case and the
    ruling still take the token for at most that long after this process last checked it; /me/ refuses at once."""
    from core.tokens import tokens_revoke_all

    settings.VERIFIER = {**settings.VERIFIER, "TOKEN_CACHE_SECONDS": 5.0}
    shard, (alice, *_) = shard_with_pool("en-US")
    make_cases(shard, 3)
    client = _token_client(alice)
    clock = [1000.0]
    monkeypatch.setattr("core.tokens.time.monotonic", lambda: clock[0])
    case_id = client.get("/api/v1/queue/next/").json()["id"]  # checked now
    tokens_revoke_all(user=alice)
    assert client.get("/api/v1/me/").status_code == 401  # an ordinary route checks every time
    clock[0] += 4.9
    answer = api_post(client, f"/api/v1/cases/{case_id}/ruling/", {"answer": "yes", "next": True})
    assert answer.status_code == 201  # within the bound: the ruling is stored, not dropped
    clock[0] += 0.2
    assert api_post(client, f"/api/v1/cases/{answer.json()['next']['id']}/ruling/", {"answer": "no"}).status_code == 401
    assert client.get("/api/v1/queue/next/").status_code == 401
    assert list(Ruling.objects.values_list("answer", flat=True)) == ["yes"]
    settings.VERIFIER = {**settings.VERIFIER, "TOKEN_CACHE_SECONDS": 0.0}  # 0: checked on every request
    other = _token_client(UserFactory(username="v_nocache", role=User.Role.VERIFIER))
    assert other.get("/api/v1/queue/next/").status_code in (200, 204)
    tokens_revoke_all(user=User.objects.get(username="v_nocache"))
    assert other.get("/api/v1/queue/next/").status_code == 401


# ---- a double key press -------------------------------------------------------------------


def test_the_same_idempotency_key_twice_makes_one_ruling_and_answers_it_again(api):
    shard, (alice, *_) = shard_with_pool("en-US")
    make_cases(shard, 2)
    login_as(api, alice)
    case_id = api.get("/api/v1/queue/next/").json()["id"]
    body = {"answer": "yes", "idempotency_key": f"{case_id}:1"}
    first = api_post(api, f"/api/v1/cases/{case_id}/ruling/", body)
    again = api_post(api, f"/api/v1/cases/{case_id}/ruling/", body)
    assert first.status_code == again.status_code == 201
    assert first.json()["replayed"] is False and again.json()["replayed"] is True
    assert again.json()["ruling_id"] == first.json()["ruling_id"]
    assert Ruling.objects.count() == 1
    assert AuditEvent.objects.filter(action="ruling_record").count() == 1


def test_without_a_key_or_with_another_answer_the_second_ruling_is_still_refused(api):
    shard, (alice, *_) = shard_with_pool("en-US")
    make_cases(shard, 1)
    login_as(api, alice)
    case_id = api.get("/api/v1/queue/next/").json()["id"]
    api_post(api, f"/api/v1/cases/{case_id}/ruling/", {"answer": "yes", "idempotency_key": "k1"})
    assert_api_error(api_post(api, f"/api/v1/cases/{case_id}/ruling/", {"answer": "yes"}), "already_ruled", 409)
    assert_api_error(
        api_post(api, f"/api/v1/cases/{case_id}/ruling/", {"answer": "no", "idempotency_key": "k1"}),
        "already_ruled",
        409,
    )
    body = assert_api_error(
        api_post(api, f"/api/v1/cases/{case_id}/ruling/", {"answer": "yes", "idempotency_key": "k" * 65}),
        "invalid",
        400,
    )
    assert "idempotency_key" in body["errors"]
    assert Ruling.objects.get().answer == "yes"


def test_the_page_answers_a_double_press_with_the_next_case_and_no_error(client):
    shard, (alice, *_) = shard_with_pool("en-US")
    make_cases(shard, 3)
    login_as(client, alice)
    case = case_next(user=alice).case
    url = f"/queue/cases/{case.public_id}/ruling/"
    first = client.post(url, {"answer": "yes", "idempotency_key": "k"}).content.decode()
    again = client.post(url, {"answer": "yes", "idempotency_key": "k"}).content.decode()
    assert "Recorded." in first
    assert "already ruled" not in again and 'class="flash"' not in again
    assert Ruling.objects.count() == 1


# ---- undo (VQ-10) ----------------------------------------------------------------------------


def _rule_one(user, *, answer="yes", now=None):
    lease = case_next(user=user, now=now)
    return ruling_record(user=user, case=lease.case, answer=answer, now=now)


def test_undo_within_the_window_takes_the_ruling_back_and_returns_the_seat(api):
    shard, (alice, bob, _) = shard_with_pool("en-US")
    make_cases(shard, 3)
    login_as(api, alice)
    ruling = _rule_one(alice)
    case = ruling.case
    assert TrainingSample.objects.filter(case=case).exists()
    ledger_before = LocaleLedger.objects.get(locale_code="en-US")
    assert (ledger_before.rulings, ledger_before.votes) == (1, 5)  # a low-volume language: the ruling weighs 5

    response = api_post(api, "/api/v1/rulings/undo/")
    assert response.status_code == 200, response.content
    assert response.json()["id"] == str(case.public_id) and response.json()["lease_expires_at"]
    case.refresh_from_db()
    assert (case.status, case.decision, case.decided_at) == ("queued", "", None)
    assert not Ruling.objects.exists()
    assert not TrainingSample.objects.filter(case=case).exists()
    ledger = LocaleLedger.objects.get(locale_code="en-US")
    assert (ledger.rulings, ledger.votes, ledger.corroborated) == (0, 0, 0)
    task = CaseTask.objects.get(case=case)
    assert (task.status, task.holder) == ("leased", alice)
    assert Assignment.objects.get(task=task).outcome == "active"
    event = AuditEvent.objects.get(action="ruling_undo")
    assert (
        event.actor == alice and event.before["answer"] == "yes" and event.after["ruling_id"] == str(ruling.public_id)
    )
    assert case_next(user=bob).case != case  # the seat is alice's again, nobody else's
    # And she can rule on it again.
    assert ruling_record(user=alice, case=case, answer="no").answer == "no"


def test_undo_after_the_window_is_refused_naming_why(api, settings):
    shard, (alice, *_) = shard_with_pool("en-US")
    make_cases(shard, 1)
    login_as(api, alice)
    then = timezone.now() - timedelta(seconds=settings.VERIFIER["UNDO_SECONDS"] + 1)
    lease = case_next(user=alice, now=then)
    ruling_record(user=alice, case=lease.case, answer="yes", now=then)
    body = assert_api_error(api_post(api, "/api/v1/rulings/undo/"), "undo_window_closed", 409)
    assert "10 seconds" in body["detail"] and "appeal" in body["detail"].lower()
    assert Ruling.objects.count() == 1 and Case.objects.get().status == "decided"


def test_undo_with_nothing_to_take_back_is_refused(api):
    shard, (alice, *_) = shard_with_pool("en-US")
    login_as(api, alice)
    assert_api_error(api_post(api, "/api/v1/rulings/undo/"), "nothing_to_undo", 409)


def test_undo_is_refused_once_the_ruling_is_appealed():
    shard, (alice, *_) = shard_with_pool("en-US")
    membership_set(user=UserFactory(username="senior_en", role=User.Role.SENIOR), shard=shard, native=True)
    make_cases(shard, 1)
    ruling = _rule_one(alice)
    appeal_open(user=alice, ruling=ruling, reason="I pressed the wrong key")
    with pytest.raises(Refused) as refused:
        ruling_undo(user=alice)
    assert refused.value.code == "already_appealed"
    assert Ruling.objects.filter(pk=ruling.pk).exists()


def test_undo_is_refused_once_a_batch_took_the_sample():
    shard, (alice, *_) = shard_with_pool("en-US")
    make_cases(shard, 1)
    ruling = _rule_one(alice)
    assert training_batch_cut(shard=shard) is not None
    with pytest.raises(Refused) as refused:
        ruling_undo(user=alice)
    assert refused.value.code == "ruling_consumed"
    assert Ruling.objects.filter(pk=ruling.pk).exists()
    assert TrainingSample.objects.filter(case=ruling.case, batch__isnull=False).exists()


def test_undo_is_refused_once_the_crowd_closed_the_overlap_case(settings):
    from verifier.services.queue import cases_close_by_crowd

    settings.VERIFIER = {**settings.VERIFIER, "OVERLAP_RATE": 1.0}
    shard, (alice, *_) = shard_with_pool("en-US")
    [case] = make_cases(shard, 1)
    _rule_one(alice)
    cases_close_by_crowd(case_ids=[case.pk], now=timezone.now())
    with pytest.raises(Refused) as refused:
        ruling_undo(user=alice)
    assert refused.value.code == "ruling_consumed"


def test_undo_hands_the_prefetched_seat_back_to_the_queue():
    shard, (alice, bob, _) = shard_with_pool("en-US")
    make_cases(shard, 2)
    ruled = _rule_one(alice)
    lease = case_next(user=alice)  # the next case, already shown
    assert lease.case != ruled.case
    ruling_undo(user=alice)
    assert case_next(user=alice).case == ruled.case
    assert Assignment.objects.get(task=lease.task).outcome == "returned"
    assert case_next(user=bob).case == lease.case  # back in the queue for anyone


# ---- prefetch ---------------------------------------------------------------------------------


def test_prefetch_leases_the_case_after_the_current_one_and_next_keeps_the_current():
    shard, (alice, bob, _) = shard_with_pool("en-US")
    make_cases(shard, 3)
    current = case_next(user=alice)
    ahead = case_next_prefetch(user=alice)
    assert ahead.case != current.case
    assert case_next_prefetch(user=alice).case == ahead.case  # one seat ahead, not more (PREFETCH = 1)
    assert case_next(user=alice).case == current.case
    ruling_record(user=alice, case=current.case, answer="yes")
    assert case_next(user=alice).case == ahead.case  # the prefetched case is next
    assert case_next(user=bob).case not in (current.case, ahead.case)


def test_the_page_sends_the_next_case_prefetched_in_a_template(client):
    shard, (alice, *_) = shard_with_pool("en-US")
    make_cases(shard, 3)
    login_as(client, alice)
    html = client.get("/queue/next/").content.decode()
    assert html.count('id="case"') == 2 and '<template id="case-prefetch">' in html
    current = case_next(user=alice).case
    shown = case_next_prefetch(user=alice).case
    html = client.post(
        f"/queue/cases/{current.public_id}/ruling/",
        {"answer": "no", "idempotency_key": "k"},
        HTTP_X_QUEUE_SHOWN=str(shown.public_id),
    ).content.decode()
    # Only the case after the shown one comes back, in its template.
    assert html.count('id="case"') == 1 and '<template id="case-prefetch">' in html
    assert str(shown.public_id) not in html and str(current.public_id) not in html


# ---- taboo work (VQ-11) -------------------------------------------------------------------------


def _taboo_cases(shard, n, *, text):
    return cases_create(
        new_cases=[
            NewCase(
                shard=shard,
                kind="taboo",
                locale="th-TH",
                post_id=f"t{i}",
                post_text=text,
                at=timezone.now(),
                native_only=True,
                risk_tags=["TH-risks-lm:ในหลวง"],
                hard_block_locale="th-TH",
            )
            for i in range(n)
        ]
    )


def test_lexicon_terms_are_masked_on_the_taboo_screen_even_behind_zero_width_characters(client):
    shard, (somchai, *_) = shard_with_pool("th-TH")
    _taboo_cases(shard, 1, text="ภาพ ใน\u200bหลวง เสด็จ")
    login_as(client, somchai)
    html = client.get("/queue/next/").content.decode()
    assert 'class="masked" data-term="ใน\u200bหลวง"' in html
    post = html.split('class="post"', 1)[1].split("</blockquote>", 1)[0]
    assert "ภาพ " in post and " เสด็จ" in post and ">ใน\u200bหลวง<" not in post
    assert 'data-key="r"' in html  # R reveals them


def test_a_pause_is_offered_after_a_run_of_taboo_cases_and_the_counter_says_what_is_left(client, settings):
    settings.VERIFIER = {**settings.VERIFIER, "TABOO_PAUSE_AFTER": 2}
    shard, (somchai, *_) = shard_with_pool("th-TH")
    _taboo_cases(shard, 4, text="ภาพ ในหลวง")
    login_as(client, somchai)
    for _ in range(2):
        lease = case_next(user=somchai)
        ruling_record(user=somchai, case=lease.case, answer="no")
    html = client.get("/queue/next/").content.decode()
    assert html.count('id="pause-offer"') == 2  # on the case shown and on the prefetched one
    page = client.get("/queue/").content.decode()
    left = settings.VERIFIER["TABOO_DAILY_CAP"] - 3  # two ruled, one shown; the prefetched one not yet
    assert f'<strong id="cap-left">{left}</strong> left today' in page


def test_a_prefetched_taboo_case_counts_toward_the_cap_only_once_it_is_shown(client, api, settings):
    settings.VERIFIER = {**settings.VERIFIER, "TABOO_DAILY_CAP": 2}
    shard, (somchai, *_) = shard_with_pool("th-TH")
    _taboo_cases(shard, 4, text="ภาพ ในหลวง")
    login_as(client, somchai)
    login_as(api, somchai)
    html = client.get("/queue/next/").content.decode()  # the page: a case shown, the next one prefetched
    assert html.count('id="case"') == 2
    assert api.get("/api/v1/me/").json()["taboo_today"] == 1  # the prefetched case is not counted yet
    shown = case_next(user=somchai).case
    answer = api_post(api, f"/api/v1/cases/{shown.public_id}/ruling/", {"answer": "no", "next": True}).json()
    assert answer["next"] is not None  # the prefetched case, now shown
    assert api.get("/api/v1/me/").json()["taboo_today"] == 2
    answer = api_post(api, f"/api/v1/cases/{answer['next']['id']}/ruling/", {"answer": "no", "next": True}).json()
    assert answer["next"] is None and answer["next_refused"] == "daily_cap_reached"  # two seen: the cap
    assert api.get("/api/v1/me/").json()["taboo_today"] == 2
    assert_api_error(api.get("/api/v1/queue/next/"), "daily_cap_reached", 429)
    assert Ruling.objects.filter(verifier=somchai).count() == 2


def test_the_seats_an_undo_hands_back_do_not_count_toward_the_cap(api):
    shard, (somchai, *_) = shard_with_pool("th-TH")
    _taboo_cases(shard, 3, text="ภาพ ในหลวง")
    login_as(api, somchai)
    first = api.get("/api/v1/queue/next/").json()["id"]
    api_post(api, f"/api/v1/cases/{first}/ruling/", {"answer": "no"})
    case_next(user=somchai)  # shown
    case_next_prefetch(user=somchai)  # and one behind it
    assert api.get("/api/v1/me/").json()["taboo_today"] == 2
    assert api_post(api, "/api/v1/rulings/undo/", None).status_code == 200  # the prefetched seat goes back
    assert api.get("/api/v1/me/").json()["taboo_today"] == 1  # the first case only, shown again


_ANSWERS = st.sampled_from(["yes", "no", "YES", " yes", "", "maybe", True, None, 1])
_KEYS = st.one_of(st.sampled_from(["", "k", " k", "k ", "\tk", "x" * 64, "x" * 65, 7, None]), st.text(max_size=70))
_NEXTS = st.sampled_from([True, False, "true", "false", 1, 0, None, "yes"])


def _bodies():
    """Ruling bodies near the usual one: each field present or not, well-formed or a near miss, sometimes an
    unknown field; and some that are not objects."""
    fields = st.fixed_dictionaries({}, optional={"answer": _ANSWERS, "idempotency_key": _KEYS, "next": _NEXTS})
    extra = st.dictionaries(st.just("other"), st.integers(), max_size=1)
    return st.one_of(
        st.builds(lambda f, e: {**f, **e}, fields, extra), st.lists(st.integers(), max_size=2), st.text(max_size=5)
    )


@hypothesis_settings(max_examples=500, deadline=None)
@given(body=_bodies())
def test_the_rulings_fast_body_reader_agrees_with_its_serializer(body):
    """Issue 14: where `ruling_body_read` reads a body, RulingSerializer reads it to the same values; where it
    declines (None), the serializer decides (valid or not). So the hot path never accepts what the API refused."""
    from verifier.api import RulingSerializer, ruling_body_read

    fast = ruling_body_read(body)
    serializer = RulingSerializer(data=body)
    if fast is not None:
        assert serializer.is_valid(), (body, serializer.errors)
        assert dict(serializer.validated_data) == fast


def test_the_fast_reader_reads_the_usual_bodies_and_the_api_still_refuses_what_it_refused(api):
    from verifier.api import ruling_body_read

    assert ruling_body_read({"answer": "no", "next": True, "idempotency_key": "k"}) == {
        "answer": "no",
        "idempotency_key": "k",
        "next": True,
    }
    assert ruling_body_read({"answer": "yes"}) == {"answer": "yes", "idempotency_key": "", "next": False}
    shard, (alice, *_) = shard_with_pool("en-US")
    make_cases(shard, 2)
    client = _token_client(alice)
    case_id = client.get("/api/v1/queue/next/").json()["id"]
    refused = api_post(client, f"/api/v1/cases/{case_id}/ruling/", {"answer": "maybe"})
    assert "answer" in assert_api_error(refused, "invalid", 400)["errors"]
    trimmed = api_post(
        client, f"/api/v1/cases/{case_id}/ruling/", {"answer": "yes", "idempotency_key": " k ", "next": True}
    )
    assert trimmed.status_code == 201, trimmed.content  # the serializer's reading: the key trimmed
    assert Ruling.objects.get(verifier=alice).idempotency_key == "k"
    assert trimmed.json()["next"] is not None
