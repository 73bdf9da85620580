"""`flask --app contest create-round` (SPEC §3): options, defaults, JSON, errors that store nothing."""
import json
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import func, select

from contest.models import DEFAULT_PREDICTION_PROMPT, Contest, Round
from contest.services.quiz import draw
from tests.factories import make_bank, make_contest, make_unit

NOW = datetime(2026, 11, 24, 3, 30, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def clean_draw_cache():
    draw.clear_cache()
    yield
    draw.clear_cache()


@pytest.fixture
def traveller():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def bank(db):
    """Topic A: 3 easy + 2 hard; topic B: 4 medium."""
    make_bank(3, topic="Chủ đề A", difficulty="easy")
    make_bank(2, topic="Chủ đề A", difficulty="hard")
    make_bank(4, topic="Chủ đề B")
    db.commit()


def create_round(runner, *extra, title="Tuần 1", contest="Cuộc thi CCHC 2026", questions="5", duration="900"):
    args = ["create-round", title, "--contest", contest, "--questions", questions, "--duration-seconds", duration]
    return runner.invoke(args=args + list(extra))


def stored(db) -> tuple[int, int]:
    return (db.scalar(select(func.count()).select_from(Contest)), db.scalar(select(func.count()).select_from(Round)))


def test_defaults_open_now_for_a_week_with_the_prediction_question(runner, db, bank, traveller):
    result = create_round(runner, "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)  # exactly one JSON object on stdout
    assert set(body) == {"contest_id", "round_id"}
    round_ = db.get(Round, body["round_id"])
    assert round_.contest_id == body["contest_id"]
    assert round_.contest.name == "Cuộc thi CCHC 2026" and round_.title == "Tuần 1"
    assert (round_.opens_at, round_.closes_at) == (NOW, NOW + timedelta(days=7))
    assert (round_.question_count, round_.duration_seconds) == (5, 900)
    assert (round_.max_attempts, round_.grading, round_.show_score) == (1, "best", False)
    assert round_.prediction_prompt == DEFAULT_PREDICTION_PROMPT
    assert round_.draw_rules == [] and round_.is_published
    assert result.stderr == ""


def test_every_option(runner, db, bank, traveller):
    make_unit(code="SNV")
    db.commit()
    result = create_round(
        runner, "--topic-mix", "Chủ đề A/hard:2, Chủ đề B:3", "--opens", "2026-12-01T08:00",
        "--closes", "2026-12-07T17:00:00+07:00", "--max-attempts", "3", "--grading", "last", "--show-score",
        "--no-prediction", "--unit", "SNV", "--json",
    )
    assert result.exit_code == 0, result.output
    round_ = db.get(Round, json.loads(result.stdout)["round_id"])
    # An ISO time without an offset is read in Asia/Ho_Chi_Minh; stored in UTC.
    assert round_.opens_at == datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)
    assert round_.closes_at == datetime(2026, 12, 7, 10, 0, tzinfo=timezone.utc)
    assert (round_.max_attempts, round_.grading, round_.show_score) == (3, "last", True)
    assert round_.prediction_prompt is None
    assert [(r.topic.name, r.difficulty, r.count) for r in round_.draw_rules] == \
        [("Chủ đề A", "hard", 2), ("Chủ đề B", None, 3)]
    assert [u.code for u in round_.eligible_units] == ["SNV"]


def test_topic_mix_levels_in_vietnamese(runner, db, bank, traveller):
    result = create_round(runner, "--topic-mix", "Chủ đề A / Khó : 2, Chủ đề A/dễ:1, Chủ đề B:2", "--json")
    assert result.exit_code == 0, result.output
    round_ = db.get(Round, json.loads(result.stdout)["round_id"])
    assert [(r.topic.name, r.difficulty, r.count) for r in round_.draw_rules] == \
        [("Chủ đề A", "hard", 2), ("Chủ đề A", "easy", 1), ("Chủ đề B", None, 2)]


def test_opens_alone_closes_a_week_later_and_unlimited_attempts(runner, db, bank, traveller):
    result = create_round(runner, "--opens", "2026-12-01T08:00:00Z", "--max-attempts", "unlimited", "--json")
    assert result.exit_code == 0, result.output
    round_ = db.get(Round, json.loads(result.stdout)["round_id"])
    assert round_.opens_at == datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)
    assert round_.closes_at == datetime(2026, 12, 8, 8, 0, tzinfo=timezone.utc)
    assert round_.max_attempts is None


def test_existing_contest_is_reused_and_message_is_human(runner, db, bank, traveller):
    contest = make_contest(name="Cuộc thi CCHC 2026")
    db.commit()
    first = create_round(runner, title="Tuần 1", contest="  Cuộc thi  CCHC 2026 ")
    second = create_round(runner, title="Tuần 2")
    assert first.exit_code == second.exit_code == 0, first.output + second.output
    assert "Đã tạo đợt thi “Tuần 2”" in second.stdout and "Cuộc thi CCHC 2026" in second.stdout
    assert stored(db) == (1, 2)
    assert {r.contest_id for r in db.scalars(select(Round))} == {contest.id}


