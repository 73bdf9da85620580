"""Example files for the import page (issue 16 point 9): one per layout organizers write, filled
with questions the caller passes in (the contest passes a sample of its Vietnamese demo bank; the
bank imports nothing from the contest).

- Word, answers in bold: "Chủ đề: …" lines, "Câu N: …", then "A. …" lines, the right one bold.
- Word table: STT | Nội dung câu hỏi | Phương án trả lời | Đáp án, the choices as lines
  (paragraphs) of one cell and the key as a letter, as many ministries publish their banks.
- Excel: the columns the importer reads, the layout the bank's export writes.
"""
import io
from collections.abc import Sequence

from docx import Document
from openpyxl import Workbook

from core.spreadsheet import header_row, safe_cell

from .exporter import DIFFICULTY_LABELS, SHEET_TITLE
from .importers.result import ParsedQuestion
from .importers.validate import LETTERS

TABLE_HEADER = ("STT", "Nội dung câu hỏi", "Phương án trả lời", "Đáp án")
SHEET_TAIL = ("Đáp án", "Chủ đề", "Mức độ", "Nguồn", "Giải thích")


def _key(question: ParsedQuestion) -> str:
    return LETTERS[question.correct[0]] if question.correct else ""


def _saved(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def word_bold(questions: Sequence[ParsedQuestion], title: str) -> bytes:
    document = Document()
    document.add_heading(title, level=1)
    topic = None
    for number, question in enumerate(questions, start=1):
        if question.topic and question.topic != topic:
            topic = question.topic
            document.add_paragraph(f"Chủ đề: {topic}")
        document.add_paragraph(f"Câu {number}: {question.text}")
        for index, choice in enumerate(question.choices):
            document.add_paragraph().add_run(f"{LETTERS[index]}. {choice}").bold = index in question.correct
    return _saved(document)


def word_table(questions: Sequence[ParsedQuestion], title: str) -> bytes:
    document = Document()
    document.add_heading(title, level=1)
    table = document.add_table(rows=1, cols=len(TABLE_HEADER))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, TABLE_HEADER):
        cell.paragraphs[0].add_run(text).bold = True
    for number, question in enumerate(questions, start=1):
        stt, stem, choices, key = table.add_row().cells
        stt.text, stem.text, key.text = str(number), question.text, _key(question)
        lines = [f"{LETTERS[index]}. {choice}" for index, choice in enumerate(question.choices)]
        choices.text = lines[0]
        for line in lines[1:]:  # one paragraph per choice: "on separate lines inside one cell"
            choices.add_paragraph(line)
    return _saved(document)


def excel(questions: Sequence[ParsedQuestion]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    width = max([4, *(len(question.choices) for question in questions)])  # columns A–D at least
    titles = ["Câu hỏi", *LETTERS[:width], *SHEET_TAIL]
    sheet.append(header_row(sheet, titles, [60, *[30] * width, 8, 24, 12, 28, 40]))
    for question in questions:
        choices = list(question.choices) + [""] * (width - len(question.choices))
        row = [question.text, *choices, _key(question), question.topic or "",
               DIFFICULTY_LABELS.get(question.difficulty or "medium", ""), question.source or "",
               question.explanation or ""]
        sheet.append([safe_cell(sheet, value) for value in row])
    return _saved(workbook)
