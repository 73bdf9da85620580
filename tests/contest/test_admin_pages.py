"""Organizer pages at /admin: contests, rounds, the draw preview, opening, edit rules, access."""
import html
import re
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser

import pytest
import time_machine
from sqlalchemy import func, select

from contest.models import DEFAULT_PREDICTION_PROMPT, AuditLog, Contest, ContestStaff, Round, Unit
from contest.services import rounds
from contest.services.quiz import attempts, draw
from question_bank.models import Question, Topic
from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_bank, make_contest, make_question, make_round, make_unit, make_user

# Named instants: "now" is a week before the round; 08:00 in Hà Nội is 01:00 UTC.
NOW = datetime(2026, 11, 24, 1, 0, tzinfo=timezone.utc)
OPEN = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)
CLOSE = datetime(2026, 12, 8, 1, 0, tzinfo=timezone.utc)
OPEN_LOCAL, CLOSE_LOCAL = "2026-12-01T08:00", "2026-12-08T08:00"


@pytest.fixture(autouse=True)
def clean_draw_cache():
    draw.clear_cache()  # pools are cached per engine URL; every test empties the tables
    yield
    draw.clear_cache()


@pytest.fixture
def traveller():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def organizer(client, auth, db, traveller):
    user = make_user(role="organizer", username="btc")
    db.commit()
    assert auth.login("btc", PASSWORD).status_code == 302
    return user


def token(client) -> str:
    return csrf_token(client, "/admin/")


def round_form(client, **overrides) -> dict:
    """A complete, valid round form as a browser posts it; `rules` fills the draw rows."""
    data = {
        "csrf_token": token(client),
        "title": "Tuần 1: Nghị quyết 76/NQ-CP",
        "rules": "Mỗi lượt 5 câu, 15 phút.",
        "opens_at": OPEN_LOCAL,
        "closes_at": CLOSE_LOCAL,
        "duration_minutes": "15",
        "question_count": "5",
        "attempts_mode": "one",
        "max_attempts": "",
        "grading": "best",
        "show_score": "after",
        "points_per_question": "1",
        "shuffle_choices": "y",
        "ask_prediction": "y",
        "prediction_prompt": DEFAULT_PREDICTION_PROMPT,
        "save": "Lưu nháp",
    }
    rows = overrides.pop("draw", [])
    for index in range(6):
        topic, difficulty, count = rows[index] if index < len(rows) else ("", "", "")
        data[f"draw_rules-{index}-topic"] = topic
        data[f"draw_rules-{index}-difficulty"] = difficulty
        data[f"draw_rules-{index}-count"] = str(count)
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def rounds_in(db) -> int:
    return db.scalar(select(func.count()).select_from(Round))


def text_of(response) -> str:
    return response.get_data(as_text=True)


# --- contests --------------------------------------------------------------------------------


def test_create_contest_through_the_form(client, db, organizer):
    response = client.post("/admin/contests/new", data={
        "csrf_token": token(client), "name": "  Cuộc thi  CCHC 2026 ", "description": "Tìm hiểu về CCHC.",
    })
    contest = db.scalar(select(Contest))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/contests/{contest.id}"
    assert (contest.name, contest.description) == ("Cuộc thi CCHC 2026", "Tìm hiểu về CCHC.")
    assert db.scalar(select(AuditLog.action).where(AuditLog.user_id == organizer.id, AuditLog.action != "login")) \
        == "contest_created"
    page = text_of(client.get("/admin/"))
    assert "Cuộc thi CCHC 2026" in page and f"/admin/contests/{contest.id}/edit" in page


@pytest.mark.parametrize(
    "name, message",
    [("", "Hãy nhập tên cuộc thi."), ("   ", "Hãy nhập tên cuộc thi."), ("x" * 301, "không được dài quá 300 ký tự"),
     ("Đã có", "Đã có cuộc thi tên “Đã có”.")],
)
def test_contest_form_errors_store_nothing(client, db, organizer, name, message):
    make_contest(name="Đã có")
    db.commit()
    response = client.post("/admin/contests/new", data={"csrf_token": token(client), "name": name})
    assert response.status_code == 400
    assert message in text_of(response)
    assert db.scalar(select(func.count()).select_from(Contest)) == 1


