"""Staff journeys at a desk in Chromium: an organizer imports a Word bank, a judge downloads results."""
import io

from docx import Document
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import select

from contest.extensions import db
from contest.services.quiz import draw
from question_bank.models import Choice, Question
from tests.browser.support import stored
from tests.factories import PASSWORD, finish, make_bank, make_round, make_unit, make_user

DESKTOP = {"viewport": {"width": 1280, "height": 800}, "locale": "vi-VN", "accept_downloads": True}
FIRST = "Cơ quan nào tham mưu Chính phủ về công tác cải cách hành chính?"
SECOND = "Bộ phận Một cửa tiếp nhận hồ sơ của tổ chức, cá nhân ở đâu?"


def word_bank() -> bytes:
    """Two questions as a contest secretary types them: the correct choice in bold."""
    document = Document()
    document.add_paragraph(f"Câu 1: {FIRST}")
    document.add_paragraph("A. Bộ Tài chính")
    document.add_paragraph().add_run("B. Bộ Nội vụ").bold = True
    document.add_paragraph("C. Bộ Công an")
    document.add_paragraph(f"Câu 2: {SECOND}")
    document.add_paragraph().add_run("A. Tại Trung tâm Phục vụ hành chính công").bold = True
    document.add_paragraph("B. Tại nhà riêng của cán bộ")
    document.add_paragraph("C. Qua điện thoại cá nhân")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def log_in(page, live_server, username: str, next_path: str):
    page.goto(f"{live_server.url}/login?next={next_path}")
    page.get_by_label("Tên đăng nhập, số điện thoại hoặc email").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{live_server.url}{next_path}")


def test_organizer_imports_a_word_bank_through_the_preview(browser, live_server):
    with live_server.app.app_context():
        make_user(role="organizer", username="btc_word")
        db.session.commit()
    context = browser.new_context(**DESKTOP)
    try:
        page = context.new_page()
        log_in(page, live_server, "btc_word", "/bank/import")
        page.get_by_label("Tệp câu hỏi").set_input_files(
            {"name": "de-thi.docx", "buffer": word_bank(),
             "mimeType": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
        )
        page.get_by_role("button", name="Tải lên và xem trước").click()

        expect(page.get_by_role("heading", level=1)).to_have_text("Xem trước: de-thi.docx")
        questions = page.locator(".preview-question")
        expect(questions).to_have_count(2)
        expect(questions.nth(0)).to_contain_text(FIRST)
        expect(questions.nth(0).locator("li.correct")).to_have_text("B. Bộ Nội vụ (đáp án đúng)")
        expect(questions.nth(1).locator("li.correct")).to_have_text(
            "A. Tại Trung tâm Phục vụ hành chính công (đáp án đúng)")
        assert stored(live_server, select(Question.id)) == []  # nothing is saved before the confirmation

        page.get_by_role("button", name="Xác nhận lưu 2 câu hỏi").click()
        page.wait_for_url(f"{live_server.url}/bank/")
        expect(page.locator("main")).to_contain_text("Đã lưu 2 câu hỏi vào ngân hàng.")
        expect(page.locator("table.bank-list tbody tr")).to_have_count(2)
        saved = stored(live_server, select(Question.text, Choice.text).join(Choice).where(Choice.is_correct))
        assert sorted(saved) == sorted(
            [(FIRST, "Bộ Nội vụ"), (SECOND, "Tại Trung tâm Phục vụ hành chính công")])
    finally:
        context.close()


def test_judge_downloads_the_results_workbook(browser, live_server, tmp_path):
    with live_server.app.app_context():
        draw.clear_cache()
        make_bank(6)
        round_ = make_round(questions=4, title="Đợt thi tháng 12")
        unit = make_unit(name="Sở Tư pháp")
        finish(round_, make_user(full_name="Lê Thị Hoa", unit_id=unit.id), 4, max_score=4)
        finish(round_, make_user(full_name="Phạm Văn Nam", unit_id=unit.id), 2, max_score=4, submitted=5)
        make_user(role="judge", username="giamkhao1")
        db.session.commit()
        round_id = round_.id
    context = browser.new_context(**DESKTOP)
    try:
        page = context.new_page()
        log_in(page, live_server, "giamkhao1", f"/results/rounds/{round_id}")
        expect(page.locator("table.ranking tbody tr")).to_have_count(2)
        page.get_by_text("Tải kết quả").click()
        with page.expect_download() as info:
            page.get_by_role("link", name="Sổ kết quả Excel (.xlsx, 4 trang tính)").click()
        download = info.value
        assert download.suggested_filename.endswith(".xlsx")
        saved_as = tmp_path / download.suggested_filename
        download.save_as(saved_as)
        workbook = load_workbook(saved_as, read_only=True)
        try:
            assert workbook.sheetnames == [
                "Xếp hạng cá nhân", "Xếp hạng đơn vị", "Thống kê câu hỏi", "Thông tin"]
            rows = list(workbook["Xếp hạng cá nhân"].iter_rows(min_row=2, values_only=True))
            assert [(row[0], row[1]) for row in rows] == [(1, "Lê Thị Hoa"), (2, "Phạm Văn Nam")]
        finally:
            workbook.close()
    finally:
        context.close()
