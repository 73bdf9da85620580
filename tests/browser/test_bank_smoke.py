"""An organizer uploads a small workbook through the real form, checks the preview, confirms.

Without JavaScript: the bank's pages are plain forms and must work on any phone.
"""
from contest.extensions import db
from tests.factories import PASSWORD, make_user
from tests.question_bank.sheets import HEADER, xlsx

STEM = "Ai ký Nghị quyết 76/NQ-CP về Chương trình tổng thể cải cách hành chính?"


def test_organizer_uploads_previews_confirms_and_finds_the_question(browser, live_server):
    with live_server.app.app_context():
        make_user(role="organizer", username="btc_trinhduyet")
        db.session.commit()
    workbook = xlsx([HEADER, [STEM, "Thủ tướng Chính phủ", "Chủ tịch nước", "Bộ trưởng Bộ Nội vụ", "",
                              "A", "Cải cách thể chế", "Trung bình", "Nghị quyết 76/NQ-CP", ""]])

    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/login?next=/bank/import")
        page.get_by_label("Tên đăng nhập, số điện thoại hoặc email").fill("btc_trinhduyet")
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        assert page.url.endswith("/bank/import")

        page.get_by_label("Tệp câu hỏi").set_input_files(
            {"name": "ngan-hang.xlsx", "buffer": workbook,
             "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        )
        page.get_by_role("button", name="Tải lên và xem trước").click()

        assert "/bank/import/" in page.url
        assert page.get_by_role("heading", level=1).inner_text() == "Xem trước: ngan-hang.xlsx"
        question = page.locator(".preview-question")
        assert question.count() == 1
        assert STEM in question.inner_text()
        assert "Cải cách thể chế" in question.inner_text()
        correct = question.locator("li.correct")
        assert correct.count() == 1 and "Thủ tướng Chính phủ" in correct.inner_text()
        # Highlighted for the eye, not only by a class name.
        assert correct.evaluate("el => getComputedStyle(el).backgroundColor") not in ("rgba(0, 0, 0, 0)", "transparent")

        page.get_by_role("button", name="Xác nhận lưu 1 câu hỏi").click()
        assert page.url == f"{live_server.url}/bank/"
        assert "Đã lưu 1 câu hỏi vào ngân hàng." in page.locator("main").inner_text()
        listed = page.locator("table.bank-list tbody tr")
        assert listed.count() == 1 and STEM in listed.inner_text()

        page.get_by_label("Tìm theo nội dung").fill("chuong trinh tong the")
        page.get_by_role("button", name="Lọc").click()
        assert page.locator("table.bank-list tbody tr").count() == 1
    finally:
        context.close()