def test_edit_contest(client, db, organizer):
    contest = make_contest(name="Tên cũ")
    make_contest(name="Tên khác")
    db.commit()
    page = text_of(client.get(f"/admin/contests/{contest.id}/edit"))
    assert 'value="Tên cũ"' in page
    refused = client.post(f"/admin/contests/{contest.id}/edit", data={"csrf_token": token(client), "name": "Tên khác"})
    assert refused.status_code == 400 and "Đã có cuộc thi tên “Tên khác”." in text_of(refused)
    db.expire_all()
    assert db.get(Contest, contest.id).name == "Tên cũ"
    response = client.post(f"/admin/contests/{contest.id}/edit",
                           data={"csrf_token": token(client), "name": "Tên mới", "description": "Mô tả mới"})
    assert response.status_code == 302
    db.expire_all()
    assert (db.get(Contest, contest.id).name, db.get(Contest, contest.id).description) == ("Tên mới", "Mô tả mới")


# --- creating a round ------------------------------------------------------------------------


@pytest.fixture
def bank(db):
    """Topic A: 4 easy + 2 hard questions; topic B: 3 questions."""
    make_bank(4, topic="Chủ đề A", difficulty="easy")
    make_bank(2, topic="Chủ đề A", difficulty="hard")
    make_bank(3, topic="Chủ đề B")
    db.commit()


def test_create_round_through_the_form(client, db, organizer, bank):
    contest = make_contest()
    unit = make_unit(code="SNV", name="Sở Nội vụ")
    db.commit()
    page = text_of(client.get(f"/admin/contests/{contest.id}/rounds/new"))
    assert DEFAULT_PREDICTION_PROMPT in page and "Chủ đề A (6 câu)" in page and "SNV – Sở Nội vụ" in page
    response = client.post(f"/admin/contests/{contest.id}/rounds/new", data=round_form(
        client, question_count="5", draw=[("Chủ đề A", "hard", 2), ("", "", ""), ("Chủ đề B", "", 3)],
        attempts_mode="many", max_attempts="3", grading="last", show_score="now", points_per_question="2",
        shuffle_choices=None, units="SNV", prediction_prompt="Có bao nhiêu người đạt 10 điểm?",
        save=None, save_open="Lưu và mở đợt thi",
    ))
    assert response.status_code == 302, text_of(response)
    assert response.headers["Location"] == f"/admin/contests/{contest.id}"
    round_ = db.scalar(select(Round))
    assert round_.contest_id == contest.id and round_.title == "Tuần 1: Nghị quyết 76/NQ-CP"
    assert (round_.opens_at, round_.closes_at) == (OPEN, CLOSE)
    assert (round_.duration_seconds, round_.question_count, round_.max_attempts) == (900, 5, 3)
    assert (round_.grading, round_.show_score, round_.points_per_question, round_.shuffle_choices) == \
        ("last", True, 2, False)
    assert round_.prediction_prompt == "Có bao nhiêu người đạt 10 điểm?"
    assert [u.id for u in round_.eligible_units] == [unit.id]
    assert [(r.topic.name, r.difficulty, r.count) for r in round_.draw_rules] == \
        [("Chủ đề A", "hard", 2), ("Chủ đề B", None, 3)]
    assert round_.is_published
    listing = text_of(client.get(f"/admin/contests/{contest.id}"))
    assert "Đã lưu và mở đợt thi" in listing and "01/12/2026 08:00" in listing and "08/12/2026 08:00" in listing


def test_draft_round_with_defaults(client, db, organizer, bank):
    contest = make_contest()
    db.commit()
    response = client.post(f"/admin/contests/{contest.id}/rounds/new",
                           data=round_form(client, question_count="4", attempts_mode="unlimited",
                                           ask_prediction=None, draw=[("", "", 4)]))
    assert response.status_code == 302, text_of(response)
    round_ = db.scalar(select(Round))
    assert not round_.is_published
    assert round_.max_attempts is None and round_.prediction_prompt is None
    assert [(r.topic, r.difficulty, r.count) for r in round_.draw_rules] == [(None, None, 4)]
    assert "chưa thấy đợt thi này" in text_of(client.get(f"/admin/contests/{contest.id}"))


