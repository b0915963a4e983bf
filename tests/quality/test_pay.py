"""CA-6 pay: hours from sessions, bonus at kappa > 0.8, calibration holds, an idempotent pay run."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from core.errors import Refused
from core.models import AuditEvent, User
from quality.models import KappaScore, Payout, PayRun
from quality.services.calibration import calibration_answers_submit, calibration_set_build
from quality.services.pay import (
    contract_set,
    pay_run_execute,
    payout_release,
    payroll_csv,
    sessions_from_activity,
    verifier_hours,
)
from tests.base import QUALITY_T0 as T0
from tests.base import gold_items, login_as, pool, ruled_case
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
MONTH = date(2026, 10, 1)
AFTER = datetime(2026, 11, 2, tzinfo=UTC)


@pytest.fixture
def admin():
    return UserFactory(username="pay_admin", role=User.Role.ADMIN)


def with_contract(admin, user, rate="20.00"):
    contract_set(actor=admin, verifier=user, hourly_rate=Decimal(rate), starts_on=date(2026, 1, 1), reason="hired")


def test_sessions_split_at_idle_gaps_with_tail_credit(settings):
    settings.PAY = {**settings.PAY, "SESSION_IDLE_GAP_MINUTES": 15, "SESSION_TAIL_MINUTES": 2}
    t = T0
    times = [t, t + timedelta(minutes=10), t + timedelta(minutes=25), t + timedelta(minutes=60)]
    sessions = sessions_from_activity(times)
    # 0, 10, 25 are each within 15 min of the previous action; 60 starts a new session.
    assert sessions == [(t, t + timedelta(minutes=27)), (t + timedelta(minutes=60), t + timedelta(minutes=62))]


def test_hours_come_from_queue_activity():
    shard, users, _ = pool()
    for i in range(4):  # four cases ten minutes apart: one session of 30 min + 30 s + 2 min tail
        ruled_case(shard, users[0], "yes", now=T0 + timedelta(minutes=10 * i))
    hours, sessions = verifier_hours(user=users[0], month=MONTH)
    assert sessions == 1 and hours == Decimal("0.54")


def test_pay_run_for_a_month_not_yet_closed_is_refused(admin):
    with pytest.raises(Refused) as refused:
        pay_run_execute(month=MONTH, actor=admin, now=datetime(2026, 10, 31, 23, 59, tzinfo=UTC))
    assert refused.value.code == "month_not_closed"
    assert not PayRun.objects.exists()


def test_pay_run_twice_pays_nobody_twice(admin):
    shard, users, _ = pool()
    for u in users[:3]:
        with_contract(admin, u)
        ruled_case(shard, u, "yes")
    run, created = pay_run_execute(month=MONTH, actor=admin, now=AFTER)
    events = AuditEvent.objects.count()
    again, created_again = pay_run_execute(month=MONTH, actor=admin, now=AFTER + timedelta(days=1))
    assert created and not created_again and again.pk == run.pk
    assert Payout.objects.count() == 3 and AuditEvent.objects.count() == events
    assert all(p.amount == p.base and p.base > 0 for p in Payout.objects.all())


@pytest.mark.parametrize("kappa,bonus", [("0.8000", False), ("0.8100", True)])
def test_bonus_is_paid_only_when_kappa_is_above_0_8(admin, kappa, bonus):
    shard, users, _ = pool()
    with_contract(admin, users[0], "30.00")
    ruled_case(shard, users[0], "yes")
    KappaScore.objects.create(verifier=users[0], month=MONTH, kappa=Decimal(kappa), pairs=40, computed_at=T0)
    pay_run_execute(month=MONTH, actor=admin, now=AFTER)
    payout = Payout.objects.get(verifier=users[0])
    assert (payout.bonus > 0) is bonus
    if bonus:
        assert payout.bonus == (payout.base * Decimal("0.10")).quantize(Decimal("0.01"))
    assert payout.amount == payout.base + payout.bonus


def test_blind_audit_cut_removes_the_bonus(admin):
    shard, users, _ = pool()
    with_contract(admin, users[0])
    ruled_case(shard, users[0], "yes")
    KappaScore.objects.create(
        verifier=users[0],
        month=MONTH,
        kappa=Decimal("0.95"),
        pairs=40,
        computed_at=T0,
        audit_dock=Decimal("0.10"),
        bonus_cut=True,
        bonus_cut_reason="flip delta 5.0%",
    )
    pay_run_execute(month=MONTH, actor=admin, now=AFTER)
    payout = Payout.objects.get(verifier=users[0])
    assert payout.bonus == 0 and "flip delta" in payout.bonus_note and payout.kappa == Decimal("0.85")


def _calibrate(user, n_wrong):
    cset = calibration_set_build(locale="en-US", month=MONTH)
    items = list(cset.items.select_related("gold"))
    answers = {it.pk: (it.gold.expected if i >= n_wrong else "no") for i, it in enumerate(items)}
    calibration_answers_submit(user=user, calibration_set=cset, answers=answers, now=T0)


def test_calibration_below_90_percent_holds_pay_at_zero_and_only_an_admin_releases_it(admin):
    shard, users, senior = pool()
    gold_items("en-US", 50, expected="yes")
    for u, wrong in ((users[0], 6), (users[1], 5)):  # 88 % and 90 %
        with_contract(admin, u)
        ruled_case(shard, u, "yes")
        _calibrate(u, wrong)
    pay_run_execute(month=MONTH, actor=admin, now=AFTER)
    held = Payout.objects.get(verifier=users[0])
    paid = Payout.objects.get(verifier=users[1])
    assert held.held and held.amount == 0 and "88.0%" in held.hold_reason and held.base > 0
    assert not paid.held and paid.amount == paid.base
    with pytest.raises(Refused) as not_admin:
        payout_release(actor=senior, payout=held, reason="looks fine")
    assert not_admin.value.code == "forbidden"
    with pytest.raises(Refused) as no_reason:
        payout_release(actor=admin, payout=held, reason=" ")
    assert no_reason.value.field == "reason"
    held.refresh_from_db()
    assert held.held and held.amount == 0
    payout_release(actor=admin, payout=held, reason="Gold item 12 was mislabelled")
    held.refresh_from_db()
    assert not held.held and held.amount == held.base + held.bonus
    event = AuditEvent.objects.filter(action="payout_release").get()
    assert event.after["reason"] == "Gold item 12 was mislabelled" and event.before["amount"] == "0.00"
    with pytest.raises(Refused) as twice:
        payout_release(actor=admin, payout=held, reason="again")
    assert twice.value.code == "not_held"


def test_rate_change_is_audited_with_reason_and_ends_the_old_contract(admin):
    shard, users, _ = pool()
    with_contract(admin, users[0], "20.00")
    contract_set(
        actor=admin, verifier=users[0], hourly_rate=Decimal("22.50"), starts_on=date(2026, 10, 15), reason="raise"
    )
    contracts = list(users[0].contracts.order_by("starts_on"))
    assert contracts[0].ends_on == date(2026, 10, 14) and contracts[1].hourly_rate == Decimal("22.50")
    assert AuditEvent.objects.filter(action="contract_set", after__reason="raise").exists()
    with pytest.raises(Refused) as bad:
        contract_set(actor=admin, verifier=users[0], hourly_rate="abc", starts_on=date(2026, 11, 1), reason="x")
    assert bad.value.field == "hourly_rate"


def test_payroll_csv_has_one_row_per_payout(admin):
    shard, users, _ = pool()
    with_contract(admin, users[0])
    ruled_case(shard, users[0], "yes")
    run, _ = pay_run_execute(month=MONTH, actor=admin, now=AFTER)
    lines = payroll_csv(run=run).strip().splitlines()
    assert lines[0].startswith("month,username,currency,hours") and len(lines) == 2
    assert lines[1].startswith(f"2026-10,{users[0].username},USD,")


def test_pay_api_runs_once_and_serves_csv_and_statement(api, admin):
    shard, users, _ = pool()
    with_contract(admin, users[0])
    ruled_case(shard, users[0], "yes")
    login_as(api, admin)
    not_closed = api.post("/api/v1/pay-runs/", {"month": "2999-01"}, format="json")
    assert not_closed.status_code == 409 and not_closed.json()["code"] == "month_not_closed"
    bad = api.post("/api/v1/pay-runs/", {"month": "October"}, format="json")
    assert bad.status_code == 400 and "month" in bad.json()["errors"]
    first = api.post("/api/v1/pay-runs/", {"month": "2026-10"}, format="json")
    second = api.post("/api/v1/pay-runs/", {"month": "2026-10"}, format="json")
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["payouts"] == second.json()["payouts"]
    csv = api.get("/api/v1/pay-runs/2026-10/payroll.csv")
    assert csv.status_code == 200 and users[0].username in csv.content.decode()
    login_as(api, users[0])
    assert api.post("/api/v1/pay-runs/", {"month": "2026-10"}, format="json").status_code == 403
    statement = api.get("/api/v1/statements/me/").json()
    assert statement[0]["month"] == "2026-10" and Decimal(statement[0]["amount"]) > 0


def test_payroll_csv_defuses_spreadsheet_formulas(admin):
    shard, users, _ = pool()
    with_contract(admin, users[0])
    ruled_case(shard, users[0], "yes")
    run, _ = pay_run_execute(month=MONTH, actor=admin, now=AFTER)
    Payout.objects.update(hold_reason='=HYPERLINK("http://x")')
    row = payroll_csv(run=run).splitlines()[1]
    assert "'=HYPERLINK" in row
