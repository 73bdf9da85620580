"""From nothing to a receipt, in Chromium: the organizer opens registration for the demo contest,
a new participant registers on a phone with Vietnamese details, logs in again with the phone
number, takes the demo round, submits and reads the receipt."""
import re
from datetime import date

from playwright.sync_api import expect
from sqlalchemy import func, select

from contest.demo import load as demo
from contest.extensions import db
from contest.models import Answer, Attempt, Contest, SpentChallenge, Unit, User
from tests.browser.support import stored, watch

DESKTOP = {"viewport": {"width": 1280, "height": 800}, "locale": "vi-VN"}
PHONE = {"viewport": {"width": 360, "height": 740}, "locale": "vi-VN", "has_touch": True, "is_mobile": True}
ORGANIZER = next((name, password) for name, role, _, password, _ in demo.DEMO_ACCOUNTS if role == "organizer")
FULL_NAME = "Phạm Thị Ngọc Ánh"
PHONE_NUMBER = "0987 654 321"
PASSWORD = "NgocAnh@2026"
UNIT = "Sở Giáo dục và Đào tạo"


def log_in(page, live_server, account: str, password: str, shows: str):
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Tên đăng nhập, số điện thoại hoặc email").fill(account)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator(".site-header")).to_contain_text(shows, timeout=15000)  # scrypt on a busy machine


def open_registration(browser, live_server, contest_id: int) -> str:
    """The organizer's part, at a desk; returns the registration address the page gives out."""
    context = browser.new_context(**DESKTOP)
    try:
        page = watch(context.new_page())
        log_in(page, live_server, *ORGANIZER, shows="Ban tổ chức")
        page.goto(f"{live_server.url}/admin/contests/{contest_id}")
        page.get_by_role("link", name="Đăng ký dự thi").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Cài đặt đăng ký")
        page.get_by_label("Mở đăng ký tài khoản cho cuộc thi này").check()
        page.get_by_label("Bắt buộc ngày sinh").check()
        page.get_by_label("Bắt buộc số điện thoại").check()
        page.get_by_label("Bắt buộc email").uncheck()
        page.get_by_label("Bắt buộc chọn đơn vị công tác").check()
        page.get_by_role("button", name="Lưu cài đặt đăng ký").click()
        expect(page.locator(".flash")).to_contain_text("Đã lưu cài đặt đăng ký của cuộc thi")
        address = page.locator("main a[href$='/register']").get_attribute("href")
        assert page.errors == []
        return address
    finally:
        context.close()


