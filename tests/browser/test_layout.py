"""Every main page of each role, on a 360 × 740 phone in Chromium: nothing scrolls sideways and
every control a thumb has to hit is at least 44 × 44 px (WCAG 2.5.5, the size the issue asks for).

The data is deliberately long-winded Vietnamese (long contest, unit and question names, a long
email address) because that is what breaks a narrow layout. All problems of a role are gathered
and reported together, each naming its page and element.
"""
import re

import pytest
from playwright.sync_api import expect

from contest.extensions import db
from contest.services import audit
from contest.services.quiz import attempts
from contest.services.users import registration
from tests.factories import PASSWORD, finish, make_contest, make_question, make_round, make_unit, make_user

PHONE = {"viewport": {"width": 360, "height": 740}, "locale": "vi-VN", "has_touch": True, "is_mobile": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "locale": "vi-VN"}
MIN_TARGET = 44

CONTEST = "Cuộc thi tìm hiểu về cải cách hành chính nhà nước và chuyển đổi số tỉnh Quảng Ninh năm 2026"
UNIT = "Trung tâm Phục vụ hành chính công và Kiểm soát thủ tục hành chính tỉnh Quảng Ninh"
EMAIL = "nguyenthithuhuong.trungtamphucvuhanhchinhcong@quangninh.gov.vn"

# What a page must satisfy, measured in the page itself. Controls: buttons (also <input type=submit>
# and links styled as buttons), links in the site and section navigation, the quiz palette, radio
# and checkbox labels, disclosure summaries. Inline links inside sentences are exempt (WCAG 2.5.8).
CHECK_PAGE = """([minimum, width]) => {
  const problems = [];
  const describe = (el) => {
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().replace(/\\s+/g, ' ');
    return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
      (text ? ' “' + text.slice(0, 40) + '”' : '');
  };
  // A phone zooms out to show content wider than the screen, which widens innerWidth itself:
  // so both must stay at the screen's width.
  const doc = document.documentElement;
  if (doc.scrollWidth > window.innerWidth || window.innerWidth > width) {
    problems.push(`trang rộng ${doc.scrollWidth}px, innerWidth ${window.innerWidth}px > ${width}px`);
    const scrolls = (el) => {
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
        const o = getComputedStyle(p).overflowX;
        if (o === 'auto' || o === 'scroll' || o === 'hidden') return true;
      }
      return false;
    };
    const wide = [...document.body.querySelectorAll('*')]
      .filter(el => el.checkVisibility() && el.getBoundingClientRect().right > width + 0.5 && !scrolls(el));
    // text spilling out of a box that itself fits (a long e-mail address, a long word)
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (!node.textContent.trim() || !parent.checkVisibility() || scrolls(node)) continue;
      range.selectNodeContents(node);
      if (range.getBoundingClientRect().right > width + 0.5 && !wide.includes(parent)) wide.push(parent);
    }
    // the innermost offenders say most
    wide.filter(el => !wide.some(other => other !== el && el.contains(other))).slice(0, 5)
        .forEach(el => problems.push(`tràn: ${describe(el)} (right ${Math.round(el.getBoundingClientRect().right)}px)`));
  }
  const controls = document.querySelectorAll(
    'button, input[type=submit], input[type=button], a.button, nav a, .tabs a, ' +
    '.palette-item, summary');
  const choiceLabels = [...document.querySelectorAll('label')]
    .filter(label => label.control && (label.control.type === 'radio' || label.control.type === 'checkbox'));
  for (const el of [...controls, ...choiceLabels]) {
    if (!el.checkVisibility({visibilityProperty: true})) continue;
    const box = el.getBoundingClientRect();
    if (box.height < minimum - 0.5 || box.width < minimum - 0.5) {
      problems.push(`nhỏ: ${describe(el)} ${Math.round(box.width)}×${Math.round(box.height)}px`);
    }
  }
  return problems;
}"""


def check(page, name: str) -> list[str]:
    width = page.viewport_size["width"]
    return [f"{name} ({page.url}): {problem}" for problem in page.evaluate(CHECK_PAGE, [MIN_TARGET, width])]


def log_in(page, live_server, username: str):
    page.goto(f"{live_server.url}/login")
    page.get_by_label("Tên đăng nhập, số điện thoại hoặc email").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator("form[action$='/logout']")).to_have_count(1, timeout=15000)  # scrypt on a busy machine


def visit(page, live_server, path: str, name: str) -> list[str]:
    response = page.goto(f"{live_server.url}{path}")
    assert response.status == 200, f"{name}: {path} → {response.status}"
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    return check(page, name)


