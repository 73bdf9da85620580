"""A contest's landing page, /contests/<id>: rules, rounds, prizes and a countdown, for anyone.

Times are frozen at NOW (09:00 in Hà Nội); the rounds sit around it: one closed with published
results, one open, one coming, and sometimes a draft the public must not see.
"""
import re
from datetime import datetime, timedelta, timezone
from importlib import resources

import pytest
import time_machine
from playwright.sync_api import expect

from contest.extensions import db as _db
from contest.models import Contest, ContestStaff
from contest.services.results import prizes
from core.db import now_utc
from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_bank, make_contest, make_round, make_user

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)  # 09:00 in Hà Nội
OPEN_CLOSES = NOW + timedelta(days=2)  # 03/12/2026 09:00
COMING_OPENS = NOW + timedelta(days=5, hours=1, minutes=30)  # 06/12/2026 10:30
DESCRIPTION = "Thể lệ chung: mỗi người dùng một tài khoản; không sử dụng tài liệu."


@pytest.fixture
def traveller():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def contest(db, traveller):
    make_bank(6)
    contest = make_contest(name="Cuộc thi tìm hiểu cải cách hành chính 2026", description=DESCRIPTION,
                           min_participation_percent=30)
    closed = make_round(contest, questions=2, title="Đợt làm quen", opens_at=NOW - timedelta(days=5),
                        closes_at=NOW - timedelta(days=1))
    closed.results_public = True
    current = make_round(contest, questions=3, title="Tuần 1", opens_at=NOW - timedelta(hours=1),
                         closes_at=OPEN_CLOSES, max_attempts=2, duration_seconds=900)
    coming = make_round(contest, questions=4, title="Tuần 2", opens_at=COMING_OPENS,
                        closes_at=COMING_OPENS + timedelta(days=7), max_attempts=None, rules="Được thi nhiều lượt.")
    prizes.set_quotas(db, current, "individual", {"first": 1, "second": 2, "third": 0, "consolation": 1500})
    prizes.set_quotas(db, current, "unit", {"first": 1})
    make_user(username="thisinh", full_name="Nguyễn Văn An")
    db.commit()
    return {"id": contest.id, "closed": closed.id, "current": current.id, "coming": coming.id}


