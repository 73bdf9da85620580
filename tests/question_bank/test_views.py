"""The organizer pages at /bank: upload → preview → confirm, browse, search, filters, edit, retire."""
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from docx import Document
from sqlalchemy import func, select

from contest.models import AuditLog
from contest.services.quiz import attempts, draw
from core import staging
from core.db import now_utc
from question_bank.models import Choice, Question
from tests.support import csrf_token
from tests.factories import PASSWORD, make_question, make_round, make_user
from tests.question_bank.sheets import HEADER, ROW, csv_text, xlsx

ROOT = Path(__file__).resolve().parents[2]

AIKEN = """Cơ quan nào tham mưu Chính phủ về cải cách hành chính?
A. Bộ Tài chính
B. Bộ Nội vụ
C. Bộ Công an
ANSWER: B
"""
AIKEN_WITH_ERROR = AIKEN + """
Câu hỏi có đáp án không tồn tại?
A. Một
B. Hai
ANSWER: E
"""
GIFT = "::Q1:: Cơ quan nào tham mưu Chính phủ về cải cách hành chính? {~Bộ Tài chính =Bộ Nội vụ ~Bộ Công an}\n"


def _docx() -> bytes:
    document = Document()
    document.add_paragraph("Câu 1: Cơ quan nào tham mưu Chính phủ về cải cách hành chính?")
    document.add_paragraph("A. Bộ Tài chính")
    document.add_paragraph().add_run("B. Bộ Nội vụ").bold = True
    document.add_paragraph("C. Bộ Công an")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _xlsx() -> bytes:
    return xlsx([HEADER, ["Cơ quan nào tham mưu Chính phủ về cải cách hành chính?", "Bộ Tài chính", "Bộ Nội vụ",
                          "Bộ Công an", "", "B", "Bộ máy", "Dễ", "", ""]])


def _csv() -> bytes:
    return csv_text([HEADER, ["Cơ quan nào tham mưu Chính phủ về cải cách hành chính?", "Bộ Tài chính", "Bộ Nội vụ",
                              "Bộ Công an", "", "B", "Bộ máy", "Dễ", "", ""]]).encode("utf-8-sig")


FILES = {
    "docx": ("nganhang.docx", _docx),
    "xlsx": ("nganhang.xlsx", _xlsx),
    "csv": ("nganhang.csv", _csv),
    "aiken": ("nganhang.txt", lambda: AIKEN.encode()),
    "gift": ("nganhang.gift", lambda: GIFT.encode()),
}
STEM = "Cơ quan nào tham mưu Chính phủ về cải cách hành chính?"


# --- helpers ---------------------------------------------------------------------------------

def upload(client, data: bytes, filename: str, topic: str = ""):
    return client.post(
        "/bank/import",
        data={"csrf_token": csrf_token(client), "file": (io.BytesIO(data), filename), "topic": topic},
        content_type="multipart/form-data",
    )


