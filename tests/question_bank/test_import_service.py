"""services.import_questions on both engines: all-or-nothing, duplicates, near-duplicates, topics
and sources, difficulty, status, and the bulk insert's chunking."""
import random
import unicodedata

import pytest
from sqlalchemy import func, select

from contest.models import AuditLog
from core.text import fold
from question_bank import services
from question_bank.exporter import write_xlsx
from question_bank.importers import parse_file
from question_bank.importers.result import ParsedQuestion, ParseResult
from question_bank.models import Choice, Question, SourceDocument, Topic
from question_bank.near_duplicates import near_duplicate_pairs
from tests.factories import make_question, make_user

from .sheets import xlsx

HEADER = ["Câu hỏi", "A", "B", "C", "D", "Đáp án", "Chủ đề", "Mức độ", "Nguồn"]
Q1 = ["Cơ quan nào là cơ quan thường trực giúp Chính phủ chỉ đạo công tác cải cách hành chính nhà nước?",
      "Bộ Nội vụ", "Bộ Tư pháp",
      "Văn phòng Chính phủ", "Bộ Tài chính", "A", "Bộ máy", "Dễ", "Nghị quyết 76/NQ-CP"]
Q2 = ["Dịch vụ công trực tuyến toàn trình cho phép người dân làm gì?", "Nộp hồ sơ và nhận kết quả trực tuyến",
      "Chỉ tra cứu thông tin", "Chỉ tải biểu mẫu", "Chỉ đặt lịch hẹn", "A", "Chính phủ số", "Trung bình",
      "Nghị định 42/2022/NĐ-CP"]
Q3 = ["Thời hạn giải quyết thủ tục được tính từ khi nào?", "Khi nhận đủ hồ sơ hợp lệ", "Khi nộp lệ phí",
      "Khi có ý kiến lãnh đạo", "Khi trả kết quả", "A", "Bộ máy", "Khó", "Nghị quyết 76/NQ-CP"]


def parsed(*rows, header=HEADER) -> ParseResult:
    result = parse_file(xlsx([header, *rows]), "bank.xlsx")
    assert result.format == "xlsx"
    return result


def stored(db) -> list[tuple]:
    db.expire_all()
    return sorted(
        (q.text, tuple(c.text for c in q.choices), q.correct_choice.letter, q.topic.name if q.topic else None,
         q.difficulty, q.source.title if q.source else None, q.status)
        for q in db.scalars(select(Question))
    )


def count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def problems(items) -> list[tuple[str, str]]:
    return [(p.where, p.message) for p in items]


def test_stores_every_question_with_its_choices_topic_source_and_difficulty(db):
    report = services.import_questions(db, parsed(Q1, Q2, Q3))
    db.commit()
    assert (report.imported, report.duplicates, report.errors, report.warnings) == (3, 0, [], [])
    assert len(report.stored_ids) == 3
    assert stored(db) == sorted([
        (Q1[0], tuple(Q1[1:5]), "A", "Bộ máy", "easy", "Nghị quyết 76/NQ-CP", "active"),
        (Q2[0], tuple(Q2[1:5]), "A", "Chính phủ số", "medium", "Nghị định 42/2022/NĐ-CP", "active"),
        (Q3[0], tuple(Q3[1:5]), "A", "Bộ máy", "hard", "Nghị quyết 76/NQ-CP", "active"),
    ])
    ids = {db.get(Question, qid).text for qid in report.stored_ids}
    assert ids == {Q1[0], Q2[0], Q3[0]}


def test_one_error_stores_nothing_at_all(db):
    bad = [*Q2[:5], "", *Q2[6:]]  # no answer
    report = services.import_questions(db, parsed(Q1, bad, Q3))
    db.commit()
    assert report.imported == 0
    assert problems(report.errors) == [("Sheet1, dòng 3", "Thiếu đáp án (ô “Đáp án” để trống).")]
    assert report.stored_ids == []
    assert (count(db, Question), count(db, Choice), count(db, Topic), count(db, SourceDocument)) == (0, 0, 0, 0)
    assert count(db, AuditLog) == 0


