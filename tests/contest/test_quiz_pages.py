"""Participant pages without JavaScript: the rounds, the rules, the quiz form, confirm, receipt."""
import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from contest.models import Answer, Attempt
from contest.formatting import clock, duration_text
from contest.services.quiz import draw
from question_bank.models import Choice
from tests.conftest import csrf_token
from tests.factories import make_bank, make_round, make_unit, make_user

# Named instants: the round opens at OPEN (08:00 in Hà Nội) and lasts a week; attempts last 10 minutes.
OPEN = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)
DEADLINE = OPEN + timedelta(minutes=10)
GRACE = 30


@pytest.fixture(autouse=True)
def fresh_draw_cache():
    # Table ids restart between tests on SQLite; cached question texts must not outlive them.
    draw.clear_cache()
    yield
    draw.clear_cache()


@pytest.fixture
def traveller():
    with time_machine.travel(OPEN, tick=False) as traveller:
        yield traveller


@pytest.fixture
def round_id(db, traveller):
    """An open round of 3 questions drawn from 6, 10 minutes, one attempt; a logged-in participant."""
    make_bank(6)
    round_ = make_round(questions=3, opens_at=OPEN, closes_at=OPEN + timedelta(days=7), rules="Không sử dụng tài liệu.")
    make_user(username="thisinh1", full_name="Nguyễn Văn An")
    db.commit()
    return round_.id


@pytest.fixture
def participant(client, auth, round_id):
    assert auth.login("thisinh1", "Matkhau@123").status_code == 302
    return client


def start(client, round_id):
    token = csrf_token(client, f"/rounds/{round_id}")
    return client.post(f"/rounds/{round_id}/start", data={"csrf_token": token})