def staged_token(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.fullmatch(r"/bank/import/([A-Za-z0-9_-]{43})", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def question_count(db) -> int:
    db.rollback()
    return db.scalar(select(func.count()).select_from(Question))


def text(response) -> str:
    return response.get_data(as_text=True)


def highlighted(html: str) -> list[str]:
    """The choices the page marks as correct, as 'B. text'."""
    return [
        f"{letter} {body.strip()}"
        for letter, body in re.findall(r'<li class="correct"><span class="letter">(\w\.)</span>([^<]*)', html)
    ]


def staged_uploads(db) -> list[staging.StagedUpload]:
    db.rollback()  # see what the requests committed
    return list(db.scalars(select(staging.StagedUpload).order_by(staging.StagedUpload.created_at)))


# --- upload, preview, confirm ----------------------------------------------------------------

@pytest.mark.parametrize("fmt", list(FILES))
def test_upload_previews_then_confirm_stores(fmt, client, db, organizer):
    filename, build = FILES[fmt]
    token_ = staged_token(upload(client, build(), filename))

    preview = client.get(f"/bank/import/{token_}")
    html = text(preview)
    assert preview.status_code == 200
    assert STEM in html
    assert highlighted(html) == ["B. Bộ Nội vụ"]
    assert "Câu hỏi đọc được" in html and f"/bank/import/{token_}/confirm" in html
    assert question_count(db) == 0, "nothing is stored before the confirmation"

    confirmed = client.post(f"/bank/import/{token_}/confirm", data={"csrf_token": csrf_token(client)})
    assert confirmed.status_code == 302 and confirmed.headers["Location"] == "/bank/"
    stored = db.scalar(select(Question))
    assert stored.text == STEM and stored.correct_choice.text == "Bộ Nội vụ"
    assert db.scalar(select(AuditLog).where(AuditLog.action == "questions_imported")).user_id == organizer.id
    assert "Đã lưu 1 câu hỏi vào ngân hàng." in text(client.get("/bank/"))
    # The staged file is gone once stored: the same token cannot store twice.
    assert client.get(f"/bank/import/{token_}").status_code == 404


def test_preview_shows_topic_difficulty_and_default_topic(client, db, organizer):
    token_ = staged_token(upload(client, AIKEN.encode(), "bank.txt", topic="Tổ chức bộ máy"))
    html = text(client.get(f"/bank/import/{token_}"))
    assert "Chủ đề: Tổ chức bộ máy" in html.replace("</span>", "")
    client.post(f"/bank/import/{token_}/confirm", data={"csrf_token": csrf_token(client)})
    assert db.scalar(select(Question)).topic.name == "Tổ chức bộ máy"

    token_ = staged_token(upload(client, _xlsx(), "bank.xlsx"))
    html = text(client.get(f"/bank/import/{token_}"))
    assert "Bộ máy" in html and "Dễ" in html


def test_file_with_errors_lists_them_with_places_and_cannot_be_confirmed(client, db, organizer, app):
    token_ = staged_token(upload(client, AIKEN_WITH_ERROR.encode(), "bank.txt"))
    html = text(client.get(f"/bank/import/{token_}"))
    assert "Tệp có lỗi nên không thể lưu." in html
    assert re.search(r"<td>Câu 2</td><td>Đáp án E không có trong các phương án.</td>", html)
    assert "Lỗi:</strong> Đáp án E không có trong các phương án." in html
    assert f"/bank/import/{token_}/confirm" not in html
    assert highlighted(html) == ["B. Bộ Nội vụ"], "the good question still shows its key"

    forced = client.post(f"/bank/import/{token_}/confirm", data={"csrf_token": csrf_token(client)})
    assert forced.status_code == 302 and forced.headers["Location"] == f"/bank/import/{token_}"
    assert "chưa câu hỏi nào được lưu" in text(client.get(forced.headers["Location"]))
    assert question_count(db) == 0


def test_xlsx_errors_name_sheet_and_row(client, db, organizer):
    data = xlsx([HEADER, ROW, ["Câu thiếu đáp án?", "Một", "Hai", "", "", "", "", "", "", ""]])
    html = text(client.get(f"/bank/import/{staged_token(upload(client, data, 'bank.xlsx'))}"))
    assert "<td>Sheet1, dòng 3</td><td>Thiếu đáp án (ô “Đáp án” để trống).</td>" in html
    assert question_count(db) == 0


def test_duplicates_are_shown_and_skipped(client, db, organizer):
    make_question(text=STEM, choices=["Bộ Tài chính", "Bộ Nội vụ", "Bộ Công an"], correct=1)
    db.commit()
    token_ = staged_token(upload(client, AIKEN.encode(), "bank.txt"))
    html = text(client.get(f"/bank/import/{token_}"))
    assert "Trùng, sẽ bỏ qua" in html and "Trùng với câu hỏi đã có trong ngân hàng" in html
    response = client.post(f"/bank/import/{token_}/confirm", data={"csrf_token": csrf_token(client)})
    assert "Không có câu hỏi mới nào được lưu (1 câu trùng với ngân hàng)." in text(client.get(response.headers["Location"]))
    assert question_count(db) == 1


def test_unreadable_file_is_an_error_not_a_crash(client, db, organizer):
    html = text(client.get(f"/bank/import/{staged_token(upload(client, b'%PDF-1.4 rubbish', 'bank.pdf'))}"))
    assert "Tệp PDF không được hỗ trợ" in html and "<td>Tệp</td>" in html


@pytest.mark.parametrize(
    "data, message",
    [(None, "Hãy chọn tệp câu hỏi để tải lên."), (b"", "Tệp tải lên rỗng (0 byte).")],
)
def test_upload_form_errors(client, db, organizer, app, data, message):
    form = {"csrf_token": csrf_token(client)}
    if data is not None:
        form["file"] = (io.BytesIO(data), "empty.docx")
    response = client.post("/bank/import", data=form, content_type="multipart/form-data")
    assert response.status_code == 400 and message in text(response)
    assert staged_uploads(db) == []


def test_oversized_upload_refused_in_vietnamese(client, db, organizer, app):
    # The multipart body is built here: werkzeug's test client would spool a body this big to a
    # temporary file it never closes (a ResourceWarning, an error under filterwarnings=error).
    boundary = "----bienGioi"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{csrf_token(client)}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode() + b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1) + f"\r\n--{boundary}--\r\n".encode()
    response = client.post("/bank/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413
    assert "Tệp tải lên vượt quá giới hạn 20 MB." in text(response)
    assert staged_uploads(db) == [] and question_count(db) == 0


def test_another_users_token_is_404(app, client, db, organizer):
    token_ = staged_token(upload(client, AIKEN.encode(), "bank.txt"))
    make_user(role="organizer", username="btc02")
    db.commit()
    other = app.test_client()
    other.post("/login", data={"username": "btc02", "password": PASSWORD, "csrf_token": csrf_token(other)})
    assert other.get(f"/bank/import/{token_}").status_code == 404
    assert other.post(f"/bank/import/{token_}/confirm", data={"csrf_token": csrf_token(other)}).status_code == 404
    assert other.post(f"/bank/import/{token_}/discard", data={"csrf_token": csrf_token(other)}).status_code == 404
    assert question_count(db) == 0
    assert client.get(f"/bank/import/{token_}").status_code == 200, "the uploader still has it"


@pytest.mark.parametrize("bad", ["abc", "A" * 43, "..%2F..%2Fsecret_key", "%2E%2E"])
def test_unknown_or_forged_tokens_are_404(client, organizer, bad):
    assert client.get(f"/bank/import/{bad}").status_code == 404


def test_staged_upload_expires_after_an_hour(client, db, organizer, app):
    with time_machine.travel(now_utc(), tick=False) as traveller:
        token_ = staged_token(upload(client, AIKEN.encode(), "bank.txt"))
        traveller.shift(timedelta(minutes=59))
        assert client.get(f"/bank/import/{token_}").status_code == 200
        traveller.shift(timedelta(minutes=1))
        response = client.post(f"/bank/import/{token_}/confirm", data={"csrf_token": csrf_token(client)})
        assert response.status_code == 302 and response.headers["Location"] == "/bank/import"
        assert "quá 1 giờ" in text(client.get("/bank/import"))
    assert staged_uploads(db) == [] and question_count(db) == 0


def test_expired_uploads_of_others_are_purged(client, db, organizer, app):
    with time_machine.travel(now_utc(), tick=False) as traveller:
        staged_token(upload(client, AIKEN.encode(), "bank.txt"))
        traveller.shift(timedelta(hours=2))
        staged_token(upload(client, AIKEN.encode(), "again.txt"))
    assert len(staged_uploads(db)) == 1, "only the new upload is left"


def test_discard_removes_the_staged_file(client, db, organizer, app):
    token_ = staged_token(upload(client, AIKEN.encode(), "bank.txt"))
    response = client.post(f"/bank/import/{token_}/discard", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert staged_uploads(db) == [] and question_count(db) == 0


def test_staged_token_is_unguessable_and_upload_private(client, db, organizer, app):
    token_ = staged_token(upload(client, AIKEN.encode(), "../../etc/passwd"))
    assert len(token_) == 43
    [row] = staged_uploads(db)
    assert (row.id, row.kind, row.user_id, row.filename, row.data) == (token_, "bank", organizer.id, "passwd",
                                                                        AIKEN.encode())
    assert staging.load(db, token_, kind="bank", user_id=-1) is None


def test_csrf_is_enforced(client, db, organizer, app):
    refused = client.post(
        "/bank/import", data={"file": (io.BytesIO(AIKEN.encode()), "bank.txt")}, content_type="multipart/form-data"
    )
    assert refused.status_code == 400 and "Phiên làm việc đã hết hạn" in text(refused)
    assert staged_uploads(db) == []
    token_ = staged_token(upload(client, AIKEN.encode(), "bank.txt"))
    assert client.post(f"/bank/import/{token_}/confirm").status_code == 400
    question = make_question()
    db.commit()
    assert client.post(f"/bank/questions/{question.id}/retire").status_code == 400
    assert question_count(db) == 1 and db.get(Question, question.id).status == "active"


# --- access ----------------------------------------------------------------------------------

PAGES = [("get", "/bank/"), ("get", "/bank/import"), ("get", "/bank/questions/{id}/edit"),
         ("post", "/bank/questions/{id}/retire"), ("post", "/bank/questions/{id}/reactivate")]


@pytest.mark.parametrize("role", ["participant", "judge"])
def test_participants_and_judges_get_403(client, auth, db, role):
    question = make_question()
    make_user(role=role, username="khach")
    db.commit()
    auth.login("khach")
    for method, path in PAGES:
        data = {"csrf_token": csrf_token(client)} if method == "post" else None
        response = getattr(client, method)(path.format(id=question.id), data=data)
        assert response.status_code == 403, path
    assert db.get(Question, question.id).status == "active"


def test_anonymous_is_sent_to_login(client, db):
    question = make_question()
    db.commit()
    for method, path in PAGES[:3]:
        response = getattr(client, method)(path.format(id=question.id))
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_admin_may_use_the_bank(client, auth, db):
    make_user(role="admin", username="quantri")
    db.commit()
    auth.login("quantri")
    assert client.get("/bank/").status_code == 200
    assert client.get("/bank/import").status_code == 200


# --- browse, search, filters, counts ---------------------------------------------------------

def rows(html: str) -> list[int]:
    """Question ids listed, in page order."""
    return [int(i) for i in re.findall(r'href="/bank/questions/(\d+)/edit"', html)]


def test_search_without_diacritics_finds_vietnamese(client, db, organizer):
    reform = make_question(text="Cải cách thủ tục hành chính nhằm mục tiêu gì?")
    digital = make_question(text="Chính phủ số là gì?", choices=["Đổi mới", "Giữ nguyên", "Bỏ qua", "Khác"])
    tones = make_question(text="Bổ sung quy định nào?")
    db.commit()
    assert rows(text(client.get("/bank/?q=cai+cach+thu+tuc"))) == [reform.id]
    assert rows(text(client.get("/bank/?q=CẢI+CÁCH"))) == [reform.id]
    assert rows(text(client.get("/bank/?q=doi+moi"))) == [digital.id], "choices are searched too"
    assert rows(text(client.get("/bank/?q=b%E1%BB%99"))) == [], "typed with diacritics: 'bộ' is not 'bổ'"
    assert rows(text(client.get("/bank/?q=bo+sung"))) == [tones.id]
    assert rows(text(client.get(f"/bank/?q=%23{digital.id}"))) == [digital.id]
    assert "Không có câu hỏi nào khớp điều kiện lọc." in text(client.get("/bank/?q=khong+co+dau"))


@pytest.mark.parametrize("field", ["topic", "difficulty", "source", "status"])
def test_filters(client, db, organizer, field):
    wanted = make_question(topic="Dịch vụ công", difficulty="hard", source="Nghị quyết 76/NQ-CP", status="retired")
    other = make_question(topic="Bộ máy", difficulty="easy", source="Nghị định 63/2010/NĐ-CP")
    untitled = make_question(topic=None)
    db.commit()
    value = {
        "topic": wanted.topic_id, "difficulty": "hard", "source": wanted.source_id, "status": "retired",
    }[field]
    assert rows(text(client.get(f"/bank/?{field}={value}"))) == [wanted.id]
    assert set(rows(text(client.get("/bank/")))) == {wanted.id, other.id, untitled.id}
    if field in ("topic", "source"):
        assert untitled.id in rows(text(client.get(f"/bank/?{field}=none")))
    # Nonsense in the query string is ignored, not a crash.
    assert set(rows(text(client.get(f"/bank/?{field}=%27%3B+drop")))) == {wanted.id, other.id, untitled.id}


def test_search_combines_with_filters(client, db, organizer):
    make_question(text="Cải cách thể chế là gì?", topic="Thể chế")
    wanted = make_question(text="Cải cách tài chính công là gì?", topic="Tài chính công")
    db.commit()
    assert rows(text(client.get(f"/bank/?q=cai+cach&topic={wanted.topic_id}"))) == [wanted.id]


def test_list_is_paginated_by_fifty(client, db, organizer):
    questions = [make_question() for _ in range(51)]
    db.commit()
    first = text(client.get("/bank/"))
    assert len(rows(first)) == 50 and rows(first)[0] == questions[-1].id, "newest first"
    assert "trang 1/2" in first and 'rel="next" href="/bank/?page=2"' in first
    assert rows(text(client.get("/bank/?page=2"))) == [questions[0].id]
    assert rows(text(client.get("/bank/?page=99"))) == [questions[0].id], "past the end: the last page"
    searched = text(client.get("/bank/?q=cai+cach&page=2"))
    assert len(rows(searched)) == 1 and "page=1&amp;q=cai+cach" in searched


def test_per_topic_counts(client, db, organizer):
    for _ in range(3):
        make_question(topic="Dịch vụ công")
    make_question(topic="Dịch vụ công", status="retired")
    make_question(topic=None)
    db.commit()
    html = re.sub(r"\s+", " ", text(client.get("/bank/")))
    assert re.search(r'Dịch vụ công</a> </th> <td class="num">3</td> <td class="num">1</td> <td class="num">4</td>', html)
    assert re.search(r'\(Chưa có chủ đề\)</a> </th> <td class="num">1</td> <td class="num">0</td>', html)
    assert re.search(r'Cả ngân hàng</th> <td class="num">4</td> <td class="num">1</td> <td class="num">5</td>', html)


# --- edit ------------------------------------------------------------------------------------

def edit_form(client, question_id, **changes) -> dict:
    form = {
        "csrf_token": csrf_token(client),
        "text": "Cơ quan nào tham mưu về cải cách hành chính?",
        "choices-0": "Bộ Nội vụ", "choices-1": "Bộ Tài chính", "choices-2": "Bộ Công an", "choices-3": "",
        "correct": "A", "topic": "Bộ máy", "difficulty": "hard", "source": "Nghị quyết 76/NQ-CP",
        "explanation": "Bộ Nội vụ là cơ quan thường trực.",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def snapshot(db, question_id):
    db.rollback()
    question = db.get(Question, question_id)
    return (question.text, question.dedup_key, question.difficulty, question.topic_id,
            [(c.text, c.is_correct) for c in question.choices])


def test_edit_question_and_choices(client, db, organizer):
    question = make_question(choices=["Một", "Hai", "Ba", "Bốn"], correct=3)
    db.commit()
    page = text(client.get(f"/bank/questions/{question.id}/edit"))
    assert 'value="Bốn"' in page and re.search(r'value="D"[^>]*checked|checked[^>]*value="D"', page)

    response = client.post(f"/bank/questions/{question.id}/edit", data=edit_form(client, question.id))
    assert response.status_code == 302
    db.rollback()
    edited = db.get(Question, question.id)
    assert edited.text == "Cơ quan nào tham mưu về cải cách hành chính?"
    assert [(c.letter, c.text, c.is_correct) for c in edited.choices] == [
        ("A", "Bộ Nội vụ", True), ("B", "Bộ Tài chính", False), ("C", "Bộ Công an", False)]
    assert (edited.topic.name, edited.difficulty, edited.source.title) == ("Bộ máy", "hard", "Nghị quyết 76/NQ-CP")
    log = db.scalar(select(AuditLog).where(AuditLog.action == "question_updated"))
    assert log.user_id == organizer.id and "choices" in log.details["fields"]
    assert "Đã lưu câu hỏi" in text(client.get(response.headers["Location"]))
    # Up to eight choices: adding back two works as well.
    more = edit_form(client, question.id, **{"choices-3": "Bộ Tư pháp", "choices-4": "Văn phòng Chính phủ",
                                             "correct": "E"})
    assert client.post(f"/bank/questions/{question.id}/edit", data=more).status_code == 302
    assert snapshot(db, question.id)[4][-1] == ("Văn phòng Chính phủ", True)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"text": "  "}, "Hãy nhập nội dung câu hỏi."),
        ({"choices-1": "", "choices-2": ""}, "Câu hỏi cần ít nhất 2 phương án, hiện có 1."),
        ({"choices-1": " "}, "Phương án B để trống."),
        ({"correct": "E"}, "Đáp án E không có trong các phương án."),
        ({"correct": None}, "Không xác định được đáp án đúng."),
        ({"correct": "Z"}, "Không xác định được đáp án đúng."),
        ({"difficulty": "siêu khó"}, "Not a valid choice"),
    ],
)
def test_edit_validation_errors_change_nothing(client, db, organizer, changes, message):
    question = make_question()
    db.commit()
    before = snapshot(db, question.id)
    response = client.post(f"/bank/questions/{question.id}/edit", data=edit_form(client, question.id, **changes))
    assert response.status_code == 400
    html = text(response)
    if message == "Not a valid choice":  # WTForms' own message for a tampered select: still refused
        assert "has-error" in html
    else:
        assert message in html
    assert snapshot(db, question.id) == before
    assert db.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "question_updated")) == 0