@pytest.fixture
def site(live_server):
    """A contest as a province would run it, one participant half-way through a round."""
    with live_server.app.app_context():
        parent = make_unit(name="Ủy ban nhân dân tỉnh Quảng Ninh", code="UBND-QN")
        unit = make_unit(name=UNIT, code="TTPVHCC-QN", parent_id=parent.id)
        for n in range(14):
            make_question(
                text=(f"Theo Nghị quyết số 76/NQ-CP ngày 15/7/2021 của Chính phủ, nội dung nào sau đây thuộc "
                      f"nhiệm vụ cải cách thủ tục hành chính trong giai đoạn 2021–2030 (câu {n + 1})?"),
                choices=[
                    "Đẩy mạnh cung cấp dịch vụ công trực tuyến toàn trình, nâng cao chất lượng giải quyết thủ tục",
                    "Rà soát, đơn giản hóa thủ tục hành chính nội bộ giữa các cơ quan hành chính nhà nước",
                    "Tăng thêm giấy tờ công dân phải nộp khi thực hiện thủ tục",
                    "Cả hai phương án đầu đều đúng",
                ],
                topic="Cải cách thủ tục hành chính",
            )
        contest = make_contest(name=CONTEST, description="Tìm hiểu Chương trình tổng thể cải cách hành chính "
                               "nhà nước giai đoạn 2021–2030 và Đề án 06 về chuyển đổi số.")
        registration.update_settings(contest, is_open=True, required={"phone", "unit_id"})
        taking = make_round(contest, questions=10, title="Tuần 1: Chương trình tổng thể cải cách hành chính "
                            "nhà nước giai đoạn 2021–2030", show_score=True, max_attempts=3)
        done = make_round(contest, questions=4, title="Tuần 0: Làm quen với hệ thống thi trực tuyến",
                          show_score=True)
        participant = make_user(username="thuhuong", full_name="Nguyễn Thị Thu Hương", unit_id=unit.id,
                                email=EMAIL, phone="0912345678")
        grace = live_server.app.config["SUBMIT_GRACE_SECONDS"]
        in_progress = attempts.start(db.session, taking, participant, grace_seconds=grace).attempt
        finished = attempts.start(db.session, done, participant, grace_seconds=grace).attempt
        attempts.submit(db.session, finished, prediction=12, answers=None, grace_seconds=grace)
        for n, score in enumerate((10, 9, 9, 7, 4)):
            person = make_user(full_name=f"Trần Văn Quảng Ninh Số {n + 1}", unit_id=unit.id)
            finish(taking, person, score, prediction=40 + n, submitted=n)
        organizer = make_user(role="organizer", username="btc_layout")
        judge = make_user(role="judge", username="gk_layout")
        for n in range(55):  # more than a page: the audit log shows its pager
            audit.record(db.session, "registration_settings_updated", user_id=organizer.id, target=CONTEST,
                         details={"contest_id": contest.id, "open": n % 2 == 0}, ip="203.113.130.1")
        db.session.commit()
        return {"contest": contest.id, "round": taking.id, "done": done.id,
                "question": finished.questions[0].question_id, "attempt": in_progress.id,
                "receipt": finished.id, "organizer": organizer.username, "judge": judge.username}


@pytest.fixture
def phone(browser):
    context = browser.new_context(**PHONE)
    yield context.new_page()
    context.close()


def test_participant_pages_fit_a_phone(live_server, site, phone):
    page = phone
    problems = visit(page, live_server, "/login", "đăng nhập")
    problems += visit(page, live_server, f"/contests/{site['contest']}/register", "đăng ký dự thi")
    problems += visit(page, live_server, f"/contests/{site['contest']}", "trang cuộc thi (khách)")
    log_in(page, live_server, "thuhuong")
    problems += visit(page, live_server, "/", "trang chủ thí sinh")
    page.locator("details.my-attempts summary").first.click()
    problems += check(page, "trang chủ thí sinh, lượt thi mở ra")
    problems += visit(page, live_server, f"/contests/{site['contest']}", "trang cuộc thi")
    problems += visit(page, live_server, f"/rounds/{site['round']}", "thể lệ đợt thi")

    problems += visit(page, live_server, f"/attempts/{site['attempt']}", "bài thi")
    expect(page.locator(".palette-item")).to_have_count(10)
    page.locator("#q-3 label.choice").first.click()
    expect(page.locator("#save-status")).to_have_text("Đã lưu")
    page.click("#submit-button")
    expect(page.locator("#submit-dialog")).to_be_visible()
    problems += check(page, "hộp xác nhận nộp bài")
    page.click("#submit-cancel")

    problems += visit(page, live_server, f"/attempts/{site['attempt']}/confirm", "xác nhận nộp bài (không JS)")
    problems += visit(page, live_server, f"/attempts/{site['receipt']}/receipt", "biên nhận")
    problems += visit(page, live_server, "/account", "tài khoản")
    assert not problems, "\n".join(problems)