def test_a_refused_file_is_reported_and_stores_nothing(db):
    report = services.import_questions(db, ParseResult.refused("Tệp bị hỏng."))
    assert (report.imported, problems(report.errors)) == (0, [("Tệp", "Tệp bị hỏng.")])
    assert count(db, Question) == 0


def test_dry_run_reports_what_would_be_stored_and_stores_nothing(db):
    make_question(text=Q3[0], choices=Q3[1:5], topic="Bộ máy")
    db.commit()
    report = services.import_questions(db, parsed(Q1, Q2, Q3), dry_run=True)
    db.rollback()
    assert (report.imported, report.duplicates, report.errors) == (2, 1, [])
    assert count(db, Question) == 1
    assert count(db, Topic) == 1  # "Chính phủ số" was not created


def test_duplicates_within_the_file_are_reported_and_stored_once(db):
    # Same stem and same set of choices after case, punctuation and spacing are folded, in another order.
    again = ["  cơ QUAN nào là cơ quan thường trực, giúp chính phủ chỉ đạo công tác cải cách hành chính nhà nước ",
             "bộ tài chính", "Bộ Nội vụ.",
             "Văn phòng  Chính phủ", "Bộ Tư pháp!", "B", "Bộ máy", "Dễ", ""]
    report = services.import_questions(db, parsed(Q1, Q2, again))
    db.commit()
    assert (report.imported, report.duplicates) == (2, 1)
    assert problems(report.warnings) == [("Sheet1, dòng 4", "Trùng với Sheet1, dòng 2 trong cùng tệp; bỏ qua.")]
    assert count(db, Question) == 2
    assert count(db, Choice) == 8


def test_duplicates_of_the_bank_are_reported_not_stored(db):
    # Choices reversed, so the file's key A ("Bộ Nội vụ") is the stored question's last choice: the
    # same key (a different key is an error, test_conflicting_keys.py).
    existing = make_question(text=Q1[0].upper(), choices=list(reversed(Q1[1:5])), correct=3, topic="Khác")
    db.commit()
    report = services.import_questions(db, parsed(Q1, Q2))
    db.commit()
    assert (report.imported, report.duplicates) == (1, 1)
    assert problems(report.warnings) == [("Sheet1, dòng 2", "Trùng với câu hỏi đã có trong ngân hàng; bỏ qua.")]
    assert count(db, Question) == 2
    db.refresh(existing)
    assert existing.topic.name == "Khác"  # the stored question is left alone


def test_same_stem_with_other_choices_is_a_different_question(db):
    other = [Q1[0], "Bộ Công an", "Bộ Quốc phòng", "Bộ Ngoại giao", "Bộ Y tế", "C", "Bộ máy", "Dễ", ""]
    report = services.import_questions(db, parsed(Q1, other))
    assert (report.imported, report.duplicates, report.warnings) == (2, 0, [])


def test_near_duplicates_are_stored_with_a_warning(db):
    # 17 words shared of 20 in all: a Jaccard similarity of exactly 0.85, the threshold.
    reworded = ["Cơ quan nào là cơ quan thường trực giúp Thủ tướng chỉ đạo công tác cải cách hành chính nhà nước?",
                "Bộ Nội vụ", "Bộ Công thương", "Văn phòng Quốc hội", "Bộ Y tế", "A", "Bộ máy", "Dễ", ""]
    unlike = ["Cơ quan nào giúp Thủ tướng chỉ đạo công tác cải cách hành chính ở các bộ?", "Bộ Nội vụ", "Bộ Công an",
              "Thanh tra Chính phủ", "Bộ Y tế", "A", "Bộ máy", "Dễ", ""]
    report = services.import_questions(db, parsed(Q1, Q2, reworded, unlike))
    db.commit()
    assert (report.imported, report.duplicates) == (4, 0)
    assert problems(report.warnings) == [("Sheet1, dòng 4", "Gần giống Sheet1, dòng 2; hãy kiểm tra lại.")]
    assert count(db, Question) == 4