def test_edit_into_a_duplicate_is_refused(client, db, organizer):
    first = make_question(text="Câu gốc?", choices=["Bộ Nội vụ", "Bộ Tài chính", "Bộ Công an"])
    second = make_question()
    db.commit()
    before = snapshot(db, second.id)
    response = client.post(f"/bank/questions/{second.id}/edit", data=edit_form(client, second.id, text="câu GỐC"))
    assert response.status_code == 400
    assert f"trùng với câu hỏi #{first.id} đã có trong ngân hàng" in text(response)
    assert snapshot(db, second.id) == before


def test_edit_of_unknown_question_is_404(client, organizer):
    assert client.get("/bank/questions/999999/edit").status_code == 404


def test_edit_that_changes_nothing_logs_nothing(client, db, organizer):
    question = make_question(text="Câu giữ nguyên?", choices=["Một", "Hai"], correct=0, topic="Chung")
    db.commit()
    form = edit_form(client, question.id, text="Câu giữ nguyên?", **{"choices-0": "Một", "choices-1": "Hai",
                     "choices-2": "", "correct": "A", "topic": "Chung", "difficulty": "medium", "source": "",
                     "explanation": ""})
    response = client.post(f"/bank/questions/{question.id}/edit", data=form)
    assert "Không có thay đổi nào." in text(client.get(response.headers["Location"]))
    assert db.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "question_updated")) == 0