@pytest.mark.parametrize(
    "extra, overrides, message",
    [
        (["--topic-mix", "Chủ đề A-2"], {}, "Mục 1 của cơ cấu đề “Chủ đề A-2” không hợp lệ"),
        (["--topic-mix", "Chủ đề A:3,:2"], {}, "Mục 2 của cơ cấu đề “:2” không hợp lệ"),
        (["--topic-mix", "Chủ đề A:0,Chủ đề B:5"], {}, "Mục 1 của cơ cấu đề “Chủ đề A:0” không hợp lệ"),
        (["--topic-mix", "Chủ đề A/rất khó:2,Chủ đề B:3"], {}, "Không có chủ đề “Chủ đề A/rất khó”"),
        (["--topic-mix", "Chủ đề A:2,Chủ đề B:2"], {}, "Cơ cấu đề có tổng 4 câu, khác số câu hỏi của đợt (5)."),
        (["--topic-mix", "Chủ đề A:2,Chủ đề A:3"], {}, "hai dòng cùng chủ đề “Chủ đề A”"),
        (["--topic-mix", "Chủ đề Z:2,Chủ đề B:3"], {}, "Không có chủ đề “Chủ đề Z” trong ngân hàng câu hỏi."),
        (["--topic-mix", "Chủ đề A/hard:3,Chủ đề B:2"], {},
         "Ngân hàng câu hỏi chưa đủ để mở đợt thi: “Chủ đề A – khó”: cần 3 câu, ngân hàng chỉ có 2 câu"),
        ([], {"questions": "10"}, "“toàn bộ ngân hàng”: cần 10 câu, ngân hàng chỉ có 9 câu"),
        ([], {"questions": "0"}, "Số câu hỏi phải từ 1 đến 200."),
        ([], {"duration": "30"}, "Thời gian làm bài phải từ 1 phút đến 6 giờ."),
        ([], {"title": "  "}, "Tên đợt thi phải có từ 1 đến 300 ký tự."),
        ([], {"contest": " "}, "Tên cuộc thi không được để trống."),
        (["--opens", "thứ hai"], {}, "--opens: “thứ hai” không phải thời điểm ISO 8601"),
        (["--closes", "2026-13-01"], {}, "--closes: “2026-13-01” không phải thời điểm ISO 8601"),
        (["--opens", "2026-12-08T08:00", "--closes", "2026-12-01T08:00"], {}, "Thời điểm đóng phải sau thời điểm mở."),
        (["--closes", "2026-11-20T08:00"], {}, "Thời điểm đóng phải sau thời điểm mở."),
        (["--max-attempts", "ba"], {}, "--max-attempts: “ba” phải là số nguyên dương hoặc “unlimited”."),
        (["--max-attempts", "²"], {}, "--max-attempts: “²” phải là số nguyên dương hoặc “unlimited”."),
        (["--unit", "KHONGCO"], {}, "Không có đơn vị mã “KHONGCO”."),
    ],
)
def test_errors_exit_non_zero_and_store_nothing(runner, db, bank, traveller, extra, overrides, message):
    result = create_round(runner, *extra, "--json", **overrides)
    assert result.exit_code != 0
    assert message in result.stderr
    assert result.stdout == ""
    assert stored(db) == (0, 0)  # not even the contest it would have created


def test_bank_too_small_keeps_an_existing_contest_untouched(runner, db, traveller):
    make_bank(2)
    make_contest(name="Cuộc thi CCHC 2026")
    db.commit()
    result = create_round(runner, questions="3")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1  # one line per problem
    assert "cần 3 câu, ngân hàng chỉ có 2 câu" in result.stderr
    assert stored(db) == (1, 0)


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--grading", "average"], "Invalid value for '--grading'"),
        (["--questions", "năm"], "Invalid value for '--questions'"),
    ],
)
def test_usage_errors(runner, db, bank, extra, message):
    result = runner.invoke(args=["create-round", "Tuần 1", "--contest", "C", "--questions", "5",
                                 "--duration-seconds", "600", *extra])
    assert result.exit_code == 2
    assert message in result.stderr
    assert stored(db) == (0, 0)


def test_required_options(runner, db):
    result = runner.invoke(args=["create-round", "Tuần 1", "--questions", "5", "--duration-seconds", "600"])
    assert result.exit_code == 2 and "Missing option '--contest'" in result.stderr
    result = runner.invoke(args=["create-round", "Tuần 1", "--contest", "C", "--duration-seconds", "600"])
    assert result.exit_code == 2 and "Missing option '--questions'" in result.stderr
    assert stored(db) == (0, 0)