def test_topics_and_sources_are_created_once_and_reused(db):
    make_question(text="Câu hỏi đã có sẵn trong ngân hàng?", topic="Bộ máy", source="Nghị quyết 76/NQ-CP")
    db.commit()
    topic_id = db.scalar(select(Topic.id).where(Topic.name == "Bộ máy"))
    no_topic = [*Q3[:6], "", "Khó", "  Nghị   quyết 76/NQ-CP "]
    report = services.import_questions(db, parsed(Q1, Q2, no_topic), topic="Chủ đề chung")
    db.commit()
    assert report.imported == 3
    assert sorted(db.scalars(select(Topic.name))) == ["Bộ máy", "Chính phủ số", "Chủ đề chung"]
    assert sorted(db.scalars(select(SourceDocument.title))) == ["Nghị quyết 76/NQ-CP", "Nghị định 42/2022/NĐ-CP"]
    assert db.scalar(select(Topic.id).where(Topic.name == "Bộ máy")) == topic_id
    topics = dict(db.execute(select(Question.text, Topic.name).join(Topic)).all())
    assert (topics[Q1[0]], topics[Q3[0]]) == ("Bộ máy", "Chủ đề chung")  # --topic only fills the gaps


@pytest.mark.parametrize(
    "label, expected",
    [("Dễ", "easy"), ("dễ", "easy"), ("Trung bình", "medium"), ("KHÓ", "hard"), ("easy", "easy"),
     ("Medium", "medium"), ("hard", "hard"), ("1", "easy"), ("2", "medium"), ("3", "hard"), ("", "medium")],
)
def test_difficulty_labels_are_mapped(db, label, expected):
    report = services.import_questions(db, parsed([*Q1[:7], label, Q1[8]]))
    db.commit()
    assert report.errors == []
    assert db.scalar(select(Question.difficulty)) == expected


def test_retired_status_round_trips_through_export(db, tmp_path):
    make_question(text="Câu hỏi đã ngừng dùng từ năm trước?", choices=["Có", "Không"], correct=1, status="retired")
    make_question(text="Câu hỏi vẫn đang dùng trong các đợt thi?", choices=["Có", "Không"], correct=0)
    db.commit()
    before = stored(db)
    path = tmp_path / "bank.xlsx"
    assert write_xlsx(db, path) == 2
    for model in (Choice, Question):
        db.execute(model.__table__.delete())
    db.commit()
    report = services.import_questions(db, parse_file(path.read_bytes(), path.name))
    db.commit()
    assert (report.imported, report.errors) == (2, [])
    assert stored(db) == before
    assert sorted(db.scalars(select(Question.status))) == ["active", "retired"]


def test_service_cleans_text_it_is_given_directly(db):
    nfd = unicodedata.normalize("NFD", "Thủ tục hành chính   được công bố ở đâu?")
    result = ParseResult(questions=[ParsedQuestion(
        where="Câu 1", text=nfd, choices=[unicodedata.normalize("NFD", "Cổng  Dịch vụ công"), "Bảng tin\u200b xã"],
        correct=[0], topic=" Thủ tục ", source=None, explanation="  ",
    )])
    report = services.import_questions(db, result)
    db.commit()
    assert report.imported == 1
    question = db.scalar(select(Question))
    assert question.text == "Thủ tục hành chính được công bố ở đâu?"
    assert unicodedata.is_normalized("NFC", question.text)
    assert [c.text for c in question.choices] == ["Cổng Dịch vụ công", "Bảng tin xã"]
    assert (question.topic.name, question.explanation, question.difficulty) == ("Thủ tục", None, "medium")
    assert question.created_at is not None and question.created_at.tzinfo is not None