# --- retire, questions used in attempts ------------------------------------------------------

def test_retire_and_reactivate(client, db, organizer):
    question = make_question()
    db.commit()
    back = "/bank/?q=cai+cach"
    response = client.post(f"/bank/questions/{question.id}/retire", data={"csrf_token": csrf_token(client), "next": back})
    assert response.status_code == 302 and response.headers["Location"] == back
    assert db.get(Question, question.id).status == "retired"
    assert "Ngừng dùng" in text(client.get(f"/bank/?status=retired"))
    response = client.post(f"/bank/questions/{question.id}/reactivate",
                           data={"csrf_token": csrf_token(client), "next": "https://evil.example/"})
    assert response.headers["Location"] == "/bank/", "never redirected off our site"
    db.rollback()
    assert db.get(Question, question.id).status == "active"
    actions = db.scalars(select(AuditLog.action).where(AuditLog.action.like("question_%")).order_by(AuditLog.id))
    assert list(actions) == ["question_retired", "question_reactivated"]


@pytest.fixture
def used_question(db):
    """A question drawn into a participant's attempt."""
    question = make_question(choices=["Một", "Hai", "Ba", "Bốn"], correct=1)
    round_ = make_round(questions=1)
    attempts.start(db, round_, make_user(), grace_seconds=30)
    db.commit()
    return question


