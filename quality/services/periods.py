"""Months and quarters in UTC: the calendar the monthly and quarterly jobs run on (SPEC 7)."""

from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone


def month_start(value: date | datetime) -> date:
    if isinstance(value, datetime):
        value = value.astimezone(UTC).date()
    return value.replace(day=1)


def month_next(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_previous(month: date) -> date:
    return (month.replace(day=1) - timedelta(days=1)).replace(day=1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """[start, end) of a UTC month as aware datetimes."""
    start = datetime.combine(month_start(month), time.min, tzinfo=UTC)
    return start, datetime.combine(month_next(month_start(month)), time.min, tzinfo=UTC)


def month_is_closed(month: date, *, now: datetime | None = None) -> bool:
    """A month is closed once it has ended (plus PAY["CLOSE_DELAY_DAYS"])."""
    now = now or timezone.now()
    _, end = month_bounds(month)
    return now >= end + timedelta(days=settings.PAY["CLOSE_DELAY_DAYS"])


def quarter_start(value: date | datetime) -> date:
    month = month_start(value)
    return month.replace(month=3 * ((month.month - 1) // 3) + 1)


def parse_month(text: str) -> date:
    """'2026-10' or '2026-10-01' -> date(2026, 10, 1); ValueError names the expected form."""
    try:
        return datetime.strptime(text.strip()[:7], "%Y-%m").date()
    except (ValueError, AttributeError):
        raise ValueError(f"month must look like YYYY-MM, got {text!r}")
