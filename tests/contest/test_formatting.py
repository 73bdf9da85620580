"""One format for dates and numbers everywhere (contest/formatting.py): dd/MM/yyyy HH:mm in the
contest's timezone, Vietnamese separators (12.345,5) that follow the locale (12,345.5 in English).
"""
import re
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from markupsafe import Markup

from contest import create_app, formatting
from tests.factories import make_unit, make_user

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates"
# 17:30 UTC on New Year's Eve is already 00:30 on 1 January in Hà Nội (UTC+7).
NEW_YEAR_EVE = datetime(2026, 12, 31, 17, 30, 5, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def bare_app():
    return create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "formatting"})


@pytest.fixture
def vi(bare_app):
    with bare_app.test_request_context("/"):
        yield


@pytest.fixture
def en(bare_app):
    with bare_app.test_request_context("/", headers={"Cookie": "lang=en"}):
        yield


def render(app, source: str, lang: str = "vi", **context) -> str:
    headers = {"Cookie": f"lang={lang}"}
    with app.test_request_context("/", headers=headers):
        return app.jinja_env.from_string(source).render(**context)


# --- dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("call", "expected"), [
    (lambda: formatting.vn_datetime(NEW_YEAR_EVE), "01/01/2027 00:30"),
    (lambda: formatting.vn_datetime(NEW_YEAR_EVE, seconds=True), "01/01/2027 00:30:05"),
    (lambda: formatting.vn_date(NEW_YEAR_EVE), "01/01/2027"),  # the date where the contest is
    (lambda: formatting.vn_date(date(2001, 9, 2)), "02/09/2001"),  # a date of birth: no timezone
    (lambda: formatting.vn_clock(NEW_YEAR_EVE), "00:30:05"),
    (lambda: formatting.iso_utc(NEW_YEAR_EVE), "2026-12-31T17:30:05Z"),
    (lambda: formatting.vn_datetime(None), ""),
    (lambda: formatting.vn_date(None), ""),
    (lambda: formatting.vn_clock(None), ""),
    (lambda: formatting.iso_utc(None), ""),
])
def test_dates_read_day_month_year_then_time_in_vietnam(vi, call, expected):
    assert call() == expected


def test_dates_follow_the_configured_timezone():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "tz", "BABEL_DEFAULT_TIMEZONE": "Asia/Tokyo"})
    with app.test_request_context("/"):
        assert formatting.vn_datetime(NEW_YEAR_EVE) == "01/01/2027 02:30"  # UTC+9


def test_a_time_tag_carries_the_exact_instant_and_escapes_nothing_it_should_not(vi):
    tag = formatting.time_tag(NEW_YEAR_EVE)
    assert isinstance(tag, Markup)
    assert tag == '<time datetime="2026-12-31T17:30:05Z">01/01/2027 00:30</time>'
    assert formatting.time_tag(NEW_YEAR_EVE, seconds=True).endswith(">01/01/2027 00:30:05</time>")
    assert formatting.time_tag(None) == ""


def test_the_same_format_in_english(en):
    assert formatting.vn_datetime(NEW_YEAR_EVE) == "01/01/2027 00:30"


# --- numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "digits", "vi_text", "en_text"), [
    (12345.5, None, "12.345,5", "12,345.5"),
    (1234567, None, "1.234.567", "1,234,567"),
    (999, None, "999", "999"),
    (0, None, "0", "0"),
    (-3, None, "-3", "-3"),
    (2.5, 2, "2,50", "2.50"),
    (1234.5678, 1, "1.234,6", "1,234.6"),
    (7, 0, "7", "7"),
    (None, None, "—", "—"),
])
def test_numbers_use_the_locale_separators(bare_app, value, digits, vi_text, en_text):
    for lang, expected in (("vi", vi_text), ("en", en_text)):
        with bare_app.test_request_context("/", headers={"Cookie": f"lang={lang}"}):
            assert formatting.number(value, digits) == expected, lang


def test_percentages_and_ratios(vi):
    assert formatting.percent(0.455) == "45,5%"
    assert formatting.percent(1) == "100,0%"
    assert formatting.percent(0.12346, 2) == "12,35%"
    assert formatting.percent(None) == "—"
    assert formatting.ratio(1234, 2000) == "1.234/2.000"


def test_the_filters_are_registered_app_wide(bare_app):
    source = ("{{ when|vn_datetime }} · {{ when|vn_date }} · {{ when|vn_clock }} · {{ n|number }} · "
              "{{ f|percent }} · {{ 3|ratio(4) }} · {{ when|time_tag }}")
    html = render(bare_app, source, when=NEW_YEAR_EVE, n=12345.5, f=0.5)
    assert html == ('01/01/2027 00:30 · 01/01/2027 · 00:30:05 · 12.345,5 · 50,0% · 3/4 · '
                    '<time datetime="2026-12-31T17:30:05Z">01/01/2027 00:30</time>')
    assert render(bare_app, "{{ n|number }}", lang="en", n=12345.5) == "12,345.5"


def test_templates_format_dates_only_through_the_filters():
    """No template formats a date by hand: no strftime, no Babel pattern, no isoformat of its own."""
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        if path.name == "take.html":  # the quiz page belongs to the timer work; it uses `when` below
            continue
        text = path.read_text(encoding="utf-8")
        for pattern in (r"strftime\(", r"\|\s*datetimeformat", r"\|\s*dateformat", r"\bHH:mm", r"dd/MM"):
            if re.search(pattern, text):
                offenders.append(f"{path.relative_to(TEMPLATES)}: {pattern}")
    assert not offenders, offenders
    macros = {p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*.html")
              if re.search(r"{%-?\s*macro\s+when\b", p.read_text(encoding="utf-8"))}
    assert macros <= {"quiz/_quiz.html"}, macros  # the one left delegates to |time_tag for take.html


# --- on real pages -----------------------------------------------------------------------------


@pytest.fixture
def organizer(client, auth, db):
    make_user(role="organizer", username="btc-dinh-dang")
    unit = make_unit(code="SNV", name="Sở Nội vụ", headcount=12345)
    db.commit()
    auth.login("btc-dinh-dang")
    return unit


def test_the_unit_tree_shows_headcounts_with_vietnamese_separators(client, organizer):
    html = client.get("/people/units").get_data(as_text=True)
    assert "12.345" in html and "12345" not in html


def test_the_unit_tree_in_english_uses_english_separators(client, organizer):
    client.set_cookie("lang", "en")
    html = client.get("/people/units").get_data(as_text=True)
    assert "12,345" in html and "12.345" not in html


def test_a_date_of_birth_reads_day_month_year(client, auth, db):
    make_user(username="ngay-sinh", date_of_birth=date(1990, 3, 7))
    db.commit()
    auth.login("ngay-sinh")
    html = client.get("/account").get_data(as_text=True)
    assert "07/03/1990" in html
