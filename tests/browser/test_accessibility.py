"""axe-core, run inside real Chromium, finds no serious or critical violation on the main pages.

The axe script comes from the axe-playwright-python wheel (pinned in the dev extra) and is
added to every page of the context as an init script: no network is used, and the app's
Content-Security-Policy (script-src 'self', which blocks an inline <script> tag) stays in force.
"""
import re
from importlib import resources

import pytest
from playwright.sync_api import expect

from contest.extensions import db
from contest.services.quiz import draw
from tests.factories import PASSWORD, finish, make_bank, make_round, make_unit, make_user

AXE_SOURCE = resources.files("axe_playwright_python").joinpath("axe.min.js").read_text(encoding="utf-8")
BLOCKING = {"serious", "critical"}
PHONE = {"viewport": {"width": 360, "height": 780}, "locale": "vi-VN"}
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "locale": "vi-VN"}


def axe_violations(page) -> list[dict]:
    """Serious and critical violations of the page as loaded, each with its rule and first targets."""
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       targets: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
    }""")
    return [violation for violation in result if violation["impact"] in BLOCKING]


def new_context(browser, options):
    context = browser.new_context(**options)
    context.add_init_script(script=AXE_SOURCE)
    return context


def assert_accessible(page, name: str):
    violations = axe_violations(page)
    assert violations == [], f"{name} ({page.url}): {violations}"


def log_in(page, live_server, username: str, next_path: str = "/"):
    page.goto(f"{live_server.url}/login?next={next_path}")
    page.get_by_label("Tên đăng nhập, số điện thoại hoặc email").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{live_server.url}{next_path}")


@pytest.fixture
def data(live_server):
    with live_server.app.app_context():
        draw.clear_cache()
        unit = make_unit(name="Sở Nội vụ")
        make_bank(8)
        round_ = make_round(questions=4, show_score=True)
        make_user(username="thisinh_a11y", full_name="Nguyễn Văn An", unit_id=unit.id)
        make_user(role="organizer", username="btc_a11y")
        make_user(role="admin", username="qt_a11y")
        judge = make_user(role="judge", username="gk_a11y")
        for score in (3, 2):
            finish(round_, make_user(unit_id=unit.id), score, max_score=4)
        db.session.commit()
        return {"round": round_.id, "contest": round_.contest_id, "judge": judge.username}


def test_the_login_page_has_no_serious_violation(browser, live_server):
    for options in (PHONE, DESKTOP):
        context = new_context(browser, options)
        try:
            page = context.new_page()
            page.goto(f"{live_server.url}/login")
            expect(page.get_by_role("button", name="Đăng nhập")).to_be_visible()
            assert_accessible(page, "đăng nhập")
        finally:
            context.close()


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_contest_landing_page_has_no_serious_violation(browser, live_server, data, language):
    for options in (PHONE, DESKTOP):
        context = new_context(browser, options)
        try:
            context.add_cookies([{"name": "lang", "value": language, "url": live_server.url}])
            page = context.new_page()
            page.goto(f"{live_server.url}/contests/{data['contest']}")
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            assert page.locator("html").get_attribute("lang") == language
            assert_accessible(page, f"trang giới thiệu cuộc thi ({language})")
        finally:
            context.close()


def test_participant_pages_have_no_serious_violation(browser, live_server, data):
    context = new_context(browser, PHONE)
    try:
        page = context.new_page()
        log_in(page, live_server, "thisinh_a11y")
        assert_accessible(page, "trang chủ thí sinh")

        page.goto(f"{live_server.url}/rounds/{data['round']}")
        expect(page.get_by_role("button", name="Bắt đầu làm bài")).to_be_visible()
        assert_accessible(page, "thể lệ đợt thi")

        page.get_by_role("button", name="Bắt đầu làm bài").click()
        page.wait_for_url(re.compile(r"/attempts/\d+$"))
        expect(page.locator("#countdown")).to_be_visible()
        page.locator("#q-1 input[type=radio]").first.locator("xpath=..").click()
        expect(page.locator("#save-status")).to_have_text("Đã lưu")
        assert_accessible(page, "bài thi")

        page.click("#submit-button")
        expect(page.locator("#submit-dialog")).to_be_visible()
        assert_accessible(page, "hộp xác nhận nộp bài")
        page.click("#submit-confirm")
        page.wait_for_url(re.compile(r"/attempts/\d+/receipt$"))
        expect(page.locator("#receipt-code")).to_be_visible()
        assert_accessible(page, "biên nhận")
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_staff_pages_have_no_serious_violation(browser, live_server, data, viewport):
    pages = [
        ("btc_a11y", "/bank/", "ngân hàng câu hỏi"),
        ("btc_a11y", "/bank/import", "tải lên ngân hàng"),
        ("qt_a11y", "/admin/", "quản lý cuộc thi"),
        (data["judge"], f"/results/rounds/{data['round']}", "kết quả đợt thi"),
    ]
    for username, path, name in pages:
        context = new_context(browser, viewport)
        try:
            page = context.new_page()
            log_in(page, live_server, username, path)
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            assert_accessible(page, name)
        finally:
            context.close()
