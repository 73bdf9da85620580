"""The whole bank as .xlsx, in the layout the importer reads, so an export imports back unchanged."""
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.spreadsheet import header_row, safe_cell, save_atomically

from .importers.validate import LETTERS
from .models import MAX_CHOICES, Choice
from .services import all_questions

SHEET_TITLE = "Ngân hàng câu hỏi"
DIFFICULTY_LABELS = {"easy": "Dễ", "medium": "Trung bình", "hard": "Khó"}
STATUS_LABELS = {"active": "Đang dùng", "retired": "Ngừng dùng"}
DEFAULT_CHOICES = 4  # an empty bank still exports a usable A–D template


def write_xlsx(session: Session, path) -> int:
    """Streams every question (active and retired) into `path`; returns how many were written."""
    choice_count = _choice_columns(session)
    letters = list(LETTERS[:choice_count])
    titles = ["Câu hỏi", *letters, "Đáp án", "Chủ đề", "Mức độ", "Nguồn", "Giải thích", "Trạng thái"]
    widths = [60, *[30] * choice_count, 8, 24, 12, 28, 40, 12]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    sheet.append(header_row(sheet, titles, widths))
    count = 0
    for question in all_questions(session):
        sheet.append([safe_cell(sheet, value) for value in _row(question, choice_count)])
        count += 1
    save_atomically(workbook, path)
    return count


def _choice_columns(session: Session) -> int:
    highest = session.scalar(select(func.max(Choice.position)))
    return DEFAULT_CHOICES if highest is None else min(max(highest + 1, 2), MAX_CHOICES)


def _row(question, choice_count: int) -> list:
    choices = [""] * choice_count
    for choice in question.choices:
        choices[choice.position] = choice.text
    correct = question.correct_choice
    return [
        question.text,
        *choices,
        correct.letter if correct else "",
        question.topic.name if question.topic else "",
        DIFFICULTY_LABELS.get(question.difficulty, question.difficulty),
        question.source.title if question.source else "",
        question.explanation or "",
        STATUS_LABELS.get(question.status, question.status),
    ]