def test_new_round_window_follows_the_last_round(client, db, organizer):
    contest = make_contest()
    db.commit()
    page = text_of(client.get(f"/admin/contests/{contest.id}/rounds/new"))
    assert 'value="2026-11-25T08:00"' in page and 'value="2026-12-02T08:00"' in page  # tomorrow 08:00, a week
    make_bank(3)
    make_round(contest, questions=3, opens_at=OPEN, closes_at=CLOSE)
    db.commit()
    page = text_of(client.get(f"/admin/contests/{contest.id}/rounds/new"))
    assert f'value="{CLOSE_LOCAL}"' in page and 'value="2026-12-15T08:00"' in page


def test_preview_with_a_bad_blueprint_shows_only_the_errors(client, db, organizer, bank):
    contest = make_contest()
    db.commit()
    response = client.post(f"/admin/contests/{contest.id}/rounds/new", data=round_form(
        client, draw=[("Chủ đề A", "", "ba")], save=None, preview="Xem thử đề"))
    body = text_of(response)
    assert "Số câu phải là số nguyên." in body and 'id="xem-thu-de"' not in body
    assert rounds_in(db) == 0


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"title": "  "}, "title", "Hãy nhập tên đợt thi."),
        ({"opens_at": ""}, "opens_at", "Hãy nhập thời điểm mở."),
        ({"opens_at": "mai"}, "opens_at", "Thời điểm mở không hợp lệ; hãy nhập ngày và giờ."),
        ({"closes_at": "2026-12-01T07:59"}, "closes_at", "Thời điểm đóng phải sau thời điểm mở."),
        ({"closes_at": OPEN_LOCAL}, "closes_at", "Thời điểm đóng phải sau thời điểm mở."),
        ({"duration_minutes": "0"}, "duration_minutes", "Thời gian làm bài phải từ 1 đến 360 phút."),
        ({"duration_minutes": "15p"}, "duration_minutes", "Thời gian làm bài phải là số phút (số nguyên)."),
        ({"question_count": ""}, "question_count", "Hãy nhập số câu hỏi."),
        ({"question_count": "201"}, "question_count", "Số câu hỏi phải từ 1 đến 200."),
        ({"attempts_mode": "many"}, "max_attempts", "Hãy nhập số lượt tối đa khi chọn “Nhiều lượt”."),
        ({"attempts_mode": "many", "max_attempts": "1"}, "max_attempts", "Số lượt tối đa phải từ 2 đến 100."),
        ({"attempts_mode": "mot"}, "attempts_mode", "Hãy chọn số lượt thi."),
        ({"grading": "average"}, "grading", "Hãy chọn lượt được tính."),
        ({"points_per_question": "0"}, "points_per_question", "Điểm mỗi câu phải từ 1 đến 100."),
        ({"units": "KHONGCO"}, "units", "Đơn vị được chọn không tồn tại."),
        ({"prediction_prompt": "  "}, "prediction_prompt", "Hãy nhập câu hỏi dự đoán"),
        ({"draw": [("Chủ đề Z", "", 5)]}, "draw_rules-0-topic", "Chủ đề không có trong ngân hàng."),
        ({"draw": [("Chủ đề A", "", "ba")]}, "draw_rules-0-count", "Số câu phải là số nguyên."),
        ({"draw": [("Chủ đề A", "", 3), ("Chủ đề B", "", "")]}, None,
         "Dòng 2 của cơ cấu đề: hãy nhập số câu, hoặc để trống cả dòng."),
        ({"draw": [("Chủ đề A", "", 3), ("Chủ đề B", "", 1)]}, None, "Cơ cấu đề có tổng 4 câu, khác số câu hỏi"),
        ({"draw": [("Chủ đề A", "", 3), ("Chủ đề A", "", 2)]}, None, "hai dòng cùng chủ đề “Chủ đề A”"),
    ],
)
def test_round_form_errors_are_vietnamese_and_store_nothing(client, db, organizer, bank, overrides, field, message):
    contest = make_contest()
    db.commit()
    response = client.post(f"/admin/contests/{contest.id}/rounds/new", data=round_form(client, **overrides))
    body = text_of(response)
    assert response.status_code == 400
    assert message in body
    assert "Chưa lưu: biểu mẫu còn lỗi" in body
    if field:  # the message sits under the field it names
        assert re.search(rf'id="{field}-error">\s*<li>[^<]*{re.escape(message)}', body), body
    assert rounds_in(db) == 0