def page(client, contest_id: int) -> str:
    response = client.get(f"/contests/{contest_id}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def login(client, auth, username: str) -> None:
    assert auth.login(username, PASSWORD).status_code == 302


def round_block(html: str, round_id: int) -> str:
    match = re.search(rf'<li class="card landing-round" id="round-{round_id}">(.*?)</li>\s*(?:<li class="card|</ol>)',
                      html, re.S)
    assert match, f"round {round_id} not on the page"
    return match[1]


# --- what anyone sees --------------------------------------------------------------------------


def test_anyone_sees_the_rules_rounds_and_prizes(client, contest):
    html = page(client, contest["id"])
    assert "<h1>Cuộc thi tìm hiểu cải cách hành chính 2026</h1>" in html
    assert DESCRIPTION in html
    current = round_block(html, contest["current"])
    assert "Tuần 1" in current and "Đang mở" in current
    assert '<time datetime="2026-12-01T01:00:00Z">01/12/2026 08:00</time>' in current  # opened 08:00 Hà Nội
    assert '<time datetime="2026-12-03T02:00:00Z">03/12/2026 09:00</time>' in current
    assert "15 phút" in current and "<dd>3</dd>" in current and "<dd>2</dd>" in current  # questions, attempts
    assert "Giải Nhất" in current and "Giải Nhì" in current and "Giải Ba" not in current  # 0: not offered
    assert "1.500 giải" in current  # Khuyến khích, with Vietnamese separators
    assert "Giải đơn vị (mỗi khối thi)" in current
    coming = round_block(html, contest["coming"])
    assert "Sắp mở" in coming and "06/12/2026 10:30" in coming and "Không giới hạn" in coming
    assert "Được thi nhiều lượt." in coming  # the round's own rules
    closed = round_block(html, contest["closed"])
    assert "Đã kết thúc" in closed
    assert f'href="/results/public/{contest["closed"]}"' in closed  # results published after close
    assert "/results/public/" not in current + coming
    assert "dưới 30%" in html  # units below the minimum participation are not ranked
    assert "điểm cao hơn" in html  # the tie-break chain in words


def test_logged_out_visitors_are_offered_login_and_registration_when_it_is_open(client, db, contest):
    html = page(client, contest["id"])
    assert f'href="/login?next=/contests/{contest["id"]}"' in html
    assert f'/contests/{contest["id"]}/register' not in html  # registration closed: accounts are given
    assert "Tài khoản dự thi do ban tổ chức cấp" in html
    assert f'href="/login?next=/rounds/{contest["current"]}"' in round_block(html, contest["current"])

    db.get(Contest, contest["id"]).registration_open = True
    db.commit()
    html = page(client, contest["id"])
    assert f'href="/contests/{contest["id"]}/register"' in html


def test_the_countdown_targets_the_open_round_closing_from_the_server_clock(client, contest):
    html = page(client, contest["id"])
    box = re.search(r'<div class="landing-countdown" data-countdown data-target="([^"]+)" data-server-now="([^"]+)">',
                    html)
    assert box, "no countdown"
    assert box.groups() == ("2026-12-03T02:00:00Z", "2026-12-01T02:00:00Z")
    assert "“Tuần 1” đóng sau" in html
    assert "Đóng lúc <time" in html  # without JavaScript: the date and time
    assert '<script src="/static/js/countdown.js" defer></script>' in html
    assert '<link rel="stylesheet" href="/static/css/landing.css">' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline script (CSP is script-src 'self')"
    assert " style=" not in html and " onclick=" not in html


def test_between_rounds_the_countdown_targets_the_next_opening(client, contest, traveller):
    traveller.move_to(OPEN_CLOSES)  # Tuần 1 has just closed; Tuần 2 opens in three days and a half
    html = page(client, contest["id"])
    assert 'data-target="2026-12-06T03:30:00Z" data-server-now="2026-12-03T02:00:00Z"' in html
    assert "“Tuần 2” mở sau" in html and "Mở lúc <time" in html
    assert "Đã kết thúc" in round_block(html, contest["current"])


@pytest.mark.parametrize(("offset", "state", "target"), [
    (timedelta(seconds=-1), "Sắp mở", "opens"),
    (timedelta(0), "Đang mở", "closes"),
])
def test_a_round_opens_on_its_second(client, contest, traveller, offset, state, target):
    traveller.move_to(COMING_OPENS + offset)
    html = page(client, contest["id"])
    assert state in round_block(html, contest["coming"])
    expected = {"opens": "“Tuần 2” mở sau", "closes": "“Tuần 2” đóng sau"}[target]
    assert expected in html


def test_after_the_last_round_there_is_no_countdown(client, contest, traveller):
    traveller.move_to(COMING_OPENS + timedelta(days=8))
    html = page(client, contest["id"])
    assert "data-countdown" not in html
    assert "Tất cả các đợt thi của cuộc thi đã kết thúc." in html


# --- participants ------------------------------------------------------------------------------


def test_a_participant_is_sent_to_the_open_round_then_back_to_their_attempt(client, auth, db, contest):
    login(client, auth, "thisinh")
    html = page(client, contest["id"])
    assert f'href="/rounds/{contest["current"]}">Vào thi: Tuần 1</a>' in html
    assert "/register" not in html and "/login?next" not in html
    token = csrf_token(client, f"/rounds/{contest['current']}")
    started = client.post(f"/rounds/{contest['current']}/start", data={"csrf_token": token})
    attempt_path = started.headers["Location"]
    html = page(client, contest["id"])
    assert f'href="{attempt_path}">Tiếp tục làm bài: Tuần 1</a>' in html
    assert "Đã làm 1/2 lượt" in round_block(html, contest["current"])


def test_the_participant_home_and_the_organizer_page_link_to_it(client, auth, db, contest):
    make_user(role="organizer", username="btc")
    db.commit()
    link = f'href="/contests/{contest["id"]}"'
    assert link in client.get("/").get_data(as_text=True)
    login(client, auth, "btc")
    assert link in client.get(f"/admin/contests/{contest['id']}").get_data(as_text=True)


# --- what stays hidden -------------------------------------------------------------------------


@pytest.fixture
def draft_contest(db, traveller):
    make_bank(3)
    contest = make_contest(name="Cuộc thi chưa công bố")
    make_round(contest, questions=2, title="Đợt nháp", publish=False, opens_at=NOW + timedelta(days=1),
               closes_at=NOW + timedelta(days=2))
    other = make_contest(name="Cuộc thi khác")
    make_user(username="thisinh")
    make_user(role="judge", username="gk")
    make_user(role="admin", username="qtv")
    make_user(role="organizer", username="btc")
    scoped = make_user(role="organizer", username="btc-khac")
    db.add(ContestStaff(contest=other, user=scoped))
    db.commit()
    return contest.id


@pytest.mark.parametrize("username", [None, "thisinh", "gk", "btc-khac"])
def test_a_contest_with_no_published_round_is_a_404(client, auth, draft_contest, username):
    if username:
        login(client, auth, username)
    response = client.get(f"/contests/{draft_contest}")
    assert response.status_code == 404
    assert "Đợt nháp" not in response.get_data(as_text=True)


@pytest.mark.parametrize("username", ["btc", "qtv"])
def test_its_organizers_preview_it(client, auth, draft_contest, username):
    login(client, auth, username)
    html = page(client, draft_contest)
    assert "Bản xem trước" in html and "Đợt nháp" in html and "Nháp" in html
    assert "data-countdown" not in html  # nothing published: nothing to count down to


def test_a_missing_contest_is_a_404(client, db):
    assert client.get("/contests/999999").status_code == 404


def test_draft_rounds_of_a_public_contest_stay_hidden(client, auth, db, contest):
    make_round(db.get(Contest, contest["id"]), questions=2, title="Đợt bí mật", publish=False,
               opens_at=NOW + timedelta(hours=2), closes_at=NOW + timedelta(days=1))
    make_user(role="organizer", username="btc")
    db.commit()
    html = page(client, contest["id"])
    assert "Đợt bí mật" not in html
    assert 'data-target="2026-12-03T02:00:00Z"' in html  # a draft never drives the countdown
    login(client, auth, "btc")
    html = page(client, contest["id"])
    assert "Đợt bí mật" in html and "badge-draft" in html
    assert 'data-target="2026-12-03T02:00:00Z"' in html


def test_english_follows_the_cookie_with_english_separators(client, contest):
    client.set_cookie("lang", "en")
    html = page(client, contest["id"])
    assert "1,500" in html and "1.500" not in html
    assert "03/12/2026 09:00" in html  # the date format is the same in both languages


# --- in Chromium ---------------------------------------------------------------------------------

PHONE = {"viewport": {"width": 360, "height": 740}, "locale": "vi-VN", "has_touch": True, "is_mobile": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "locale": "vi-VN"}
# axe-core from the axe-playwright-python wheel, added as an init script: the page's CSP stays on.
AXE_SOURCE = resources.files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")
AXE = """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
  .filter(v => v.impact === 'serious' || v.impact === 'critical')
  .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))"""
FITS = """() => {
  const width = window.innerWidth;
  const small = [...document.querySelectorAll('a.button, button, summary')]
    .filter(el => el.checkVisibility())
    .map(el => el.getBoundingClientRect())
    .filter(box => box.height < 43.5 || box.width < 43.5).length;
  return {scroll: document.documentElement.scrollWidth - width, small};
}"""


@pytest.fixture
def live_contest(live_server):
    """Real time, not frozen: Chromium runs the page's clock while the server runs its own."""
    with live_server.app.app_context():
        make_bank(3)
        contest = make_contest(name="Cuộc thi tìm hiểu về cải cách hành chính nhà nước và chuyển đổi số "
                                    "tỉnh Quảng Ninh năm 2026", description=DESCRIPTION)
        contest.registration_open = True
        now = now_utc()
        open_round = make_round(contest, questions=2, title="Tuần 1: Chương trình tổng thể cải cách hành chính",
                                opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1, hours=2))
        prizes.set_quotas(_db.session, open_round, "individual", {"first": 1, "consolation": 20})
        soon = make_contest(name="Cuộc thi sắp đóng")
        make_round(soon, questions=2, title="Đợt ngắn", opens_at=now - timedelta(hours=1),
                   closes_at=now + timedelta(seconds=4))
        _db.session.commit()
        return {"id": contest.id, "soon": soon.id}


