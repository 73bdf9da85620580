"""The quiz without a mouse and without eyes on the clock, in Chromium.

Keyboard only: Tab reaches the controls, arrow keys change the radio choice and it is saved,
Tab reaches "Nộp bài", and the focused control shows an outline that stands out from what is
behind it (WCAG 2.4.7, 1.4.11). Screen readers: the visible clock is silent (role=timer) and a
polite live region says "Còn 5 phút" and "Còn 1 phút", once each; time is driven by Playwright's
fake clock, so the test waits minutes in milliseconds.
"""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from contest.extensions import db
from contest.models import Answer, Attempt
from tests.browser.support import contrast, stored, watch
from tests.factories import PASSWORD, make_bank, make_round, make_user

DESKTOP = {"viewport": {"width": 1280, "height": 800}, "locale": "vi-VN"}
PHONE = {"viewport": {"width": 360, "height": 740}, "locale": "vi-VN", "has_touch": True}
NAME = "Đặng Thị Hồng Nhung"

# The focused element's outline and the colour behind it (first opaque background up the tree).
FOCUS_STYLE = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  let behind = 'rgb(255, 255, 255)';
  for (let p = el.parentElement; p; p = p.parentElement) {
    const bg = getComputedStyle(p).backgroundColor;
    if (bg !== 'transparent' && !bg.endsWith(', 0)')) { behind = bg; break; }
  }
  return {style: style.outlineStyle, width: parseFloat(style.outlineWidth), color: style.outlineColor, behind,
          visible: el.matches(':focus-visible')};
}"""

# Collects every text the announcer region is given, from the moment the page is parsed.
RECORD_ANNOUNCEMENTS = """
window.__said = [];
document.addEventListener('DOMContentLoaded', () => {
  const region = document.getElementById('timer-announcer');
  if (!region) return;
  new MutationObserver(() => window.__said.push(region.textContent))
    .observe(region, {childList: true, characterData: true, subtree: true});
});
"""


def assert_focus_visible(page, what: str):
    focus = page.evaluate(FOCUS_STYLE)
    assert focus["visible"], f"{what}: không ở trạng thái :focus-visible"
    assert focus["style"] != "none" and focus["width"] >= 2, f"{what}: không có viền tiêu điểm {focus}"
    ratio = contrast(focus["color"], focus["behind"])
    assert ratio >= 3, f"{what}: viền {focus['color']} trên nền {focus['behind']} chỉ {ratio:.2f}:1"


def tab_to(page, condition: str, what: str, limit: int = 60):
    """Presses Tab until `condition` (a JS expression about `el`, the focused element) holds."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!({condition}); }})()"):
            return
    pytest.fail(f"Tab không tới được {what} sau {limit} lần")


def left_ms(clock) -> int:
    """What the page's countdown shows, in milliseconds."""
    minutes, seconds = (int(part) for part in clock.inner_text().split(":"))
    return (minutes * 60 + seconds) * 1000


@pytest.fixture
def round_id(live_server):
    with live_server.app.app_context():
        make_bank(8)
        round_ = make_round(questions=4, show_score=True)
        make_user(username="hongnhung", full_name=NAME)
        db.session.commit()
        return round_.id


def log_in_and_start(page, live_server, round_id: int) -> None:
    """Logs the participant in with the mouse and starts the round: the quiz page is open."""
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Tên đăng nhập, số điện thoại hoặc email").fill("hongnhung")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator(".site-header")).to_contain_text(NAME, timeout=15000)
    page.goto(f"{live_server.url}/rounds/{round_id}")
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    page.wait_for_url(re.compile(r"/attempts/\d+$"))