def test_publish_on_create_refused_when_bank_is_short(client, db, organizer, bank):
    contest = make_contest()
    db.commit()
    response = client.post(f"/admin/contests/{contest.id}/rounds/new", data=round_form(
        client, question_count="5", draw=[("Chủ đề B", "", 5)], save=None, save_open="Lưu và mở đợt thi"))
    assert response.status_code == 400
    assert "Ngân hàng câu hỏi chưa đủ để mở đợt thi" in text_of(response)
    assert "cần 5 câu, ngân hàng chỉ có 3 câu" in text_of(response)
    assert rounds_in(db) == 0


# --- preview ---------------------------------------------------------------------------------


def test_preview_shows_shortage_and_stores_nothing(client, db, organizer, bank):
    contest = make_contest()
    db.commit()
    response = client.post(f"/admin/contests/{contest.id}/rounds/new", data=round_form(
        client, title="", question_count="6", draw=[("Chủ đề A", "hard", 3), ("Chủ đề B", "", 3)], save=None,
        preview="Xem thử đề"))
    body = text_of(response)
    assert response.status_code == 200
    assert "Hãy nhập tên đợt thi." in body  # the preview needs only the blueprint; other errors still show
    assert "Ngân hàng câu hỏi chưa đủ: đợt thi không thể mở" in body
    assert re.search(r"Chủ đề “Chủ đề A”, mức khó</td>\s*<td>3</td>\s*<td>2</td>\s*<td>Thiếu 1 câu", body)
    assert re.search(r"Chủ đề “Chủ đề B”, mọi mức độ</td>\s*<td>3</td>\s*<td>3</td>\s*<td>Đủ", body)
    assert "Một đề rút thử" not in body
    assert 'value="Chủ đề A" selected' in body or 'selected value="Chủ đề A"' in body  # the form is kept
    assert rounds_in(db) == 0


def test_preview_when_enough_shows_a_sample_draw(client, db, organizer, bank):
    contest = make_contest()
    db.commit()
    response = client.post(f"/admin/contests/{contest.id}/rounds/new", data=round_form(
        client, question_count="4", draw=[("Chủ đề A", "hard", 2), ("Chủ đề B", "", 2)], save=None,
        preview="Xem thử đề"))
    body = text_of(response)
    assert response.status_code == 200
    assert "Ngân hàng câu hỏi đủ để rút đề theo cơ cấu này." in body
    sample = re.search(r'<ol class="sample-draw">(.*?)</ol>', body, re.S).group(1)
    drawn = re.findall(r"<li>(.*?)</li>", sample)
    hard_a = set(db.scalars(select(Question.text).join(Topic).where(Topic.name == "Chủ đề A",
                                                                     Question.difficulty == "hard")))
    b = set(db.scalars(select(Question.text).join(Topic).where(Topic.name == "Chủ đề B")))
    assert len(drawn) == 4 == len(set(drawn))
    assert len(set(drawn) & hard_a) == 2 and len(set(drawn) & b) == 2
    assert rounds_in(db) == 0


def test_preview_page_of_a_stored_round(client, db, organizer):
    make_bank(2, topic="Chủ đề A")
    round_ = make_round(questions=3, publish=False)
    db.commit()
    body = text_of(client.get(f"/admin/rounds/{round_.id}/preview"))
    assert re.search(r"Mọi chủ đề, mọi mức độ</td>\s*<td>3</td>\s*<td>2</td>\s*<td>Thiếu 1 câu", body)
    assert "Mở đợt thi" not in body  # no open button while the bank is short


# --- opening a round -------------------------------------------------------------------------


def test_publish_refused_when_short_then_accepted_when_bank_grows(client, db, organizer):
    make_bank(2, topic="Chủ đề A")
    round_ = make_round(questions=3, publish=False, topic_mix=[("Chủ đề A", None, 3)])
    db.commit()
    response = client.post(f"/admin/rounds/{round_.id}/publish", data={"csrf_token": token(client)})
    assert response.status_code == 302
    page = text_of(client.get(response.headers["Location"]))
    assert "Ngân hàng câu hỏi chưa đủ để mở đợt thi" in page and "cần 3 câu, ngân hàng chỉ có 2 câu" in page
    db.expire_all()
    assert not db.get(Round, round_.id).is_published

    make_question(topic="Chủ đề A")
    db.commit()
    response = client.post(f"/admin/rounds/{round_.id}/publish", data={"csrf_token": token(client)})
    assert "Đã mở đợt thi" in text_of(client.get(response.headers["Location"]))
    db.expire_all()
    assert db.get(Round, round_.id).is_published
    assert db.scalar(select(AuditLog.target).where(AuditLog.action == "round_published")) == round_.title

    response = client.post(f"/admin/rounds/{round_.id}/unpublish", data={"csrf_token": token(client)})
    assert response.status_code == 302
    db.expire_all()
    assert not db.get(Round, round_.id).is_published


