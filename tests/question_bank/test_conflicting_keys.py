"""Data that must not pass silently (issue 16, point 6): the same question with another key, in the
file or against the bank, and two identical choices in one question."""
from sqlalchemy import func, select

from question_bank import services
from question_bank.importers import parse_file
from question_bank.models import Question

from .sheets import csv_text

HEADER = ["Câu hỏi", "A", "B", "C", "Đáp án"]
QUESTION = ["Cơ quan nào chủ trì cải cách hành chính?", "Bộ Nội vụ", "Bộ Tư pháp", "Văn phòng Chính phủ"]


def parsed(*rows):
    result = parse_file(csv_text([HEADER, *rows]).encode(), "bank.csv")
    assert result.format == "csv"
    return result


def problems(items):
    return [(p.where, p.message) for p in items]


def test_same_question_twice_with_different_keys_is_an_error_naming_both_rows(db):
    # Row 3 lists the same choices in another order: still the same question, and its key is B.
    report = services.import_questions(db, parsed(QUESTION + ["A"], [QUESTION[0], "Bộ Tư pháp", "Bộ Nội vụ",
                                                                      "Văn phòng Chính phủ", "A"]))
    assert problems(report.errors) == [
        ("CSV, dòng 3", "Trùng với CSV, dòng 2 nhưng đáp án khác: CSV, dòng 2 là “Bộ Nội vụ”, ở đây là "
                        "“Bộ Tư pháp”. Hãy kiểm tra và sửa đáp án sai."),
    ]
    assert report.imported == 0 and db.scalar(select(func.count()).select_from(Question)) == 0


def test_same_question_twice_with_the_same_key_stays_a_duplicate(db):
    report = services.import_questions(db, parsed(QUESTION + ["A"], [QUESTION[0], "Bộ Tư pháp", "bộ nội vụ",
                                                                      "Văn phòng Chính phủ", "B"]))
    assert report.errors == []
    assert (report.imported, report.duplicates) == (1, 1)
    assert problems(report.warnings) == [("CSV, dòng 3", "Trùng với CSV, dòng 2 trong cùng tệp; bỏ qua.")]


def test_question_already_in_the_bank_with_another_key_is_an_error_naming_the_bank_question(db):
    first = services.import_questions(db, parsed(QUESTION + ["A"]))
    db.commit()
    [bank_id] = first.stored_ids
    report = services.import_questions(db, parsed(QUESTION + ["C"]))
    assert problems(report.errors) == [
        ("CSV, dòng 2", f"Trùng với câu hỏi #{bank_id} trong ngân hàng nhưng đáp án khác: ngân hàng là “Bộ Nội vụ”, "
                        "tệp là “Văn phòng Chính phủ”. Hãy kiểm tra và sửa đáp án sai."),
    ]
    assert report.imported == 0 and db.scalar(select(func.count()).select_from(Question)) == 1
    again = services.import_questions(db, parsed(QUESTION + ["A"]))
    assert again.errors == [] and (again.imported, again.duplicates) == (0, 1)


def test_identical_choices_in_one_question_are_an_error_naming_it():
    result = parse_file(csv_text([HEADER, QUESTION + ["A"], ["Câu hai?", "Có", "Không", " có ", "A"]]).encode(),
                        "bank.csv")
    assert problems(result.errors) == [("CSV, dòng 3", "Phương án C trùng với phương án A.")]


def test_choices_differing_only_by_punctuation_are_different():
    result = parse_file(csv_text([HEADER, ["Tỷ lệ?", "10", "10%", "100", "B"]]).encode(), "bank.csv")
    assert result.errors == []