def test_organizer_pages_fit_a_phone(live_server, site, phone):
    page = phone
    log_in(page, live_server, site["organizer"])
    problems = []
    for path, name in [
        ("/admin/", "quản lý cuộc thi"),
        (f"/admin/contests/{site['contest']}", "cuộc thi"),
        (f"/admin/contests/{site['contest']}/rounds/new", "tạo đợt thi"),
        (f"/admin/rounds/{site['round']}/edit", "sửa đợt thi"),
        (f"/contests/{site['contest']}/registration", "cài đặt đăng ký"),
        ("/bank/", "ngân hàng câu hỏi"),
        ("/bank/import", "tải lên ngân hàng"),
        (f"/bank/questions/{site['question']}/edit", "sửa câu hỏi"),
        ("/people/", "đơn vị và thí sinh"),
        ("/people/units", "cây đơn vị"),
        ("/people/participants", "danh sách thí sinh"),
        ("/people/participants/import", "nhập thí sinh"),
        ("/admin/audit", "nhật ký hoạt động"),
    ]:
        problems += visit(page, live_server, path, name)
    expect(page.locator("nav.pager a")).to_have_count(1)  # the audit log's "next page" is measured too
    page.get_by_role("button", name="Trình đơn").click()
    expect(page.get_by_role("link", name="Ngân hàng câu hỏi")).to_be_visible()
    problems += check(page, "trình đơn mở ra")  # the section links, now in view
    assert not problems, "\n".join(problems)


def test_judge_pages_fit_a_phone(live_server, site, phone):
    page = phone
    log_in(page, live_server, site["judge"])
    problems = []
    for path, name in [
        ("/results/", "kết quả"),
        (f"/results/rounds/{site['round']}", "xếp hạng đợt thi"),
        (f"/results/rounds/{site['round']}/units", "xếp hạng đơn vị"),
        (f"/results/rounds/{site['round']}/prizes", "giải thưởng"),
        (f"/results/rounds/{site['round']}/items", "thống kê câu hỏi"),
        (f"/results/rounds/{site['round']}/charts", "biểu đồ"),
        (f"/results/contests/{site['contest']}", "kết quả cuộc thi"),
    ]:
        problems += visit(page, live_server, path, name)
    page.goto(f"{live_server.url}/results/rounds/{site['round']}")
    page.locator("details summary").first.click()
    problems += check(page, "xếp hạng đợt thi, tải kết quả mở ra")
    assert not problems, "\n".join(problems)


def test_wide_tables_scroll_inside_their_own_box(live_server, site, phone):
    """A ranking wider than the phone scrolls in its wrapper, the page itself stays put."""
    page = phone
    log_in(page, live_server, site["judge"])
    page.goto(f"{live_server.url}/results/rounds/{site['round']}")
    table = page.locator("table.ranking")
    expect(table.locator("tbody tr")).to_have_count(5)
    wrapper = table.locator("xpath=..")
    assert wrapper.evaluate("el => getComputedStyle(el).overflowX") in ("auto", "scroll")
    sizes = wrapper.evaluate("el => [el.scrollWidth, el.clientWidth, el.getBoundingClientRect().right]")
    assert sizes[2] <= 360
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert re.search(r"\d", table.locator("tbody tr").first.inner_text())


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_timer_stays_in_view_down_to_the_last_question(live_server, site, browser, viewport):
    context = browser.new_context(**viewport)
    try:
        page = context.new_page()
        log_in(page, live_server, "thuhuong")
        page.goto(f"{live_server.url}/attempts/{site['attempt']}")
        last = page.locator("fieldset.question[data-question-id]").last
        expect(last).to_have_attribute("id", "q-10")
        last.locator("label.choice").last.click()  # a thumb at the bottom of the page
        expect(page.locator("#answered-count")).to_have_text("Đã trả lời 1/10 câu")
        page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        height = viewport["viewport"]["height"]
        assert page.evaluate("window.scrollY") > height  # the page really moved
        box = page.locator("#countdown").bounding_box()  # relative to the viewport
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height, box
        on_top = page.evaluate("""() => {
            const r = document.getElementById('countdown').getBoundingClientRect();
            const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            return !!hit && hit.closest('#countdown') !== null;
        }""")
        assert on_top, "đồng hồ bị che"
        expect(page.locator("#countdown")).to_have_text(re.compile(r"^\d\d:\d\d$"))
    finally:
        context.close()