def test_publish_without_csrf_token_is_refused(client, db, organizer):
    make_bank(3)
    round_ = make_round(questions=3, publish=False)
    db.commit()
    assert client.post(f"/admin/rounds/{round_.id}/publish").status_code == 400
    db.expire_all()
    assert not db.get(Round, round_.id).is_published


def test_publish_by_get_is_not_allowed(client, db, organizer):
    make_bank(3)
    round_ = make_round(questions=3, publish=False)
    db.commit()
    assert client.get(f"/admin/rounds/{round_.id}/publish").status_code == 405


# --- editing ---------------------------------------------------------------------------------


class FormReader(HTMLParser):
    """What a browser would submit for the page's round form (no button pressed)."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select = self._textarea = None

    def _add(self, name, value):
        self.data.setdefault(name, []).append(html.unescape(value))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") != "submit":
            if attrs.get("type") in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._add(name, attrs.get("value", "on"))
            else:
                self._add(name, attrs.get("value", ""))
        elif tag == "select":
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in attrs:
            self._add(self._select, attrs.get("value", ""))
        elif tag == "textarea":
            self._textarea = name
            self.data[name] = [""]

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def edit_form(client, round_id: int, **overrides) -> dict:
    """The edit page's own values, posted back as a browser would, with overrides."""
    reader = FormReader()
    reader.feed(text_of(client.get(f"/admin/rounds/{round_id}/edit")))
    data = {name: values if name == "units" else (values[0] if values else "")
            for name, values in reader.data.items()}
    data["prediction_prompt"] = data["prediction_prompt"].removeprefix("\n")
    data["rules"] = data["rules"].removeprefix("\n")
    rows = overrides.pop("draw", None)
    if rows is not None:
        for index in range(len([k for k in data if k.endswith("-count")])):
            topic, difficulty, count = rows[index] if index < len(rows) else ("", "", "")
            data[f"draw_rules-{index}-topic"] = topic
            data[f"draw_rules-{index}-difficulty"] = difficulty
            data[f"draw_rules-{index}-count"] = str(count)
    data.update(save="Lưu", **overrides)
    return data


@pytest.fixture
def stored_round(db):
    make_bank(4, topic="Chủ đề A", difficulty="easy")
    make_bank(3, topic="Chủ đề B")
    make_unit(code="SNV")
    round_ = make_round(
        questions=4, opens_at=OPEN, closes_at=CLOSE + timedelta(seconds=17), max_attempts=2, grading="first",
        topic_mix=[("Chủ đề A", "easy", 2), ("Chủ đề B", None, 2)], unit_codes=["SNV"], duration_seconds=630,
    )
    db.commit()
    return round_


def test_edit_page_shows_local_times_and_resaving_changes_nothing(client, db, organizer, stored_round):
    body = text_of(client.get(f"/admin/rounds/{stored_round.id}/edit"))
    assert f'value="{OPEN_LOCAL}"' in body and f'value="{CLOSE_LOCAL}"' in body
    before = (stored_round.opens_at, stored_round.closes_at, stored_round.duration_seconds,
              [(r.id, r.topic_id, r.difficulty, r.count) for r in stored_round.draw_rules])
    response = client.post(f"/admin/rounds/{stored_round.id}/edit", data=edit_form(client, stored_round.id))
    assert response.status_code == 302, text_of(response)
    db.expire_all()
    round_ = db.get(Round, stored_round.id)
    after = (round_.opens_at, round_.closes_at, round_.duration_seconds,
             [(r.id, r.topic_id, r.difficulty, r.count) for r in round_.draw_rules])
    assert after == before  # seconds and rule rows survive an unchanged form
    assert (round_.max_attempts, round_.grading, [u.code for u in round_.eligible_units]) == (2, "first", ["SNV"])
    assert round_.is_published