def test_the_importing_user_is_recorded_and_audit_logged_once(db):
    user = make_user(role="organizer")
    db.commit()
    report = services.import_questions(db, parsed(Q1, Q2), user_id=user.id)
    db.commit()
    assert set(db.scalars(select(Question.created_by_id))) == {user.id}
    assert {db.get(Question, qid).created_by_id for qid in report.stored_ids} == {user.id}
    entries = db.scalars(select(AuditLog)).all()
    assert [(e.action, e.user_id, e.details["imported"], e.details["format"]) for e in entries] == [
        ("questions_imported", user.id, 2, "xlsx")
    ]


def test_chunked_inserts_keep_each_question_with_its_own_choices(db, monkeypatch):
    monkeypatch.setattr(services, "_UNNEST_CHUNK", 3)
    monkeypatch.setattr(services, "_IN_CHUNK", 2)
    questions = [
        ParsedQuestion(where=f"Câu {n}", text=f"Câu hỏi riêng số {n} về cải cách?", correct=[n % 3],
                       choices=[f"Phương án {n}-{k}" for k in range(3 + n % 2)], topic=f"Chủ đề {n % 2}")
        for n in range(1, 11)
    ]
    report = services.import_questions(db, ParseResult(questions=questions))
    db.commit()
    assert report.imported == 10
    for qid in report.stored_ids:
        question = db.get(Question, qid)
        n = int(question.text.split()[4])
        assert [c.text for c in question.choices] == [f"Phương án {n}-{k}" for k in range(3 + n % 2)]
        assert [c.is_correct for c in question.choices].count(True) == 1
        assert question.correct_choice.position == n % 3
    assert [db.get(Question, qid).text for qid in report.stored_ids] == [q.text for q in questions]


# --- near_duplicate_pairs on its own ----------------------------------------------------------

def _brute_force(items):
    bags = [frozenset(fold(text).split()) for _, text in items]
    pairs = []
    for index, bag in enumerate(bags):
        if len(bag) < 4:
            continue
        for other in range(index):
            if bags[other] != bag and len(bag & bags[other]) / len(bag | bags[other]) >= 0.85:
                pairs.append((items[other][0], items[index][0]))
                break
    return pairs


@pytest.mark.parametrize("seed, vocabulary_size, sizes", [
    *[(seed, 30, (3, 22)) for seed in range(4)],  # short questions: indexed by word triples
    *[(seed, 90, (30, 60)) for seed in range(4)],  # long ones across SHORT: triples and pairs
])
def test_near_duplicates_match_comparing_every_pair(seed, vocabulary_size, sizes):
    rng = random.Random(seed)
    vocabulary = [f"từ{n}" for n in range(vocabulary_size)]
    templates = [rng.sample(vocabulary, rng.randint(*sizes)) for _ in range(10)]
    items = []
    for n in range(150):
        words = list(rng.choice(templates))
        for _ in range(rng.randint(0, 5)):
            action = rng.random()
            if action < 0.4 and words:
                words.pop(rng.randrange(len(words)))
            elif action < 0.8 or not words:
                words.append(rng.choice(vocabulary))
            else:
                words[rng.randrange(len(words))] = rng.choice(vocabulary)
        items.append((f"Câu {n}", " ".join(words)))
    expected = _brute_force(items)
    assert expected  # the corpus really has near-duplicates
    assert near_duplicate_pairs(items) == expected


def test_near_copies_of_one_template_all_name_the_first():
    items = [(f"Câu {n}", f"Câu hỏi số {n}: cơ quan nào chủ trì nhiệm vụ cải cách hành chính thứ {n}?")
             for n in range(1, 3001)]
    pairs = near_duplicate_pairs(items)
    assert len(pairs) == 2999
    assert {first for first, _ in pairs} == {"Câu 1"}


def test_identical_word_sets_are_left_to_the_duplicate_key():
    # The same stem with other choices is another question, not a near-duplicate of the first.
    items = [("Câu 1", "Phát biểu nào sau đây là đúng?"), ("Câu 2", "Phát biểu nào sau đây là đúng?"),
             ("Câu 3", "phát biểu nào SAU đây là đúng")]
    assert near_duplicate_pairs(items) == []
