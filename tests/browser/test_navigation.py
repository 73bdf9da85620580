"""The site header in Chromium: on a 360 px phone a compact bar whose "Trình đơn" button shows and
hides the section links (mouse, touch and keyboard, Escape closes); at a desk every link is in
view and there is no button; without JavaScript nothing is folded away. The link of the section
being viewed carries aria-current="page" and looks different from the others.
"""
import pytest
from playwright.sync_api import expect

from contest.extensions import db
from tests.browser.support import contrast, watch
from tests.factories import PASSWORD, make_bank, make_round, make_user

PHONE = {"viewport": {"width": 360, "height": 780}, "locale": "vi-VN", "has_touch": True, "is_mobile": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "locale": "vi-VN"}
MAX_BAR_HEIGHT = 120  # two rows of 44 px targets: brand and button, then the name and "Đăng xuất"

STAFF = ["Quản lý cuộc thi", "Ngân hàng câu hỏi", "Đơn vị & thí sinh", "Nhật ký hoạt động"]
LINKS = {
    "organizer": ["Cuộc thi", *STAFF, "Kết quả"],
    "judge": ["Cuộc thi", "Kết quả"],
    "participant": ["Cuộc thi", "Bài thi của tôi"],
}
ALL = {name for names in LINKS.values() for name in names}
HOME = {"organizer": "/admin/", "judge": "/results/", "participant": "/"}
CURRENT = {"organizer": "Quản lý cuộc thi", "judge": "Kết quả", "participant": "Cuộc thi"}


@pytest.fixture
def site(live_server):
    with live_server.app.app_context():
        make_bank(4)
        round_ = make_round(questions=2)
        users = {
            "organizer": make_user(role="organizer", username="btc_nav", full_name="Ban tổ chức tỉnh"),
            "judge": make_user(role="judge", username="gk_nav", full_name="Ban giám khảo"),
            "participant": make_user(username="ts_nav", full_name="Lê Thị Phương Thảo"),
        }
        db.session.commit()
        return {"contest": round_.contest_id, "users": {role: user.username for role, user in users.items()}}


def log_in(page, live_server, username: str, next_path: str):
    page.goto(f"{live_server.url}/login?next={next_path}")
    page.get_by_label("Tên đăng nhập, số điện thoại hoặc email").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{live_server.url}{next_path}", timeout=15000)  # scrypt on a busy machine


def nav(page):
    return page.get_by_role("navigation", name="Điều hướng chính")


def link(page, name: str):
    return nav(page).get_by_role("link", name=name, exact=True)


def toggle(page):
    return page.get_by_role("button", name="Trình đơn")


def header_height(page) -> float:
    return page.locator(".site-header").bounding_box()["height"]


def current_links(page) -> list[str]:
    return [text.strip() for text in page.locator(".site-header a[aria-current=page]").all_inner_texts()]


@pytest.fixture
def phone(browser):
    context = browser.new_context(**PHONE)
    yield watch(context.new_page())
    context.close()


@pytest.mark.parametrize("role", ["organizer", "judge", "participant"])
def test_the_phone_header_is_a_compact_bar_whose_menu_shows_the_role_links(live_server, site, phone, role):
    page = phone
    log_in(page, live_server, site["users"][role], HOME[role])
    button = toggle(page)
    expect(button).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "false")
    assert button.get_attribute("aria-controls") == "site-nav"
    assert header_height(page) <= MAX_BAR_HEIGHT, f"thanh đầu trang cao {header_height(page)}px"
    for name in LINKS[role]:
        expect(link(page, name)).to_be_hidden()
    # who is logged in, and the way out, stay in the bar
    expect(page.locator(".site-header .who a")).to_be_visible()
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()

    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    for name in LINKS[role]:
        expect(link(page, name)).to_be_visible()
        box = link(page, name).bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, f"{name}: {box}"
    for name in ALL - set(LINKS[role]):
        expect(link(page, name)).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert current_links(page) == [CURRENT[role]]

    button.click()
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(link(page, LINKS[role][-1])).to_be_hidden()
    assert page.errors == []