def test_edit_changes_the_blueprint_before_anyone_starts(client, db, organizer, stored_round):
    response = client.post(f"/admin/rounds/{stored_round.id}/edit", data=edit_form(
        client, stored_round.id, question_count="3", duration_minutes="20", draw=[("Chủ đề B", "", 3)],
        closes_at="2026-12-02T20:30"))
    assert response.status_code == 302, text_of(response)
    db.expire_all()
    round_ = db.get(Round, stored_round.id)
    assert [(r.topic.name, r.difficulty, r.count) for r in round_.draw_rules] == [("Chủ đề B", None, 3)]
    assert (round_.question_count, round_.duration_seconds) == (3, 1200)
    assert round_.closes_at == datetime(2026, 12, 2, 13, 30, tzinfo=timezone.utc)


def test_edit_of_a_published_round_refused_when_bank_cannot_satisfy_it(client, db, organizer, stored_round):
    response = client.post(f"/admin/rounds/{stored_round.id}/edit", data=edit_form(
        client, stored_round.id, question_count="5", draw=[("Chủ đề B", "", 5)]))
    assert response.status_code == 400
    assert "Ngân hàng câu hỏi chưa đủ để mở đợt thi" in text_of(response)
    db.expire_all()
    assert db.get(Round, stored_round.id).question_count == 4


@pytest.fixture
def started(db, stored_round, traveller):
    """Someone has started the round."""
    traveller.move_to(OPEN + timedelta(hours=1))
    snv = db.scalar(select(Unit).where(Unit.code == "SNV"))
    attempts.start(db, stored_round, make_user(unit=snv), grace_seconds=30)
    db.commit()
    return stored_round


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"question_count": "5", "draw": [("Chủ đề A", "easy", 3), ("Chủ đề B", "", 2)]}, "không thể đổi số câu hỏi."),
        ({"draw": [("Chủ đề A", "easy", 1), ("Chủ đề B", "", 3)]}, "không thể đổi cơ cấu đề."),
        ({"draw": [("Chủ đề A", "", 2), ("Chủ đề B", "", 2)]}, "không thể đổi cơ cấu đề."),
        ({"duration_minutes": "20"}, "không thể đổi thời gian làm bài."),
        ({"points_per_question": "2"}, "không thể đổi điểm mỗi câu."),
        ({"opens_at": "2026-12-01T09:00"}, "không thể đổi thời điểm mở."),
        ({"closes_at": "2026-12-07T08:00"}, "chỉ có thể lùi thời điểm đóng về sau"),
    ],
)
def test_edit_after_attempts_refuses_what_shapes_an_attempt(client, db, organizer, started, overrides, message):
    response = client.post(f"/admin/rounds/{started.id}/edit", data=edit_form(client, started.id, **overrides))
    assert response.status_code == 400
    assert "Đợt thi đã có người làm bài: " + message in text_of(response)
    db.expire_all()
    round_ = db.get(Round, started.id)
    assert (round_.question_count, round_.duration_seconds, round_.points_per_question) == (4, 630, 1)
    assert [(r.topic.name, r.difficulty, r.count) for r in round_.draw_rules] == \
        [("Chủ đề A", "easy", 2), ("Chủ đề B", None, 2)]
    assert (round_.opens_at, round_.closes_at) == (OPEN, CLOSE + timedelta(seconds=17))


def test_edit_after_attempts_may_extend_the_close_time(client, db, organizer, started):
    page = text_of(client.get(f"/admin/rounds/{started.id}/edit"))
    assert "Đợt thi đã có 1 lượt làm bài" in page
    response = client.post(f"/admin/rounds/{started.id}/edit", data=edit_form(
        client, started.id, closes_at="2026-12-10T22:00", title="Tuần 1 (gia hạn)", attempts_mode="many",
        max_attempts="3"))
    assert response.status_code == 302, text_of(response)
    db.expire_all()
    round_ = db.get(Round, started.id)
    assert round_.closes_at == datetime(2026, 12, 10, 15, 0, tzinfo=timezone.utc)
    assert (round_.title, round_.max_attempts, round_.duration_seconds) == ("Tuần 1 (gia hạn)", 3, 630)


