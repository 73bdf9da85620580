"""Every Jinja filter, registered by `init_app`: one way to show dates, numbers, durations and usernames.

Dates read `dd/MM/yyyy HH:mm` in CONTEST_TIMEZONE (Babel's timezone, so stored UTC turns into
Hà Nội time); numbers follow the locale's separators: 12.345,5 in Vietnamese, 12,345.5 in English.
"""
from datetime import date, datetime, timedelta, timezone

from flask_babel import format_date, format_datetime, format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape

from contest.auth.forms import EmptyForm
from contest.services.results import pii

DATETIME = "dd/MM/yyyy HH:mm"
DATETIME_SECONDS = "dd/MM/yyyy HH:mm:ss"  # the receipt and the audit log: to the second
DATE = "dd/MM/yyyy"
TIME_SECONDS = "HH:mm:ss"
MISSING = "—"


def vn_datetime(value: datetime | None, seconds: bool = False) -> str:
    """31/12/2026 08:00 in the contest's timezone; empty for no value."""
    if value is None:
        return ""
    return format_datetime(value, DATETIME_SECONDS if seconds else DATETIME)


def vn_date(value: date | datetime | None) -> str:
    """31/12/2026; a datetime is first moved to the contest's timezone (its date may change)."""
    if value is None:
        return ""
    return format_date(value, DATE)


def vn_clock(value: datetime | None) -> str:
    """08:15:30 in the contest's timezone: a deadline later the same day."""
    if value is None:
        return ""
    return format_datetime(value, TIME_SECONDS)


def iso_utc(value: datetime | None) -> str:
    """2026-12-31T01:00:00Z: a machine-readable instant for `datetime=` and `data-` attributes."""
    if value is None:
        return ""
    if value.tzinfo is None:  # UTCDateTime returns aware values; a naive one here is UTC by contract
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def time_tag(value: datetime | None, seconds: bool = False) -> Markup:
    """<time datetime="…Z">31/12/2026 08:00</time>: the shown text plus the exact instant."""
    if value is None:
        return Markup("")
    return Markup('<time datetime="%s">%s</time>') % (iso_utc(value), vn_datetime(value, seconds))


def number(value: int | float | None, digits: int | None = None) -> str:
    """12.345 or 12.345,5 (Vietnamese), 12,345.5 (English); `digits` fixes the decimals; None is —."""
    if value is None:
        return MISSING
    if digits is None:
        return format_decimal(value)
    return format_decimal(value, format="#,##0" + ("." + "0" * digits if digits > 0 else ""))


def percent(fraction: float | None, digits: int = 1) -> str:
    """A fraction as a percentage: 0.455 → 45,5%."""
    if fraction is None:
        return MISSING
    return number(fraction * 100, digits) + "%"


def ratio(part: int | float | None, whole: int | float | None) -> Markup:
    """7/10 with both numbers formatted (a score out of its maximum, people out of a headcount)."""
    return escape(number(part)) + Markup("/") + escape(number(whole))


def duration_text(seconds: int | float | timedelta | None) -> str:
    """12 phút 5 giây; 1 giờ 30 phút — how long a round lasts or an attempt took."""
    if seconds is None:
        return ""
    if isinstance(seconds, timedelta):
        seconds = seconds.total_seconds()
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(_("%(n)d giờ", n=hours))
    if minutes:
        parts.append(_("%(n)d phút", n=minutes))
    if secs or not parts:
        parts.append(_("%(n)d giây", n=secs))
    return " ".join(parts)


def clock(seconds: int | float) -> str:
    """Seconds as the countdown shows them: 09:58, or 1:05:00 past an hour."""
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def shown_username(username: str | None) -> str:
    """Judges see a phone or email username masked; organizers and admins see it whole."""
    return pii.username_for(current_user, username)


FILTERS = {
    "vn_datetime": vn_datetime,
    "vn_date": vn_date,
    "vn_clock": vn_clock,
    "iso_utc": iso_utc,
    "time_tag": time_tag,
    "number": number,
    "percent": percent,
    "ratio": ratio,
    "duration_text": duration_text,
    "clock": clock,
    "shown_username": shown_username,
}


def init_app(app) -> None:
    app.jinja_env.filters.update(FILTERS)
    # Every page's header holds the logout button. formdata=None: never reads the request body
    # (on a 413 page reading it raises again).
    app.context_processor(lambda: {"logout_form": EmptyForm(formdata=None)})