def started(client, round_id) -> int:
    response = start(client, round_id)
    assert response.status_code == 302, response.get_data(as_text=True)
    match = re.fullmatch(r"/attempts/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match[1])


def questions_on_page(html: str) -> list[tuple[int, list[int]]]:
    """[(question id, [choice ids as shown])] in page order, read from the radio buttons."""
    found: dict[int, list[int]] = {}
    for qid, cid in re.findall(r'name="q(\d+)" value="(\d+)"', html):
        found.setdefault(int(qid), []).append(int(cid))
    return list(found.items())


def correct_ids(db, questions) -> set[int]:
    ids = [cid for _, choices in questions for cid in choices]
    return set(db.scalars(select(Choice.id).where(Choice.id.in_(ids), Choice.is_correct)))


def post_form(client, attempt_id, answers: dict[int, int], action="save", prediction="", path=None):
    token = csrf_token(client, path or f"/attempts/{attempt_id}")
    data = {"csrf_token": token, "action": action, "prediction": prediction}
    data.update({f"q{qid}": str(cid) for qid, cid in answers.items()})
    return client.post(f"/attempts/{attempt_id}", data=data)


# --- list and rules ----------------------------------------------------------------------------


def test_index_lists_open_and_coming_rounds_in_vietnam_time_and_my_attempts(participant, db, round_id):
    coming = make_round(questions=2, title="Đợt hai", opens_at=OPEN + timedelta(days=1, hours=2),
                        closes_at=OPEN + timedelta(days=3))
    make_round(questions=2, title="Đợt đã qua", opens_at=OPEN - timedelta(days=3), closes_at=OPEN - timedelta(days=1))
    db.commit()
    html = participant.get("/").get_data(as_text=True)
    assert f'href="/rounds/{round_id}"' in html and f'href="/rounds/{coming.id}"' in html
    assert "Đợt đã qua" not in html
    assert "01/12/2026 08:00" in html and "08/12/2026 08:00" in html  # UTC 01:00 shown as Hà Nội time
    assert "02/12/2026 10:00" in html  # the coming round opens at 03:00 UTC
    assert "Đang mở" in html and "Sắp mở" in html
    assert "Đã làm 0/1 lượt" in html
    attempt_id = started(participant, round_id)
    html = participant.get("/").get_data(as_text=True)
    assert "Bài thi của tôi" in html and "Đang làm" in html
    assert f'href="/attempts/{attempt_id}"' in html
    assert "Đã làm 1/1 lượt" in html


def test_index_for_visitors_links_every_round(client, round_id):
    html = client.get("/").get_data(as_text=True)
    assert f'href="/rounds/{round_id}"' in html
    assert "Bài thi của tôi" not in html


def test_index_hides_rounds_my_unit_may_not_take(participant, db):
    other = make_unit(code="KHAC")
    make_round(questions=2, title="Đợt riêng của đơn vị khác", unit_codes=[other.code],
               opens_at=OPEN, closes_at=OPEN + timedelta(days=1))
    db.commit()
    assert "Đợt riêng của đơn vị khác" not in participant.get("/").get_data(as_text=True)


def test_rules_page(participant, round_id):
    response = participant.get(f"/rounds/{round_id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Không sử dụng tài liệu." in html
    assert "Thời gian làm bài là 10 phút" in html
    assert "Mỗi người được thi 1 lượt." in html
    assert "câu hỏi dự đoán" in html
    assert "Điểm được công bố sau khi đợt thi kết thúc." in html
    assert "Bắt đầu làm bài</button>" in html


def test_rules_page_for_visitors_asks_to_log_in(client, round_id):
    html = client.get(f"/rounds/{round_id}").get_data(as_text=True)
    assert "Đăng nhập để làm bài" in html and f"/login?next=/rounds/{round_id}" in html
    assert "Bắt đầu làm bài</button>" not in html


def test_unpublished_and_unknown_rounds_are_404(client, db, traveller):
    make_bank(2)
    hidden = make_round(questions=2, publish=False, opens_at=OPEN, closes_at=OPEN + timedelta(days=1))
    db.commit()
    assert client.get(f"/rounds/{hidden.id}").status_code == 404
    assert client.get("/rounds/999999").status_code == 404


def test_starting_needs_a_login(client, round_id):
    response = client.post(f"/rounds/{round_id}/start", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


# --- taking the quiz ---------------------------------------------------------------------------


def test_quiz_page_shows_questions_but_never_the_key(participant, db, round_id):
    attempt_id = started(participant, round_id)
    response = participant.get(f"/attempts/{attempt_id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    questions = questions_on_page(html)
    assert len(questions) == 3 and all(len(choices) == 4 for _, choices in questions)
    texts = db.scalars(select(Choice.text).where(Choice.id.in_([c for _, cs in questions for c in cs]))).all()
    assert all(text in html for text in texts)  # the right and the wrong choices alike
    assert "is_correct" not in html and "correct" not in html.lower()
    assert 'id="countdown"' in html and ">10:00<" in html
    assert f'data-deadline="{DEADLINE.isoformat()}"' in html
    assert f'data-server-now="{OPEN.isoformat()}"' in html
    assert "Theo bạn, sẽ có bao nhiêu người" in html  # the round's prediction question
    assert "Đã trả lời 0/3 câu" in html
    assert html.count('class="palette-item"') == 3


def test_form_post_saves_answers_and_prediction(participant, db, round_id):
    attempt_id = started(participant, round_id)
    questions = questions_on_page(participant.get(f"/attempts/{attempt_id}").get_data(as_text=True))
    chosen = {questions[0][0]: questions[0][1][2], questions[2][0]: questions[2][1][0]}
    response = post_form(participant, attempt_id, chosen, prediction="1.250")
    assert response.status_code == 302 and response.headers["Location"] == f"/attempts/{attempt_id}"
    assert dict(db.execute(select(Answer.question_id, Answer.choice_id)).all()) == chosen
    assert db.scalar(select(Attempt.prediction)) == 1250
    html = participant.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "Đã lưu các câu trả lời." in html
    assert "Đã trả lời 2/3 câu" in html
    assert html.count("palette-item is-answered") == 2
    for qid, cid in chosen.items():
        assert f'name="q{qid}" value="{cid}" checked' in html
    assert 'value="1250"' in html


def test_changing_an_answer_keeps_one_row(participant, db, round_id):
    attempt_id = started(participant, round_id)
    (qid, choices), *_ = questions_on_page(participant.get(f"/attempts/{attempt_id}").get_data(as_text=True))
    post_form(participant, attempt_id, {qid: choices[0]})
    post_form(participant, attempt_id, {qid: choices[3]})
    assert db.execute(select(Answer.question_id, Answer.choice_id)).all() == [(qid, choices[3])]


@pytest.mark.parametrize(
    "bad, message",
    [
        ("other_question", "Câu 1: phương án đã chọn không thuộc câu hỏi này."),
        ("not_a_number", "Câu 1: phương án đã chọn không thuộc câu hỏi này."),
        ("prediction_text", "Câu hỏi dự đoán: hãy nhập một số nguyên không âm"),
        ("prediction_negative", "Câu hỏi dự đoán: hãy nhập một số nguyên không âm"),
        ("prediction_huge", "Câu hỏi dự đoán: số phải từ 0 đến 1.000.000.000."),
    ],
)
def test_bad_form_input_is_refused_and_nothing_is_stored(participant, db, round_id, bad, message):
    attempt_id = started(participant, round_id)
    questions = questions_on_page(participant.get(f"/attempts/{attempt_id}").get_data(as_text=True))
    (q1, c1), (q2, c2), _ = questions
    answers, prediction = {q1: c1[0], q2: c2[1]}, "7"
    if bad == "other_question":
        answers[q1] = c2[0]
    elif bad == "not_a_number":
        answers[q1] = "A"
    else:
        prediction = {"prediction_text": "khoảng 10", "prediction_negative": "-3", "prediction_huge": "9999999999"}[bad]
    response = post_form(participant, attempt_id, answers, prediction=prediction)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert f'name="q{q2}" value="{c2[1]}" checked' in html  # what was chosen is still on screen
    assert db.scalar(select(func.count()).select_from(Answer)) == 0
    assert db.scalar(select(Attempt.prediction)) is None


def test_resume_after_reload_and_from_the_rules_page(participant, db, round_id):
    attempt_id = started(participant, round_id)
    first = participant.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    questions = questions_on_page(first)
    post_form(participant, attempt_id, {questions[1][0]: questions[1][1][1]})
    rules = participant.get(f"/rounds/{round_id}").get_data(as_text=True)
    assert "Tiếp tục làm bài</button>" in rules and "Bắt đầu làm bài</button>" not in rules
    assert started(participant, round_id) == attempt_id  # starting again resumes, never a second attempt
    again = participant.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "tiếp tục từ chỗ đã lưu" in again
    assert questions_on_page(again) == questions  # same questions, same choice order
    assert f'name="q{questions[1][0]}" value="{questions[1][1][1]}" checked' in again
    assert db.scalar(select(func.count()).select_from(Attempt)) == 1


@pytest.mark.parametrize("show_score", [True, False])
def test_submit_confirms_unanswered_then_shows_the_receipt(client, auth, db, traveller, show_score):
    make_bank(6)
    round_ = make_round(questions=3, show_score=show_score, opens_at=OPEN, closes_at=OPEN + timedelta(days=7))
    make_user(username="thisinh1")
    db.commit()
    auth.login("thisinh1", "Matkhau@123")
    attempt_id = started(client, round_.id)
    questions = questions_on_page(client.get(f"/attempts/{attempt_id}").get_data(as_text=True))
    right = correct_ids(db, questions)
    (q1, c1), (q2, c2), _ = questions
    answers = {q1: next(c for c in c1 if c in right), q2: next(c for c in c2 if c not in right)}
    traveller.shift(timedelta(seconds=95))
    response = post_form(client, attempt_id, answers, action="submit", prediction="12")
    assert response.status_code == 302 and response.headers["Location"] == f"/attempts/{attempt_id}/confirm"
    confirm = client.get(f"/attempts/{attempt_id}/confirm").get_data(as_text=True)
    assert "Bạn còn 1/3 câu chưa trả lời:" in confirm
    assert f'href="/attempts/{attempt_id}#q-3">Câu 3<' in confirm
    assert "Câu trả lời dự đoán của bạn: 12" in confirm
    assert db.scalar(select(Attempt.finished_at)) is None  # nothing submitted before the confirmation
    submit = client.post(f"/attempts/{attempt_id}/submit",
                         data={"csrf_token": csrf_token(client, f"/attempts/{attempt_id}/confirm")})
    assert submit.status_code == 302 and submit.headers["Location"] == f"/attempts/{attempt_id}/receipt"
    attempt = db.scalar(select(Attempt))
    assert (attempt.finished_by, attempt.score, attempt.prediction, attempt.duration_seconds) == ("participant", 1, 12, 95)
    html = client.get(f"/attempts/{attempt_id}/receipt").get_data(as_text=True)
    assert "Đã nộp bài" in html
    assert attempt.receipt_code in html
    assert "1 phút 35 giây" in html
    assert "01/12/2026 08:01:35" in html
    assert "2/3" in html  # questions answered
    if show_score:  # 2 of 3 answered: a partial attempt's total would tell which answers were right
        assert "receipt-score" not in html and 'id="score-withheld"' in html
        assert "điểm sẽ được công bố khi đợt thi kết thúc" in html
    else:
        assert "receipt-score" not in html and "Điểm sẽ được công bố sau khi đợt thi kết thúc." in html
    # The quiz page now leads to the receipt; a second submit changes nothing.
    assert client.get(f"/attempts/{attempt_id}").headers["Location"] == f"/attempts/{attempt_id}/receipt"
    again = client.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": csrf_token(client, "/")})
    assert again.headers["Location"] == f"/attempts/{attempt_id}/receipt"
    db.refresh(attempt)
    assert attempt.duration_seconds == 95


def test_confirm_with_everything_answered(participant, db, round_id):
    attempt_id = started(participant, round_id)
    questions = questions_on_page(participant.get(f"/attempts/{attempt_id}").get_data(as_text=True))
    post_form(participant, attempt_id, {q: cs[0] for q, cs in questions}, action="submit")
    html = participant.get(f"/attempts/{attempt_id}/confirm").get_data(as_text=True)
    assert "Bạn đã trả lời tất cả 3 câu." in html
    assert "Bạn chưa trả lời câu hỏi dự đoán." in html


def test_submit_without_csrf_token_is_refused(participant, db, round_id):
    attempt_id = started(participant, round_id)
    assert participant.post(f"/attempts/{attempt_id}/submit", data={}).status_code == 400
    assert db.scalar(select(Attempt.finished_at)) is None


def test_someone_elses_attempt_is_404(app, participant, db, round_id):
    attempt_id = started(participant, round_id)
    make_user(username="thisinh2")
    db.commit()
    intruder = app.test_client()
    intruder.post("/login", data={"username": "thisinh2", "password": "Matkhau@123",
                                  "csrf_token": csrf_token(intruder)})
    for path in ("", "/confirm", "/receipt"):
        assert intruder.get(f"/attempts/{attempt_id}{path}").status_code == 404
    token = csrf_token(intruder, "/")
    assert intruder.post(f"/attempts/{attempt_id}", data={"csrf_token": token}).status_code == 404
    assert intruder.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": token}).status_code == 404
    assert db.scalar(select(Attempt.finished_at)) is None


def test_quiz_pages_need_a_login(client, round_id):
    response = client.get("/attempts/1")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


# --- the deadline --------------------------------------------------------------------------------


def test_form_post_within_grace_is_saved(participant, db, round_id, traveller):
    attempt_id = started(participant, round_id)
    (qid, choices), *_ = questions_on_page(participant.get(f"/attempts/{attempt_id}").get_data(as_text=True))
    token = csrf_token(participant, f"/rounds/{round_id}")
    traveller.move_to(DEADLINE + timedelta(seconds=GRACE - 1))
    response = participant.post(f"/attempts/{attempt_id}",
                                data={"csrf_token": token, "action": "save", f"q{qid}": str(choices[1])})
    assert response.status_code == 302 and response.headers["Location"] == f"/attempts/{attempt_id}"
    assert db.scalar(select(Answer.choice_id)) == choices[1]


def test_form_post_after_deadline_and_grace_is_refused_and_the_attempt_finalised(participant, db, round_id,
                                                                                 traveller):
    attempt_id = started(participant, round_id)
    questions = questions_on_page(participant.get(f"/attempts/{attempt_id}").get_data(as_text=True))
    (q1, c1), (q2, c2), _ = questions
    post_form(participant, attempt_id, {q1: c1[0]})
    token = csrf_token(participant, f"/rounds/{round_id}")
    traveller.move_to(DEADLINE + timedelta(seconds=GRACE + 1))
    response = participant.post(f"/attempts/{attempt_id}",
                                data={"csrf_token": token, "action": "submit", f"q{q1}": str(c1[3]), f"q{q2}": str(c2[0])})
    assert response.status_code == 302 and response.headers["Location"] == f"/attempts/{attempt_id}/receipt"
    html = participant.get(f"/attempts/{attempt_id}/receipt").get_data(as_text=True)
    assert "Đã quá thời hạn nộp bài nên các câu trả lời vừa gửi không được lưu." in html
    assert "Bài thi đã được tự động nộp" in html
    assert "10 phút" in html  # time taken: the whole duration, as SPEC §6 counts it
    attempt = db.scalar(select(Attempt))
    assert (attempt.finished_by, attempt.submitted_at, attempt.duration_seconds) == ("system", DEADLINE, 600)
    assert db.execute(select(Answer.question_id, Answer.choice_id)).all() == [(q1, c1[0])]  # the late ones were not


def test_opening_the_quiz_after_the_deadline_finalises_it(participant, db, round_id, traveller):
    attempt_id = started(participant, round_id)
    traveller.move_to(DEADLINE + timedelta(hours=1))
    response = participant.get(f"/attempts/{attempt_id}")
    assert response.headers["Location"] == f"/attempts/{attempt_id}/receipt"
    assert db.scalar(select(Attempt.finished_by)) == "system"
    assert "Mã biên nhận" in participant.get(response.headers["Location"]).get_data(as_text=True)


# --- who may start ---------------------------------------------------------------------------------


def finish_one(client, round_id):
    attempt_id = started(client, round_id)
    client.post(f"/attempts/{attempt_id}/submit", data={"csrf_token": csrf_token(client, "/")})


@pytest.mark.parametrize(
    "case, status, message",
    [
        ("exhausted", 409, "Bạn đã dùng hết số lượt thi của đợt này."),
        ("not_eligible", 403, "Đơn vị của bạn không thuộc đối tượng dự thi của đợt này."),
        ("not_open", 409, "Đợt thi chưa mở hoặc đã kết thúc."),
        ("staff", 403, "Chỉ tài khoản thí sinh mới làm bài thi."),
    ],
)
def test_start_refusals_are_explained_in_vietnamese(client, auth, db, traveller, case, status, message):
    make_bank(4)
    mine, other = make_unit(code="CUA_TOI"), make_unit(code="KHAC")
    kwargs = {"opens_at": OPEN, "closes_at": OPEN + timedelta(days=1)}
    if case == "not_eligible":
        kwargs["unit_codes"] = [other.code]
    round_ = make_round(questions=2, **kwargs)
    make_user(username="ts", unit_id=mine.id, role="organizer" if case == "staff" else "participant")
    db.commit()
    auth.login("ts", "Matkhau@123")
    page_before = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    if case == "exhausted":
        finish_one(client, round_.id)
    if case == "not_open":
        traveller.move_to(OPEN + timedelta(days=2))
    response = start(client, round_.id)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(Attempt)) == (1 if case == "exhausted" else 0)
    page = client.get(f"/rounds/{round_.id}").get_data(as_text=True)
    if case in ("exhausted", "not_eligible", "staff"):
        assert message in page and "Bắt đầu làm bài</button>" not in page
    if case == "not_open":
        assert "Bắt đầu làm bài</button>" in page_before
        assert "Đợt thi đã kết thúc lúc" in page


def test_a_round_not_yet_open_says_when(participant, db):
    round_ = make_round(questions=2, opens_at=OPEN + timedelta(hours=3), closes_at=OPEN + timedelta(days=1))
    db.commit()
    html = participant.get(f"/rounds/{round_.id}").get_data(as_text=True)
    assert "Đợt thi chưa mở; sẽ mở lúc" in html and "01/12/2026 11:00" in html


def test_unlimited_attempts_offer_another_after_the_receipt(participant, db):
    round_ = make_round(questions=2, max_attempts=None, opens_at=OPEN, closes_at=OPEN + timedelta(days=1))
    db.commit()
    finish_one(participant, round_.id)
    receipt = participant.get(f"/attempts/{db.scalar(select(Attempt.id))}/receipt").get_data(as_text=True)
    assert "Thi lượt khác" in receipt
    second = started(participant, round_.id)
    assert db.scalar(select(Attempt.number).where(Attempt.id == second)) == 2


# --- formatting ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "seconds, text",
    [(0, "0 giây"), (59, "59 giây"), (95, "1 phút 35 giây"), (600, "10 phút"), (5400, "1 giờ 30 phút"),
     (3601, "1 giờ 1 giây")],
)
def test_duration_text(app, seconds, text):
    with app.test_request_context():
        assert duration_text(seconds) == text


@pytest.mark.parametrize("seconds, text", [(0, "00:00"), (-5, "00:00"), (598.4, "09:58"), (3900, "1:05:00")])
def test_clock(seconds, text):
    assert clock(seconds) == text