# --- access ----------------------------------------------------------------------------------


ADMIN_GETS = ["/admin/", "/admin/contests/new", "/admin/contests/{c}", "/admin/contests/{c}/edit",
              "/admin/contests/{c}/rounds/new", "/admin/rounds/{r}/edit", "/admin/rounds/{r}/preview"]
ADMIN_POSTS = ["/admin/contests/new", "/admin/contests/{c}/edit", "/admin/contests/{c}/rounds/new",
               "/admin/rounds/{r}/edit", "/admin/rounds/{r}/publish", "/admin/rounds/{r}/unpublish"]


@pytest.fixture
def targets(db):
    make_bank(3)
    round_ = make_round(questions=3, publish=False)
    db.commit()
    return {"c": round_.contest_id, "r": round_.id}


@pytest.mark.parametrize("role", ["participant", "judge"])
def test_participants_and_judges_get_403(client, auth, db, targets, role):
    make_user(role=role, username="khach")
    db.commit()
    auth.login("khach", PASSWORD)
    csrf = csrf_token(client, "/")
    for path in ADMIN_GETS:
        assert client.get(path.format(**targets)).status_code == 403, path
    for path in ADMIN_POSTS:
        assert client.post(path.format(**targets), data={"csrf_token": csrf, "name": "X"}).status_code == 403, path
    db.expire_all()
    assert not db.get(Round, targets["r"]).is_published
    assert db.scalar(select(func.count()).select_from(Contest)) == 1


def test_anonymous_is_sent_to_login(client, targets):
    for path in ADMIN_GETS:
        response = client.get(path.format(**targets))
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), path


@pytest.mark.parametrize("role", ["admin", "organizer"])
def test_admins_and_organizers_see_every_page(client, auth, db, targets, role):
    make_user(role=role, username="nguoi")
    db.commit()
    auth.login("nguoi", PASSWORD)
    for path in ADMIN_GETS:
        assert client.get(path.format(**targets)).status_code == 200, path


def test_organizer_scoped_to_a_contest_sees_only_it(client, auth, db, targets):
    mine = make_contest(name="Cuộc thi của tôi")
    user = make_user(role="organizer", username="btc2")
    db.add(ContestStaff(contest=mine, user=user))
    db.commit()
    auth.login("btc2", PASSWORD)
    listing = text_of(client.get("/admin/"))
    assert "Cuộc thi của tôi" in listing and f"/admin/contests/{targets['c']}" not in listing
    assert client.get(f"/admin/contests/{mine.id}").status_code == 200
    for path in ADMIN_GETS[2:]:
        assert client.get(path.format(**targets)).status_code == 403, path
    response = client.post(f"/admin/rounds/{targets['r']}/publish", data={"csrf_token": token(client)})
    assert response.status_code == 403
    # A contest the scoped organizer creates stays theirs.
    client.post("/admin/contests/new", data={"csrf_token": token(client), "name": "Cuộc thi mới"})
    new = db.scalar(select(Contest).where(Contest.name == "Cuộc thi mới"))
    assert client.get(f"/admin/contests/{new.id}").status_code == 200


def test_unknown_ids_get_404(client, db, organizer):
    assert client.get("/admin/contests/999").status_code == 404
    assert client.get("/admin/rounds/999/edit").status_code == 404



def test_a_broad_rule_leaves_the_narrow_rules_their_questions(db):
    """2 questions of topic T, 1 elsewhere: "any topic: 1" then "T: 2" is satisfiable."""
    topic_questions = make_bank(2, topic="Chủ đề T")
    make_bank(1, topic="Chủ đề khác")
    spec = rounds.RoundSpec(title="Đợt thử", question_count=3, duration_seconds=600,
                            topic_mix=[(None, None, 1), ("Chủ đề T", None, 2)])
    round_ = rounds.create_round(db, make_contest(), spec)
    assert draw.shortages(db, round_) == []
    check = rounds.check_blueprint(db, round_)
    assert check.ok
    assert [(c.needed, c.available) for c in check.rules] == [(1, 1), (2, 2)]  # shown in the organizer's order
    for _ in range(10):
        chosen = draw.draw(db, round_)
        assert {q.id for q in topic_questions} <= set(chosen) and len(set(chosen)) == 3