def test_used_question_is_retired_never_deleted_and_never_drawn(client, db, organizer, used_question):
    spare = make_question()
    db.commit()
    page = text(client.get(f"/bank/questions/{used_question.id}/edit"))
    assert "đã được rút vào 1 bài thi" in page and "Xoá" not in page
    assert client.post(f"/bank/questions/{used_question.id}/delete",
                       data={"csrf_token": csrf_token(client)}).status_code in (404, 405)
    client.post(f"/bank/questions/{used_question.id}/retire", data={"csrf_token": csrf_token(client)})
    db.rollback()
    assert db.get(Question, used_question.id).status == "retired"
    draw.clear_cache()
    round_ = make_round(questions=1)
    assert {next(iter(draw.draw(db, round_))) for _ in range(20)} == {spare.id}


def test_used_question_keeps_its_key_and_choices(client, db, organizer, used_question):
    before = snapshot(db, used_question.id)
    base = {"text": used_question.text, "choices-0": "Một", "choices-1": "Hai", "choices-2": "Ba",
            "choices-3": "Bốn", "correct": "B"}
    moved = client.post(f"/bank/questions/{used_question.id}/edit",
                        data=edit_form(client, used_question.id, **{**base, "correct": "C"}))
    assert moved.status_code == 400 and "không được đổi đáp án đúng (đang là B)" in text(moved)
    fewer = client.post(f"/bank/questions/{used_question.id}/edit",
                        data=edit_form(client, used_question.id, **{**base, "choices-3": ""}))
    assert fewer.status_code == 400 and "phải giữ đủ 4 phương án" in text(fewer)
    assert snapshot(db, used_question.id) == before
    typo = client.post(f"/bank/questions/{used_question.id}/edit",
                       data=edit_form(client, used_question.id, **{**base, "choices-2": "Ba (3)"}))
    assert typo.status_code == 302
    assert snapshot(db, used_question.id)[4] == [("Một", False), ("Hai", True), ("Ba (3)", False), ("Bốn", False)]
    assert db.scalar(select(func.count()).select_from(Choice).where(Choice.question_id == used_question.id)) == 4


def test_question_bank_never_imports_contest():
    offenders = [
        path.name for path in (ROOT / "question_bank").rglob("*.py")
        if re.search(r"^\s*(from|import)\s+contest\b", path.read_text(), re.MULTILINE)
    ]
    assert offenders == []