def test_the_countdown_ticks_on_a_phone_and_the_page_fits(browser, live_server, live_contest):
    context = browser.new_context(**PHONE)
    page_ = context.new_page()
    try:
        page_.goto(f"{live_server.url}/contests/{live_contest['id']}")
        clock = page_.locator(".landing-countdown-clock")
        expect(clock).to_be_visible()
        expect(page_.locator('[data-part="days"]')).to_have_text(re.compile(r"^1 ngày$"))
        expect(page_.locator('[data-part="hours"] b')).to_have_text(re.compile(r"^0[12]$"))
        seconds = page_.locator('[data-part="seconds"] b')
        first = seconds.inner_text()
        expect(seconds).not_to_have_text(first, timeout=3000)  # it ticks
        fits = page_.evaluate(FITS)
        assert fits == {"scroll": 0, "small": 0}, fits

        page_.goto(f"{live_server.url}/contests/{live_contest['soon']}")
        expect(page_.locator(".landing-countdown-clock")).to_be_visible()
        expect(page_.locator('[data-part="days"]')).to_be_hidden()  # under a day: no "0 ngày"
        expect(page_.locator(".landing-countdown-done")).to_be_visible(timeout=8000)
        expect(page_.locator(".landing-countdown-clock")).to_be_hidden()
    finally:
        context.close()


@pytest.mark.parametrize("options", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_no_serious_accessibility_violation(browser, live_server, live_contest, options):
    context = browser.new_context(**options)
    context.add_init_script(script=AXE_SOURCE)
    page_ = context.new_page()
    try:
        page_.goto(f"{live_server.url}/contests/{live_contest['id']}")
        expect(page_.locator(".landing-countdown-clock")).to_be_visible()
        assert page_.evaluate(AXE) == []
    finally:
        context.close()


def test_without_javascript_the_date_is_shown(browser, live_server, live_contest):
    context = browser.new_context(java_script_enabled=False, **PHONE)
    page_ = context.new_page()
    try:
        page_.goto(f"{live_server.url}/contests/{live_contest['id']}")
        expect(page_.locator(".landing-countdown-when time")).to_be_visible()
        expect(page_.locator(".landing-countdown-clock")).to_be_hidden()
        assert page_.evaluate("document.documentElement.scrollWidth") <= 360
    finally:
        context.close()