def test_the_quiz_by_keyboard_alone(live_server, browser, round_id):
    context = browser.new_context(**DESKTOP)
    try:
        page = watch(context.new_page())
        page.goto(f"{live_server.url}/login")
        tab_to(page, "el.name === 'username'", "ô tên đăng nhập")
        assert_focus_visible(page, "ô tên đăng nhập")
        page.keyboard.type("hongnhung")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.name") == "password"
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        expect(page.locator(".site-header")).to_contain_text(NAME, timeout=15000)

        page.goto(f"{live_server.url}/rounds/{round_id}")
        tab_to(page, "el.textContent.trim() === 'Bắt đầu làm bài'", "nút Bắt đầu làm bài")
        assert_focus_visible(page, "nút Bắt đầu làm bài")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/attempts/\d+$"))
        attempt_id = int(page.url.rsplit("/", 1)[1])

        radios = page.locator("#q-1 input[type=radio]")
        tab_to(page, "el.type === 'radio' && el.closest('fieldset').id === 'q-1'", "phương án của câu 1")
        assert page.evaluate("document.activeElement.value") == radios.nth(0).get_attribute("value")
        assert_focus_visible(page, "phương án đang chọn")
        label = page.locator("#q-1 label.choice").nth(0)
        assert label.evaluate("el => getComputedStyle(el).outlineStyle") != "none"  # the whole choice is ringed

        with page.expect_response(lambda r: r.request.method == "PUT" and "/answers/" in r.url) as saved:
            page.keyboard.press("ArrowDown")
        assert saved.value.ok
        expect(radios.nth(1)).to_be_checked()
        expect(radios.nth(1)).to_be_focused()
        with page.expect_response(lambda r: r.request.method == "PUT" and "/answers/" in r.url) as saved:
            page.keyboard.press("ArrowDown")
        assert saved.value.ok
        chosen = radios.nth(2).get_attribute("value")
        expect(radios.nth(2)).to_be_checked()
        expect(page.locator("#save-status")).to_have_text("Đã lưu")
        assert stored(live_server, select(Answer.choice_id)) == [(int(chosen),)]

        tab_to(page, "el.id === 'save-button'", "nút Lưu bài làm")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent.trim()") == "Nộp bài"
        assert_focus_visible(page, "nút Nộp bài")
        page.keyboard.press("Enter")
        expect(page.locator("#submit-dialog")).to_be_visible()
        expect(page.locator("#submit-confirm")).to_be_focused()
        assert_focus_visible(page, "nút Nộp bài trong hộp xác nhận")
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/attempts/{attempt_id}/receipt")
        expect(page.get_by_role("heading", level=1)).to_have_text("Đã nộp bài")
        ((finished_by, code),) = stored(live_server, select(Attempt.finished_by, Attempt.receipt_code))
        assert finished_by == "participant"
        expect(page.locator("#receipt-code")).to_have_text(code)
        assert page.errors == []
    finally:
        context.close()


def test_the_timer_speaks_at_five_minutes_and_one_minute_once_each(live_server, browser, round_id):
    context = browser.new_context(**PHONE)
    try:
        page = watch(context.new_page())
        page.clock.install()  # the page's own clock, from now, that the test may move forward
        page.add_init_script(script=RECORD_ANNOUNCEMENTS)
        log_in_and_start(page, live_server, round_id)

        clock = page.locator("#countdown")
        announcer = page.locator("#timer-announcer")
        expect(clock).to_have_text(re.compile(r"^(10:00|09:5\d)$"))
        assert clock.get_attribute("role") == "timer" and clock.get_attribute("aria-live") in (None, "off")
        assert clock.evaluate("el => el.closest('[aria-live]:not([aria-live=off])')") is None
        assert announcer.get_attribute("aria-live") == "polite"
        expect(announcer).to_have_text("")

        page.clock.fast_forward("05:05")
        expect(clock).to_have_text(re.compile(r"^04:5\d$"))
        expect(announcer).to_have_text("Còn 5 phút")
        page.clock.run_for(20_000)  # forty more ticks: the region says nothing new
        expect(clock).to_have_text(re.compile(r"^04:3\d$"))
        assert page.evaluate("window.__said") == ["Còn 5 phút"]

        page.clock.fast_forward(left_ms(clock) - 50_000)
        expect(clock).to_have_text(re.compile(r"^00:[45]\d$"))
        expect(clock).to_have_class(re.compile("is-ending"))
        expect(announcer).to_have_text("Còn 1 phút")
        page.clock.run_for(10_000)
        assert page.evaluate("window.__said") == ["Còn 5 phút", "Còn 1 phút"]
        assert page.errors == []
    finally:
        context.close()


def test_a_reload_past_five_minutes_does_not_repeat_the_warning(live_server, browser, round_id):
    """Thresholds already behind at load are not spoken: a reload does not say "Còn 5 phút" at 4:10."""
    context = browser.new_context(**PHONE)
    try:
        page = watch(context.new_page())
        page.clock.install()
        page.add_init_script(script=RECORD_ANNOUNCEMENTS)
        log_in_and_start(page, live_server, round_id)
        with live_server.app.app_context():  # the server's deadline moves instead of the page's clock
            attempt = db.session.scalars(select(Attempt)).one()
            attempt.deadline = attempt.started_at + timedelta(seconds=250)
            db.session.commit()
        page.reload()
        clock = page.locator("#countdown")
        expect(clock).to_have_text(re.compile(r"^0[34]:\d\d$"))
        page.clock.run_for(5_000)
        expect(page.locator("#timer-announcer")).to_have_text("")
        assert page.evaluate("window.__said") == []
        page.clock.fast_forward(left_ms(clock) - 30_000)
        expect(clock).to_have_text(re.compile(r"^00:[0-3]\d$"))
        expect(page.locator("#timer-announcer")).to_have_text("Còn 1 phút")
        assert page.evaluate("window.__said") == ["Còn 1 phút"]
        assert page.errors == []
    finally:
        context.close()