def test_a_new_participant_registers_takes_the_demo_round_and_gets_a_receipt(browser, live_server):
    with live_server.app.app_context():
        loaded = demo.load(db.session)
        db.session.commit()
        contest_id, round_id = loaded["contest_id"], loaded["round_id"]
        unit_id = db.session.scalar(select(Unit.id).where(Unit.name == UNIT))
    assert stored(live_server, select(Contest.registration_open).where(Contest.id == contest_id)) == [(False,)]

    address = open_registration(browser, live_server, contest_id)
    assert address == f"{live_server.url}/contests/{contest_id}/register"
    assert stored(live_server, select(Contest.registration_open, Contest.require_date_of_birth, Contest.require_phone,
                                      Contest.require_unit, Contest.require_email)
                  .where(Contest.id == contest_id)) == [(True, True, True, True, False)]

    context = browser.new_context(**PHONE)
    try:
        page = watch(context.new_page())
        page.goto(address)
        expect(page.get_by_role("heading", level=1)).to_have_text("Đăng ký dự thi")
        page.get_by_label("Họ và tên").fill(FULL_NAME)
        page.get_by_label("Số điện thoại di động").fill(PHONE_NUMBER)
        page.get_by_label("Tên đăng nhập (không bắt buộc)").fill("ngocanh.pham")
        page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
        page.get_by_label("Nhập lại mật khẩu").fill(PASSWORD)
        page.get_by_label("Ngày sinh").fill("1990-05-19")
        page.get_by_label("Email (không bắt buộc)").fill("ngocanh.pham@sgddt.thainguyen.gov.vn")
        page.get_by_label("Đơn vị công tác").select_option(str(unit_id))
        # The browser solves the proof-of-work itself (a tiny one in tests) and says so.
        expect(page.get_by_role("status").filter(has_text="Đã xác minh")).to_have_text(
            "Đã xác minh. Bạn có thể gửi biểu mẫu.")
        assert page.locator("input[name=challenge]").input_value() != ""
        page.get_by_role("button", name="Đăng ký").click()

        expect(page.locator(".flash")).to_contain_text(
            "Đã tạo tài khoản ngocanh.pham cho cuộc thi “Cuộc thi tìm hiểu về cải cách hành chính năm 2026”",
            timeout=15000)
        assert stored(live_server, select(User.full_name, User.phone, User.unit_id, User.date_of_birth, User.role)
                      .where(User.username == "ngocanh.pham")) == [
            (FULL_NAME, "0987654321", unit_id, date(1990, 5, 19), "participant")]
        assert stored(live_server, select(func.count()).select_from(SpentChallenge)) == [(1,)]

        page.get_by_role("button", name="Đăng xuất").click()
        expect(page.locator(".flash")).to_contain_text("Bạn đã đăng xuất.")
        log_in(page, live_server, PHONE_NUMBER, PASSWORD, shows=FULL_NAME)  # the phone number is a login too

        page.goto(f"{live_server.url}/rounds/{round_id}")
        page.get_by_role("button", name="Bắt đầu làm bài").click()
        page.wait_for_url(re.compile(r"/attempts/\d+$"))
        attempt_id = int(page.url.rsplit("/", 1)[1])
        questions = page.locator("fieldset.question[data-question-id]")
        expect(questions).to_have_count(10)
        for number in range(1, 11):
            with page.expect_response(lambda r: r.request.method == "PUT" and "/answers/" in r.url) as saved:
                page.locator(f"#q-{number} label.choice").nth(number % 4).click()
            assert saved.value.ok
        expect(page.locator("#answered-count")).to_have_text("Đã trả lời 10/10 câu")
        expect(page.locator("#save-status")).to_have_text("Đã lưu")
        assert stored(live_server, select(func.count()).select_from(Answer)) == [(10,)]

        page.get_by_role("button", name="Nộp bài").first.click()
        expect(page.locator("#submit-summary")).to_have_text("Bạn đã trả lời tất cả 10 câu.")
        page.click("#submit-confirm")
        page.wait_for_url(f"**/attempts/{attempt_id}/receipt")
        expect(page.get_by_role("heading", level=1)).to_have_text("Đã nộp bài")
        ((code, score, max_score, finished_by),) = stored(
            live_server, select(Attempt.receipt_code, Attempt.score, Attempt.max_score, Attempt.finished_by))
        assert (max_score, finished_by) == (10, "participant")
        expect(page.locator("#receipt-code")).to_have_text(code)
        expect(page.locator("#receipt-score")).to_have_text(f"{score}/10")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        assert page.errors == []
    finally:
        context.close()


def test_a_submit_before_the_check_is_done_waits_for_it(browser, live_server):
    """A quick typist presses the button while the check runs: the form goes once it is done."""
    with live_server.app.app_context():
        contest_id = demo.load(db.session)["contest_id"]
        contest = db.session.get(Contest, contest_id)
        contest.registration_open, contest.require_unit, contest.require_date_of_birth = True, False, False
        db.session.commit()
    live_server.app.config["CHALLENGE_MAX_NUMBER"] = 20_000  # long enough to click first
    context = browser.new_context(**PHONE)
    try:
        page = watch(context.new_page())
        page.goto(f"{live_server.url}/contests/{contest_id}/register")
        page.get_by_label("Họ và tên").fill(FULL_NAME)
        page.get_by_label("Số điện thoại di động").fill(PHONE_NUMBER)
        page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
        page.get_by_label("Nhập lại mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng ký").click()
        expect(page.locator(".flash")).to_contain_text("Đã tạo tài khoản 0987654321", timeout=30000)
        assert page.errors == []
    finally:
        context.close()


def test_without_javascript_the_form_says_it_needs_it(browser, live_server):
    with live_server.app.app_context():
        contest_id = demo.load(db.session)["contest_id"]
        db.session.get(Contest, contest_id).registration_open = True
        db.session.commit()
    context = browser.new_context(java_script_enabled=False, **PHONE)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/contests/{contest_id}/register")
        expect(page.locator("main")).to_contain_text("Biểu mẫu này cần JavaScript để xác minh bạn không phải máy")
        expect(page.locator("main")).to_contain_text("liên hệ ban tổ chức để được cấp tài khoản")
    finally:
        context.close()
