"""Issue 16 point 8: a bank upload is parsed and planned once, at upload; the preview only reads
what was kept, page by page (errors and warnings first); the confirm stores the kept questions
all-or-nothing after checking duplicates against the bank as it is then."""
import io
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, update

from core import staging
from question_bank import staged_plan
from question_bank.models import Question
from tests.question_bank.sheets import HEADER, csv_text
from tests.support import csrf_token


def _rows(count: int, broken: int | None = None) -> bytes:
    rows = [HEADER]
    for number in range(1, count + 1):
        key = "E" if number == broken else "B"  # E: no such choice, an error at that row
        rows.append([f"Câu hỏi thử số {number} về cải cách hành chính ở cấp {number * 7}?", f"Một {number}",
                     f"Hai {number}", f"Ba {number}", "", key, "Bộ máy", "Dễ", "", ""])
    return csv_text(rows).encode("utf-8-sig")


def _upload(client, data: bytes) -> str:
    response = client.post("/bank/import", data={"csrf_token": csrf_token(client), "file": (io.BytesIO(data), "b.csv"),
                                                 "topic": ""}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"].rsplit("/", 1)[1]


def _count(db) -> int:
    db.rollback()
    return db.scalar(select(func.count()).select_from(Question))


def _spoil_staged_bytes(db, token: str) -> None:
    """What was uploaded is no longer parseable: only the kept plan can answer now."""
    db.execute(update(staging.StagedUpload).where(staging.StagedUpload.id == token).values(data=b"\x00garbage"))
    db.commit()


def test_preview_and_confirm_read_the_plan_kept_at_upload(client, db, organizer):
    token = _upload(client, _rows(3))
    _spoil_staged_bytes(db, token)
    html = client.get(f"/bank/import/{token}").get_data(as_text=True)
    assert "Câu hỏi thử số 2 về cải cách hành chính" in html and "Lỗi" in html
    assert "Xác nhận lưu 3 câu hỏi" in html
    confirmed = client.post(f"/bank/import/{token}/confirm", data={"csrf_token": csrf_token(client)})
    assert confirmed.status_code == 302 and confirmed.headers["Location"] == "/bank/"
    assert _count(db) == 3


def test_confirm_checks_duplicates_against_the_bank_as_it_is_then(client, db, organizer):
    first, second = _upload(client, _rows(3)), _upload(client, _rows(4))
    assert "Xác nhận lưu 4 câu hỏi" in client.get(f"/bank/import/{second}").get_data(as_text=True)
    client.post(f"/bank/import/{first}/confirm", data={"csrf_token": csrf_token(client)})
    assert _count(db) == 3
    confirmed = client.post(f"/bank/import/{second}/confirm", data={"csrf_token": csrf_token(client)})
    assert confirmed.status_code == 302 and _count(db) == 4, "three were in the bank by then: only one is new"
    assert "Bỏ qua 3 câu trùng." in client.get("/bank/").get_data(as_text=True)


def test_preview_is_paged_errors_first(client, db, organizer):
    token = _upload(client, _rows(250, broken=180))
    page1 = client.get(f"/bank/import/{token}").get_data(as_text=True)
    # The error is the first entry, then its question, then the others in file order.
    assert "<td>CSV, dòng 181</td><td>Đáp án E không có trong các phương án.</td>" in page1
    # Errors, then warnings (these texts are near-duplicates of each other), then the questions,
    # the one with the error first: 100 entries on a page.
    assert page1.index("dòng 181") < page1.index("Gần giống") < page1.index("Câu hỏi thử số 180 về")
    assert page1.index("Câu hỏi thử số 180 về") < page1.index("Câu hỏi thử số 1 về")
    assert page1.count("<tr><td>") + page1.count('class="card preview-question') == 100
    assert "Trang 1 / 3" in page1 and f"/bank/import/{token}?page=2" in page1
    page3 = client.get(f"/bank/import/{token}?page=3").get_data(as_text=True)
    assert "Câu hỏi thử số 250 về" in page3 and "Trang 3 / 3" in page3
    assert client.get(f"/bank/import/{token}?page=99").get_data(as_text=True).count("Trang 3 / 3") == 2
    assert _count(db) == 0


def test_the_kept_plan_round_trips(app, db):
    with app.app_context():
        plan = staged_plan.build(db, _rows(5, broken=2), "b.csv")
        db.rollback()
    again = staged_plan.load(staged_plan.dump(plan))
    assert list(again.questions) == plan.questions and again.errors == plan.errors and again.warnings == plan.warnings
    assert again.fresh == plan.fresh and again.order == plan.order and again.format == "csv"
    assert again.order[0] == 1  # the question with the error comes first


def test_a_page_decodes_only_the_chunks_it_shows(app, db, monkeypatch):
    monkeypatch.setattr(staged_plan, "CHUNK", 2)
    with app.app_context():
        plan = staged_plan.build(db, _rows(7), "b.csv")
        db.rollback()
    again = staged_plan.load(staged_plan.dump(plan))
    assert len(again.questions) == 7 and again.questions[6] == plan.questions[6]
    assert set(again.questions._decoded) == {3}
    page = staged_plan.preview_page(again, 1, 100)
    assert [entry.question for entry in page.entries if entry.kind == "question"] == [plan.questions[i] for i in plan.order]


def test_a_big_upload_is_planned_outside_the_request_with_a_progress_page(app, client, db, organizer, monkeypatch):
    started = []
    monkeypatch.setattr(staged_plan, "plan_in_background", lambda *args: started.append(args))
    app.config["BANK_PLAN_INLINE_BYTES"] = 100  # every test file is "big"
    token = _upload(client, _rows(3))
    assert [args[1:] for args in started] == [(token, _rows(3), "b.csv")], "the upload only staged the file"
    waiting = client.get(f"/bank/import/{token}")
    assert waiting.status_code == 202 and waiting.headers["Refresh"] == "3"
    assert "Đang đọc tệp: b.csv" in waiting.get_data(as_text=True)
    staged_plan.plan_and_keep(*started[0])  # what the background thread runs
    html = client.get(f"/bank/import/{token}").get_data(as_text=True)
    assert "Xác nhận lưu 3 câu hỏi" in html


def test_the_background_thread_keeps_the_plan(app, client, db, organizer, monkeypatch):
    threads = []
    real = staged_plan.plan_in_background
    monkeypatch.setattr(staged_plan, "plan_in_background", lambda *args: threads.append(real(*args)))
    app.config["BANK_PLAN_INLINE_BYTES"] = 100
    token = _upload(client, _rows(3))
    threads[0].join(timeout=30)
    assert "Xác nhận lưu 3 câu hỏi" in client.get(f"/bank/import/{token}").get_data(as_text=True)


def test_a_plan_lost_with_its_worker_asks_for_the_file_again(app, client, db, organizer, monkeypatch):
    monkeypatch.setattr(staged_plan, "plan_in_background", lambda *args: None)  # the worker died
    app.config["BANK_PLAN_INLINE_BYTES"] = 100
    token = _upload(client, _rows(3))
    db.execute(update(staging.StagedUpload).where(staging.StagedUpload.id == token)
               .values(created_at=staging.now_utc() - staged_plan.PLAN_LIMIT - timedelta(seconds=1)))
    db.commit()
    response = client.get(f"/bank/import/{token}")
    assert response.status_code == 302 and response.headers["Location"] == "/bank/import"
    assert "hãy tải lên lại" in client.get("/bank/import").get_data(as_text=True)


def test_the_preview_never_parses_in_its_request():
    """Guard: the bank's views read the kept plan; only staged_plan.build (at upload or in its
    background thread) calls the importers."""
    views = (Path(__file__).resolve().parents[2] / "question_bank" / "views.py").read_text()
    assert "parse_file" not in views and "plan_import" not in views


def test_a_row_staged_without_a_plan_is_planned_on_its_preview(client, db, organizer):
    """Rows staged before plans were kept (the hour after the upgrade) still preview and confirm."""
    staged = staging.stage(db, _rows(2), kind="bank", user_id=organizer.id, filename="b.csv")
    db.commit()
    assert "Xác nhận lưu 2 câu hỏi" in client.get(f"/bank/import/{staged.token}").get_data(as_text=True)
    client.post(f"/bank/import/{staged.token}/confirm", data={"csrf_token": csrf_token(client)})
    assert _count(db) == 2