def test_the_menu_by_keyboard_and_escape(live_server, site, phone):
    page = phone
    log_in(page, live_server, site["users"]["organizer"], "/admin/")
    button = toggle(page)
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Tab")  # the list follows the button
    expect(link(page, "Cuộc thi")).to_be_focused()
    page.keyboard.press("Tab")
    expect(link(page, "Quản lý cuộc thi")).to_be_focused()

    page.keyboard.press("Escape")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_be_focused()
    expect(link(page, "Quản lý cuộc thi")).to_be_hidden()

    page.keyboard.press("Space")
    expect(button).to_have_attribute("aria-expanded", "true")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # Ngân hàng câu hỏi
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/bank/")
    expect(toggle(page)).to_have_attribute("aria-expanded", "false")  # a new page starts folded
    assert current_links(page) == ["Ngân hàng câu hỏi"]

    # Escape with the menu closed, or from outside the header, leaves things alone
    page.keyboard.press("Escape")
    expect(toggle(page)).to_have_attribute("aria-expanded", "false")
    assert page.errors == []


def test_the_current_section_is_marked_and_stands_out(live_server, site, browser):
    context = browser.new_context(**DESKTOP)
    try:
        page = watch(context.new_page())
        log_in(page, live_server, site["users"]["organizer"], "/admin/")
        for path, current in [
            ("/admin/", "Quản lý cuộc thi"),
            (f"/admin/contests/{site['contest']}", "Quản lý cuộc thi"),
            (f"/contests/{site['contest']}/registration", "Quản lý cuộc thi"),
            ("/admin/audit", "Nhật ký hoạt động"),
            ("/bank/", "Ngân hàng câu hỏi"),
            ("/people/", "Đơn vị & thí sinh"),
            ("/results/", "Kết quả"),
            ("/", "Cuộc thi"),
            (f"/contests/{site['contest']}", "Cuộc thi"),
        ]:
            page.goto(f"{live_server.url}{path}")
            assert current_links(page) == [current], path
            assert link(page, current).get_attribute("aria-current") == "page"
        page.goto(f"{live_server.url}/account")
        assert current_links(page) == ["Ban tổ chức tỉnh"]

        page.goto(f"{live_server.url}/bank/")
        styles = page.evaluate("""() => [...document.querySelectorAll('.site-header nav a')].map(a => {
            const s = getComputedStyle(a);
            return {text: a.textContent.trim(), current: a.getAttribute('aria-current'), weight: Number(s.fontWeight),
                    thickness: s.textDecorationThickness, line: s.textDecorationLine, color: s.color,
                    behind: getComputedStyle(a.closest('.site-header')).backgroundColor};
        })""")
        marked = [s for s in styles if s["current"] == "page"]
        others = [s for s in styles if s["current"] is None]
        assert [s["text"] for s in marked] == ["Ngân hàng câu hỏi"]
        assert marked[0]["weight"] >= 700 and marked[0]["line"] == "underline" and marked[0]["thickness"] == "3px"
        assert all(s["weight"] < 700 and s["thickness"] != "3px" for s in others), others
        assert contrast(marked[0]["color"], marked[0]["behind"]) >= 4.5
        assert page.errors == []
    finally:
        context.close()


def test_at_a_desk_every_link_is_in_view_and_there_is_no_menu_button(live_server, site, browser):
    context = browser.new_context(**DESKTOP)
    try:
        page = watch(context.new_page())
        log_in(page, live_server, site["users"]["organizer"], "/admin/audit")
        expect(page.locator(".menu-toggle")).to_be_hidden()
        for name in LINKS["organizer"]:
            expect(link(page, name)).to_be_visible()
        expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()
        assert header_height(page) <= 64  # one row
        assert current_links(page) == ["Nhật ký hoạt động"]
        assert page.errors == []
    finally:
        context.close()


def test_without_javascript_nothing_is_folded_away(live_server, site, browser):
    context = browser.new_context(**PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, live_server, site["users"]["organizer"], "/admin/")
        expect(page.locator(".menu-toggle")).to_be_hidden()
        for name in LINKS["organizer"]:
            expect(link(page, name)).to_be_visible()
        expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
    finally:
        context.close()


def test_a_visitor_gets_no_menu_button(live_server, site, phone):
    """Logged out the bar holds only "Cuộc thi" and "Đăng nhập": nothing to fold."""
    page = phone
    page.goto(f"{live_server.url}/contests/{site['contest']}")
    expect(page.locator(".menu-toggle")).to_have_count(0)
    expect(link(page, "Cuộc thi")).to_be_visible()
    expect(link(page, "Đăng nhập")).to_be_visible()
    assert current_links(page) == ["Cuộc thi"]
    assert header_height(page) <= MAX_BAR_HEIGHT

